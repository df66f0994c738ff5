"""Audio-described variants (WCAG 1.2.5): ``<platform>.ad.mp4`` beside each platform file.

The platforms carry one audio track, so the description goes into a second file: the same
video stream (copied from the platform file, no re-encode) with the described mix as its
audio: the programme mix exactly as rendered (voice and music, :func:`graph.mix_graph`),
ducked by the brand's ``audio_description.duck_db`` under each cue, with the voiced cues laid
in at their placed times (each cue first brought to the programme's loudness), then brought
to the platform's loudness target in two passes like the programme. The argv builders are
pure; :func:`render_descriptions` runs them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from reelkit.errors import RenderError
from reelkit.io.atomic import atomic_path
from reelkit.io.ffmpeg import escape_filter_value, run_ffmpeg
from reelkit.plan.model import OutputSpec, Plan
from reelkit.render.graph import _n, cut_inputs, loudness_filter, loudness_pass_args, mix_graph, music_input
from reelkit.render.loudness import Loudness, measure_loudness, parse_programme_loudness

DUCK_RAMP = 0.12
"""Seconds over which the programme falls to the ducked level before a cue and rises after
(shorter than the placement's quiet margin, so the programme voice is never ducked)."""


def duck_expression(plan: Plan) -> str:
    """A ``volume`` expression in ``t``: 1 outside the description cues, the brand's
    ``description_duck_db`` under them, with linear ramps of :data:`DUCK_RAMP` either side."""
    if not plan.descriptions:
        return "1"
    r = DUCK_RAMP
    depth = 1.0 - 10 ** (plan.description_duck_db / 20)
    # Per cue: 0 far from it, 1 inside it; the largest over all cues decides.
    weights = [f"clip(min((t-{_n(c.start - r)})/{_n(r)},({_n(c.end + r)}-t)/{_n(r)}),0,1)"
               for c in plan.descriptions]
    weight = weights[0]
    for w in weights[1:]:
        weight = f"max({weight},{w})"
    return f"1-{_n(depth)}*{weight}"


def description_mix_graph(plan: Plan, music_index: int | None, first_cue_input: int,
                          cue_gains_db: Sequence[float]) -> tuple[list[str], str]:
    """The programme mix (voice and music, as rendered) ducked under the description cues,
    with each cue (input ``first_cue_input + i``, gain ``cue_gains_db[i]``) laid in at its start."""
    chains, label = mix_graph(plan, music_index)
    chains.append(f"[{label}]volume={escape_filter_value(duck_expression(plan))}:eval=frame[prog]")
    labels = ["prog"]
    for i, (cue, gain) in enumerate(zip(plan.descriptions, cue_gains_db)):
        delay = int(round(cue.start * 48000))
        chains.append(f"[{first_cue_input + i}:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,"
                      f"volume={_n(round(gain, 2))}dB,adelay=delays={delay}S:all=1[desc{i}]")
        labels.append(f"desc{i}")
    chains.append("".join(f"[{x}]" for x in labels) +
                  f"amix=inputs={len(labels)}:duration=first:normalize=0,atrim=duration={_n(plan.duration)}[admix]")
    return chains, "admix"


def _description_inputs(plan: Plan) -> tuple[list[str], int | None, int]:
    args = cut_inputs(plan, audio_only=True)
    music_index = len(plan.cuts) if plan.music else None
    args += music_input(plan)
    first_cue = len(plan.cuts) + (1 if plan.music else 0)
    for cue in plan.descriptions:
        args += ["-i", cue.audio]
    return args, music_index, first_cue


def description_loudness_args(plan: Plan, cue_gains_db: Sequence[float]) -> list[str]:
    """Measure the described mix (the first loudness pass of a ``.ad`` variant)."""
    args, music_index, first_cue = _description_inputs(plan)
    chains, label = description_mix_graph(plan, music_index, first_cue, cue_gains_db)
    chains.append(f"[{label}]ebur128=peak=true:framelog=quiet[meas]")
    return ["-nostats"] + args + ["-filter_complex", ";".join(chains), "-map", "[meas]", "-f", "null", "-"]


def description_render_args(plan: Plan, spec: OutputSpec, video_path: str, cue_gains_db: Sequence[float],
                            measured: Loudness | None, out_path: str) -> list[str]:
    """``<platform>.ad.mp4``: the platform file's video copied, the described mix as its audio
    (brought to the platform's loudness like the programme), faststart, no edit lists."""
    args, music_index, first_cue = _description_inputs(plan)
    video_input = first_cue + len(plan.descriptions)
    chains, label = description_mix_graph(plan, music_index, first_cue, cue_gains_db)
    chains.append(f"[{label}]{loudness_filter(spec, measured)}[adout]")
    return args + ["-i", video_path, "-filter_complex", ";".join(chains),
                   "-map", f"{video_input}:v:0", "-map", "[adout]", "-c:v", "copy",
                   "-c:a", spec.audio_codec, "-b:a", spec.audio_bitrate, "-ar", str(spec.audio_rate),
                   "-ac", str(spec.audio_channels), "-t", _n(plan.duration),
                   "-movflags", "+faststart+negative_cts_offsets", "-use_editlist", "0", "-map_metadata", "-1",
                   "-f", "mp4", out_path]


def described_mix_args(plan: Plan, cue_gains_db: Sequence[float], out_path: str, *, cues: bool = True) -> list[str]:
    """The described mix (``cues=False``: the same mix without the cue voices, ducked) as a
    48 kHz mono float WAV, before loudness normalisation: for listening to, and for measuring
    the ducking without a lossy codec in the way."""
    args, music_index, first_cue = _description_inputs(plan)
    gains = list(cue_gains_db) if cues else [-120.0] * len(plan.descriptions)
    chains, label = description_mix_graph(plan, music_index, first_cue, gains)
    chains.append(f"[{label}]aformat=sample_fmts=flt:channel_layouts=mono[pcm]")
    return args + ["-filter_complex", ";".join(chains), "-map", "[pcm]", "-c:a", "pcm_f32le", "-f", "wav", out_path]


def variant_path(spec: OutputSpec) -> Path:
    """``tiktok.mp4`` -> ``tiktok.ad.mp4`` beside it."""
    path = Path(spec.path)
    return path.with_name(f"{path.stem}.ad{path.suffix}")


def cue_gains(plan: Plan, programme: Loudness | None) -> list[float]:
    """Gain (dB) bringing each voiced cue to the programme's integrated loudness."""
    target = programme.integrated_lufs if programme is not None else -23.0
    gains = []
    for cue in plan.descriptions:
        level = measure_loudness(Path(cue.audio)).integrated_lufs
        gains.append(0.0 if math.isinf(level) else max(-30.0, min(30.0, target - level)))
    return gains


def _measure(args: list[str], stage: str) -> Loudness | None:
    stderr = run_ffmpeg(args, stage=stage)
    try:
        return parse_programme_loudness(stderr)
    except ValueError:
        raise RenderError(stage, args, stderr[-2000:], 0) from None


def render_descriptions(plan: Plan, files: dict[str, Path]) -> dict[str, Path]:
    """Write ``<platform>.ad.mp4`` for each platform file of ``plan`` (none without cues);
    returns ``{"<platform>.ad": path}``. Each file appears only once complete."""
    if not plan.descriptions:
        return {}
    gains = cue_gains(plan, _measure(loudness_pass_args(plan), "measure loudness"))
    measured = _measure(description_loudness_args(plan, gains), "measure described mix")
    out: dict[str, Path] = {}
    for spec in plan.outputs:
        if spec.platform not in files:
            continue
        final = Path(files[spec.platform]).with_name(variant_path(spec).name)
        with atomic_path(final) as tmp:
            run_ffmpeg(description_render_args(plan, spec, str(files[spec.platform]), gains, measured, str(tmp)),
                       stage=f"audio description {spec.platform}", duration=plan.duration)
        out[f"{spec.platform}.ad"] = final
    return out


__all__ = ["described_mix_args", "description_loudness_args", "description_mix_graph", "description_render_args", "duck_expression",
           "render_descriptions", "variant_path"]
