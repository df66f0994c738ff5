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


PREROLL = 0.2
"""Seconds decoded before a cut's start and trimmed off by timestamp. A decoder that starts at
a seek point loses its first frame (AAC skips it as priming, MP3 lacks its bit reservoir: up to
128 ms at 8 kHz), and ``-ss 0`` does the same to the file's first frame."""

# A cut's audio keeps the source's own alignment with its picture: after input seeking both
# streams' timestamps count from the seek point, and the audio is padded with silence (a
# delayed start, an empty edit) or trimmed (samples before the cut) to begin exactly there,
# rather than re-zeroed at its first sample (asetpts=PTS-STARTPTS), which moved the audio by
# its start offset. Priming and encoder delay are skipped by the decoders from the container's
# edit list or pre-skip, so the timestamps already account for them. Later gaps over 0.1 s
# (swr's default hard-compensation threshold) are filled with silence too.
SOURCE_AUDIO_TIMING = "aresample=48000:async=1:min_comp=0.0001:first_pts=0"

VOICE_EXPR = {"left": "c0", "right": "c1", "mix": "0.5*c0+0.5*c1", "mix_inverted": "0.5*c0-0.5*c1"}
"""Where a source's voice is, by the plan's ``Source.channels`` choice, as pan expressions."""


def channel_remix(choice: str) -> str:
    """The pan filter putting a stereo source's voice in both channels (plan's Source.channels);
    nothing for ``stereo``/"" (aformat then keeps stereo, upmixes mono, and downmixes 3-8
    channels by their layout with the centre to both sides)."""
    if choice not in VOICE_EXPR:
        return ""
    return f"pan=stereo|c0={VOICE_EXPR[choice]}|c1={VOICE_EXPR[choice]},"


def seek_points(plan: Plan, cut: Cut) -> tuple[int, int]:
    """(input seek, cut start) in microseconds from the file's start (ffmpeg's seek origin).

    The cut's first frame sits at the source's ``video_start`` plus its frame time; frame times
    at 30000/1001 are not whole microseconds, and rounding up would seek past the first frame
    and drop it, so the time is floored (the frame before starts 33 ms earlier). The input
    seek is :data:`PREROLL` earlier (never before the file's start).
    """
    first = cut_frames(cut, plan.rate)[0]
    micro = (first * 1_000_000 * plan.rate.denominator) // plan.rate.numerator
    micro += round(plan.source(cut.source).video_start * 1_000_000)
    return max(0, micro - round(PREROLL * 1_000_000)), micro


def lead_seconds(plan: Plan, cut: Cut) -> float:
    """Seconds between the input seek and the cut's start (decoded, then trimmed)."""
    seek, start = seek_points(plan, cut)
    return (start - seek) / 1_000_000


def rate_arg(plan: Plan) -> str:
    """The plan's exact frame rate for ffmpeg (``30000/1001``, ``30``)."""
    return rate_text(plan.rate)


def cut_inputs(plan: Plan, *, audio_only: bool = False) -> list[str]:
    """One input per cut, seeked to just before the cut (decode starts there, not at 0); the
    segment chains trim the pre-roll off by timestamp."""
    args: list[str] = []
    for cut in plan.cuts:
        src = plan.source(cut.source)
        if audio_only:
            args += ["-vn"]
        seek, start = seek_points(plan, cut)
        # No -ss at the file's start: even -ss 0 makes the AAC decoder drop the first frame.
        args += ["-ss", fmt_number(seek / 1_000_000)] if seek else []
        args += ["-t", fmt_number(cut.duration + 0.1 + (start - seek) / 1_000_000), "-i", src.path]
    return args


def segment_audio(plan: Plan, cut: Cut, index: int) -> str:
    dur = fmt_number(cut.duration)
    src = plan.source(cut.source)
    if not src.has_audio:
        return f"anullsrc=r=48000:cl=stereo,atrim=duration={dur}[a{index}]"
    # Resample every clip to one rate/layout, then pad or trim to the cut's exact length,
    # so segments from clips with different sample rates join without drift.
    lead = lead_seconds(plan, cut)
    trim = f"atrim=start={fmt_number(lead)},asetpts=PTS-STARTPTS," if lead > 0 else ""
    return (f"[{index}:a]{SOURCE_AUDIO_TIMING},{trim}{channel_remix(src.channels)}"
            f"aformat=sample_fmts=fltp:channel_layouts=stereo,"
            f"apad,atrim=duration={dur}{join_fades(plan, index)}[a{index}]")


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
