"""Brand presets: finding them and reading ``brand.yaml`` with ``extends`` into a :class:`Brand`.

A preset is a folder ``brand/<name>/`` holding ``brand.yaml`` and its assets (fonts, logo,
music); the schema is :mod:`reelkit.brand.schema`. Reading goes: each file of the
``extends`` chain is read by the bounded loader and checked on its own (unknown keys, wrong
types, malformed colours, keys given twice: every problem names the file, line and key), its
relative asset paths are made absolute against *its own* folder (so a child inherits its
parent's fonts without copying them), then the files are deep-merged, parent first.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import MISSING, Field, dataclass, fields, replace
from pathlib import Path
from typing import Any

from PIL import Image, ImageFont

from reelkit.brand.schema import MAX_EXTENDS_DEPTH, PALETTE_NAMES, POSITIONS, Brand, BrandInfo, Colours
from reelkit.errors import BrandError
from reelkit.io.fonts import load_font
from reelkit.io.yamlfile import Located, load_yaml
from reelkit.plan import colours as col

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
    if value is None and meta.get("nullable"):
        return None, None, None  # "not set here": the next rule down applies
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


def _duplicate_keys(located: Located, problems: list[BrandError]) -> None:
    """Report a key given twice in one mapping (found by the bounded loader while it read the
    file): YAML keeps only the last, so an editor who adds a second ``captions:`` block at the
    end silently loses the first."""
    for key, line, first in located.duplicates:
        name = key.rpartition(".")[2]
        problems.append(BrandError(f"key '{name}' is given twice (first on line {first})", path=str(located.path),
                                   line=line, key=key, hint="YAML keeps only the last one: merge the two"))


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
        _duplicate_keys(located, problems)
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
