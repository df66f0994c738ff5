"""A transcript that covers the speech, or a clear failure: never captions that silently vanish.

With the script's rare words as prompt, openai-whisper tiny.en once returned no words at all
for 19 s of connected speech (without the prompt: all 55). :func:`transcribe_covering` checks
how much of the voiced audio (Silero VAD regions) the recognised words cover; when a prompted
transcript covers too little it transcribes again without the prompt and keeps the better one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from reelkit.speech.audio import SAMPLE_RATE
from reelkit.speech.backends import transcribe
from reelkit.speech.types import Transcript
from reelkit.speech.vad import speech_windows

TYPE_CHECKING = False
if TYPE_CHECKING:
    from reelkit.speech.pcm import PcmFile

MIN_COVERAGE = 0.5
"""Least share of the voiced seconds a transcript's words must cover to be taken as is."""
WORD_REACH = 0.25
"""Seconds each side of a recognised word counted as covered (pauses inside phrases)."""


def speech_coverage(transcript: Transcript, regions: Sequence[tuple[float, float]]) -> float:
    """Share (0..1) of the seconds in ``regions`` within reach of a recognised word; 1 when
    there is no speech at all."""
    return covered_share(regions, [(w.start - WORD_REACH, w.end + WORD_REACH) for w in transcript.words])


def covered_share(regions: Sequence[tuple[float, float]], spans: Sequence[tuple[float, float]]) -> float:
    """Share (0..1) of the seconds in ``regions`` (voiced audio) that ``spans`` (words, caption
    pages) cover; 1 when there is no speech at all."""
    total = sum(max(0.0, b - a) for a, b in regions)
    if total <= 0:
        return 1.0
    ordered = sorted(spans)
    covered = 0.0
    for a, b in regions:
        for s, e in ordered:
            lo, hi = max(a, s), min(b, e)
            if hi > lo:
                covered += hi - lo
                a = hi  # spans are sorted: never count a stretch twice
    return min(1.0, covered / total)


def voiced_regions(samples: "np.ndarray | PcmFile") -> list[tuple[float, float]]:
    """Speech regions (seconds) of the whole track, found a window at a time (an array or a
    :class:`~reelkit.speech.pcm.PcmFile`: the track is never held in memory at once)."""
    regions: list[tuple[float, float]] = []
    for first, _window, found in speech_windows(samples):
        offset = first / SAMPLE_RATE
        regions.extend((offset + a, offset + b) for a, b in found)
    return regions


def transcribe_covering(samples: "np.ndarray | PcmFile", *, initial_prompt: str | None,
                        transcriber: Callable[..., Transcript] = transcribe, **options) -> Transcript:  # type: ignore[no-untyped-def]
    """``transcriber`` (default :func:`reelkit.speech.transcribe`), again without the prompt when
    the prompted result covers less than :data:`MIN_COVERAGE` of the speech; the
    better-covering one is returned."""
    first = transcriber(samples, initial_prompt=initial_prompt, **options)
    if not initial_prompt:
        return first
    regions = voiced_regions(samples)
    got = speech_coverage(first, regions)
    if got >= MIN_COVERAGE:
        return first
    second = transcriber(samples, initial_prompt=None, **options)
    return second if speech_coverage(second, regions) > got else first
