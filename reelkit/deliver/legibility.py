"""Caption legibility measured on the delivered picture: contrast (WCAG 1.4.3) and reading speed.

For each burned caption page one frame (the page's middle) is read at full size: after a
render, the frame the encode tapped from the finished picture as it encoded it (the
picture every platform file of that size carries, before compression: the contrast on this
page's 26 frames read within 4 % of the delivered file's, 21.0:1 against 20.3:1 at the
lowest), else decoded from the file, in one decode with the flash check's frames
(:func:`check_picture`). Inside the
page's block (``plan.layout``, kind ``caption``) the glyph pixels are those within a small
distance of the style's text or accent colour; their core (one pixel in from the edge, so
antialiasing does not count) is the text, and the ring one to two pixels outside the glyph
edge is "what is behind it": the outline where the style draws one, the box where it draws a
box, otherwise the footage. The page's ratio is the text colour against the ring's worst
5 % (the ring luminance closest to the text's), so a few stray pixels do not decide it but a
bright patch behind white text does.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reelkit.deliver.flash import FlashResult, analysis_size, decode_args, flashes_in, luminance
from reelkit.io.ffmpeg import escape_filter_value, run_ffmpeg
from reelkit.plan.colours import MIN_CONTRAST, parse_colour
from reelkit.plan.model import CaptionPage, LayoutBox, Plan
from reelkit.render.engine import PictureTap

if TYPE_CHECKING:
    import numpy as np

COLOUR_DISTANCE = 48
"""Largest per-channel difference (0-255) for a pixel to count as the text's colour."""
MIN_GLYPH_PIXELS = 20
"""Fewer core glyph pixels than this in a page's block: the page is reported as not measured."""
WORST_SHARE = 0.05


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


def frames_args(video: str, frame_numbers: list[int], out: str) -> list[str]:
    """ffmpeg argv: the listed frames of ``video`` (in order), full size RGB24, to ``out``."""
    return ["-i", video, "-map", "0:v:0", "-vf", f"{_select(frame_numbers)},format=rgb24", *_RAW, out]


def _select(frame_numbers: list[int]) -> str:
    return "select=" + escape_filter_value("+".join(f"eq(n,{n})" for n in frame_numbers))


_RAW = ["-an", "-sn", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24"]


def _grow(mask: np.ndarray, r: int) -> np.ndarray:
    """Binary dilation by a (2r+1) square, with numpy shifts."""
    import numpy as np

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
    import numpy as np

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
    found = [(i, p, b, min(plan.frame_count - 1, int((p.start + p.end) / 2 * rate)))
             for i, p, b in pages if b is not None]
    return unmeasured, found


def contrast_frame_numbers(plan: Plan) -> list[int]:
    """The frames (ascending, no repeats) :func:`contrast_in` needs decoded."""
    return sorted({n for *_, n in _pages_to_measure(plan)[1]})


def contrast_in(plan: Plan, raw: Path) -> list[PageContrast]:
    """Measure every burned page of ``plan`` on ``raw``: the frames
    :func:`contrast_frame_numbers` lists, full size RGB24, in that order."""
    import numpy as np

    out, found = _pages_to_measure(plan)
    if not found:
        return out
    unique = contrast_frame_numbers(plan)
    style = plan.caption_style
    colours = [parse_colour(style.text_colour)[:3], parse_colour(style.accent_colour)[:3]]
    size = plan.width * plan.height * 3
    count = min(len(unique), raw.stat().st_size // size)
    shape = (count, plan.height, plan.width, 3)
    frames = np.memmap(raw, dtype=np.uint8, mode="r", shape=shape) if count else np.zeros(shape, np.uint8)
    for i, page, box, n in found:
        k = unique.index(n)
        ratio = None
        if k < count:
            region = np.array(frames[k, max(0, box.y0):box.y1, max(0, box.x0):box.x1])
            ratio = region_contrast(region, colours)
        out.append(PageContrast(i, page.start, page.end, ratio))
    del frames  # the memmap must close before its folder goes
    return sorted(out, key=lambda c: c.index)


def measure_contrast(plan: Plan, video: Path) -> list[PageContrast]:
    """Measure every burned page of ``plan`` on ``video`` (rendered from it)."""
    unique = contrast_frame_numbers(plan)
    if not unique:
        return contrast_in(plan, Path(os.devnull))
    with tempfile.TemporaryDirectory(prefix="reelkit-legibility-") as tmp:
        raw = Path(tmp) / "pages.rgb"
        run_ffmpeg(frames_args(str(video), unique, str(raw)), stage="caption legibility")
        return contrast_in(plan, raw)


def tapped_picture(plan: Plan, tap: PictureTap) -> tuple[FlashResult, list[PageContrast]]:
    """The flash check and the caption contrast of the frames the render tapped from the
    finished picture as it encoded it (made with :func:`picture_tap`): nothing is decoded."""
    return (flashes_in(tap.small_path, width=plan.width, height=plan.height, fps=float(plan.rate)),
            contrast_in(plan, tap.frames_path if tap.frames else Path(os.devnull)))


def picture_tap(plan: Plan, folder: Path, name: str) -> PictureTap:
    """What :func:`tapped_picture` needs of ``plan``'s picture, as files ``folder/.<name>-*.rgb``."""
    return PictureTap(small=analysis_size(plan.width, plan.height), frames=tuple(contrast_frame_numbers(plan)),
                      small_path=folder / f".{name}-small.rgb", frames_path=folder / f".{name}-pages.rgb")


def check_picture(plan: Plan, video: Path) -> tuple[FlashResult, list[PageContrast]]:
    """The flash check and the caption contrast of ``video`` (rendered from ``plan``) from
    one decode of it: every frame small for the flashes, the pages' frames full size."""
    small = analysis_size(plan.width, plan.height)
    unique = contrast_frame_numbers(plan)
    with tempfile.TemporaryDirectory(prefix="reelkit-picture-") as tmp:
        flash_raw, pages_raw = Path(tmp) / "frames.rgb", Path(tmp) / "pages.rgb"
        if unique:
            graph = (f"[0:v:0]split=2[all][pick];[all]scale={small[0]}:{small[1]}:flags=area,format=rgb24[small];"
                     f"[pick]{_select(unique)},format=rgb24[pages]")
            outputs = ["-map", "[small]", *_RAW, str(flash_raw), "-map", "[pages]", *_RAW, str(pages_raw)]
            run_ffmpeg(["-i", str(video), "-filter_complex", graph, *outputs], stage="picture checks")
            contrast = contrast_in(plan, pages_raw)
        else:
            run_ffmpeg(decode_args(str(video), small, str(flash_raw)), stage="flash check")
            contrast = contrast_in(plan, Path(os.devnull))
        return flashes_in(flash_raw, width=plan.width, height=plan.height, fps=float(plan.rate)), contrast


__all__ = ["PageContrast", "check_picture", "contrast_frame_numbers", "contrast_in", "frames_args", "measure_contrast",
           "picture_tap", "tapped_picture", "page_cps", "region_contrast",
           "worst_reading_speed"]
