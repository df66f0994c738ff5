"""Cover images from the clean picture, the title drawn inside the platforms' safe box.

The frames are the reframed sources (each cut's crop/scale or fit, as rendered) without
overlays or captions, so no hook card, caption or lower third shows behind the title. Two
passes of ffmpeg calls, each seeking its candidates in the sources (a few per call, each
with its own decoder): one decodes the candidates small and grey to rank them, one decodes
the chosen ones full size. Candidates sit just after
source keyframes where there are some near (one frame decoded each, not a whole GOP). Candidates are spread over the
span free of full-frame cards and ranked by sharpness, with a bonus where the plan knows a
face is in the frame (the plan's tracked-face layout boxes, see :func:`_face_bonus`). The best is
``cover.png``; runners-up, far enough apart in time, are written beside it as
``cover-2.png`` and ``cover-3.png`` for a producer who prefers another. The title is drawn
with Pillow, which wraps and measures text exactly; every PNG is written atomically.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw

from reelkit.errors import InputError, MediaError
from reelkit.io.atomic import atomic_path
from reelkit.io.ffmpeg import run_ffmpeg
from reelkit.io.fonts import load_font
from reelkit.plan.colours import parse_colour
from reelkit.plan.model import Cut, Plan
from reelkit.render import graph

if TYPE_CHECKING:  # heavy imports stay out of `import reelkit.deliver.cover`
    import numpy as np
    from PIL import Image

SAMPLES = 12
"""Frames sampled when picking the cover automatically."""
EDGE_SKIP = 0.05
"""Fraction of the duration skipped at each end (fades, black frames, end cards)."""
PICKS_PER_CALL = 1
"""Candidates decoded by one ffmpeg call: each is an input with its own 1080p decoder, all
held for the call. The cover is made beside the encode, so its peak adds to the encoder's:
one a call peaks at 75-82 MiB and costs 0.11 CPU-s a candidate, two at 101-126 MiB and
0.18, four at 159-190 MiB and 0.21, twelve at 309 MiB (60 s 1080p bench clip)."""


def sharpness(gray: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian: high for crisp edges, low for blur or flat frames."""
    img = gray.astype(np.float32)
    lap = (4 * img[1:-1, 1:-1] - img[:-2, 1:-1] - img[2:, 1:-1] - img[1:-1, :-2] - img[1:-1, 2:])
    return float(lap.var())


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
    try:
        text_rgb = parse_colour(text_colour)[:3]
    except ValueError:
        raise InputError(f"not a colour: {text_colour!r}", key="text_colour", hint="use #RRGGBB") from None
    try:
        box_rgb = parse_colour(box_colour)[:3]
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
            font = load_font(font_file, size)
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


CANDIDATES = 3
"""Covers written: the chosen one plus runners-up."""
MIN_APART = 0.15
"""Runners-up are at least this fraction of the window away from every chosen frame."""
_RANK_W, _RANK_H = 135, 240


def cut_at(plan: Plan, t: float) -> tuple[Cut, float]:
    """The cut showing output time ``t`` and the source time it shows there."""
    for cut in plan.cuts:
        if cut.out_start <= t < cut.out_end:
            return cut, cut.src_start + (t - cut.out_start)
    last = plan.cuts[-1]
    return last, max(last.src_start, last.src_end - 1.0 / plan.fps)


def _face_bonus(plan: Plan, t: float) -> float:
    """1 + the largest tracked face's area (fraction of the output frame) on screen at output
    time ``t``, from the plan's ``face`` layout boxes (recorded by subject tracking); 1.0
    when the plan has no face there."""
    frame = float(plan.width * plan.height) or 1.0
    best = 0.0
    for box in getattr(plan, "layout", ()) or ():
        if box.kind == "face" and box.start <= t < box.end:
            best = max(best, (box.x1 - box.x0) * (box.y1 - box.y0) / frame)
    return 1.0 + 4.0 * min(best, 0.25) if best > 0 else 1.0


def keyframe_picks(plan: Plan, times: Sequence[float]) -> list[tuple[float, Cut, float]]:
    """(output time, cut, source time) per candidate, each moved back to the source keyframe
    at or before it when that keyframe lies inside the same cut and no other candidate took it.

    Decoding a frame costs every frame since the keyframe before it (a GOP can hold 250
    frames of 1080p); a frame just after a keyframe costs one or two. Keyframes are also the
    stream's best-coded pictures. Candidates are never fewer than half of ``times``: where
    keyframes are sparse (a long-GOP camera file), times keep their exact place instead.
    """
    import av  # lazy: PyAV loads only when a cover is picked

    containers: dict[str, av.container.InputContainer] = {}
    snapped: list[tuple[float, Cut, float] | None] = []
    exact: list[tuple[float, Cut, float]] = []
    taken: set[tuple[str, float]] = set()
    try:
        for t in times:
            cut, src = cut_at(plan, t)
            exact.append((t, cut, src))
            path = plan.source(cut.source).path
            try:
                if path not in containers:
                    containers[path] = av.open(path)
                key = _keyframe_at_or_before(containers[path], src)
            except (av.error.FFmpegError, OSError, StopIteration, IndexError):
                key = None
            # A quarter frame after the keyframe: ffmpeg's -ss then seeks to that keyframe
            # (never the one before it, which flooring to the microsecond could do).
            after = key + 0.25 / plan.fps if key is not None else None
            if after is None or not (cut.src_start <= after < cut.src_end) or (path, key) in taken:
                snapped.append(None)
                continue
            taken.add((path, key))  # type: ignore[arg-type]
            snapped.append((round(cut.out_start + (after - cut.src_start), 6), cut, after))
    finally:
        for container in containers.values():
            container.close()
    picks = [pick for pick in snapped if pick is not None]
    spare = [exact[k] for k, pick in enumerate(snapped) if pick is None]
    while spare and len(picks) < (len(times) + 1) // 2:
        # Too few keyframes: exact times fill up to half, each the one farthest from those
        # chosen, so the candidates still cover the whole window.
        far = max(spare, key=lambda c: min((abs(c[0] - p[0]) for p in picks), default=0.0))
        spare.remove(far)
        picks.append(far)
    return sorted(picks, key=lambda p: p[0])


def _keyframe_at_or_before(container, src_time: float) -> float | None:  # type: ignore[no-untyped-def]
    """The time (from the file's start, as ffmpeg's -ss counts) of the keyframe a seek to
    ``src_time`` lands on; None when the file does not say."""
    stream = container.streams.video[0]
    start = (container.start_time or 0) / 1_000_000
    container.seek(int((src_time + start) / stream.time_base), stream=stream, backward=True, any_frame=False)
    packet = next(p for p in container.demux(stream) if p.pts is not None)
    if not packet.is_keyframe:
        return None
    return max(0.0, float(packet.pts * stream.time_base) - start)


def rank_times(plan: Plan, window: tuple[float, float], samples: int = SAMPLES) -> list[float]:
    """Output times of about ``samples`` candidates over the middle of ``window``, best first
    (each at a keyframe where one is near, see :func:`keyframe_picks`)."""
    lo, hi = max(0.0, window[0]), min(plan.duration, window[1])
    if hi - lo < 0.5:
        lo, hi = 0.0, plan.duration
    start, span = lo + (hi - lo) * EDGE_SKIP, (hi - lo) * (1 - 2 * EDGE_SKIP)
    candidates = keyframe_picks(plan, [round(start + span * (k + 0.5) / samples, 3) for k in range(samples)])
    times = [t for t, _, _ in candidates]
    picks = [(cut, src) for _, cut, src in candidates]
    raw = _clean_frames(plan, picks, gray_size=(_RANK_W, _RANK_H))
    size = _RANK_W * _RANK_H
    if len(raw) < size * len(picks):
        raise MediaError("no frames could be read for the cover", path=plan.source(picks[0][0].source).path)
    frames = np.frombuffer(raw[: size * len(picks)], dtype=np.uint8).reshape(len(picks), _RANK_H, _RANK_W)
    scores = [sharpness(f) * _face_bonus(plan, t) for f, t in zip(frames, times)]
    order = sorted(range(len(times)), key=lambda k: -scores[k])
    return [times[k] for k in order]


def _clean_frames(plan: Plan, picks: Sequence[tuple[Cut, float]], *, gray_size: tuple[int, int] | None = None,
                  rgb: bool = False) -> bytes:
    """The raw frames of ``picks`` (:func:`reelkit.render.graph.clean_frames_args`), in order,
    decoded :data:`PICKS_PER_CALL` at a time. Short when a call wrote fewer frames than asked
    (the frames after it are not read: the callers index frames by position)."""
    frame_bytes = gray_size[0] * gray_size[1] if gray_size else plan.width * plan.height * 3
    raw = b""
    with tempfile.TemporaryDirectory(prefix="reelkit-cover-") as tmp:
        out = Path(tmp) / "frames.raw"
        for first in range(0, len(picks), PICKS_PER_CALL):
            part = picks[first:first + PICKS_PER_CALL]
            run_ffmpeg(graph.clean_frames_args(plan, part, gray_size=gray_size, rgb=rgb, out=str(out)), stage="cover")
            got = out.read_bytes() if out.exists() else b""
            out.unlink(missing_ok=True)
            raw += got
            if len(got) < len(part) * frame_bytes:
                break
    return raw


def spread(ranked: Sequence[float], window: tuple[float, float], count: int = CANDIDATES) -> list[float]:
    """The best time, then the next best ones at least MIN_APART of the window from each chosen."""
    gap = max(0.0, window[1] - window[0]) * MIN_APART
    chosen: list[float] = []
    for t in ranked:
        if all(abs(t - c) >= gap for c in chosen):
            chosen.append(t)
        if len(chosen) == count:
            break
    return chosen


def make_cover(plan: Plan, out_png: Path, *, title: str, font_file: Path, safe_box: tuple[int, int, int, int],
               text_colour: str = "#FFFFFF", box_colour: str = "#000000", box_opacity: float = 0.6,
               window: tuple[float, float] | None = None, candidates: int = CANDIDATES) -> list[Path]:
    """Write ``out_png`` (and ``<stem>-2.png`` ... up to ``candidates`` in all) from the plan's
    clean picture, the title drawn inside ``safe_box`` (the platforms' UI safe area, frame px).

    Returns the written paths, the chosen cover first.
    """
    out_png, font_file = Path(out_png), Path(font_file)
    if not font_file.is_file():
        raise InputError("font file not found", path=str(font_file), key="font_file")
    x0, y0, x1, y1 = safe_box
    if not (0 <= x0 < x1 <= plan.width and 0 <= y0 < y1 <= plan.height):
        raise InputError(f"safe box {tuple(safe_box)} does not lie inside the {plan.width}x{plan.height} frame",
                         key="safe_box")
    window = window or (0.0, plan.duration)
    times = spread(rank_times(plan, window), window, candidates)
    written: list[Path] = []
    frame_bytes = plan.width * plan.height * 3
    # raw RGB: no PNG encoded by ffmpeg only to be decoded again
    raw = _clean_frames(plan, [cut_at(plan, t) for t in times], rgb=True)
    for k in range(len(times)):
        if len(raw) < (k + 1) * frame_bytes:
            raise MediaError(f"no frame at {times[k]:.3f} s for the cover", path=str(out_png))
        frame = Image.frombytes("RGB", (plan.width, plan.height), raw[k * frame_bytes:(k + 1) * frame_bytes])
        cover = draw_title(frame, title, font_file, box=tuple(safe_box), text_colour=text_colour,  # type: ignore[arg-type]
                           box_colour=box_colour, box_opacity=box_opacity)
        path = out_png if k == 0 else out_png.with_name(f"{out_png.stem}-{k + 1}{out_png.suffix}")
        with atomic_path(path) as partial:
            cover.save(partial, format="PNG")
        written.append(path)
    return written
