"""Sound an alignment of a take leaves unexplained: voiced audio between two aligned words
that is neither a word of the line nor removed (a filler, a restart). Such sound rejects the
alignment (the words were put on something else, and cutting it would clip a word), unless
the recogniser places the words on both sides of it where the decoder does
(:func:`confirmed_gaps`): then it is removed as a filler.
"""

from __future__ import annotations

from reelkit.speech import take_align

UNEXPLAINED = 0.15
"""Voiced audio (s) between two aligned kept words, not removed, that rejects the alignment."""


def unexplained_speech(result: take_align.TakeAlignment, voiced) -> bool:  # type: ignore[no-untyped-def]
    """True when a gap between two aligned words holds sound the alignment does not explain
    (the words were put on something else: a kept word would be cut away)."""
    return bool(_unexplained_gaps(result, voiced))


def _unexplained_gaps(result: take_align.TakeAlignment,
                      voiced) -> dict[int, list[tuple[float, float]]]:  # type: ignore[no-untyped-def]
    """Per word ``i`` whose gap from word ``i - 1`` holds more than :data:`UNEXPLAINED` of
    sound the alignment does not explain (not removed), that sound's stretches."""
    out: dict[int, list[tuple[float, float]]] = {}
    if voiced is None:
        return out
    for i, ((_, e0), (s1, _)) in enumerate(zip(result.words, result.words[1:]), start=1):
        if s1 - e0 < UNEXPLAINED + 0.1:
            continue
        left: list[tuple[float, float]] = []
        for a, b in voiced(e0 + 0.05, s1 - 0.05):
            pieces = [(a, b)]
            for _, rs_, re_ in result.removed:
                pieces = [q for x, y in pieces for q in ((x, min(y, rs_)), (max(x, re_), y)) if q[1] > q[0]]
            left += pieces
        if sum(y - x for x, y in left) > UNEXPLAINED:
            out[i] = left
    return out


def confirmed_gaps(result: take_align.TakeAlignment, voiced,  # type: ignore[no-untyped-def]
                    heard: dict[int, tuple[float, float]]) -> take_align.TakeAlignment | None:
    """``result`` with its unexplained sound removed, where the recogniser confirms the words
    on both sides of each such gap (each aligned word's middle inside the span the recogniser
    heard that same word in): the line's words are where both place them, so the sound
    between is no word of the line but one the decoder took for silence (an "uh" under
    traffic noise). None where a gap is not confirmed (the words may have been put on
    something else: the alignment stays rejected)."""
    gaps = _unexplained_gaps(result, voiced)

    def placed(i: int) -> bool:
        a, b = result.words[i]
        return i in heard and heard[i][0] <= (a + b) / 2 <= heard[i][1]

    if not gaps or not all(placed(i - 1) and placed(i) for i in gaps):
        return None
    extra = tuple(("filler", round(a, 3), round(b, 3)) for stretches in gaps.values() for a, b in stretches)
    return take_align.TakeAlignment(words=result.words, removed=tuple(sorted(result.removed + extra,
                                                                             key=lambda r: r[1])))
