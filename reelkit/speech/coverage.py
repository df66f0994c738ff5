"""A transcript that covers the speech, or a clear failure: never captions that silently vanish.

With the script's rare words as prompt, openai-whisper tiny.en once returned no words at all
for 19 s of connected speech (without the prompt: all 55). :func:`transcribe_covering` checks
how much of the voiced audio (Silero VAD regions) the recognised words cover; when a prompted
transcript covers too little it transcribes again without the prompt and keeps the better one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from reelkit.speech.backends import speech_regions, transcribe
from reelkit.speech.types import Transcript

MIN_COVERAGE = 0.5
"""Least share of the voiced seconds a transcript's words must cover to be taken as is."""
WORD_REACH = 0.25
"""Seconds each side of a recognised word counted as covered (pauses inside phrases)."""


def speech_coverage(transcript: Transcript, regions: Sequence[tuple[float, float]]) -> float:
    """Share (0..1) of the seconds in ``regions`` within reach of a recognised word; 1 when
    there is no speech at all."""
    total = sum(max(0.0, b - a) for a, b in regions)
    if total <= 0:
        return 1.0
    spans = sorted((w.start - WORD_REACH, w.end + WORD_REACH) for w in transcript.words)
    covered = 0.0
    for a, b in regions:
        for s, e in spans:
            lo, hi = max(a, s), min(b, e)
            if hi > lo:
                covered += hi - lo
                a = hi  # spans are sorted: never count a stretch twice
    return min(1.0, covered / total)


def transcribe_covering(samples: np.ndarray, *, initial_prompt: str | None, **options) -> Transcript:  # type: ignore[no-untyped-def]
    """:func:`reelkit.speech.transcribe`, again without the prompt when the prompted result
    covers less than :data:`MIN_COVERAGE` of the speech; the better-covering one is returned."""
    first = transcribe(samples, initial_prompt=initial_prompt, **options)
    if not initial_prompt:
        return first
    regions = speech_regions(np.ascontiguousarray(np.asarray(samples, dtype=np.float32).reshape(-1)))
    got = speech_coverage(first, regions)
    if got >= MIN_COVERAGE:
        return first
    second = transcribe(samples, initial_prompt=None, **options)
    return second if speech_coverage(second, regions) > got else first
