"""Caption legibility measured on the delivered picture: contrast (WCAG 1.4.3) and reading speed.

For each burned caption page one frame (the page's middle) is read at full size from the
delivered file, each sought to on its own (a GOP's decode at most, :func:`decode_frames`).
They are not tapped from the encode like the flash check's small frames: an ffmpeg output
that gets only a few frames beside the encode (a ``select``) left ffmpeg 9's scheduler
waiting forever in about one run in four on a loaded machine. Inside the
page's block (``plan.layout``, kind ``caption``) the glyph pixels are those within a small
distance of the style's text or accent colour; their core (one pixel in from the edge, so
antialiasing does not count) is the text, and the ring one to two pixels outside the glyph
edge is "what is behind it": the outline where the style draws one, the box where it draws a
box, otherwise the footage. The page's ratio is the text colour against the ring's worst
5 % (the ring luminance closest to the text's), so a few stray pixels do not decide it but a
bright patch behind white text does.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelkit.deliver.flash import FlashResult, analysis_size, decode_args, flashes_in, luminance, read_frames
from reelkit.io.ffmpeg import run_ffmpeg
from reelkit.plan.colours import MIN_CONTRAST, parse_colour
from reelkit.plan.model import CaptionPage, LayoutBox, Plan
from reelkit.render.engine import PictureTap
from reelkit.render.graph import gop_frames

COLOUR_DISTANCE = 48
"""Largest per-channel difference (0-255) for a pixel to count as the text's colour."""
MIN_GLYPH_PIXELS = 20
"""Fewer core glyph pixels than this in a page's block: the page is reported as not measured."""
WORST_SHARE = 0.05
FRAMES_PER_CALL = 2
"""Page frames sought in one ffmpeg call: each is an input with its own 1080p decoder, whose
reference frames all stay in memory for the call (16 a call peaked at 622 MiB, 4 at 196 MiB,
2 at 120 MiB, for the same CPU time; it runs beside the cover and the other checks)."""


@dataclass(frozen=True)
class PageContrast:
    """The measured contrast of one burned page (``ratio`` None: no text found to measure)."""

    index: int
    start: float
    end: float
    ratio: float | None

    @property
    def passed(self) -> bool:
        return self.ratio is None or self.ratio >= MIN_CONTRAST

    def text(self) -> str:
        """One line, e.g. ``caption page 3 (0:04.1-0:06.0): contrast 3.2:1, expected at least 4.5:1``."""
        span = f"caption page {self.index + 1} ({_clock(self.start)}-{_clock(self.end)})"
        if self.ratio is None:
            return f"{span}: no caption text found on the frame to measure"
        return f"{span}: contrast {self.ratio:.1f}:1, expected at least {MIN_CONTRAST:g}:1 (WCAG 1.4.3)"


def _clock(t: float) -> str:
    minutes, seconds = divmod(max(0.0, t), 60)
    return f"{int(minutes)}:{seconds:04.1f}"


def page_cps(page: CaptionPage) -> float:
    """Reading speed of one page: characters (spaces between words included) per second."""
    chars = sum(len(" ".join(w.text for w in line)) for line in page.lines)
    return chars / max(1e-3, page.end - page.start)


def worst_reading_speed(pages: tuple[CaptionPage, ...]) -> float:
    """The fastest page's characters per second (0 without pages)."""
    return max((page_cps(p) for p in pages), default=0.0)


def _block(plan: Plan, page: CaptionPage) -> LayoutBox | None:
    mid = (page.start + page.end) / 2
    for box in plan.layout:
        if box.kind == "caption" and box.start <= mid < box.end:
            return box
    return None


def frames_args(video: str, frame_numbers: Sequence[int], rate: float, out: str) -> list[str]:
    """ffmpeg argv: the listed frames of ``video`` (in order), full size RGB24, to ``out``.

    Each frame is sought to (one input each, decoded from the keyframe before it) rather than
    selected from a decode of the whole file.
    """
    args: list[str] = []
    chains: list[str] = []
    for i, n in enumerate(frame_numbers):
        # A quarter frame before the frame's time: the accurate seek drops the frame before.
        start = max(0.0, (n - 0.25) / rate)
        args += ["-threads", "1", "-ss", f"{start:.6f}", "-t", f"{1.5 / rate:.6f}", "-i", video]
        chains.append(f"[{i}:v:0]trim=end_frame=1,setpts=PTS-STARTPTS,format=rgb24[f{i}]")
    count = len(frame_numbers)
    chains.append("".join(f"[f{i}]" for i in range(count)) + f"concat=n={count}:v=1:a=0[frames]")
    return args + ["-filter_complex", ";".join(chains), "-map", "[frames]", *_RAW, out]


def decode_frames(video: Path, frame_numbers: Sequence[int], rate: float, out: Path) -> None:
    """Write the listed frames of ``video`` (full size RGB24, in order) to ``out``, in calls of
    :data:`FRAMES_PER_CALL` inputs (one demuxer and decoder each)."""
    with out.open("wb") as sink:
        for first in range(0, len(frame_numbers), FRAMES_PER_CALL):
            part = out.with_suffix(".part")
            try:
                run_ffmpeg(frames_args(str(video), frame_numbers[first:first + FRAMES_PER_CALL], rate, str(part)),
                           stage="caption legibility")
                with part.open("rb") as src:
                    shutil.copyfileobj(src, sink)
            finally:
                part.unlink(missing_ok=True)


_RAW = ["-an", "-sn", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24"]


def _grow(mask: np.ndarray, r: int) -> np.ndarray:
    """Binary dilation by a (2r+1) square, with numpy shifts."""
    out = mask.copy()
    h, w = mask.shape
    padded = np.pad(mask, r)
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            out |= padded[r + dy:r + dy + h, r + dx:r + dx + w]
    return out


def region_contrast(region: np.ndarray, colours: list[tuple[int, int, int]]) -> float | None:
    """Contrast of the text drawn in ``colours`` against the ring just behind it in ``region``
    (h, w, 3 uint8); None when too few glyph pixels are found."""
    px = region.astype(np.int16)
    glyph = np.zeros(region.shape[:2], dtype=bool)
    for c in colours:
        glyph |= np.abs(px - np.array(c, dtype=np.int16)).max(axis=-1) <= COLOUR_DISTANCE
    core = ~_grow(~glyph, 1)  # one pixel in from every glyph edge
    ring = _grow(glyph, 2) & ~_grow(glyph, 1)
    if core.sum() < MIN_GLYPH_PIXELS or ring.sum() < MIN_GLYPH_PIXELS:
        return None
    lum = luminance(region)
    text = float(np.median(lum[core]))
    behind = lum[ring]
    lighter_text = text >= float(np.median(behind))
    worst = float(np.quantile(behind, 1 - WORST_SHARE if lighter_text else WORST_SHARE))
    hi, lo = max(text, worst), min(text, worst)
    return (hi + 0.05) / (lo + 0.05)


def _pages_to_measure(plan: Plan) -> tuple[list[PageContrast], list[tuple[int, CaptionPage, LayoutBox, int]]]:
    """The burned pages without a caption block (not measured), and the others with the
    number of the frame to measure each on (its middle)."""
    pages = [(i, p, _block(plan, p)) for i, p in enumerate(plan.burned_pages())] if plan.burn_captions else []
    unmeasured = [PageContrast(i, p.start, p.end, None) for i, p, b in pages if b is None]
    rate = float(plan.rate)
    found = [(i, p, b, _frame_to_measure(plan, p, rate)) for i, p, b in pages if b is not None]
    return unmeasured, found


def _frame_to_measure(plan: Plan, page: CaptionPage, rate: float) -> int:
    """The frame a page is measured on: the one just after the keyframe nearest the page's
    middle, when that lies inside the page (seeking to it decodes two frames instead of up to
    a GOP's: 0.3 against 2.3 CPU-s for 26 pages of 1080x1920), else the middle frame."""
    middle = min(plan.frame_count - 1, int((page.start + page.end) / 2 * rate))
    if not plan.outputs:
        return middle
    gop = gop_frames(plan, plan.outputs[0])
    after_key = int(round((middle - 1) / gop)) * gop + 1
    first, last = int(math.ceil(page.start * rate)), min(plan.frame_count - 1, int(page.end * rate) - 1)
    return after_key if first <= after_key <= last else middle


def contrast_frame_numbers(plan: Plan) -> list[int]:
    """The frames (ascending, no repeats) :func:`contrast_in` needs decoded."""
    return sorted({n for *_, n in _pages_to_measure(plan)[1]})


def contrast_in(plan: Plan, raw: Path) -> list[PageContrast]:
    """Measure every burned page of ``plan`` on ``raw``: the frames
    :func:`contrast_frame_numbers` lists, full size RGB24, in that order."""
    out, found = _pages_to_measure(plan)
    if not found:
        return out
    unique = contrast_frame_numbers(plan)
    style = plan.caption_style
    colours = [parse_colour(style.text_colour)[:3], parse_colour(style.accent_colour)[:3]]
    by_frame: dict[int, list[tuple[int, CaptionPage, LayoutBox]]] = {}
    for i, page, box, n in found:
        by_frame.setdefault(n, []).append((i, page, box))
    # One full frame at a time (6 MB at 1080x1920), not a memory map of them all: a
    # 12-minute episode has some 300 pages.
    frames = read_frames(raw, (plan.height, plan.width, 3), batch_bytes=0) if raw.exists() else iter(())
    for n, frame in zip(unique, frames):
        for i, page, box in by_frame.pop(n):
            region = np.array(frame[max(0, box.y0):box.y1, max(0, box.x0):box.x1])
            out.append(PageContrast(i, page.start, page.end, region_contrast(region, colours)))
    # Frames the file lacks: those pages are not measured.
    out += [PageContrast(i, page.start, page.end, None) for pages in by_frame.values() for i, page, _ in pages]
    return sorted(out, key=lambda c: c.index)


def measure_contrast(plan: Plan, video: Path) -> list[PageContrast]:
    """Measure every burned page of ``plan`` on ``video`` (rendered from it)."""
    unique = contrast_frame_numbers(plan)
    if not unique:
        return contrast_in(plan, Path(os.devnull))
    with tempfile.TemporaryDirectory(prefix="reelkit-legibility-") as tmp:
        raw = Path(tmp) / "pages.rgb"
        decode_frames(video, unique, float(plan.rate), raw)
        return contrast_in(plan, raw)


def tapped_picture(plan: Plan, tap: PictureTap, video: Path) -> tuple[FlashResult, list[PageContrast]]:
    """The flash check on the frames the render tapped from the finished picture as it
    encoded it (made with :func:`picture_tap`: nothing decoded) and the caption contrast on
    the pages' frames sought in ``video``, the delivered file."""
    return (flashes_in(tap.small_path, width=plan.width, height=plan.height, fps=float(plan.rate)),
            measure_contrast(plan, video))


def picture_tap(plan: Plan, folder: Path, name: str) -> PictureTap:
    """What :func:`tapped_picture` needs tapped of ``plan``'s picture, as ``folder/.<name>-small.rgb``."""
    return PictureTap(small=analysis_size(plan.width, plan.height), small_path=folder / f".{name}-small.rgb")


def check_picture(plan: Plan, video: Path) -> tuple[FlashResult, list[PageContrast]]:
    """The flash check and the caption contrast of ``video`` (rendered from ``plan``): every
    frame decoded small for the flashes, the pages' frames sought full size."""
    small = analysis_size(plan.width, plan.height)
    with tempfile.TemporaryDirectory(prefix="reelkit-picture-") as tmp:
        flash_raw = Path(tmp) / "frames.rgb"
        run_ffmpeg(decode_args(str(video), small, str(flash_raw)), stage="flash check")
        flashes = flashes_in(flash_raw, width=plan.width, height=plan.height, fps=float(plan.rate))
    return flashes, measure_contrast(plan, video)


__all__ = ["PageContrast", "check_picture", "contrast_frame_numbers", "contrast_in", "decode_frames", "frames_args", "measure_contrast",
           "picture_tap", "tapped_picture", "page_cps", "region_contrast",
           "worst_reading_speed"]
