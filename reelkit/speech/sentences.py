"""Rough word times from the audio alone: each sentence over the speech between two pauses.

The forced aligner cuts long audio into regions by its guide times; when the recogniser's
times are poor (Whisper base on espeak Dutch is up to a second off), those cuts fall inside
words. Sentences are usually separated by a clear pause, which the audio shows without any
recogniser: when the counts agree, these guides cut at the right places.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from reelkit.speech.onsets import analyse

SENTENCE_PAUSE = 0.3
"""Silence (s) that counts as the pause between two sentences."""


def sentence_guides(texts: Sequence[str], samples: np.ndarray, sr: int) -> list[tuple[float, float]] | None:
    """Guides from the audio alone: when the audio has as many long pauses as the words have
    sentence ends, each sentence's words spread over the speech between its pauses."""
    islands = [(a, b) for a, b in analyse(samples, sr).islands() if b - a >= 0.05]
    if not islands:
        return None
    spans = [list(islands[0])]
    for a, b in islands[1:]:
        if a - spans[-1][1] >= SENTENCE_PAUSE:
            spans.append([a, b])
        else:
            spans[-1][1] = b
    ends = [k + 1 for k, t in enumerate(texts[:-1]) if re.search(r"[.!?…][\"')”»]*$", t)]
    if len(ends) != len(spans) - 1:
        return None
    out: list[tuple[float, float]] = []
    for (a, b), lo, hi in zip(spans, [0, *ends], [*ends, len(texts)]):
        step = (b - a) / max(1, hi - lo)
        out += [(a + k * step, a + (k + 1) * step) for k in range(hi - lo)]
    return out
