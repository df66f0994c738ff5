"""Aligning one take of a script line (the script cut): the line's words placed on the audio
with room for a restart of its first words and a hesitation between words, so a complete
take with a filler or a restart inside is placed word by word and the filler is found."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reelkit.speech.audio import SAMPLE_RATE
from reelkit.speech.sphinx import FRAME, HESITATIONS, START_BIAS, base_word, is_noise, pcm16, shared_aligner

__all__ = ["HESITATIONS", "TakeAlignment", "align_take"]
MIN_HESITATION = 0.12
"""A hesitation shorter than this (s) is not one (real "uh"s last 0.15 s and more)."""
MAX_RESTART_WORDS = 6
"""A false start of the line ("Amongst her... Amongst her friends") up to this many words."""


@dataclass(frozen=True)
class TakeAlignment:
    """A take of a script line placed on the audio: each line word's (start, end), and what
    else the speaker said there (``false_start`` and ``filler`` stretches), clip seconds."""

    words: tuple[tuple[float, float], ...]
    removed: tuple[tuple[str, float, float], ...]


def align_take(texts: Sequence[str], samples: np.ndarray, t0: float, t1: float,
               sr: int = SAMPLE_RATE, slots: Sequence[int] | None = None,
               required: Sequence[int] = (), language: str = "en", retry: bool = False,
               restarts: Sequence[int] = ()) -> TakeAlignment | None:
    """Place one reading of the line ``texts`` on ``samples[t0:t1]`` (seconds).

    The grammar lets the line be preceded by a restart of its first words and lets a
    hesitation ("uh", "um") sit before word ``i`` for each ``i`` in ``slots`` (every word when
    None; the caller gives the places the recogniser or the voice map heard something
    between words, as a hesitation anywhere lets the decoder explain a pause or a short word
    as one), so a complete take with a filler or a
    restart inside is placed word by word and the filler or restart is found, not captioned.
    None when the decoder is missing or no path fits (the caller keeps its own estimate).
    ``required``: words before which a hesitation must be placed (the caller knows one was
    said there, and the decoder stretched a word over it instead). ``language``: how the
    words are pronounced and which hesitations the speaker may make (its own fillers too:
    :meth:`reelkit.speech.sphinx.Aligner.hesitations`). ``retry``: with no path, try again
    with the first-pass-only decoder (under babble the second passes lose the grammar's end).
    ``restarts``: words before which the speaker may say that word (or it and the next) and
    stop, then go on from it ("ripped the... uh... the ledger"): the first saying is removed
    as a false start. Only where the recogniser heard the word twice: anywhere, the decoder
    would split a long word into two.
    """
    # The caption aligner's wide beams: narrower ones (1e-64) halve the cut's time but moved
    # the cut of one real-speech bench take (a dropped word kept, a 1.1 s pause). The retry
    # uses the locator's first-pass decoder (narrower beams: it only runs where no path was).
    result = _align_take(texts, samples, t0, t1, sr, slots, required, restarts, language, shared_aligner())
    if result is None and retry:
        result = _align_take(texts, samples, t0, t1, sr, slots, required, restarts, language,
                             shared_aligner(False, False))
    return result


def _align_take(texts: Sequence[str], samples: np.ndarray, t0: float, t1: float, sr: int,
                slots: Sequence[int] | None, required: Sequence[int], restarts: Sequence[int], language: str,
                aligner) -> TakeAlignment | None:  # type: ignore[no-untyped-def]
    """:func:`align_take` with one decoder."""
    if aligner is None or sr != SAMPLE_RATE or not texts or t1 - t0 < 0.1:
        return None
    with aligner.lock:
        names = aligner.names(texts, language)
        if names is None:
            return None
        hes = aligner.hesitations(language)
        fill = f" [ <h> ]" if hes else ""
        prefixes = [" ".join(names[:k]) for k in range(1, min(MAX_RESTART_WORDS, len(names) - 1) + 1)]
        restart = f"[ ( {' | '.join(prefixes)} ){fill} ] " if prefixes else ""
        body = "".join((" <h>" if hes and i in required else fill if i and (slots is None or i in slots) else "")
                       + _restart_of(names, i, fill, restarts) + f" {n}" for i, n in enumerate(names))
        grammar = ("#JSGF V1.0;\ngrammar rk;\n" + (f"<h> = {' | '.join(hes)} ;\n" if hes else "")
                   + f"public <s> = {restart}{body} ;\n")
        lo, hi = int(t0 * sr), int(t1 * sr)
        segs = aligner.decode(grammar, pcm16(samples, lo, hi))
    if segs is None:
        return None
    spoken = [(base_word(w), f0, f1) for w, f0, f1 in segs if not is_noise(w)]
    line_at = _line_words([w for w, _, _ in spoken], names, set(hes))
    if line_at is None:
        return None
    line = [spoken[k] for k in line_at]
    kept = set(line_at)
    removed: list[tuple[str, float, float]] = []
    for k, (w, f0, f1) in enumerate(spoken):
        kind = "filler" if w in hes else "false_start" if k not in kept else ""
        if kind == "filler" and (f1 + 1 - f0) * FRAME < MIN_HESITATION:
            continue  # a few frames between two words: a transition, not a hesitation
        if kind:
            removed.append((kind, round(float(t0 + f0 * FRAME - START_BIAS), 3), round(float(t0 + (f1 + 1) * FRAME), 3)))
    words = tuple((round(float(t0 + max(0.0, f0 * FRAME - START_BIAS)), 3), round(float(t0 + (f1 + 1) * FRAME), 3))
                  for _, f0, f1 in line)
    return TakeAlignment(words=words, removed=tuple(removed))


def _restart_of(names: Sequence[str], i: int, fill: str, restarts: Sequence[int]) -> str:
    """The grammar's optional restart before word ``i``: that word, or it and the next, said
    and broken off (a hesitation may follow)."""
    if i == 0 or i not in restarts:
        return ""
    said = [" ".join(names[i:i + k]) for k in (1, 2) if i + k <= len(names)]
    return f" [ ( {' | '.join(said)} ){fill} ]"


def _line_words(spoken: Sequence[str], names: Sequence[str], hes: set[str]) -> list[int] | None:
    """Indices in ``spoken`` of the line's words, the last saying of each (matched from the
    end: a restart is the saying that was broken off); None when the line is not all there."""
    out: list[int] = []
    j = len(names) - 1
    for k in range(len(spoken) - 1, -1, -1):
        if j >= 0 and spoken[k] not in hes and spoken[k] == names[j]:
            out.append(k)
            j -= 1
    return None if j >= 0 else out[::-1]
