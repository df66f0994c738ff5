"""A still preview of a preset on one platform: one ffmpeg call, no video rendered.

The frame shows what the renderer would draw at one moment: a background (a clip at a time,
or a neutral gradient), the preset's overlay PNGs from :func:`build_overlays` at their
positions (the progress bar at 40 %), a caption page through the captions module's ASS file
and libass, and the platform's UI zone shaded red outside its safe box. Full-frame cards (end
card, hook in ``brand_colour`` mode) would hide all of that, so they are shown as one-sixth-size
thumbnails in the bottom-right corner (where no platform puts the preset's own overlays).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from reelkit.brand.overlays import Callout, LowerThirdCue, OverlayContext, build_overlays, is_full_frame
from reelkit.brand.look import caption_style
from reelkit.brand.schema import Brand
from reelkit.captions.ass import ass_filter, write_ass
from reelkit.io.atomic import atomic_path
from reelkit.io.ffmpeg import run_ffmpeg
from reelkit.io.probe import probe
from reelkit.render.colour import tone_map
from reelkit.plan.model import CaptionPage, Overlay, Word
from reelkit.plan.platforms import Platform

#: The moment shown: inside the sample caption page, on its third word.
PREVIEW_TIME = 1.3
PROGRESS_FRACTION = 0.4
SAMPLE_DURATION = 10.0
SAMPLE_HOOK = "Why did the water main on Elm Street burst?"
SAMPLE_CTA = "Follow for weekly updates"
SAMPLE_LOWER_THIRD = LowerThirdCue("Alex Morgan", "Water engineer, City Utilities", 0.0, SAMPLE_DURATION)
SAMPLE_CALLOUT = Callout("42 km of new pipe", 0.0, SAMPLE_DURATION)
SAMPLE_CAPTION = (("Crews", "will", "replace"), ("the", "main", "by", "Friday"))
SHADE = "red@0.35"  # the platform's UI zone
THUMB_DIVISOR = 6
# A neutral background: cool grey sky to warm grey ground, so light and dark text both show.
GRADIENT = ("0x4A5A6A", "0xA89F91")


def sample_page(start: float = 0.2, word_seconds: float = 0.35) -> CaptionPage:
    """The caption page shown by the preview, words timed one after another."""
    lines, t = [], start
    for line in SAMPLE_CAPTION:
        words = []
        for text in line:
            words.append(Word(text, round(t, 3), round(t + word_seconds, 3)))
            t += word_seconds
        lines.append(tuple(words))
    return CaptionPage(start=start, end=round(t, 3), lines=tuple(lines))


def _n(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def preview_args(overlays: Sequence[Overlay], full_frame: Sequence[bool], ass: str | None,
                 safe_box: tuple[int, int, int, int], width: int, height: int, out: Path,
                 frame: tuple[Path, float] | None = None, hdr: str = "") -> list[str]:
    """The ffmpeg arguments (without the binary) that draw the preview into ``out``; an HDR
    clip frame (``hdr``: hlg or pq) is tone-mapped as the render maps it.

    Pure: tests compare it as text. Inputs: 0 = background, then one per overlay PNG.
    """
    args: list[str] = []
    if frame is not None:
        clip, at = frame
        args += ["-ss", _n(at), "-i", str(clip)]
        bg = (f"[0:v]{tone_map(hdr).lstrip(',')}{',' if hdr else ''}scale={width}:{height}:force_original_aspect_ratio=increase,crop={width}:{height},"
              "setsar=1")
    else:
        c0, c1 = GRADIENT
        args += ["-f", "lavfi", "-i", f"gradients=s={width}x{height}:c0={c0}:c1={c1}:x0=0:y0=0:x1=0:"
                                      f"y1={height}:n=2:speed=0:seed=1:r=1:d=1"]
        bg = "[0:v]null"
    for ov in overlays:
        args += ["-i", ov.image]
    # RGB throughout, so the preview's colours are the preset's colours, not a 4:2:0 round trip.
    chains = [f"{bg},format=gbrp,setpts=PTS-STARTPTS+{_n(PREVIEW_TIME)}/TB[b0]"]
    label = "b0"
    thumbs: list[int] = []
    for k, (ov, full) in enumerate(zip(overlays, full_frame), start=1):
        if full:
            thumbs.append(k)
            continue
        x = -round(width * (1 - PROGRESS_FRACTION)) if ov.motion == "progress" else ov.x
        chains.append(f"[{label}][{k}:v]overlay=x={x}:y={ov.y}:format=gbrp[b{k}]")
        label = f"b{k}"
    if ass:
        chains.append(f"[{label}]{ass}[subs]")
        label = "subs"
    x0, y0, x1, y1 = safe_box
    shade = [(0, 0, width, y0), (0, y1, width, height - y1), (0, y0, x0, y1 - y0), (x1, y0, width - x1, y1 - y0)]
    boxes = [f"drawbox=x={x}:y={y}:w={w}:h={h}:color={SHADE}:t=fill" for x, y, w, h in shade if w > 0 and h > 0]
    boxes.append(f"drawbox=x={x0}:y={y0}:w={x1 - x0}:h={y1 - y0}:color=red@0.9:t=3")
    chains.append(f"[{label}]{','.join(boxes)}[shaded]")
    label = "shaded"
    tw, th = width // THUMB_DIVISOR, height // THUMB_DIVISOR
    for n, k in enumerate(thumbs):
        chains.append(f"[{k}:v]scale={tw}:{th},format=rgba,drawbox=x=0:y=0:w={tw}:h={th}:color=white:t=3[t{k}]")
        x = width - (len(thumbs) - n) * (tw + 12)
        chains.append(f"[{label}][t{k}]overlay=x={x}:y={height - th - 12}:format=gbrp[th{k}]")
        label = f"th{k}"
    args += ["-filter_complex", ";".join(chains), "-map", f"[{label}]", "-frames:v", "1", "-update", "1",
             "-c:v", "png", "-pix_fmt", "rgb24", "-f", "image2", str(out)]
    return args


def render_preview(brand: Brand, platform: Platform, out_png: Path, frame: tuple[Path, float] | None = None) -> None:
    """Write a ``platform.width`` x ``platform.height`` PNG of one representative frame.

    ``frame`` = (clip, seconds) takes the background from a clip (scaled to cover, centre
    crop); without it a neutral gradient is used. Raises RenderError if ffmpeg fails.
    """
    width, height = platform.width, platform.height
    box = platform.safe_zone.box(width, height)
    out_png = Path(out_png)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="reelkit-preview-") as tmp_dir:
        tmp = Path(tmp_dir)
        ctx = OverlayContext(width=width, height=height, duration=SAMPLE_DURATION, title="Preview",
                             hook=SAMPLE_HOOK, cta=SAMPLE_CTA, lower_thirds=(SAMPLE_LOWER_THIRD,),
                             callouts=(SAMPLE_CALLOUT,), safe_box=box)
        overlays = build_overlays(brand, ctx, tmp)
        full = [is_full_frame(ov, width, height) for ov in overlays]
        style = caption_style(brand, box, width, height)
        ass_path = tmp / "captions.ass"
        write_ass([sample_page()], style, width, height, ass_path)
        ass = ass_filter(ass_path, Path(style.font_file).parent)
        with atomic_path(out_png) as partial:
            hdr = probe(frame[0]).colour.hdr if frame is not None else ""
            run_ffmpeg(preview_args(overlays, full, ass, box, width, height, partial, frame, hdr),
                       stage="brand-preview")
