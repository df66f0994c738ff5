"""Brand presets: finding them, reading ``brand.yaml`` with ``extends``, and the Brand dataclasses.

A preset is a folder ``brand/<name>/`` holding ``brand.yaml`` and its assets (fonts, logo,
music). The dataclasses below are the schema: each settable field carries its kind, default
and allowed values in ``metadata``, so the checker, the defaults, the scaffold written by
``reelkit brand new`` and the built :class:`Brand` cannot drift apart.

Reading goes: each file of the ``extends`` chain is checked on its own (unknown keys, wrong
types, malformed colours: every problem names the file, line and key), its relative asset
paths are made absolute against *its own* folder (so a child inherits its parent's fonts
without copying them), then the files are deep-merged, parent first.
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import MISSING, Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml
from PIL import Image

from reelkit.errors import BrandError
from reelkit.plan.model import CaptionRules, CaptionStyle, MusicBed
from reelkit.io.fonts import load_font
from reelkit.io.yamlfile import load_yaml
from reelkit.plan import colours as col

PALETTE_NAMES = ("primary", "accent", "text", "background")
CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")
ANCHORS = ("safe", "frame")
#: Named vertical positions: the centre of the element as a fraction of the safe box height.
POSITIONS = {"top": 0.12, "upper": 0.25, "middle": 0.5, "lower": 0.74, "bottom": 0.88}
CAPTION_STYLES = ("classic", "karaoke", "pop", "boxed")
ANIMATIONS = ("fade", "slide")
DEFAULT_SAMPLE_TEXT = ("Ärger über Öl, façade, naïve, São Tomé, Łódź, Žižkov, Ærø, Åland, "
                       "œuvre, Straße, Dún Laoghaire, Eskişehir - 1,5 % € «ok»")
MAX_EXTENDS_DEPTH = 8


def _opt(kind: str, default: Any, *, choices: tuple[str, ...] = (), lo: float | None = None,
         hi: float | None = None, doc: str = "") -> Any:
    """A settable preset field: ``kind`` drives checking and conversion."""
    return field(default=default, metadata={"kind": kind, "choices": choices, "lo": lo, "hi": hi,
                                            "doc": doc})


def _section(cls: type, doc: str = "") -> Any:
    """A nested mapping of settable fields described by dataclass ``cls``."""
    return field(default_factory=cls, metadata={"section": cls, "doc": doc})


# --- the schema, as dataclasses -----------------------------------------------------------

@dataclass(frozen=True)
class Colours:
    """The palette; other colour fields may name one of these instead of a hex value."""

    primary: str = _opt("hex", "#2D3748", doc="brand colour: plates, cards")
    accent: str = _opt("hex", "#FFD400", doc="highlights, progress bar")
    text: str = _opt("hex", "#FFFFFF", doc="text on primary/background")
    background: str = _opt("hex", "#1A202C", doc="neutral dark background")


@dataclass(frozen=True)
class Fonts:
    """Bundled font files (paths relative to the brand.yaml that names them)."""

    title: str | None = _opt("file", None, doc="hook, end card, lower-third name, callouts")
    caption: str | None = _opt("file", None, doc="burned captions")
    body: str | None = _opt("file", None, doc="lower-third role, handle, watermark (default: caption)")


@dataclass(frozen=True)
class LogoSpec:
    """The logo drawn over the whole video."""

    file: str | None = _opt("file", None, doc="PNG with transparency; null for no logo")
    corner: str = _opt("choice", "top-left", choices=CORNERS)
    anchor: str = _opt("choice", "safe", choices=ANCHORS,
                       doc="safe: margin from the platform safe box; frame: from the frame edge")
    margin: int = _opt("int", 24, lo=0, hi=600, doc="px")
    scale: float = _opt("number", 0.14, lo=0.02, hi=0.6, doc="logo width as a fraction of frame width")
    opacity: float = _opt("number", 0.9, lo=0.0, hi=1.0)


@dataclass(frozen=True)
class CaptionRulesSpec:
    """How words are grouped into caption pages (-> plan.CaptionRules)."""

    max_chars_per_line: int = _opt("int", 24, lo=8, hi=60)
    max_lines: int = _opt("int", 2, lo=1, hi=4)
    max_cps: float = _opt("number", 17.0, lo=5, hi=40, doc="reading speed, characters per second")
    min_duration: float = _opt("number", 0.83, lo=0.1, hi=10, doc="seconds")
    max_duration: float = _opt("number", 7.0, lo=0.5, hi=30, doc="seconds")
    pause_break: float = _opt("number", 0.5, lo=0.0, hi=5, doc="a pause this long starts a new page")
    min_gap_frames: int = _opt("int", 2, lo=0, hi=30)


@dataclass(frozen=True)
class CaptionSpec:
    """Burned captions."""

    style: str = _opt("choice", "classic", choices=CAPTION_STYLES)
    size: int = _opt("int", 60, lo=16, hi=200, doc="font size in px at 1080x1920")
    text_colour: str = _opt("colour", "text")
    accent_colour: str = _opt("colour", "accent", doc="spoken word: its colour (karaoke), its box (boxed)")
    outline_colour: str = _opt("colour", "#000000")
    outline: float = _opt("number", 4.0, lo=0, hi=20, doc="px")
    shadow: float = _opt("number", 1.0, lo=0, hi=20, doc="px")
    uppercase: bool = _opt("bool", False)
    position: str | int = _opt("position", "lower",
                               doc="top|upper|middle|lower|bottom (inside the safe box) or px of the block centre")
    margin: int = _opt("int", 16, lo=0, hi=400, doc="extra px kept free inside the safe box, left and right")
    box_colour: str = _opt("colour", "#000000", doc="page box behind the text (style classic)")
    box_opacity: float = _opt("number", 0.0, lo=0.0, hi=1.0)
    rules: CaptionRulesSpec = _section(CaptionRulesSpec)


@dataclass(frozen=True)
class LowerThirdSpec:
    """Name/role plates shown at the outline's lower-third cues."""

    enabled: bool = _opt("bool", True)
    layout: str = _opt("choice", "bar", choices=("bar", "card", "underline"))
    background: str = _opt("colour", "primary")
    background_opacity: float = _opt("number", 0.92, lo=0.0, hi=1.0)
    name_colour: str = _opt("colour", "text")
    role_colour: str = _opt("colour", "accent")
    size: int = _opt("int", 50, lo=16, hi=160, doc="name size in px; the role is 0.65 of it")
    position: str | int = _opt("position", "bottom")
    anchor: str = _opt("choice", "safe", choices=ANCHORS)
    margin: int = _opt("int", 24, lo=0, hi=600)
    animation_in: str = _opt("choice", "slide", choices=ANIMATIONS)
    animation_out: str = _opt("choice", "fade", choices=ANIMATIONS)
    animation_duration: float = _opt("number", 0.35, lo=0.0, hi=3.0, doc="seconds")


@dataclass(frozen=True)
class HookSpec:
    """The outline's ``hook`` over the first seconds."""

    enabled: bool = _opt("bool", True)
    mode: str = _opt("choice", "over_footage", choices=("over_footage", "brand_colour"))
    duration: float = _opt("number", 2.5, lo=0.5, hi=15, doc="seconds")
    size: int = _opt("int", 64, lo=20, hi=200)
    text_colour: str = _opt("colour", "text")
    background: str = _opt("colour", "primary", doc="band (over_footage) or whole frame (brand_colour)")
    background_opacity: float = _opt("number", 0.85, lo=0.0, hi=1.0, doc="band opacity (over_footage)")
    uppercase: bool = _opt("bool", False)
    position: str | int = _opt("position", "middle", doc="band position (over_footage)")


@dataclass(frozen=True)
class EndCardSpec:
    """The outline's ``cta`` plus the handle, full frame over the last seconds."""

    enabled: bool = _opt("bool", True)
    duration: float = _opt("number", 2.5, lo=0.5, hi=15, doc="seconds")
    background: str = _opt("colour", "primary")
    text_colour: str = _opt("colour", "text")
    handle_colour: str = _opt("colour", "accent")
    size: int = _opt("int", 80, lo=20, hi=200)
    fade: float = _opt("number", 0.4, lo=0.0, hi=3.0, doc="fade-in seconds")


@dataclass(frozen=True)
class ProgressSpec:
    """A bar that grows from left to right over the video."""

    enabled: bool = _opt("bool", True)
    colour: str = _opt("colour", "accent")
    opacity: float = _opt("number", 1.0, lo=0.0, hi=1.0)
    thickness: int = _opt("int", 10, lo=2, hi=80, doc="px")
    edge: str = _opt("choice", "bottom", choices=("top", "bottom"))
    anchor: str = _opt("choice", "safe", choices=ANCHORS,
                       doc="safe: at the safe box edge; frame: at the frame edge (under platform UI)")


@dataclass(frozen=True)
class MusicSpec:
    """Background music bed, looped under the voice and ducked where speech is."""

    enabled: bool = _opt("bool", True)
    file: str | None = _opt("file", None, doc="audio file; null for none")
    level_db: float = _opt("number", -20.0, lo=-60, hi=0)
    duck_db: float = _opt("number", -10.0, lo=-40, hi=0, doc="extra gain while speech plays")
    fade_in: float = _opt("number", 1.0, lo=0, hi=10)
    fade_out: float = _opt("number", 1.5, lo=0, hi=10)


@dataclass(frozen=True)
class AudioSpec:
    """What is done to the clips' sound (an outline's ``audio:`` wins over this)."""

    clean: str = _opt("choice", "none", choices=("none", "voice"),
                      doc="voice: remove background noise from the voice (offline model); none: as recorded")


@dataclass(frozen=True)
class AudioDescriptionSpec:
    """Audio description (outline `describe:`): how the programme makes room for the cues."""

    duck_db: float = _opt("number", -12.0, lo=-40, hi=0, doc="gain of the programme while a description cue plays")


@dataclass(frozen=True)
class WatermarkSpec:
    """Faint text over the whole video (empty text: none)."""

    text: str = _opt("text", "")
    corner: str = _opt("choice", "top-right", choices=CORNERS)
    anchor: str = _opt("choice", "safe", choices=ANCHORS)
    margin: int = _opt("int", 24, lo=0, hi=600)
    size: int = _opt("int", 28, lo=10, hi=120)
    colour: str = _opt("colour", "text")
    opacity: float = _opt("number", 0.5, lo=0.0, hi=1.0)


@dataclass(frozen=True)
class CalloutSpec:
    """Short emphasis boxes at the outline's callout cues."""

    enabled: bool = _opt("bool", True)
    background: str = _opt("colour", "accent")
    background_opacity: float = _opt("number", 0.95, lo=0.0, hi=1.0)
    text_colour: str = _opt("colour", "#111111")
    size: int = _opt("int", 54, lo=16, hi=160)
    position: str | int = _opt("position", "upper")
    fade: float = _opt("number", 0.2, lo=0.0, hi=2.0)


@dataclass(frozen=True)
class Brand:
    """A resolved preset: every colour is ``#RRGGBB``, every asset path absolute."""

    name: str = field(default="", metadata={"internal": True})
    path: str = field(default="", metadata={"internal": True})  # the brand.yaml read
    extends: str | None = field(default=None, metadata={"internal": True})
    label: str = _opt("text", "", doc="human name shown by `reelkit brand list`")
    handle: str = _opt("text", "", doc="account handle shown on the end card, e.g. @cityofexample")
    sample_text: str = _opt("text", DEFAULT_SAMPLE_TEXT,
                            doc="text whose characters the fonts must cover (validate)")
    colours: Colours = _section(Colours)
    fonts: Fonts = _section(Fonts)
    logo: LogoSpec = _section(LogoSpec)
    captions: CaptionSpec = _section(CaptionSpec)
    lower_third: LowerThirdSpec = _section(LowerThirdSpec)
    hook: HookSpec = _section(HookSpec)
    end_card: EndCardSpec = _section(EndCardSpec)
    progress_bar: ProgressSpec = _section(ProgressSpec)
    music: MusicSpec = _section(MusicSpec)
    audio: AudioSpec = _section(AudioSpec)
    audio_description: AudioDescriptionSpec = _section(AudioDescriptionSpec)
    watermark: WatermarkSpec = _section(WatermarkSpec)
    callouts: CalloutSpec = _section(CalloutSpec)
    # key path -> (file, line) of the value in force; for messages, not for equality.
    origins: tuple[tuple[str, str, int], ...] = field(default=(), compare=False, repr=False,
                                                      metadata={"internal": True})
    files: tuple[str, ...] = field(default=(), compare=False, repr=False,
                                   metadata={"internal": True})  # the extends chain, child first

    def where(self, key: str) -> tuple[str, int | None]:
        """(file, line) that set ``key`` or its nearest parent; the preset file if none did."""
        table = {k: (f, ln) for k, f, ln in self.origins}
        probe = key
        while probe:
            if probe in table:
                return table[probe]
            probe = probe.rpartition(".")[0]
        return (self.path, None)

    @property
    def body_font(self) -> str:
        """The font for small text: ``fonts.body``, else the caption font."""
        return self.fonts.body or self.fonts.caption or ""

    @property
    def directory(self) -> Path:
        return Path(self.path).parent


@dataclass(frozen=True)
class BrandInfo:
    """One preset found on the search path."""

    name: str
    path: Path
    extends: str | None


# --- finding presets ----------------------------------------------------------------------

def shipped_brand_dir() -> Path:
    """The presets shipped inside the package (``reelkit/data/brand``: default, civic)."""
    return Path(__file__).resolve().parent.parent / "data" / "brand"


def user_brand_dir() -> Path:
    """The user's own presets: ``$XDG_CONFIG_HOME/reelkit/brand``, else ``~/.config/reelkit/brand``."""
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".config") / "reelkit" / "brand"


def brand_search_roots() -> list[Path]:
    """Folders searched for ``<name>/brand.yaml``, in order: ./brand (the current folder), the
    user's folder (:func:`user_brand_dir`), each entry of $REELKIT_BRAND_PATH, then the presets
    shipped with reelkit; a name found earlier shadows later ones."""
    roots = [Path.cwd() / "brand", user_brand_dir()]
    for entry in os.environ.get("REELKIT_BRAND_PATH", "").split(os.pathsep):
        if entry.strip():
            roots.append(Path(entry).expanduser())
    roots.append(shipped_brand_dir())
    seen: set[Path] = set()
    unique = []
    for root in roots:
        key = root.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(root)
    return unique


def find_brand(name_or_path: str | Path) -> Path:
    """The ``brand.yaml`` of a preset given by name, folder or file path.

    An existing file or folder is taken as is; otherwise the name is looked up as
    ``<root>/<name>/brand.yaml`` in :func:`brand_search_roots`. Raises BrandError.
    """
    candidate = Path(name_or_path).expanduser()
    if candidate.is_file():
        return candidate.resolve()
    if candidate.is_dir():
        if (candidate / "brand.yaml").is_file():
            return (candidate / "brand.yaml").resolve()
        raise BrandError("folder has no brand.yaml", path=str(candidate),
                         hint="run `reelkit brand new NAME` to create a preset")
    text = str(name_or_path)
    if os.sep in text or "/" in text or text.endswith((".yaml", ".yml")):
        raise BrandError("no such brand preset file or folder", path=text)
    for root in brand_search_roots():
        found = root / text / "brand.yaml"
        if found.is_file():
            return found.resolve()
    known = sorted({b.name for b in list_brands()})
    raise BrandError(f"brand preset '{text}' not found", key="brand",
                     hint=f"known: {', '.join(known) or 'none'}; or give a folder path")


def list_brands() -> list[BrandInfo]:
    """Every preset on the search path; a name found in an earlier root shadows later ones."""
    found: dict[str, BrandInfo] = {}
    for root in brand_search_roots():
        if not root.is_dir():
            continue
        for yaml_path in sorted(root.glob("*/brand.yaml")):
            name = yaml_path.parent.name
            if name in found:
                continue
            try:
                extends = load_yaml(yaml_path, error=BrandError).data.get("extends")
            except BrandError:
                extends = None
            found[name] = BrandInfo(name=name, path=yaml_path.resolve(),
                                    extends=str(extends) if extends is not None else None)
    return sorted(found.values(), key=lambda b: b.name)


# --- checking one file ----------------------------------------------------------------------

_KIND_WORDS = {"text": "a text", "int": "a whole number", "number": "a number", "bool": "true or false",
               "file": "a file path (or null)", "hex": "a colour", "colour": "a colour",
               "choice": "one of the listed names", "position": "a position name or px"}


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    return f"{value!r}"


def _check_leaf(meta: dict[str, Any], value: Any, base_dir: Path) -> tuple[Any, str | None, str | None]:
    """-> (converted value, problem, hint)."""
    kind = meta["kind"]
    lo, hi, choices = meta["lo"], meta["hi"], meta["choices"]
    if kind in ("hex", "colour"):
        if value is None:
            return None, "no colour given", 'quote colours: a bare #FFFFFF is a YAML comment; write "#FFFFFF"'
        if isinstance(value, str) and col.is_colour(value):
            return col.normalise(value), None, None
        if kind == "colour" and value in PALETTE_NAMES:
            return value, None, None
        names = "#RRGGBB or #RRGGBBAA" + (f" or one of {', '.join(PALETTE_NAMES)}" if kind == "colour" else "")
        return None, f"malformed colour {_describe(value)}", f"use {names}"
    if kind == "text":
        if isinstance(value, str):
            return value, None, None
        if value is None:
            return "", None, None
        return None, f"expected a text, got {_describe(value)}", "quote it"
    if kind == "bool":
        if isinstance(value, bool):
            return value, None, None
        return None, f"expected true or false, got {_describe(value)}", None
    if kind in ("int", "number"):
        ok = isinstance(value, int) and not isinstance(value, bool)
        if kind == "number":
            ok = ok or isinstance(value, float)
        if not ok:
            return None, f"expected {_KIND_WORDS[kind]}, got {_describe(value)}", None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            return None, f"{value} is out of range", f"allowed {lo:g} to {hi:g}"
        return (float(value) if kind == "number" else int(value)), None, None
    if kind == "choice":
        if isinstance(value, str) and value in choices:
            return value, None, None
        return None, f"{_describe(value)} is not allowed", f"use one of: {', '.join(choices)}"
    if kind == "position":
        if isinstance(value, int) and not isinstance(value, bool):
            return value, None, None
        if isinstance(value, str) and value in POSITIONS:
            return value, None, None
        return None, f"{_describe(value)} is not a position", f"use one of {', '.join(POSITIONS)} or a px number"
    if kind == "file":
        if value is None:
            return None, None, None
        if isinstance(value, str) and value.strip():
            path = Path(value).expanduser()
            return str(path if path.is_absolute() else (base_dir / path).resolve()), None, None
        return None, f"expected a file path, got {_describe(value)}", None
    raise AssertionError(kind)  # pragma: no cover - schema bug


def _settable(cls: type) -> dict[str, Field[Any]]:
    return {f.name: f for f in fields(cls) if not f.metadata.get("internal")}


def _check_mapping(cls: type, data: Any, prefix: str, located: Any, problems: list[BrandError]) -> dict[str, Any]:
    """Check ``data`` against dataclass ``cls``; returns the valid part with paths absolute."""
    path = str(located.path)
    if not isinstance(data, dict):
        problems.append(BrandError(f"expected a mapping of settings, got {_describe(data)}", path=path,
                                   line=located.line_of(prefix), key=prefix))
        return {}
    spec = _settable(cls)
    clean: dict[str, Any] = {}
    for key, value in data.items():
        full = f"{prefix}.{key}" if prefix else str(key)
        if prefix == "" and key == "extends":
            continue
        f = spec.get(str(key))
        if f is None:
            close = difflib.get_close_matches(str(key), list(spec), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(spec)}"
            problems.append(BrandError(f"unknown key '{key}'", path=path, line=located.line_of(full),
                                       key=full, hint=hint))
            continue
        if "section" in f.metadata:
            if value is None:
                continue  # an empty section keeps the inherited values
            clean[key] = _check_mapping(f.metadata["section"], value, full, located, problems)
            continue
        converted, problem, hint = _check_leaf(dict(f.metadata), value, located.path.parent)
        if problem:
            problems.append(BrandError(problem, path=path, line=located.line_of(full), key=full, hint=hint))
        else:
            clean[key] = converted
    return clean


def _duplicate_keys(path: Path, problems: list[BrandError]) -> None:
    """Report a key given twice in one mapping: YAML keeps only the last, so an editor who adds
    a second ``captions:`` block at the end silently loses the first."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, yaml.YAMLError):
        return  # load_yaml has already reported it

    def walk(node: yaml.Node, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                key = str(key_node.value)
                full = f"{prefix}.{key}" if prefix else key
                line = key_node.start_mark.line + 1
                if key in seen:
                    problems.append(BrandError(f"key '{key}' is given twice (first on line {seen[key]})",
                                               path=str(path), line=line, key=full,
                                               hint="YAML keeps only the last one: merge the two"))
                seen.setdefault(key, line)
                walk(value_node, full)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, f"{prefix}.{index}")

    if root is not None:
        walk(root, "")


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


@dataclass(frozen=True)
class RawPreset:
    """The merged, checked settings of an extends chain, before defaults are applied."""

    path: Path
    extends: str | None
    data: dict[str, Any]
    origins: dict[str, tuple[str, int]]
    files: tuple[str, ...]


def _resolve_extends(value: Any, child: Path, located: Any) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise BrandError(f"expected a preset name or folder, got {_describe(value)}", path=str(child),
                         line=located.line_of("extends"), key="extends")
    sibling = child.parent.parent / value / "brand.yaml"
    if "/" not in value and sibling.is_file():
        return sibling.resolve()
    relative = child.parent / value
    if ("/" in value or value.startswith(".")) and (relative.is_dir() or relative.is_file()):
        return find_brand(relative)
    try:
        return find_brand(value)
    except BrandError:
        raise BrandError(f"preset '{value}' not found", path=str(child), line=located.line_of("extends"),
                         key="extends", hint="give a preset name (see `reelkit brand list`) or a folder") from None


def read_preset(yaml_path: Path, problems: list[BrandError]) -> RawPreset:
    """Read and check ``yaml_path`` and its extends chain; schema problems go into ``problems``.

    Raises BrandError only for problems that stop reading (unreadable YAML, extends loops or
    missing parents); invalid values are reported and dropped so the inherited value stays.
    """
    chain: list[tuple[Path, Any]] = []
    current: Path | None = yaml_path.resolve()
    extends_name: str | None = None
    while current is not None:
        if any(current == seen for seen, _ in chain):
            names = " -> ".join(p.parent.name for p, _ in chain) + f" -> {current.parent.name}"
            raise BrandError(f"extends forms a loop: {names}", path=str(chain[-1][0]), key="extends")
        if len(chain) >= MAX_EXTENDS_DEPTH:
            raise BrandError("extends chain is too deep", path=str(current), key="extends")
        located = load_yaml(current, error=BrandError)
        chain.append((current, located))
        parent = located.data.get("extends")
        if len(chain) == 1 and parent is not None:
            extends_name = str(parent)
        current = _resolve_extends(parent, current, located) if parent is not None else None
    merged: dict[str, Any] = {}
    origins: dict[str, tuple[str, int]] = {}
    for path, located in reversed(chain):  # parent first, child last
        _duplicate_keys(path, problems)
        clean = _check_mapping(Brand, located.data, "", located, problems)
        merged = _deep_merge(merged, clean)
        for key, line in located.lines.items():
            origins[key] = (str(path), line)
    return RawPreset(path=yaml_path.resolve(), extends=extends_name, data=merged, origins=origins,
                     files=tuple(str(p) for p, _ in chain))


# --- building the Brand -----------------------------------------------------------------------

def _default_of(f: Field[Any]) -> Any:
    if f.default is not MISSING:
        return f.default
    assert f.default_factory is not MISSING  # type: ignore[misc]
    return f.default_factory()  # type: ignore[misc]


def _build(cls: type, data: dict[str, Any], palette: dict[str, str]) -> Any:
    kwargs: dict[str, Any] = {}
    for name, f in _settable(cls).items():
        if "section" in f.metadata:
            kwargs[name] = _build(f.metadata["section"], data.get(name) or {}, palette)
            continue
        value = data.get(name, _default_of(f))
        if f.metadata["kind"] == "colour" and value in PALETTE_NAMES:
            value = palette[value]
        elif f.metadata["kind"] == "colour":
            value = col.normalise(value)
        kwargs[name] = value
    return cls(**kwargs)


def build_brand(raw: RawPreset) -> Brand:
    """Apply defaults and palette references to a checked :class:`RawPreset`."""
    colours = _build(Colours, raw.data.get("colours") or {}, {})
    palette = {n: getattr(colours, n) for n in PALETTE_NAMES}
    settings = {k: v for k, v in raw.data.items()}
    brand = _build(Brand, settings, palette)
    for key in ("title", "caption"):
        if getattr(brand.fonts, key) is None:
            raise BrandError("no font file given", path=str(raw.path), line=raw.origins.get("fonts", ("", None))[1],
                             key=f"fonts.{key}", hint="add e.g. `fonts: {caption: fonts/MyFont-Bold.ttf}` "
                                                      "or `extends: default`")
    origins = tuple(sorted((k, f, ln) for k, (f, ln) in raw.origins.items()))
    return replace(brand, name=raw.path.parent.name, path=str(raw.path), extends=raw.extends,
                    origins=origins, files=raw.files)


def asset_problems(brand: Brand) -> list[BrandError]:
    """Asset files the preset names that do not exist."""
    problems = []
    for key, value in (("fonts.title", brand.fonts.title), ("fonts.caption", brand.fonts.caption),
                       ("fonts.body", brand.fonts.body), ("logo.file", brand.logo.file),
                       ("music.file", brand.music.file if brand.music.enabled else None)):
        if value and not Path(value).is_file():
            file, line = brand.where(key)
            problems.append(BrandError(f"file not found: {value}", path=file, line=line, key=key,
                                       hint="paths are relative to the brand.yaml that names them"))
    return problems


def load_brand(name_or_path: str | Path) -> Brand:
    """Find, read, check and resolve a preset; raises BrandError on the first problem."""
    problems: list[BrandError] = []
    raw = read_preset(find_brand(name_or_path), problems)
    if problems:
        raise problems[0]
    brand = build_brand(raw)
    missing = asset_problems(brand) or unusable_assets(brand)
    if missing:
        raise missing[0]
    return brand


MAX_LOGO_SIDE = 8192
"""Largest logo width or height accepted (it is drawn at a tenth of a 1080 px frame)."""


def unusable_assets(brand: Brand) -> list[BrandError]:
    """Files that exist but cannot be used: fonts FreeType cannot load (libass would silently
    fall back to another typeface, so a render must refuse them), a logo that is not an image
    or is absurdly large (read from its header only, never decoded here)."""
    problems = []
    for key in ("fonts.title", "fonts.caption", "fonts.body"):
        value = getattr(brand.fonts, key.split(".")[1])
        if not value or not Path(value).is_file():
            continue
        try:
            load_font(value, 20)
        except (OSError, ValueError) as exc:
            file, line = brand.where(key)
            problems.append(BrandError(f"font does not load: {value} (FreeType: {exc})", path=file, line=line, key=key,
                                       hint="give a TrueType or OpenType font file"))
    if brand.logo.file and Path(brand.logo.file).is_file():
        file, line = brand.where("logo.file")
        try:
            with Image.open(brand.logo.file) as img:
                size = img.size
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            problems.append(BrandError(f"logo is not an image Pillow can read ({type(exc).__name__})", path=file,
                                       line=line, key="logo.file", hint="give a PNG (with transparency) or JPEG"))
        else:
            if max(size) > MAX_LOGO_SIDE:
                problems.append(BrandError(f"logo is {size[0]}x{size[1]} px, larger than {MAX_LOGO_SIDE} px on a side",
                                           path=file, line=line, key="logo.file",
                                           hint="scale it down; about 1000 px wide is plenty"))
    return problems


def caption_rules(brand: Brand) -> CaptionRules:
    """The preset's caption grouping rules as a plan.CaptionRules."""
    r = brand.captions.rules
    return CaptionRules(max_chars_per_line=r.max_chars_per_line, max_lines=r.max_lines, max_cps=r.max_cps,
                        min_duration=r.min_duration, max_duration=r.max_duration, pause_break=r.pause_break,
                        min_gap_frames=r.min_gap_frames)


def named_centre(position: str | int, box: tuple[int, int, int, int], half_height: float, margin: int = 0) -> int:
    """Vertical centre in px of an element ``2 * half_height`` tall at ``position``.

    A named position sits inside ``box`` (x0, y0, x1, y1) and is clamped so the whole element
    stays inside it; a px number is taken as given (validate reports it when it is outside).
    """
    if isinstance(position, int):
        return position
    x0, y0, x1, y1 = box
    centre = y0 + POSITIONS[position] * (y1 - y0)
    low, high = y0 + margin + half_height, y1 - margin - half_height
    if low <= high:
        centre = min(max(centre, low), high)
    else:
        centre = (y0 + y1) / 2
    return round(centre)


def font_names(font_file: str) -> tuple[str, str]:
    """(family, style) inside a font file, as libass matches it."""
    family, style = load_font(font_file, 20).getname()
    return family or "", style or ""


def caption_block_half_height(brand: Brand) -> float:
    """Half the height of a full caption page (max_lines lines), outline and box padding
    included (the captions module pads a page box by 0.25 of the size, a word pill by 0.12)."""
    c = brand.captions
    pad = c.size * 0.25 if c.box_opacity > 0 and c.style == "classic" else c.size * 0.12
    return (c.rules.max_lines * c.size * 1.2) / 2 + c.outline + max(c.shadow, 0) + pad


def caption_style(brand: Brand, safe_box: tuple[int, int, int, int], width: int = 1080,
                  height: int = 1920) -> CaptionStyle:
    """The plan's CaptionStyle filled from the preset.

    ``safe_box`` (x0, y0, x1, y1) is the intersection of the selected platforms' safe zones;
    a named position puts the caption block inside it, and the side margins keep the text
    between its left and right edges (symmetric, because captions are centred).
    """
    c = brand.captions
    x0, _, x1, _ = safe_box
    family, style_name = font_names(brand.fonts.caption or "")
    centre = named_centre(c.position, safe_box, caption_block_half_height(brand))
    return CaptionStyle(
        style=c.style, font_file=brand.fonts.caption or "", font_family=family, font_size=c.size,
        bold="bold" in style_name.lower() or "black" in style_name.lower(),
        text_colour=c.text_colour, accent_colour=c.accent_colour, box_colour=c.box_colour,
        box_opacity=c.box_opacity, outline_colour=c.outline_colour,
        outline=c.outline, shadow=c.shadow, uppercase=c.uppercase, position_y=centre,
        margin_x=max(x0, width - x1) + c.margin,
    )


def music_bed(brand: Brand) -> MusicBed | None:
    """The preset's background music, or None when it has none."""
    m = brand.music
    if not m.enabled or not m.file:
        return None
    return MusicBed(path=m.file, level_db=m.level_db, duck_db=m.duck_db, fade_in=m.fade_in, fade_out=m.fade_out)


# --- scaffold -----------------------------------------------------------------------------------

def _yaml_scalar(value: Any, kind: str) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str) and kind not in ("choice", "position") and value not in PALETTE_NAMES:
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def scaffold_yaml(parent: Brand, extends: str, folder: Path, active: dict[str, dict[str, Any]] | None = None) -> str:
    """Text of a new ``brand.yaml`` that extends ``parent``: ``extends`` plus every field
    commented out with the parent's value, so an editor uncomments what they change.

    ``active`` holds sections/keys written uncommented (e.g. the copied logo).
    """
    active = active or {}
    out = [f"# Brand preset '{folder.name}'. Everything not set here comes from '{extends}'.",
           "# Uncomment a line to change it; see brand/README.md for every field. Colours are quoted",
           "# \"#RRGGBB\" or a palette name (primary, accent, text, background); paths are relative",
           "# to this file. Check with: reelkit brand validate " + folder.name,
           f"extends: {extends}", ""]

    def emit(cls: type, value: Any, indent: str, prefix: str) -> None:
        for name, f in _settable(cls).items():
            key = f"{prefix}.{name}" if prefix else name
            doc = f.metadata.get("doc", "")
            current = getattr(value, name)
            if "section" in f.metadata:
                section_active = key in active
                out.append(f"{indent}{'' if section_active else '# '}{name}:" + (f"  # {doc}" if doc else ""))
                emit(f.metadata["section"], current, indent + "  ", key)
                if not indent:
                    out.append("")
                continue
            kind = f.metadata["kind"]
            if kind == "file" and current:
                current = os.path.relpath(current, folder)
            elif kind == "colour" and current in palette:
                current = palette[current]  # keep the link to the palette, as the parent has it
            choices = f.metadata["choices"]
            note = " | ".join(choices) if choices else doc
            section = prefix.split(".")[0] if prefix else ""
            if section in active and name in active[section]:
                out.append(f"{indent}{name}: {_yaml_scalar(active[section][name], kind)}")
            else:
                comment = f"  # {note}" if note else ""
                out.append(f"{indent}# {name}: {_yaml_scalar(current, kind)}{comment}")

    palette = {getattr(parent.colours, n): n for n in reversed(PALETTE_NAMES)}
    emit(Brand, parent, "", "")
    return "\n".join(out).rstrip() + "\n"
