"""Cover image: a sharp frame of the finished video with the title drawn inside the safe box.

Frames come out of ffmpeg (two calls: one small grey sampling pass, one full-size frame);
the title is drawn with Pillow, which wraps and measures text exactly and handles any
TrueType font. The PNG has the video's frame size and is written atomically.
"""

from __future__ import annotations

import tempfile
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from reelkit.errors import InputError, MediaError
from reelkit.io.atomic import atomic_path
from reelkit.io.ffmpeg import run_ffmpeg

if TYPE_CHECKING:  # heavy imports stay out of `import reelkit.cover`
    import numpy as np
    from PIL import Image

SAMPLES = 12
"""Frames sampled when picking the cover automatically."""
EDGE_SKIP = 0.05
"""Fraction of the duration skipped at each end (fades, black frames, end cards)."""
_SAMPLE_W, _SAMPLE_H = 270, 480
# The box safe on TikTok, Reels, Shorts and Snapchat at 1080x1920 (platform-specs.md):
# x 65-930, y 270-1248. Scaled to other frame sizes.
_COMMON_SAFE_BOX = (65, 270, 930, 1248)
_REF_W, _REF_H = 1080, 1920


def _probe(video: Path) -> float:
    """Duration of ``video`` in seconds; MediaError when it is not a readable video."""
    import av  # local: PyAV loads only when a cover is made

    if not video.is_file():
        raise MediaError("file not found", path=str(video))
    try:
        with av.open(str(video)) as container:
            if not container.streams.video:
                raise MediaError("not a video file (no video stream)", path=str(video))
            if container.duration:
                return container.duration / 1_000_000
            stream = container.streams.video[0]
            if stream.duration and stream.time_base:
                return float(stream.duration * stream.time_base)
    except av.error.FFmpegError as exc:
        raise MediaError(f"not a readable video ({exc.strerror or type(exc).__name__})",
                         path=str(video)) from None
    raise MediaError("video has no duration", path=str(video))


def sample_args(video: Path, out_raw: Path, start: float, span: float, count: int,
                keyframes_only: bool = True) -> list[str]:
    """ffmpeg arguments writing ``count`` grey 270x480 frames evenly over [start, start+span)."""
    rate = Fraction(count) / Fraction(span).limit_denominator(1000)
    # Keyframes only: reelkit's outputs have one every 0.5 s, plenty to choose from, and
    # decoding only those is ~5x faster than every frame (30 s -> 4 s for a 10-minute video).
    skip = ["-skip_frame", "nokey"] if keyframes_only else []
    return [*skip, "-ss", f"{start:.3f}", "-i", str(video), "-t", f"{span:.3f}", "-an", "-sn",
            "-vf", f"fps={rate.numerator}/{rate.denominator},"
                   f"scale={_SAMPLE_W}:{_SAMPLE_H}:flags=area,format=gray",
            "-frames:v", str(count), "-f", "rawvideo", "-pix_fmt", "gray", str(out_raw)]


def sharpness(gray: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian: high for crisp edges, low for blur or flat frames."""
    import numpy as np

    img = gray.astype(np.float32)
    lap = (4 * img[1:-1, 1:-1] - img[:-2, 1:-1] - img[2:, 1:-1] - img[1:-1, :-2] - img[1:-1, 2:])
    return float(lap.var())


def pick_sharp_time(video: Path, duration: float, samples: int = SAMPLES, offset: float = 0.0) -> float:
    """The time (s) of the sharpest of ``samples`` frames spread over the middle 90 % of
    ``[offset, offset + duration)``."""
    import numpy as np

    start = offset + duration * EDGE_SKIP
    span = duration * (1 - 2 * EDGE_SKIP)
    step = span / samples
    with tempfile.TemporaryDirectory(prefix="reelkit-cover-") as tmp:
        raw = Path(tmp) / "samples.gray"
        frame_size = _SAMPLE_W * _SAMPLE_H
        run_ffmpeg(sample_args(video, raw, start, span, samples), stage="cover")
        data = np.fromfile(raw, dtype=np.uint8)
        if len(data) // frame_size < samples:
            # Sparse keyframes (a file not made by reelkit): decode every frame instead.
            run_ffmpeg(sample_args(video, raw, start, span, samples, keyframes_only=False), stage="cover")
            data = np.fromfile(raw, dtype=np.uint8)
    count = len(data) // frame_size
    if count == 0:
        raise MediaError("no frames could be read for the cover", path=str(video))
    frames = data[: count * frame_size].reshape(count, _SAMPLE_H, _SAMPLE_W)
    scores = [sharpness(f) for f in frames]
    best = int(np.argmax(scores))
    # The fps filter emits output frame k at start + k * step (nearest input frame).
    return round(start + best * step, 3)


def grab_frame(video: Path, at: float) -> Image.Image:
    """The frame shown at ``at`` seconds, full size, as an RGB Pillow image."""
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="reelkit-cover-") as tmp:
        png = Path(tmp) / "frame.png"
        run_ffmpeg(["-ss", f"{at:.3f}", "-i", str(video), "-an", "-sn", "-frames:v", "1",
                    "-c:v", "png", "-pix_fmt", "rgb24", "-f", "image2", str(png)], stage="cover")
        if not png.exists():
            raise MediaError(f"no frame at {at:.3f} s", path=str(video))
        with Image.open(png) as img:
            return img.convert("RGB")


def default_safe_box(width: int, height: int) -> tuple[int, int, int, int]:
    """The box safe on all four platforms, scaled to a ``width`` x ``height`` frame."""
    x0, y0, x1, y1 = _COMMON_SAFE_BOX
    sx, sy = width / _REF_W, height / _REF_H
    return (round(x0 * sx), round(y0 * sy), round(x1 * sx), round(y1 * sy))


def _wrap(text: str, font, max_width: float) -> list[str] | None:  # type: ignore[no-untyped-def]
    """Greedy word wrap; None when a single word is wider than ``max_width``."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            probe = f"{line} {word}" if line else word
            if font.getlength(probe) <= max_width:
                line = probe
            elif not line or font.getlength(word) > max_width:
                return None
            else:
                lines.append(line)
                line = word
        if line:
            lines.append(line)
    return lines


def draw_title(image: Image.Image, title: str, font_file: Path, *,
               box: tuple[int, int, int, int], text_colour: str, box_colour: str,
               box_opacity: float = 0.6) -> Image.Image:
    """``image`` with ``title`` wrapped to ``box``'s width on a translucent box, centred in ``box``.

    The font size starts at 7.5 % of the frame width and shrinks until the block fits within
    the box's width and half its height.
    """
    from PIL import Image, ImageColor, ImageDraw, ImageFont

    try:
        text_rgb = ImageColor.getrgb(text_colour)[:3]
    except ValueError:
        raise InputError(f"not a colour: {text_colour!r}", key="text_colour", hint="use #RRGGBB") from None
    try:
        box_rgb = ImageColor.getrgb(box_colour)[:3]
    except ValueError:
        raise InputError(f"not a colour: {box_colour!r}", key="box_colour", hint="use #RRGGBB") from None
    if not title.strip():
        return image.copy()
    x0, y0, x1, y1 = box
    box_w, box_h = x1 - x0, y1 - y0
    size = max(12, round(image.width * 0.075))
    min_size = max(10, round(image.width * 0.025))
    while True:
        try:
            font = ImageFont.truetype(str(font_file), size)
        except OSError:
            raise InputError("cannot read font file", path=str(font_file), key="font_file") from None
        pad = round(size * 0.4)
        ascent, descent = font.getmetrics()
        line_h = ascent + descent
        gap = round(size * 0.15)
        lines = _wrap(title, font, box_w - 2 * pad)
        if lines is not None:
            block_h = len(lines) * line_h + (len(lines) - 1) * gap + 2 * pad
            if block_h <= box_h / 2 or size <= min_size:
                break
        elif size <= min_size:
            raise InputError(f"title does not fit the cover's safe box even at {size} px",
                             key="title", hint="shorten the longest word")
        size = max(min_size, int(size * 0.92))
    widths = [font.getlength(line) for line in lines]
    block_w = max(widths) + 2 * pad
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    bx0, by0 = round(cx - block_w / 2), round(cy - block_h / 2)
    bx1, by1 = bx0 + round(block_w), by0 + block_h
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    draw.rounded_rectangle((bx0, by0, bx1 - 1, by1 - 1), radius=pad,
                           fill=(*box_rgb, round(255 * box_opacity)))
    y = by0 + pad
    for line, width in zip(lines, widths):
        draw.text((cx - width / 2, y), line, font=font, fill=(*text_rgb, 255))
        y += line_h + gap
    return Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")


def make_cover(video: Path, out_png: Path, *, title: str, font_file: Path, text_colour: str = "#FFFFFF",
               box_colour: str = "#000000", at: float | None = None,
               safe_box: tuple[int, int, int, int] | None = None, box_opacity: float = 0.6,
               window: tuple[float, float] | None = None) -> float:
    """Write a cover PNG of ``video`` (same size as its frames) and return the time used.

    ``at`` picks the frame; None picks the sharpest of 12 frames sampled over the middle 90 %
    of ``window`` (default: the whole video; the pipeline passes the span free of full-frame
    cards, so a cover never shows the hook or end card under its title).
    ``safe_box`` is (x0, y0, x1, y1) in frame pixels; None uses the box safe on all platforms.
    The title is wrapped to the box's width on a translucent ``box_colour`` box.
    """
    video, out_png, font_file = Path(video), Path(out_png), Path(font_file)
    if not font_file.is_file():
        raise InputError("font file not found", path=str(font_file), key="font_file")
    duration = _probe(video)
    if at is None:
        lo, hi = window if window is not None else (0.0, duration)
        lo, hi = max(0.0, lo), min(duration, hi)
        if hi - lo < 0.5:
            lo, hi = 0.0, duration
        at = pick_sharp_time(video, hi - lo, offset=lo)
    elif not 0 <= at < duration:
        raise InputError(f"cover time {at:g} s is outside the video (0-{duration:.2f} s)", key="cover.at")
    frame = grab_frame(video, at)
    box = safe_box if safe_box is not None else default_safe_box(frame.width, frame.height)
    x0, y0, x1, y1 = box
    if not (0 <= x0 < x1 <= frame.width and 0 <= y0 < y1 <= frame.height):
        raise InputError(f"safe box {box} does not lie inside the {frame.width}x{frame.height} frame",
                         key="safe_box")
    cover = draw_title(frame, title, font_file, box=box, text_colour=text_colour,
                       box_colour=box_colour, box_opacity=box_opacity)
    with atomic_path(out_png) as tmp:
        cover.save(tmp, format="PNG")
    return float(at)
