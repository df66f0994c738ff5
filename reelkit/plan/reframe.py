"""Reframing a source picture into the vertical output frame."""

from __future__ import annotations

from reelkit.plan.model import Crop

REFRAME_MODES = ("auto", "crop", "fit")


def resolve_mode(mode: str, src_w: int, src_h: int) -> str:
    """``auto`` crops landscape sources and fits every other shape (portrait is scaled, never cropped)."""
    if mode == "auto":
        return "crop" if src_w > src_h else "fit"
    return mode


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def crop_region(mode: str, src_w: int, src_h: int, out_w: int, out_h: int, focus: float = 0.5) -> Crop:
    """Source region shown in the output frame.

    ``crop`` takes the largest region with the output's aspect, centred on ``focus``
    horizontally (0 = left edge, 1 = right edge) and vertically centred; ``fit`` shows the
    whole frame (the renderer scales it into the frame over a blurred fill of itself).
    """
    if mode == "fit":
        return Crop(0, 0, src_w, src_h)
    target = out_w / out_h
    if src_w / src_h > target:
        h = src_h - src_h % 2
        w = min(_even(h * target), src_w - src_w % 2)
        x = int(round((src_w - w) * min(1.0, max(0.0, focus)))) // 2 * 2  # even: 4:2:0 chroma
        return Crop(x, 0, w, h)
    w = src_w - src_w % 2
    h = min(_even(w / target), src_h - src_h % 2)
    return Crop(0, (src_h - h) // 4 * 2, w, h)
