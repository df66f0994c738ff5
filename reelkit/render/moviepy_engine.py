"""The MoviePy render engine (``--engine moviepy``): the same plan composited in Python.

A cross-check of the default engine, not a faster path. The picture is a MoviePy 2
composition: one ``VideoFileClip`` per cut (subclipped, cropped, resized; ``fit`` puts the
whole picture over a blurred, darkened fill of itself), concatenated, with one ``ImageClip``
per overlay (position, times, fades; the progress bar's position is a function of time).

Captions are *not* one TextClip per word (clip count and memory would grow with the words):
the plan's ASS script is drawn once by ffmpeg/libass onto a transparent canvas (a qtrle
``.mov`` with alpha, nearly free for the empty frames) and composited as a single clip with
its mask, so both engines draw the same caption pixels. Emoji pages drawn by Pillow come in
as ImageClips, like overlays.

Audio and container follow the default engine exactly: the composited RGB frames are piped
into one ffmpeg process that also builds the voice + ducked music mix (``graph.mix_graph``),
applies the per-platform loudness gain (two-pass) and encodes with the same x264 settings; each
platform then gets the same stream-copy remux (faststart, no edit lists). Temporary files
live in a private folder beside the outputs; outputs are renamed into place only when every
one succeeded.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image, ImageFilter

from reelkit.captions.prepare import captions_for_render
from reelkit.errors import InputError
from reelkit.io.atomic import partial_path
from reelkit.io.ffmpeg import ProgressCallback, ffmpeg_pipe, run_ffmpeg
from reelkit.plan.model import Cut, OutputSpec, Overlay, Plan
from reelkit.plan.voice import cut_inputs, fmt_number as _n, rate_arg
from reelkit.reframe.camera_path import crop_px
from reelkit.render import graph
from reelkit.render.engine import RenderOptions, RenderResult, StageCallback, stage as _stage
from reelkit.render.ffmpeg_engine import clean_voice, group_outputs, measure_loudness, remux_group
from reelkit.render.loudness import Loudness

if TYPE_CHECKING:  # pragma: no cover
    from moviepy import VideoClip

__all__ = ["render_with_moviepy", "caption_canvas_args", "encode_args", "compose", "cut_clip", "overlay_clip",
           "blurred_fill", "fit_size", "pipe_frames"]



# --- pure argv builders ---------------------------------------------------------------------

def caption_canvas_args(plan: Plan, ass_filter: str, out_path: str) -> list[str]:
    """Draw the ASS captions onto a transparent WxH canvas: a qtrle MOV with alpha.

    ``alpha=1`` makes libass blend into the alpha channel too, so the canvas composited
    over a picture gives what the ``ass`` filter draws on that picture directly.
    """
    # One extra frame of canvas: the last output frame always finds a canvas frame.
    duration = plan.duration + 1.0 / plan.fps
    canvas = f"color=c=black@0:s={plan.width}x{plan.height}:r={rate_arg(plan)}:d={_n(duration)},format=rgba"
    return ["-f", "lavfi", "-i", canvas, "-vf", f"{ass_filter}:alpha=1,format=argb",
            "-c:v", "qtrle", "-f", "mov", out_path]


def encode_args(plan: Plan, groups: Sequence[Sequence[OutputSpec]], masters: Sequence[str],
                measured: Loudness | None, options: RenderOptions = RenderOptions(),
                clean: str | None = None) -> list[str]:
    """One ffmpeg process: raw RGB frames on stdin + the plan's audio -> one master per group.

    Each master holds the shared video and one loudness-normalised audio track per output
    of its group, exactly like the default engine's masters, so the same remux follows.
    """
    assert len(groups) == len(masters) and groups
    args = cut_inputs(plan, audio_only=True)
    music_index = len(plan.cuts) if plan.music else None
    args += graph.music_input(plan)
    clean_index = len(plan.cuts) + (1 if plan.music else 0) if clean else None
    args += graph.clean_voice_input(clean)
    # The frames come last, so the audio chains keep the input numbers graph.py gives them.
    video_index = len(plan.cuts) + (1 if plan.music else 0) + (1 if clean else 0)
    args += ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{plan.width}x{plan.height}",
             "-framerate", rate_arg(plan), "-i", "pipe:0"]
    # Same colour handling as graph.video_graph's last step: BT.709 limited range.
    video = f"[{video_index}:v]scale=out_color_matrix=bt709:out_range=tv,format=yuv420p"
    if len(groups) == 1:
        chains = [video + "[v0]"]
    else:
        chains = [video + f",split={len(groups)}" + "".join(f"[v{g}]" for g in range(len(groups)))]
    achains, alabel = graph.mix_graph(plan, music_index, clean_index)
    chains += achains
    flat = [out for group in groups for out in group]
    if len(flat) == 1:
        chains.append(f"[{alabel}]{graph.loudness_filter(flat[0], measured)}[aout0]")
    else:
        chains.append(f"[{alabel}]asplit={len(flat)}" + "".join(f"[pre{i}]" for i in range(len(flat))))
        chains += [f"[pre{i}]{graph.loudness_filter(o, measured)}[aout{i}]" for i, o in enumerate(flat)]
    args += ["-filter_complex", ";".join(chains)]
    track = 0
    for g, (group, master) in enumerate(zip(groups, masters)):
        args += ["-map", f"[v{g}]"]
        for _ in group:
            args += ["-map", f"[aout{track}]"]
            track += 1
        args += _output_options(plan, group, master, measured, options)
    return args


def _output_options(plan: Plan, group: Sequence[OutputSpec], master: str, measured: Loudness | None,
                    options: RenderOptions) -> list[str]:
    """The codec options graph.render_args gives a master (from ``-c:v`` to the file name).

    Taken from graph.render_args itself, so the two engines can never encode differently.
    """
    full = graph.render_args(plan, list(group), master, ass_filter=None, measured=measured,
                             x264_preset=options.x264_preset, threads=options.threads)
    tail = full[full.index("-c:v"):]
    assert tail[-1] == master and "-filter_complex" not in tail
    return tail


# --- the composition ------------------------------------------------------------------------

def _even(value: float) -> int:
    """Truncate then round down to even: how ffmpeg's overlay places on a yuv420p picture."""
    return int(value) & ~1


def fit_size(src_w: int, src_h: int, width: int, height: int) -> tuple[int, int]:
    """The size of a ``src_w`` x ``src_h`` picture scaled to fit inside ``width`` x ``height``.

    Rounded like ffmpeg's ``force_original_aspect_ratio=decrease`` (half up).
    """
    tmp_w = int(height * src_w / src_h + 0.5)
    tmp_h = int(width * src_h / src_w + 0.5)
    return min(width, tmp_w), min(height, tmp_h)


# eq=brightness=b on the yuv420p fill lowers the decoded RGB by about 323*b levels on every
# channel (measured with the bundled ffmpeg: b = -0.1, -0.18, -0.3 -> 34, 58, 93 levels).
_EQ_RGB_PER_BRIGHTNESS = 323.0
_FILL_BLUR_RADIUS = 10  # graph.py's boxblur=10:2: a box of radius 10, applied twice


def blurred_fill(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """The darkened, blurred background of a ``fit`` cut: graph.py's recipe, in Pillow.

    Cover-scaled to a quarter of the frame, box-blurred with mirrored edges, darkened, then
    scaled up. Like ffmpeg's boxblur on yuv420p, the colour planes are blurred at half
    resolution (so twice as wide as the brightness): without that the fill's colours bleed
    visibly less than the default engine's.
    """
    qw, qh = width // 4, height // 4
    img = Image.fromarray(frame)
    scale = max(qw / img.width, qh / img.height)
    cw, ch = max(qw, int(img.width * scale + 0.5)), max(qh, int(img.height * scale + 0.5))
    img = img.resize((cw, ch), Image.Resampling.BICUBIC)
    left, top = (cw - qw) // 2, (ch - qh) // 2
    y, cb, cr = img.crop((left, top, left + qw, top + qh)).convert("YCbCr").split()
    half = (max(1, qw // 2), max(1, qh // 2))
    planes = [_box_blur(y)]
    for plane in (cb, cr):
        small = _box_blur(plane.resize(half, Image.Resampling.BILINEAR))
        planes.append(small.resize((qw, qh), Image.Resampling.BILINEAR))
    rgb = np.asarray(Image.merge("YCbCr", planes).convert("RGB"), dtype=np.float32)
    rgb = np.clip(rgb + graph.BLUR_FILL_DARKEN * _EQ_RGB_PER_BRIGHTNESS, 0, 255).astype(np.uint8)
    return np.asarray(Image.fromarray(rgb).resize((width, height), Image.Resampling.BICUBIC))


def _box_blur(plane: Any) -> Any:
    """Two box blurs of radius 10 with mirrored edges (ffmpeg's boxblur mirrors; Pillow clamps)."""
    r = _FILL_BLUR_RADIUS
    pad = min(2 * r, plane.width - 1, plane.height - 1)
    arr = np.pad(np.asarray(plane), pad, mode="reflect") if pad > 0 else np.asarray(plane)
    out = Image.fromarray(arr).filter(ImageFilter.BoxBlur(r)).filter(ImageFilter.BoxBlur(r))
    return out.crop((pad, pad, pad + plane.width, pad + plane.height))


def cut_clip(plan: Plan, cut: Cut, opened: list[Any]) -> VideoClip:
    """The cut as a WxH clip of exactly ``cut.duration`` seconds; readers go into ``opened``."""
    from moviepy import CompositeVideoClip, VideoFileClip  # lazy: --engine moviepy only

    src = plan.source(cut.source)
    # full_chroma_int: the reader's YUV -> RGB step interpolates chroma instead of repeating it,
    # as the default engine's scale does; repeated chroma shows as colour fringes once upscaled.
    reader = VideoFileClip(src.path, audio=False, resize_algorithm="bicubic+full_chroma_int+accurate_rnd")
    opened.append(reader)
    last = max(0.0, reader.duration - 1.0 / reader.fps)
    end = min(cut.src_end, reader.duration)
    clip = reader.subclipped(cut.src_start, end)
    if end - cut.src_start < cut.duration - 1e-6:
        # A cut past the end of its clip holds the last frame (the default engine's tpad clone).
        held = last - cut.src_start
        clip = clip.time_transform(lambda t: min(t, held)).with_duration(cut.duration)
    c = cut.crop
    # ffmpeg's crop on yuv420p rounds x and y down to even (its exact=0): do the same, or an
    # odd crop.x shifts the whole picture by one source pixel (five output pixels at 360p).
    if cut.crop_path:
        region = _moving_crop(clip, cut)
    else:
        region = clip.cropped(x1=c.x & ~1, y1=c.y & ~1, width=c.w, height=c.h)
    w, h = plan.width, plan.height
    if cut.reframe == "crop":
        return region.resized(new_size=(w, h)).with_duration(cut.duration)
    fw, fh = fit_size(c.w, c.h, w, h)
    fg = region.resized(new_size=(fw, fh)).with_position((_even((w - fw) / 2), _even((h - fh) / 2)))
    bg = region.image_transform(lambda frame: blurred_fill(frame, w, h))
    return CompositeVideoClip([bg, fg], size=(w, h), use_bgclip=True).with_duration(cut.duration)


def _moving_crop(clip: VideoClip, cut: Cut) -> VideoClip:
    """The cut's crop following its path (graph.py's crop expression, in numpy)."""
    c, keys, offset = cut.crop, cut.crop_path, cut.out_start

    def frame(get_frame: Any, t: float) -> np.ndarray:
        x, y = crop_px(keys, offset + t)
        return get_frame(t)[y:y + c.h, x:x + c.w]

    return clip.transform(frame)


def overlay_clip(plan: Plan, ov: Overlay) -> VideoClip:
    """An overlay PNG as an ImageClip with its times, fades and (possibly moving) position."""
    from moviepy import ImageClip, vfx  # lazy: --engine moviepy only

    clip = ImageClip(ov.image).with_start(ov.start).with_duration(ov.end - ov.start)
    effects = []
    if ov.fade_in > 0:
        effects.append(vfx.CrossFadeIn(ov.fade_in))
    if ov.fade_out > 0:
        effects.append(vfx.CrossFadeOut(ov.fade_out))
    if effects:
        clip = clip.with_effects(effects)
    y = _even(ov.y)
    if ov.motion == "progress":
        # Slides in from the left so the visible part grows with the whole video's time;
        # MoviePy passes the clip's own time, graph.py's expression uses the output's.
        w, start, span = clip.w, ov.start, max(plan.duration, 1e-3)
        return clip.with_position(lambda t: (_even(-w + w * min((t + start) / span, 1.0)), y))
    slide_in = ov.fade_in if ov.motion == "slide" else 0.0
    slide_out = ov.fade_out if ov.motion_out == "slide" else 0.0
    if slide_in > 0 or slide_out > 0:
        # The same easing as graph.slide_offsets, on the clip's own time.
        x0, w, span = ov.x, clip.w, ov.end - ov.start

        def offset(t: float) -> float:
            away = max(0.0, 1 - t / slide_in) ** 2 if slide_in > 0 else 0.0
            if slide_out > 0:
                away += max(0.0, (t - (span - slide_out)) / slide_out) ** 2
            return away

        return clip.with_position(lambda t: (_even(x0 - (x0 + w) * offset(t)), y))
    return clip.with_position((_even(ov.x), y))


def compose(plan: Plan, caption_canvas: Path | None, caption_overlays: Sequence[Overlay],
            opened: list[Any]) -> VideoClip:
    """The finished picture: cuts, overlays, captions canvas, Pillow caption pages (that order,
    the default engine's order)."""
    from moviepy import CompositeVideoClip, VideoFileClip, concatenate_videoclips  # lazy: --engine moviepy only

    cuts = [cut_clip(plan, cut, opened) for cut in plan.cuts]
    base = cuts[0] if len(cuts) == 1 else concatenate_videoclips(cuts, method="chain")
    layers: list[Any] = [base.with_duration(plan.duration)]
    layers += [overlay_clip(plan, ov) for ov in plan.overlays]
    if caption_canvas is not None:
        canvas = VideoFileClip(str(caption_canvas), has_mask=True, audio=False)
        opened.append(canvas)
        layers.append(canvas.with_position((0, 0)))
    layers += [overlay_clip(plan, ov) for ov in caption_overlays]
    if len(layers) == 1:
        return layers[0]
    return CompositeVideoClip(layers, size=(plan.width, plan.height), use_bgclip=True).with_duration(plan.duration)


# --- running --------------------------------------------------------------------------------

def pipe_frames(clip: VideoClip, plan: Plan, args: Sequence[str], *, stage: str,
                progress: ProgressCallback | None = None) -> None:
    """Feed every output frame of ``clip`` as raw RGB to ``ffmpeg args`` (which reads pipe:0)."""
    with ffmpeg_pipe(["-nostats", "-y", *args], stage=stage, stdin=True) as pipe:
        for i in range(plan.frame_count):
            frame = np.ascontiguousarray(clip.get_frame(float(i / plan.rate)), dtype=np.uint8)
            pipe.stdin.write(memoryview(frame).cast("B"))
            if progress is not None and i % 10 == 0:
                progress(i / plan.fps)
    if progress is not None:
        progress(plan.duration)


def _captions(plan: Plan, tmpdir: Path) -> tuple[Path | None, tuple[Overlay, ...]]:
    """Draw the plan's prepared captions: (ASS canvas movie or None, Pillow caption overlays)."""
    captions = captions_for_render(plan, tmpdir)
    if captions.ass_filter is None:
        return None, captions.overlays
    canvas = tmpdir / "captions.mov"
    run_ffmpeg(caption_canvas_args(plan, captions.ass_filter, str(canvas)), stage="draw captions")
    return canvas, captions.overlays


def render_with_moviepy(plan: Plan, folder: Path, options: RenderOptions = RenderOptions(),
                        on_stage: StageCallback | None = None) -> RenderResult:
    """Render every output of ``plan`` through a MoviePy composition (the engine interface,
    :class:`reelkit.render.engine.Engine`; temporary files under ``folder``).

    Returns the platform files and stage timings; on any failure no output or temporary file
    is left.
    """
    if plan.sign_language is not None:
        raise InputError("the moviepy engine does not draw the sign-language interpreter",
                         hint="render with --engine ffmpeg (the default)")
    result = RenderResult()
    finals = [Path(o.path) for o in plan.outputs]
    for final in finals:
        final.parent.mkdir(parents=True, exist_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    tmpdir = partial_path(folder / "reelkit-moviepy")  # a stale one is cleaned by the next run
    tmpdir.mkdir()
    partials: list[Path] = []
    opened: list[Any] = []
    try:
        t0 = time.perf_counter()
        clean = clean_voice(plan, tmpdir)  # the same cleaned voice as the default engine's
        _stage(on_stage, "measure loudness", None)
        measured = measure_loudness(plan, clean)
        result.timings["loudness"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        _stage(on_stage, "draw captions", None)
        canvas, caption_overlays = _captions(plan, tmpdir)
        result.timings["captions"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        groups = group_outputs(plan.outputs)
        # MP4, like the default engine (render_args ends in "-f mp4"): its time base keeps frame
        # times exact, where Matroska rounds them to milliseconds.
        masters = [str(tmpdir / f"master{g}.mp4") for g in range(len(groups))]
        names = ", ".join(o.platform for o in plan.outputs)
        stage = f"render {names} (moviepy)"
        cb = _stage(on_stage, stage, plan.duration)
        clip = compose(plan, canvas, caption_overlays, opened)
        pipe_frames(clip, plan, encode_args(plan, groups, masters, measured, options, clean), stage=stage,
                    progress=cb)
        result.timings[f"encode {names}"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        staged = [item for group, master in zip(groups, masters) for item in remux_group(group, master, partials)]
        result.timings[f"mux {names}"] = time.perf_counter() - t0
        # Rename only when every output succeeded: a failed run never replaces earlier files.
        for partial, final, platform in staged:
            partial.replace(final)
            result.files[platform] = final
        return result
    finally:
        for reader in opened:
            reader.close()
        for partial in partials:
            partial.unlink(missing_ok=True)
        shutil.rmtree(tmpdir, ignore_errors=True)



