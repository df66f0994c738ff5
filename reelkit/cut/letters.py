"""A reading the recogniser wrote as other words, found by its letters.

In a noisy room a recogniser splits and joins words where the speaker did not: "She had your
dark suit in greasy wash water all year." came out as "She had your ducks. It was in washboard
all year." (openai-whisper, traffic at 10 dB). Word by word only "she had your" match, so the
take finder (:mod:`reelkit.cut.takes`) saw 27 % of the line, a false start, and the line was
missing from the video. Letter by letter the reading matches 75 % of the line, while a false
start followed by the reading scores 65 % and a different sentence of the same opening about
60 %. So when a take stops early, the heard words after it are compared with the line as one
string of letters; a close enough string is the whole reading. The cut then aligns the
script's words on that span of audio, as for any take.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Protocol

import numpy as np

from reelkit.speech.align import normalise

LETTERS_MATCH = 0.72
"""Letter likeness (difflib's ratio) at which heard words are a reading of the whole line."""
EXTRA_WORDS = 3
"""Heard words beyond the line's own count that a reading may run to (one word heard as two)."""
MAX_PAUSE = 1.0
"""Seconds of silence between two heard words that end a reading."""


class _Heard(Protocol):
    source: int
    text: str
    start: float
    end: float


def letters(words: Sequence[str]) -> str:
    """The words' normalised letters, run together (spaces and punctuation are not heard)."""
    return "".join(normalise(w).replace(" ", "").replace("'", "") for w in words)


def read_by_letters(tokens: Sequence[str], stream: Sequence[_Heard], content: Sequence[int], first: int,
                    barrier: np.ndarray) -> tuple[int, float] | None:
    """(last column, likeness) of the run of heard words from column ``first`` whose letters
    best match the line's ``tokens``, when it reaches :data:`LETTERS_MATCH`; else None.

    ``content`` maps columns to stream indexes (-1 separates sources); the run stops at a
    ``barrier`` column (a word another take holds), a pause over :data:`MAX_PAUSE`, and where
    the reading starts again (the run's first two words heard again in a row: a restart).
    """
    line = letters(tokens)
    if not line or first >= len(content) or content[first] < 0:
        return None
    norms: list[str] = []
    best: tuple[int, float] | None = None
    for j in range(first, min(len(content), first + len(tokens) + EXTRA_WORDS)):
        k = content[j]
        if k < 0 or barrier[j]:
            break
        if j > first and stream[k].start - stream[content[j - 1]].end > MAX_PAUSE:
            break
        norm = normalise(stream[k].text)
        if len(norms) >= 2 and norms[-1] == norms[0] and norm == norms[1]:
            break  # the reading started again: the run ends before the restart
        norms.append(norm)
        ratio = SequenceMatcher(None, line, letters(norms), autojunk=False).ratio()
        if best is None or ratio > best[1]:
            best = (j, ratio)
    return best if best is not None and best[1] >= LETTERS_MATCH else None
