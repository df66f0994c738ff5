"""Caption legibility measured on the delivered picture: contrast (WCAG 1.4.3) and reading speed.

For each burned caption page one frame (the page's middle, or the frame after the keyframe
nearest it) is read at full size from the delivered file by PyAV in this process, sought to
and decoded from the keyframe before it (:func:`sought_frames`): no ffmpeg process per frame
(26 pages cost 2.2 s in 13 processes, 0.3 s here). They are not tapped from the encode like
the flash check's small frames: an ffmpeg output that gets only a few frames beside the
encode (a ``select``) left ffmpeg 9's scheduler waiting forever in about one run in four on
a loaded machine. Inside the
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
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelkit.deliver.flash import FlashResult, analysis_size, decode_args, flashes_in, luminance
from reelkit.errors import MediaError
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


def sought_frames(video: Path, frame_numbers: Sequence[int], rate: float) -> Iterator[np.ndarray]:
    """The listed frames of ``video`` (ascending), full size RGB24 (h, w, 3), one at a time.

    Each is sought to (the keyframe before it, then decoded up to it) unless it lies within
    a GOP after the last one decoded, where decoding on is cheaper. The conversion to RGB is
    swscale's, as ffmpeg's ``format=rgb24`` does it (the frames' own BT.709 tags). A frame
    the file lacks ends the iteration; an unreadable file is a MediaError."""
    import av  # lazy: PyAV loads only when the pages are measured

    try:
        with av.open(str(video)) as container:
            stream = container.streams.video[0]
            start = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
            decoded: Iterator | None = None
            last = -1
            for n in frame_numbers:
                if decoded is None or n <= last or n - last > _DECODE_ON:
                    container.seek(int((n / rate + start) / stream.time_base), stream=stream, backward=True,
                                   any_frame=False)
                    decoded = container.decode(stream)
                frame = None
                for frame in decoded:
                    last = int(round((float(frame.pts * stream.time_base) - start) * rate))
                    if last >= n:
                        break
                if frame is None or last != n:
                    return  # past the file's end, or a frame not in it: those pages go unmeasured
                yield frame.to_ndarray(format="rgb24")
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(f"cannot read the caption frames ({exc})", path=str(video)) from None


_DECODE_ON = 30
"""Frames ahead of the last decoded within which decoding on beats a seek (a GOP at 60 fps)."""


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


def contrast_in(plan: Plan, frames: Iterable[np.ndarray]) -> list[PageContrast]:
    """Measure every burned page of ``plan`` on ``frames``: those
    :func:`contrast_frame_numbers` lists, full size RGB24 (h, w, 3), in that order."""
    out, found = _pages_to_measure(plan)
    if not found:
        return out
    unique = contrast_frame_numbers(plan)
    style = plan.caption_style
    colours = [parse_colour(style.text_colour)[:3], parse_colour(style.accent_colour)[:3]]
    by_frame: dict[int, list[tuple[int, CaptionPage, LayoutBox]]] = {}
    for i, page, box, n in found:
        by_frame.setdefault(n, []).append((i, page, box))
    # One full frame at a time (6 MB at 1080x1920), never all of them: a 12-minute episode
    # has some 300 pages.
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
    return contrast_in(plan, sought_frames(video, unique, float(plan.rate)) if unique else iter(()))


def picture_tap(plan: Plan, folder: Path, name: str) -> PictureTap:
    """What :func:`picture_flashes` reads tapped of ``plan``'s picture, as ``folder/.<name>-small.rgb``."""
    return PictureTap(small=analysis_size(plan.width, plan.height), small_path=folder / f".{name}-small.rgb")


def picture_flashes(plan: Plan, tap: PictureTap | None, video: Path) -> FlashResult:
    """The flash check of ``plan``'s picture: on the frames its render tapped as it encoded
    (made with :func:`picture_tap`: nothing decoded), else on every frame of ``video`` (the
    delivered file) decoded small."""
    if tap is not None:
        return flashes_in(tap.small_path, width=plan.width, height=plan.height, fps=float(plan.rate))
    small = analysis_size(plan.width, plan.height)
    with tempfile.TemporaryDirectory(prefix="reelkit-picture-") as tmp:
        flash_raw = Path(tmp) / "frames.rgb"
        run_ffmpeg(decode_args(str(video), small, str(flash_raw)), stage="flash check")
        return flashes_in(flash_raw, width=plan.width, height=plan.height, fps=float(plan.rate))


__all__ = ["PageContrast", "contrast_frame_numbers", "contrast_in", "measure_contrast",
           "picture_flashes", "picture_tap", "page_cps", "region_contrast", "sought_frames",
           "worst_reading_speed"]
