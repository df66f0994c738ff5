"""What each field of a platform preset may hold: the encoders, profiles, pixel formats and
sidecar formats reelkit supports, the safe zone, and the platforms file's schema
(``reelkit/data/platforms.schema.json``) with those lists filled in (:func:`platforms_schema`),
which :mod:`reelkit.plan.platforms` checks every file against through
:mod:`reelkit.plan.validation`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from typing import Any

from reelkit.plan.validation import data_schema

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


@cache
def platforms_schema() -> dict[str, Any]:
    """The platforms file's schema with reelkit's own lists of encoders and formats filled in
    (kept in code: the renderer and the checker use them too)."""
    schema = copy.deepcopy(data_schema("platforms"))
    fields = schema["$defs"]["fields"]["properties"]
    for key, allowed in (("video_codec", VIDEO_CODECS), ("audio_codec", AUDIO_CODECS), ("pix_fmt", PIX_FMTS),
                         ("duration_policy", DURATION_POLICIES)):
        fields[key] = {"enum": list(allowed), "description": fields[key].get("description", "")}
    fields["sidecars"]["items"] = {"enum": list(SIDECAR_FORMATS)}
    return schema
