"""Platform delivery presets, as data: the shipped file plus an optional user file over it.

The shipped ``reelkit/data/platforms.yaml`` holds ``defaults`` and one entry per platform; a
user file (``--platforms-file``, ``$REELKIT_PLATFORMS`` or ``~/.config/reelkit/platforms.yaml``)
has the same shape, may change any field of a shipped platform, add its own ``defaults`` and
add platforms (say a 4:5 ``feed`` at 1080x1350). Every value is validated; a bad one raises a
single :class:`~reelkit.errors.InputError` naming the file, line, key and problem.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from reelkit.errors import InputError
from reelkit.io.dataclass_data import from_data, to_data
from reelkit.io.yamlfile import Located, load_yaml
from reelkit.plan.model import OutputSpec, Plan

DEFAULT_PLATFORMS = ("tiktok", "reels", "shorts", "snapchat")

# ffmpeg encoder name -> codec name a decoder (PyAV/ffmpeg) reports for the stream.
VIDEO_CODECS = {"libx264": "h264", "libx265": "hevc"}
AUDIO_CODECS = {"aac": "aac", "libopus": "opus"}
# Profiles per encoder, as written in presets (lower case) and passed to ffmpeg's -profile:v.
PROFILES = {"libx264": ("baseline", "main", "high"), "libx265": ("main", "main10")}
PIX_FMTS = ("yuv420p", "yuv420p10le")
SIDECAR_FORMATS = ("srt", "vtt")
DURATION_POLICIES = ("error", "warning")


@dataclass(frozen=True)
class SafeZone:
    """Pixels kept clear of platform UI on each edge, at the preset's frame size."""

    top: int
    bottom: int
    left: int
    right: int

    def box(self, width: int, height: int) -> tuple[int, int, int, int]:
        """The safe rectangle as (x0, y0, x1, y1)."""
        return (self.left, self.top, width - self.right, height - self.bottom)


@dataclass(frozen=True)
class Platform:
    """One delivery preset.

    ``fps`` is the rate reelkit renders at: a number, or ``"source"`` (keep the clips' own
    rate). ``fps_range`` (min, max), when set, is the span of constant rates the platform
    accepts; the checker passes a file whose rate equals ``fps`` or lies in that span.
    ``max_file_mb`` counts MB as 1,000,000 bytes (the stricter reading of platform limits).
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
    video_bitrate: str
    maxrate: str
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
_BITRATE = re.compile(r"^[0-9]+(\.[0-9]+)?[kKmM]?$")
_LEVEL = re.compile(r"^[1-6](\.[0-9])?$")


@dataclass(frozen=True)
class _Origin:
    """Where one value came from, so an error can name the file, line and key."""

    doc: Located
    key: str
    layer: int = 0  # 0: shipped file, 1: user file

    def error(self, problem: str, hint: str | None = None) -> InputError:
        return InputError(problem, path=str(self.doc.path), line=self.doc.line_of(self.key),
                          key=self.key, hint=hint)


# --- value checkers: each takes the raw YAML value and returns the typed one, or raises ---

class _Bad(ValueError):
    """A value's problem, turned into an InputError by the caller (who knows the origin)."""

    def __init__(self, problem: str, hint: str | None = None) -> None:
        super().__init__(problem)
        self.hint = hint


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _Bad(f"expected a number, got {value!r}")
    return float(value)


def _positive(value: Any) -> float:
    number = _number(value)
    if number <= 0:
        raise _Bad(f"must be greater than 0, got {value!r}")
    return number


def _optional_positive(value: Any) -> float | None:
    return None if value is None else _positive(value)


def _int_in(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Bad(f"expected a whole number, got {value!r}")
        if not low <= value <= high:
            raise _Bad(f"must be between {low} and {high}, got {value}")
        return value
    return check


def _dimension(value: Any) -> int:
    number = _int_in(16, 8192)(value)
    if number % 2:
        # 4:2:0 chroma subsampling halves each dimension: libx264 refuses odd sizes.
        raise _Bad(f"must be even for 4:2:0 video, got {number}", hint=f"use {number + 1} or {number - 1}")
    return number


def _choice(options: tuple[str, ...] | dict[str, str]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in options:
            raise _Bad(f"unknown value {value!r}", hint=f"known: {', '.join(options)}")
        return str(value)
    return check


def _bitrate(value: Any) -> str:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _BITRATE.match(text) or float(text.rstrip("kKmM")) <= 0:
        raise _Bad(f"expected a bitrate such as 8M or 192k, got {value!r}")
    return text


def _level(value: Any) -> str:
    text = str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _LEVEL.match(text):
        raise _Bad(f"expected a codec level such as \"4.1\", got {value!r}")
    return text


def _fps(value: Any) -> float | str:
    if value == "source":
        return "source"
    if isinstance(value, str) and "/" in value:  # a rational rate: "30000/1001" (kept exact by plan_rate)
        from reelkit.plan.frames import exact_rate

        try:
            value = float(exact_rate(value))
        except ValueError:
            raise _Bad(f"expected a frame rate (a number, \"30000/1001\") or \"source\", got {value!r}") from None
    try:
        number = _positive(value)
    except _Bad:
        raise _Bad(f"expected a frame rate (a number) or \"source\", got {value!r}") from None
    if number > 240:
        raise _Bad(f"must be at most 240, got {value!r}")
    return number


def _fps_range(value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2:
        raise _Bad(f"expected [min, max] frame rates, got {value!r}")
    low, high = _positive(value[0]), _positive(value[1])
    if low > high:
        raise _Bad(f"min {low:g} is above max {high:g}")
    return (low, high)


def _loudness(value: Any) -> float:
    number = _number(value)
    if not -70 < number < 0:
        raise _Bad(f"expected LUFS between -70 and 0, got {value!r}")
    return number


def _true_peak(value: Any) -> float:
    number = _number(value)
    if not -20 <= number <= 0:
        raise _Bad(f"expected dBTP between -20 and 0, got {value!r}")
    return number


def _label(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Bad(f"expected a non-empty text, got {value!r}")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"expected true or false, got {value!r}")
    return value


def _sidecars(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _Bad(f"expected a list such as [srt, vtt], got {value!r}")
    for item in value:
        _choice(SIDECAR_FORMATS)(item)
    return tuple(value)


def _safe_zone(value: Any) -> SafeZone:
    if not isinstance(value, dict) or set(value) != {"top", "bottom", "left", "right"}:
        raise _Bad("expected a mapping with exactly top, bottom, left and right",
                    hint="e.g. {top: 150, bottom: 440, left: 64, right: 150}")
    edge = _int_in(0, 8192)
    return SafeZone(**{k: edge(value[k]) for k in ("top", "bottom", "left", "right")})


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "label": _label,
    "width": _dimension,
    "height": _dimension,
    "fps": _fps,
    "fps_range": _fps_range,
    "video_codec": _choice(VIDEO_CODECS),
    "profile": _label,  # checked against the codec below
    "level": _level,
    "pix_fmt": _choice(PIX_FMTS),
    "video_bitrate": _bitrate,
    "maxrate": _bitrate,
    "bufsize": _bitrate,
    "gop_seconds": _positive,
    "bframes": _int_in(0, 16),
    "audio_codec": _choice(AUDIO_CODECS),
    "audio_rate": _int_in(8000, 192000),
    "audio_channels": _int_in(1, 8),
    "audio_bitrate": _bitrate,
    "loudness_lufs": _loudness,
    "true_peak_db": _true_peak,
    "min_duration": _optional_positive,
    "max_duration": _optional_positive,
    "duration_policy": _choice(DURATION_POLICIES),
    "max_file_mb": _optional_positive,
    "safe_zone": _safe_zone,
    "burn_captions": _bool,
    "sidecars": _sidecars,
}


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
            values[key] = _CHECKS[key](value)
        except _Bad as bad:
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
