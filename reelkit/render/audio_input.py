"""How source audio enters the render and leaves it in sync: timestamps honoured, channels
remixed so the voice is in both, the output encoder's priming accounted for. Filter text
only; graph.py places it in the audio chains."""

from __future__ import annotations

from reelkit.plan.model import OutputSpec
from reelkit.speech.channels import VOICE_EXPR

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


def channel_remix(choice: str) -> str:
    """The pan filter putting a stereo source's voice in both channels (plan's Source.channels);
    nothing for ``stereo``/"" (aformat then keeps stereo, upmixes mono, and downmixes 3-8
    channels by their layout with the centre to both sides)."""
    if choice not in VOICE_EXPR:
        return ""
    return f"pan=stereo|c0={VOICE_EXPR[choice]}|c1={VOICE_EXPR[choice]},"


ENCODER_PRIMING = {"aac": 1024}
"""Samples an encoder puts before the first input sample (ffmpeg's AAC encoder: 1024 at any
rate). Opus carries its pre-skip in the stream header, which decoders honour; PCM has none."""


def priming_trim(spec: OutputSpec) -> str:
    """Drop the encoder's priming length from the programme's start.

    The platform files carry no edit list (Reels and Shorts ask for none; players that ignore
    edit lists would play out of sync), so the priming samples are played: the audio would be
    late by 1024 samples (21.3 ms at 48 kHz). Trimming as many samples from the start (at most
    the programme's first 21 ms, a join fade's length) keeps every later sample on time.
    """
    priming = ENCODER_PRIMING.get(spec.audio_codec, 0)
    return f",atrim=start_sample={priming},asetpts=PTS-STARTPTS" if priming else ""
