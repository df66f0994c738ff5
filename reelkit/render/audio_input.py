"""How the programme audio leaves the render in sync: the output encoder's priming accounted
for. Filter text only; graph.py places it in the audio chains. (How source audio enters,
timestamps honoured and channels remixed, is in :mod:`reelkit.plan.voice`, shared with the
speech analysis.)"""

from __future__ import annotations

from reelkit.plan.model import OutputSpec

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
