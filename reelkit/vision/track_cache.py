"""On-disk cache of face analyses (detections and shot changes), like the transcript cache.

Keyed on the source span analysed (faces.input_fingerprint: file identity, first and last MiB), the detection settings, the source
size and :data:`reelkit.vision.analysis.DETECT_VERSION`, so a re-plan of an unchanged clip skips
detection, and a changed clip, setting or detector does not reuse a stale entry. JSON, not
pickle; written atomically under a unique temporary name; a damaged entry is a miss.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

from reelkit.io.atomic import write_json_atomic
from reelkit.io.paths import cache_root
from reelkit.vision.analysis import DETECT_VERSION, Analysis, DetectSettings


def key(frames_sha256: str, settings: DetectSettings, size: tuple[int, int]) -> str:
    """The entry name for one analysis."""
    params = {"frames": frames_sha256, "settings": dataclasses.asdict(settings), "size": list(size),
              "code": DETECT_VERSION}
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode("utf-8")).hexdigest()


def _entry(k: str) -> Path:
    return cache_dir() / k[:2] / f"{k}.json"


def load(k: str) -> Analysis | None:
    """The cached analysis for key ``k``, or None (missing or damaged)."""
    try:
        data: Any = json.loads(_entry(k).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("key") != k:
            return None
        return Analysis.from_dict(data["analysis"])
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def store(k: str, analysis: Analysis) -> Path | None:
    """Write the entry atomically; a cache that cannot be written is skipped, not an error."""
    path = _entry(k)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_json_atomic(path, {"key": k, "analysis": analysis.to_dict()}, indent=None)
    except OSError:
        return None


def cache_dir() -> Path:
    """Where analyses are kept (``<cache_root>/faces``)."""
    return cache_root() / "faces"

