"""What each field of a platform preset may hold: the allowed codecs, profiles, pixel formats
and sidecar formats, the safe zone, and one checker per field (:data:`CHECKS`) that takes the
raw YAML value and returns the typed one or raises :class:`Bad` (the loader,
:mod:`reelkit.plan.platforms`, knows the file and line and turns it into an InputError).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reelkit.plan.frames import exact_rate

VIDEO_CODECS = {"libx264": "h264", "libx265": "hevc"}
AUDIO_CODECS = {"aac": "aac", "libopus": "opus"}
# Profiles per encoder, as written in presets (lower case) and passed to ffmpeg's -profile:v.
PROFILES = {"libx264": ("baseline", "main", "high"), "libx265": ("main", "main10")}
PIX_FMTS = ("yuv420p", "yuv420p10le")
SIDECAR_FORMATS = ("srt", "vtt")
DURATION_POLICIES = ("error", "warning")
_BITRATE = re.compile(r"^[0-9]+(\.[0-9]+)?[kKmM]?$")
_LEVEL = re.compile(r"^[1-6](\.[0-9])?$")


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


class Bad(ValueError):
    """A value's problem, turned into an InputError by the caller (who knows the origin)."""

    def __init__(self, problem: str, hint: str | None = None) -> None:
        super().__init__(problem)
        self.hint = hint


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Bad(f"expected a number, got {value!r}")
    return float(value)


def _positive(value: Any) -> float:
    number = _number(value)
    if number <= 0:
        raise Bad(f"must be greater than 0, got {value!r}")
    return number


def _optional_positive(value: Any) -> float | None:
    return None if value is None else _positive(value)


def _int_in(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Bad(f"expected a whole number, got {value!r}")
        if not low <= value <= high:
            raise Bad(f"must be between {low} and {high}, got {value}")
        return value
    return check


def _dimension(value: Any) -> int:
    number = _int_in(16, 8192)(value)
    if number % 2:
        # 4:2:0 chroma subsampling halves each dimension: libx264 refuses odd sizes.
        raise Bad(f"must be even for 4:2:0 video, got {number}", hint=f"use {number + 1} or {number - 1}")
    return number


def _choice(options: tuple[str, ...] | dict[str, str]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in options:
            raise Bad(f"unknown value {value!r}", hint=f"known: {', '.join(options)}")
        return str(value)
    return check


def _bitrate(value: Any) -> str:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _BITRATE.match(text) or float(text.rstrip("kKmM")) <= 0:
        raise Bad(f"expected a bitrate such as 8M or 192k, got {value!r}")
    return text


def _crf(value: Any) -> float:
    """x264/x265's constant rate factor: 0 (lossless) .. 51; lower is better and bigger."""
    number = _number(value)
    if not 0 <= number <= 51:
        raise Bad(f"must be between 0 and 51, got {value!r}", hint="x264's default is 23; lower is sharper and bigger")
    return number


def _level(value: Any) -> str:
    text = str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _LEVEL.match(text):
        raise Bad(f"expected a codec level such as \"4.1\", got {value!r}")
    return text


def _fps(value: Any) -> float | str:
    if value == "source":
        return "source"
    if isinstance(value, str) and "/" in value:  # a rational rate: "30000/1001" (kept exact by plan_rate)
        try:
            value = float(exact_rate(value))
        except ValueError:
            raise Bad(f"expected a frame rate (a number, \"30000/1001\") or \"source\", got {value!r}") from None
    try:
        number = _positive(value)
    except Bad:
        raise Bad(f"expected a frame rate (a number) or \"source\", got {value!r}") from None
    if number > 240:
        raise Bad(f"must be at most 240, got {value!r}")
    return number


def _fps_range(value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2:
        raise Bad(f"expected [min, max] frame rates, got {value!r}")
    low, high = _positive(value[0]), _positive(value[1])
    if low > high:
        raise Bad(f"min {low:g} is above max {high:g}")
    return (low, high)


def _loudness(value: Any) -> float:
    number = _number(value)
    if not -70 < number < 0:
        raise Bad(f"expected LUFS between -70 and 0, got {value!r}")
    return number


def _true_peak(value: Any) -> float:
    number = _number(value)
    if not -20 <= number <= 0:
        raise Bad(f"expected dBTP between -20 and 0, got {value!r}")
    return number


def _label(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Bad(f"expected a non-empty text, got {value!r}")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Bad(f"expected true or false, got {value!r}")
    return value


def _sidecars(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise Bad(f"expected a list such as [srt, vtt], got {value!r}")
    for item in value:
        _choice(SIDECAR_FORMATS)(item)
    return tuple(value)


def _safe_zone(value: Any) -> SafeZone:
    if not isinstance(value, dict) or set(value) != {"top", "bottom", "left", "right"}:
        raise Bad("expected a mapping with exactly top, bottom, left and right",
                    hint="e.g. {top: 150, bottom: 440, left: 64, right: 150}")
    edge = _int_in(0, 8192)
    return SafeZone(**{k: edge(value[k]) for k in ("top", "bottom", "left", "right")})


CHECKS: dict[str, Callable[[Any], Any]] = {
    "label": _label,
    "width": _dimension,
    "height": _dimension,
    "fps": _fps,
    "fps_range": _fps_range,
    "video_codec": _choice(VIDEO_CODECS),
    "profile": _label,  # checked against the codec below
    "level": _level,
    "pix_fmt": _choice(PIX_FMTS),
    "crf": _crf,
    "video_bitrate": _bitrate,
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
