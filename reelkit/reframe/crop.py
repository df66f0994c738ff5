"""Reframing a source picture into the vertical output frame."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from reelkit.plan.model import Crop, Cut, Source
from reelkit.plan.outline import Segment

REFRAME_MODES = ("auto", "track", "crop", "fit")


def resolve_mode(mode: str, src_w: int, src_h: int) -> str:
    """The picture geometry of a mode: ``auto`` crops landscape sources and fits every other
    shape (portrait is scaled, never cropped); ``track`` is a crop that follows the subject
    (the path is added later, by :mod:`reelkit.reframe.tracking`)."""
    if mode == "auto":
        return "crop" if src_w > src_h else "fit"
    if mode == "track":
        return "crop"
    return mode


def crop_x_for_centre(centre: float, src_w: int, w: int) -> int:
    """Left edge (even, for 4:2:0 chroma) of a ``w`` wide crop centred on ``centre`` px,
    clamped so the crop stays inside the source."""
    x = min(max(centre - w / 2, 0.0), float(src_w - w))
    return int(x) // 2 * 2


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def crop_region(mode: str, src_w: int, src_h: int, out_w: int, out_h: int, focus: float = 0.5) -> Crop:
    """Source region shown in the output frame.

    ``crop`` takes the largest region with the output's aspect, its horizontal centre at
    ``focus`` of the source width (0 = left edge, 1 = right edge; clamped so the crop stays
    inside the frame) and vertically centred; ``fit`` shows the
    whole frame (the renderer scales it into the frame over a blurred fill of itself).
    """
    if mode == "fit":
        return Crop(0, 0, src_w, src_h)
    target = out_w / out_h
    if src_w / src_h > target:
        h = src_h - src_h % 2
        w = min(_even(h * target), src_w - src_w % 2)
        return Crop(crop_x_for_centre(src_w * min(1.0, max(0.0, focus)), src_w, w), 0, w, h)
    w = src_w - src_w % 2
    h = min(_even(w / target), src_h - src_h % 2)
    return Crop(0, (src_h - h) // 4 * 2, w, h)


def frame_cuts(segments: Sequence[Segment], sources: Sequence[Source], cuts: Sequence[Cut],
               width: int, height: int) -> tuple[Cut, ...]:
    """The timeline's cuts (one per outline segment, in order) with each segment's reframe mode
    resolved and its crop for a ``width`` x ``height`` output."""
    by_id = {s.id: s for s in sources}
    out = []
    for seg, cut in zip(segments, cuts, strict=True):
        src = by_id[cut.source]
        mode = resolve_mode(seg.reframe, src.width, src.height)
        out.append(replace(cut, reframe=mode, crop=crop_region(mode, src.width, src.height, width, height, seg.focus)))
    return tuple(out)
