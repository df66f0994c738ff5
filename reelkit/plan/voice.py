"""How a plan's cuts are read from their sources and joined into one voice track, as ffmpeg argv.

Pure builders (nothing runs a process), on the contract's floor because two floors need the
same samples: the renderer (:mod:`reelkit.render.graph` builds the picture and the mix on top
of these) and the speech analysis (:func:`reelkit.speech.pcm.decode_voice_file` decodes the
joined voice for recognition). One builder for both keeps what is heard and what is rendered
identical, sample for sample.
"""

from __future__ import annotations

from reelkit.plan.frames import rate_text
from reelkit.plan.model import Cut, Plan, cut_frames


def fmt_number(value: float) -> str:
    """Compact, locale-free number formatting for argv and filtergraphs."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def seek_arg(plan: Plan, cut: Cut) -> str:
    """The cut's source start for ``-ss``, floored to the microsecond ffmpeg parses.

    Frame times at 30000/1001 are not whole microseconds: rounding up would seek past the
    cut's first frame and drop it; flooring keeps it (the frame before starts 33 ms earlier).
    """
    first = cut_frames(cut, plan.rate)[0]
    micro = (first * 1_000_000 * plan.rate.denominator) // plan.rate.numerator
    return fmt_number(micro / 1_000_000)  # exact: %.6f of a whole number of microseconds


def rate_arg(plan: Plan) -> str:
    """The plan's exact frame rate for ffmpeg (``30000/1001``, ``30``)."""
    return rate_text(plan.rate)


def cut_inputs(plan: Plan, *, audio_only: bool = False) -> list[str]:
    """One input per cut, trimmed by input seeking (decode starts at the cut, not at 0)."""
    args: list[str] = []
    for cut in plan.cuts:
        src = plan.source(cut.source)
        if audio_only:
            args += ["-vn"]
        args += ["-ss", seek_arg(plan, cut), "-t", fmt_number(cut.duration + 0.1), "-i", src.path]
    return args


def segment_audio(plan: Plan, cut: Cut, index: int) -> str:
    dur = fmt_number(cut.duration)
    src = plan.source(cut.source)
    if not src.has_audio:
        return f"anullsrc=r=48000:cl=stereo,atrim=duration={dur}[a{index}]"
    # Resample every clip to one rate/layout, then pad or trim to the cut's exact length,
    # so segments from clips with different sample rates join without drift.
    return (f"[{index}:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,"
            f"asetpts=PTS-STARTPTS,apad,atrim=duration={dur}{join_fades(plan, index)}[a{index}]")


JOIN_FADE = 0.012
"""Seconds of fade at each side of a join between cuts: a sample-level jump clicks."""


def join_fades(plan: Plan, index: int) -> str:
    """Short fades where this cut meets another (none at the programme's start and end)."""
    n, cut = len(plan.cuts), plan.cuts[index]
    fade = min(JOIN_FADE, cut.duration / 4)
    out = f",afade=t=in:d={fmt_number(fade)}" if index > 0 else ""
    if index < n - 1:
        out += f",afade=t=out:st={fmt_number(cut.duration - fade)}:d={fmt_number(fade)}"
    return out


def join_chain(kind: str, n: int, out: str) -> str:
    """The chain joining segments ``[{kind}0]`` .. ``[{kind}{n-1}]`` (video ``v`` or audio ``a``) into ``[out]``."""
    if n == 1:
        return f"[{kind}0]{'null' if kind == 'v' else 'anull'}[{out}]"
    video, audio = (1, 0) if kind == "v" else (0, 1)
    return "".join(f"[{kind}{i}]" for i in range(n)) + f"concat=n={n}:v={video}:a={audio}[{out}]"


def voice_graph(plan: Plan) -> tuple[list[str], str]:
    """Chains producing the joined voice track (all cuts, no music) at 48 kHz stereo."""
    chains = [segment_audio(plan, cut, i) for i, cut in enumerate(plan.cuts)]
    chains.append(join_chain("a", len(plan.cuts), "voice"))
    return chains, "voice"


def voice_pcm_args(plan: Plan, sample_rate: int) -> list[str]:
    """Decode the joined voice as mono float32 PCM to stdout (for speech recognition)."""
    chains, label = voice_graph(plan)
    chains.append(f"[{label}]aresample={sample_rate},aformat=sample_fmts=flt:channel_layouts=mono[pcm]")
    return cut_inputs(plan, audio_only=True) + [
        "-filter_complex", ";".join(chains), "-map", "[pcm]", "-f", "f32le", "-acodec", "pcm_f32le", "pipe:1"]
