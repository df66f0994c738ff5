"""Brand presets: finding them and reading ``brand.yaml`` with ``extends`` into a :class:`Brand`.

A preset is a folder ``brand/<name>/`` holding ``brand.yaml`` and its assets (fonts, logo,
music); the schema is :mod:`reelkit.brand.schema`. Reading goes: each file of the
``extends`` chain is read by the bounded loader and checked on its own against the schema
generated from :mod:`reelkit.brand.schema` by :mod:`reelkit.plan.validation` (unknown keys,
wrong types, malformed colours) and for keys given twice: every problem names the file, line
and key. Its
relative asset paths are made absolute against *its own* folder (so a child inherits its
parent's fonts without copying them), then the files are deep-merged, parent first.
"""

from __future__ import annotations

import copy
import os
from dataclasses import MISSING, Field, dataclass, replace
from pathlib import Path
from typing import Any

from PIL import Image, ImageFont

from reelkit.brand.schema import MAX_EXTENDS_DEPTH, PALETTE_NAMES, Brand, BrandInfo, Colours, brand_schema, settable_fields
from reelkit.errors import BrandError
from reelkit.io.fonts import load_font
from reelkit.io.yamlfile import Located, load_yaml
from reelkit.plan import colours as col
from reelkit.plan.validation import problems as schema_problems

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
# The schema (brand_schema, generated from the dataclasses) is checked by the one validator of
# user files; what is left here converts the valid values: asset paths made absolute against
# the file's own folder, colours normalised, numbers as the fields' types.

def _without(data: dict[str, Any], found: list[BrandError]) -> dict[str, Any]:
    """``data`` less every value a problem names (the inherited value stays in force)."""
    clean = copy.deepcopy(data)
    for problem in found:
        *parents, leaf = (problem.key or "").split(".")
        holder: Any = clean
        for part in parents:
            holder = holder.get(part) if isinstance(holder, dict) else None
        if isinstance(holder, dict):
            holder.pop(leaf, None)
    return clean


def _convert(cls: type, data: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    """Valid settings of section ``cls`` as the built Brand holds them."""
    spec = settable_fields(cls)
    out: dict[str, Any] = {}
    for key, value in data.items():
        f = spec.get(str(key))
        if f is None:
            continue  # "extends" (read by read_preset)
        if "section" in f.metadata:
            if value is not None:  # an empty section keeps the inherited values
                out[key] = _convert(f.metadata["section"], value, base_dir)
            continue
        kind = f.metadata["kind"]
        if value is None and f.metadata.get("nullable"):
            pass  # "not set here": the next rule down applies
        elif kind in ("hex", "colour") and value not in PALETTE_NAMES:
            value = col.normalise(value)
        elif kind == "file" and value is not None:
            path = Path(value).expanduser()
            value = str(path if path.is_absolute() else (base_dir / path).resolve())
        elif kind == "number":
            value = float(value)
        elif kind == "text" and value is None:
            value = ""
        out[key] = value
    return out


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


def _resolve_extends(value: str, child: Path, located: Any) -> Path:
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
    chain: list[tuple[Path, Located, list[BrandError]]] = []
    current: Path | None = yaml_path.resolve()
    extends_name: str | None = None
    while current is not None:
        if any(current == seen for seen, _, _ in chain):
            names = " -> ".join(p.parent.name for p, _, _ in chain) + f" -> {current.parent.name}"
            raise BrandError(f"extends forms a loop: {names}", path=str(chain[-1][0]), key="extends")
        if len(chain) >= MAX_EXTENDS_DEPTH:
            raise BrandError("extends chain is too deep", path=str(current), key="extends")
        located = load_yaml(current, error=BrandError)
        found = schema_problems(located, brand_schema(), error=BrandError)
        stop = next((p for p in found if p.key == "extends"), None)
        if stop is not None:
            raise stop  # the chain cannot be followed
        chain.append((current, located, found))
        parent = located.data.get("extends")
        if len(chain) == 1 and parent is not None:
            extends_name = str(parent)
        current = _resolve_extends(parent, current, located) if parent is not None else None
    merged: dict[str, Any] = {}
    origins: dict[str, tuple[str, int]] = {}
    for path, located, found in reversed(chain):  # parent first, child last
        _duplicate_keys(located, problems)
        problems.extend(found)
        merged = _deep_merge(merged, _convert(Brand, _without(located.data, found), path.parent))
        for key, line in located.lines.items():
            origins[key] = (str(path), line)
    return RawPreset(path=yaml_path.resolve(), extends=extends_name, data=merged, origins=origins,
                     files=tuple(str(p) for p, _, _ in chain))


# --- building the Brand -----------------------------------------------------------------------

def _default_of(f: Field[Any]) -> Any:
    if f.default is not MISSING:
        return f.default
    assert f.default_factory is not MISSING  # type: ignore[misc]
    return f.default_factory()  # type: ignore[misc]


def _build(cls: type, data: dict[str, Any], palette: dict[str, str]) -> Any:
    kwargs: dict[str, Any] = {}
    for name, f in settable_fields(cls).items():
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
