"""What face analysis finds in a segment: detection settings, faces, face tracks, the analysis.

Plain records shared by the detector (:mod:`.faces`), its cache (:mod:`.track_cache`) and
reframing (:mod:`reelkit.reframe.camera_path`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reelkit.vision import shots

DETECT_VERSION = "faces-3"
"""Changes whenever decoding or detection changes what an analysis contains (cache key)."""


@dataclass(frozen=True)
class DetectSettings:
    """How a segment is analysed. Every field is part of the cache key."""

    sample_fps: float = 3.0  # 5 cost two thirds more detection for the same paths (tests/reframe)
    width: int = 320  # decoded frame width (height keeps the aspect); 640 cost 4x the detection
    scale_factor: float = 1.1  # finer steps than 1.15: at 320 px a face spans few cascade windows
    min_neighbors: int = 4
    min_face: float = 0.075  # smallest face side, as a fraction of the decoded width (144 px at 1080p;
    # 24 px at 320, the frontal cascade's own window)
    profile: bool = True
    scene_threshold: float = shots.SCENE_THRESHOLD


@dataclass(frozen=True)
class Face:
    """One detection at segment time ``t`` (seconds from the segment start); the box is in
    displayed source pixels."""

    t: float
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass
class Track:
    """Detections of one face across consecutive samples (with gaps)."""

    faces: list[Face] = field(default_factory=list)

    @property
    def last(self) -> Face:
        return self.faces[-1]

    def median_size(self) -> float:
        return float(np.median([f.w for f in self.faces]))


@dataclass(frozen=True)
class Analysis:
    """What detection found in one segment: sample times, faces per sample, shot changes."""

    duration: float  # seconds analysed
    src_w: int
    src_h: int
    times: tuple[float, ...]
    faces: tuple[tuple[Face, ...], ...]  # one tuple per sample time
    cuts: tuple[float, ...]  # shot changes, seconds from the segment start
    frames_hash: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"duration": self.duration, "src_w": self.src_w, "src_h": self.src_h, "times": list(self.times),
                "faces": [[[f.t, f.x, f.y, f.w, f.h] for f in fs] for fs in self.faces], "cuts": list(self.cuts),
                "frames_hash": self.frames_hash}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Analysis:
        faces = tuple(tuple(Face(*(float(v) for v in f)) for f in fs) for fs in data["faces"])
        return cls(duration=float(data["duration"]), src_w=int(data["src_w"]), src_h=int(data["src_h"]),
                   times=tuple(float(t) for t in data["times"]), faces=faces,
                   cuts=tuple(float(c) for c in data["cuts"]), frames_hash=str(data.get("frames_hash", "")))
