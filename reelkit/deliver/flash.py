"""WCAG 2.3.1 (Three Flashes or Below Threshold): the general-flash and red-flash check.

A *transition* is a change of relative luminance by 10 % or more of the maximum where the
darker state is below 0.80 (general flash), or, for saturated red, a change of
``(R - G - B) x 320`` (linear RGB, negatives as 0) by more than 20 where either state has a red
ratio ``R / (R + G + B)`` of 0.8 or more (red flash; the WCAG 2.x definition). A *flash* is a
pair of opposing transitions; more than three flashes (more than six transitions) in any one
second fails, when the area changing together is at least a quarter of a 10-degree field.

**Area assumption (phone).** WCAG reads a 10-degree field as 341 x 256 px of a 1024 x 768
screen at desktop distance. On a phone held at 30 cm a 10-degree field is 2 x 30 x tan 5 deg
= 5.25 cm wide; a 6.1-inch 9:16 screen is 7.6 cm wide, so the field spans 69 % of the frame
width and (4:3, like WCAG's) 52 % of the width in height; a quarter of it is
0.25 x 0.69 x 0.52 = 8.9 % of width squared (5.0 % of a 9:16 frame, 105,000 px at 1080x1920).
Any one direction of change covering that share of the frame in one step counts.

Frames are read small (48 px wide, area-averaged, every frame): decoded once by ffmpeg
(:func:`check_flashes`, ``reelkit check``), or, after a render, the frames its encode tapped
from the finished picture (:func:`flashes_in`). Each pixel follows a hysteresis tracker, so a
change spread over several frames still counts once.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelkit.io.ffmpeg import run_ffmpeg

ANALYSIS_WIDTH = 48
"""Decoded width in pixels; each pixel averages about 22 x 22 pixels of a 1080 px frame."""
FIELD_WIDTH_SHARE = 0.69
"""A 10-degree field at 30 cm on a 7.6 cm wide phone screen, as a share of the frame width."""
AREA_SHARE_OF_WIDTH_SQUARED = 0.25 * FIELD_WIDTH_SHARE * (FIELD_WIDTH_SHARE * 0.75)
"""A quarter of that (4:3) field, in units of width squared."""
LUMINANCE_STEP = 0.10
DARKER_BELOW = 0.80
RED_STEP = 20.0
RED_RATIO = 0.8
MAX_TRANSITIONS_PER_SECOND = 6
"""Three flashes: six transitions; a seventh in one second is more than three flashes."""
READ_BYTES = 4 << 20
"""Raw frames are read this many bytes at a time (:func:`read_frames`)."""


@dataclass(frozen=True)
class FlashSpan:
    """A stretch of the file (seconds) where some one-second window breaks a threshold."""

    kind: str  # "general" | "red"
    start: float
    end: float
    flashes: float  # the most flashes (transitions / 2) found in one second inside the span

    def text(self) -> str:
        """One line naming the times, e.g. ``general flash 0:00.2-0:02.0 (5 flashes in one second, limit 3)``."""
        return (f"{self.kind} flash {_clock(self.start)}-{_clock(self.end)} "
                f"({self.flashes:g} flashes in one second, limit 3)")


@dataclass(frozen=True)
class FlashResult:
    """The check's outcome for one file; ``spans`` empty means it passed."""

    spans: tuple[FlashSpan, ...]
    frames: int
    area_share: float  # share of the frame that must change together

    @property
    def passed(self) -> bool:
        return not self.spans

    def failures(self) -> list[str]:
        """One failure line per span (WCAG 2.3.1)."""
        return [f"WCAG 2.3.1: {s.text()}" for s in self.spans]


def _clock(t: float) -> str:
    minutes, seconds = divmod(max(0.0, t), 60)
    return f"{int(minutes)}:{seconds:04.1f}"


def analysis_size(width: int, height: int) -> tuple[int, int]:
    """The small decode size keeping the frame's shape (even height)."""
    w = min(ANALYSIS_WIDTH, width)
    return w, max(2, int(round(height * w / width / 2)) * 2)


def area_share(width: int, height: int) -> float:
    """The share of a ``width`` x ``height`` frame a flash must cover (see the module note)."""
    return min(1.0, AREA_SHARE_OF_WIDTH_SQUARED * width / height)


def decode_args(path: str, size: tuple[int, int], out: str) -> list[str]:
    """ffmpeg argv: every frame of ``path``'s first video stream, area-scaled, RGB24, to ``out``."""
    w, h = size
    return ["-i", path, "-map", "0:v:0", "-an", "-sn", "-fps_mode", "passthrough",
            "-vf", f"scale={w}:{h}:flags=area,format=rgb24", "-f", "rawvideo", "-pix_fmt", "rgb24", out]


class _Tracker:
    """Per-pixel hysteresis: a transition is a move of at least ``step`` away from the last
    extreme in the direction opposite to the last one (the first move counts either way)."""

    def __init__(self, first: np.ndarray, step: float, strict: bool) -> None:
        self.np = np
        self.ref = first.copy()
        self.dir = np.zeros(first.shape, dtype=np.int8)
        self.step, self.strict = step, strict

    def step_to(self, value: np.ndarray, allowed) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
        """Advance to ``value``; ``allowed(ref_mask)`` filters moves (darker-state rule, red
        ratio). Returns the masks of pixels making an upward and a downward transition."""
        np = self.np
        delta = value - self.ref
        big = delta > self.step if self.strict else delta >= self.step - 1e-9
        small = -delta > self.step if self.strict else -delta >= self.step - 1e-9
        up = big & (self.dir <= 0) & allowed()
        down = small & (self.dir >= 0) & allowed()
        # Extend the extreme while moving on in the same direction.
        extend = ((self.dir > 0) & (delta > 0)) | ((self.dir < 0) & (delta < 0))
        moved = up | down | extend
        self.ref = np.where(moved, value, self.ref)
        self.dir = np.where(up, 1, np.where(down, -1, self.dir)).astype(np.int8)
        return up, down


def linear_rgb(rgb: np.ndarray) -> np.ndarray:
    """sRGB uint8 (..., 3) -> linear float32 (the WCAG relative-luminance transfer)."""
    s = rgb.astype(np.float32) / 255.0
    return np.where(s <= 0.04045, s / 12.92, ((s + 0.055) / 1.055) ** 2.4)


def luminance(rgb: np.ndarray) -> np.ndarray:
    """WCAG relative luminance of every pixel of an sRGB uint8 (..., 3) array."""
    return linear_rgb(rgb) @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)


def transitions(frames: Iterable[np.ndarray], share: float) -> tuple[list[int], list[int]]:
    """Frame indices of general and red transitions in ``frames`` ((h, w, 3) uint8 each, in
    order: an (n, h, w, 3) array or a stream, :func:`read_frames`)."""
    stream = iter(frames)
    first = next(stream, None)
    if first is None:
        return [], []
    need = share * first.shape[0] * first.shape[1]
    lin = linear_rgb(first)
    lum = lin @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
    general = _Tracker(lum, LUMINANCE_STEP, strict=False)
    red = _Tracker(_red_value(lin), RED_STEP, strict=True)
    red_ratio_ref = _red_ratio(lin)
    general_at: list[int] = []
    red_at: list[int] = []
    for i, frame in enumerate(stream, start=1):
        lin = linear_rgb(frame)
        lum = lin @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
        ref_lum = general.ref
        up, down = general.step_to(lum, lambda: np.minimum(lum, ref_lum) < DARKER_BELOW)
        if up.sum() >= need or down.sum() >= need:
            general_at.append(i)
        ratio = _red_ratio(lin)
        ref_ratio = red_ratio_ref
        up, down = red.step_to(_red_value(lin), lambda: np.maximum(ratio, ref_ratio) >= RED_RATIO)
        red_ratio_ref = np.where(up | down, ratio, red_ratio_ref)
        if up.sum() >= need or down.sum() >= need:
            red_at.append(i)
    return general_at, red_at


def _red_value(lin: np.ndarray) -> np.ndarray:
    return np.maximum(0.0, lin[..., 0] - lin[..., 1] - lin[..., 2]) * 320.0


def _red_ratio(lin: np.ndarray) -> np.ndarray:
    total = lin.sum(axis=-1)
    return np.where(total > 1e-6, lin[..., 0] / np.maximum(total, 1e-6), 0.0)


def read_frames(raw: Path, shape: tuple[int, ...], batch_bytes: int = READ_BYTES) -> Iterator[np.ndarray]:
    """The whole frames of ``shape`` (uint8) in the raw file ``raw``, in order, read
    ``batch_bytes`` at a time: memory stays flat in the file's length. (A memory map of the
    file would keep every page it touched resident: the tap of a 12-minute render is 267 MB.)"""
    frame_bytes = int(np.prod(shape))
    per_batch = max(1, batch_bytes // frame_bytes)
    with raw.open("rb") as fh:
        while True:
            batch = np.fromfile(fh, dtype=np.uint8, count=per_batch * frame_bytes)
            n = batch.size // frame_bytes
            yield from batch[: n * frame_bytes].reshape(n, *shape)
            if n < per_batch:
                return


def failing_spans(at: list[int], fps: float, kind: str) -> list[FlashSpan]:
    """Merge every one-second window ``[t, t + 1 s)`` holding more than six transitions."""
    spans: list[FlashSpan] = []
    window = max(1, int(round(fps)))  # frames in one second
    j = 0
    for i, first in enumerate(at):
        while j < len(at) and at[j] < first + window:
            j += 1
        count = j - i
        if count <= MAX_TRANSITIONS_PER_SECOND:
            continue
        start, end, flashes = at[i] / fps, at[j - 1] / fps, count / 2
        if spans and start <= spans[-1].end + 1e-9:
            last = spans[-1]
            spans[-1] = FlashSpan(kind, last.start, max(last.end, end), max(last.flashes, flashes))
        else:
            spans.append(FlashSpan(kind, start, end, flashes))
    return spans


def check_flashes(path: Path, *, width: int, height: int, fps: float) -> FlashResult:
    """Decode ``path`` small and apply WCAG 2.3.1's general- and red-flash thresholds."""
    size = analysis_size(width, height)
    with tempfile.TemporaryDirectory(prefix="reelkit-flash-") as tmp:
        raw = Path(tmp) / "frames.rgb"
        run_ffmpeg(decode_args(str(path), size, str(raw)), stage="flash check")
        return flashes_in(raw, width=width, height=height, fps=fps)


def flashes_in(raw: Path, *, width: int, height: int, fps: float) -> FlashResult:
    """The flash check of ``raw``: every frame of a ``width`` x ``height`` picture decoded at
    :func:`analysis_size` as RGB24 (what :func:`decode_args` writes)."""
    size = analysis_size(width, height)
    share = area_share(width, height)
    count = raw.stat().st_size // (size[0] * size[1] * 3)
    if count == 0:
        return FlashResult(spans=(), frames=0, area_share=share)
    general_at, red_at = transitions(read_frames(raw, (size[1], size[0], 3)), share)
    spans = failing_spans(general_at, fps, "general") + failing_spans(red_at, fps, "red")
    return FlashResult(spans=tuple(spans), frames=count, area_share=share)


__all__ = ["FlashResult", "FlashSpan", "analysis_size", "area_share", "check_flashes", "decode_args", "failing_spans",
           "flashes_in", "linear_rgb", "luminance", "read_frames", "transitions"]
