"""Shot changes inside a clip, from ffmpeg's scene-change score (the ``scdet`` filter).

The analysis decode (:mod:`reelkit.vision.faces`) scores every decoded frame with ``scdet``,
which logs the frames above a threshold and passes every frame on (``select`` would leave
an empty stream, an ffmpeg error, for a clip without a cut); this module builds that
filter and reads its log. The camera path treats each shot on its own: it may
jump at a shot change and nowhere else.
"""

from __future__ import annotations

import re

SCENE_THRESHOLD = 10.0
"""A frame whose scene score exceeds this starts a new shot (scdet's 0..100 scale and default)."""
MIN_SHOT = 0.5
"""Shots shorter than this (seconds) are merged into the one before: flashes, not shots."""

_LINE = re.compile(r"lavfi\.scd\.score:\s*([0-9.]+),\s*lavfi\.scd\.time:\s*(-?[0-9.]+)")


def scene_filter(threshold: float = SCENE_THRESHOLD) -> str:
    """Filter that logs (at info level) the score and time of frames starting a shot."""
    return f"scdet=threshold={threshold:g}"


def parse_scene_log(log: str, duration: float, threshold: float = SCENE_THRESHOLD) -> tuple[float, ...]:
    """Shot-change times (seconds from the segment start) from ffmpeg's metadata log.

    Changes closer than :data:`MIN_SHOT` to the segment's ends or to the previous change are
    dropped, so every shot is long enough to frame.
    """
    cuts: list[float] = []
    for m in _LINE.finditer(log):
        score, t = float(m.group(1)), float(m.group(2))
        if score < threshold or t < MIN_SHOT or t > duration - MIN_SHOT or (cuts and t - cuts[-1] < MIN_SHOT):
            continue
        cuts.append(round(t, 6))
    return tuple(cuts)


def shot_spans(cuts: tuple[float, ...], duration: float) -> list[tuple[float, float]]:
    """The shots of a segment as (start, end) seconds, split at ``cuts``."""
    edges = [0.0, *cuts, duration]
    return [(a, b) for a, b in zip(edges, edges[1:]) if b > a]
