"""Platform delivery presets, as data: the shipped file plus an optional user file over it.

The shipped ``reelkit/data/platforms.yaml`` holds ``defaults`` and one entry per platform; a
user file (``--platforms-file``, ``$REELKIT_PLATFORMS`` or ``~/.config/reelkit/platforms.yaml``)
has the same shape, may change any field of a shipped platform, add its own ``defaults`` and
add platforms (say a 4:5 ``feed`` at 1080x1350). Every value is validated; a bad one raises a
single :class:`~reelkit.errors.InputError` naming the file, line, key and problem.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from reelkit.errors import InputError
from reelkit.io.dataclass_data import from_data, to_data
from reelkit.io.yamlfile import Located, load_yaml
from reelkit.plan.model import OutputSpec, Plan
from reelkit.plan.platform_values import CHECKS, PROFILES, Bad, SafeZone

DEFAULT_PLATFORMS = ("tiktok", "reels", "shorts", "snapchat")

# ffmpeg encoder name -> codec name a decoder (PyAV/ffmpeg) reports for the stream.
@dataclass(frozen=True)
class Platform:
    """One delivery preset.

    ``fps`` is the rate reelkit renders at: a number, or ``"source"`` (keep the clips' own
    rate). ``fps_range`` (min, max), when set, is the span of constant rates the platform
    accepts; the checker passes a file whose rate equals ``fps`` or lies in that span.
    ``max_file_mb`` counts MB as 1,000,000 bytes (the stricter reading of platform limits).
    The video is encoded at constant quality ``crf`` with ``video_bitrate`` as its cap (the
    encoder's maxrate, over a VBV buffer of ``bufsize``).
    """

    name: str
    label: str
    width: int
    height: int
    fps: float | str
    video_codec: str
    profile: str
    level: str
    pix_fmt: str
    crf: float
    video_bitrate: str
    bufsize: str
    gop_seconds: float
    bframes: int
    audio_codec: str
    audio_rate: int
    audio_channels: int
    audio_bitrate: str
    loudness_lufs: float
    true_peak_db: float
    min_duration: float | None
    max_duration: float | None
    duration_policy: str
    max_file_mb: float | None
    safe_zone: SafeZone
    burn_captions: bool
    sidecars: tuple[str, ...]
    fps_range: tuple[float, float] | None = None

    def output_spec(self, path: str) -> OutputSpec:
        """The encode settings of this preset for a file at ``path``."""
        names = {f.name for f in fields(OutputSpec)} - {"platform", "path"}
        return OutputSpec(platform=self.name, path=path, **{n: getattr(self, n) for n in names})

    def safe_box(self) -> tuple[int, int, int, int]:
        """The UI-safe rectangle (x0, y0, x1, y1) at this preset's frame size."""
        return self.safe_zone.box(self.width, self.height)


def size_groups(platforms: Sequence[Platform]) -> list[list[Platform]]:
    """Platforms grouped by frame size, in first-seen order: one picture per group."""
    groups: dict[tuple[int, int], list[Platform]] = {}
    for p in platforms:
        groups.setdefault((p.width, p.height), []).append(p)
    return list(groups.values())


def common_safe_box(platforms: Sequence[Platform], width: int, height: int) -> tuple[int, int, int, int]:
    """The area inside every given platform's UI safe zone at ``width`` x ``height``: where
    captions, overlays and the cover title go when one picture serves them all."""
    boxes = [p.safe_zone.box(width, height) for p in platforms]
    return (max(b[0] for b in boxes), max(b[1] for b in boxes), min(b[2] for b in boxes), min(b[3] for b in boxes))


def user_platforms_file() -> Path | None:
    """$REELKIT_PLATFORMS, else ~/.config/reelkit/platforms.yaml when it exists."""
    env = os.environ.get("REELKIT_PLATFORMS")
    if env:
        return Path(env)
    candidate = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "reelkit" / "platforms.yaml"
    return candidate if candidate.exists() else None


_FIELDS = {f.name for f in fields(Platform)} - {"name"}
_OPTIONAL = {"label", "fps_range"}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_RETIRED = {"maxrate": "video_bitrate is the cap (maxrate) of the constant-quality encode now; "
                       "the quality is crf (lower is sharper and bigger)"}


@dataclass(frozen=True)
class _Origin:
    """Where one value came from, so an error can name the file, line and key."""

    doc: Located
    key: str
    layer: int = 0  # 0: shipped file, 1: user file

    def error(self, problem: str, hint: str | None = None) -> InputError:
        return InputError(problem, path=str(self.doc.path), line=self.doc.line_of(self.key),
                          key=self.key, hint=hint)


def _build(name: str, raw: dict[str, tuple[Any, _Origin]], name_origin: _Origin) -> Platform:
    """Validate one platform's merged values (each with its origin) into a Platform."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise name_origin.error(f"platform name {name!r} must be lower-case letters, digits, - or _",
                                hint="it becomes part of output file names")
    missing = _FIELDS - set(raw) - _OPTIONAL
    if missing:
        raise name_origin.error(f"missing field '{sorted(missing)[0]}'", hint="add it here or under defaults")
    values: dict[str, Any] = {}
    for key, (value, origin) in raw.items():
        try:
            values[key] = CHECKS[key](value)
        except Bad as bad:
            raise origin.error(str(bad), bad.hint) from None
    values.setdefault("label", name)
    values.setdefault("fps_range", None)

    def fail(keys: tuple[str, ...], problem: str, hint: str | None = None) -> InputError:
        # Two values clash: blame the one the user wrote (the later layer), else the first.
        origins = [raw[k][1] for k in keys if k in raw]
        return max(origins, key=lambda o: o.layer).error(problem, hint)

    if values["profile"] not in PROFILES[values["video_codec"]]:
        raise fail(("profile", "video_codec"),
                   f"profile {values['profile']!r} does not suit {values['video_codec']}",
                   f"profiles of {values['video_codec']}: {', '.join(PROFILES[values['video_codec']])}")
    low, high = values["min_duration"], values["max_duration"]
    if low is not None and high is not None and low > high:
        raise fail(("min_duration", "max_duration"), f"min_duration {low:g} is above max_duration {high:g}")
    zone: SafeZone = values["safe_zone"]
    if zone.left + zone.right >= values["width"] or zone.top + zone.bottom >= values["height"]:
        raise fail(("safe_zone", "width", "height"),
                   f"safe_zone leaves no safe area in a {values['width']}x{values['height']} frame",
                   "the margins are in pixels of this platform's frame")
    return Platform(name=name, **values)


def _layer(doc: Located, layer: int, prefix: str, mapping: Any,
           into: dict[str, tuple[Any, _Origin]]) -> None:
    """Copy ``mapping`` (a defaults or platform block of ``doc``) into ``into`` with origins."""
    if mapping is None:
        return
    if not isinstance(mapping, dict):
        raise _Origin(doc, prefix).error(f"expected a mapping of fields, got {type(mapping).__name__}")
    for key, value in mapping.items():
        origin = _Origin(doc, f"{prefix}.{key}", layer)
        if key in _RETIRED:
            raise origin.error(f"field '{key}' is no longer used", hint=_RETIRED[key])
        if key not in _FIELDS:
            raise origin.error(f"unknown field '{key}'", hint=f"known fields: {', '.join(sorted(_FIELDS))}")
        into[key] = (value, origin)


def _read(doc: Located) -> tuple[Any, Any]:
    unknown = set(doc.data) - {"defaults", "platforms"}
    if unknown:
        key = sorted(map(str, unknown))[0]
        raise _Origin(doc, key).error(f"unknown top-level key '{key}'", hint="expected defaults and platforms")
    platforms = doc.data.get("platforms") or {}
    if not isinstance(platforms, dict):
        raise _Origin(doc, "platforms").error("expected a mapping of platform name to fields")
    return doc.data.get("defaults"), platforms


def load_platforms(user_file: Path | None = None) -> dict[str, Platform]:
    """All presets: the shipped ones, with ``user_file`` (or the user's config file) layered over.

    A platform's own fields win over ``defaults``; within each of the two, the user file wins
    over the shipped one (so user ``defaults`` fill only fields a platform leaves unset).
    Raises InputError (file, line, key, problem) on the first bad value.
    """
    shipped = resources.files("reelkit") / "data" / "platforms.yaml"
    with resources.as_file(shipped) as shipped_path:
        docs = [load_yaml(Path(shipped_path))]
    user_file = user_file or user_platforms_file()
    if user_file is not None:
        docs.append(load_yaml(Path(user_file)))

    defaults: dict[str, tuple[Any, _Origin]] = {}
    per_platform: dict[str, dict[str, tuple[Any, _Origin]]] = {}
    name_origin: dict[str, _Origin] = {}
    for layer, doc in enumerate(docs):
        doc_defaults, doc_platforms = _read(doc)
        _layer(doc, layer, "defaults", doc_defaults, defaults)
        for name, block in doc_platforms.items():
            name_origin[name] = _Origin(doc, f"platforms.{name}", layer)
            _layer(doc, layer, f"platforms.{name}", block, per_platform.setdefault(name, {}))
    return {name: _build(name, {**defaults, **values}, name_origin[name])
            for name, values in per_platform.items()}


def get_platform(name: str, platforms: dict[str, Platform] | None = None) -> Platform:
    """One preset by name, or an InputError listing the known names."""
    platforms = platforms if platforms is not None else load_platforms()
    try:
        return platforms[name]
    except KeyError:
        raise InputError(f"unknown platform '{name}'", key="platform",
                         hint=f"known: {', '.join(sorted(platforms))}") from None


def preset_data(platform: Platform) -> dict[str, Any]:
    """A preset as plain data, the way a plan records it."""
    return to_data(platform)


def preset_from_data(data: dict[str, Any]) -> Platform:
    """The inverse of :func:`preset_data`."""
    return from_data(Platform, data)


def plan_presets(plan: Plan) -> dict[str, Platform]:
    """The presets recorded in ``plan`` by name; for a plan that recorded none (written before
    plans did), the current presets of its outputs' platforms."""
    if plan.platform_presets:
        return {p.name: p for p in map(preset_from_data, plan.platform_presets)}
    shipped = load_platforms()
    return {o.platform: shipped[o.platform] for o in plan.outputs if o.platform in shipped}
