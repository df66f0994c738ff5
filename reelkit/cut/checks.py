"""Checks of a take's alignment against the audio and the recogniser.

A word stretched over something else (longer than its letters plausibly last), or voiced
audio left unexplained between two aligned words (neither a word of the line nor removed),
rejects an alignment: the words were put on something else, and cutting there would clip a
word. Where the recogniser places the words around the fault where the decoder does, the
alignment is mended instead (:func:`heard_ends`, :func:`confirmed_gaps`): the sound is no
word of the line but an "uh" the decoder drew a word over or took for silence.
"""

from __future__ import annotations

from collections.abc import Sequence

from reelkit.cut.heard import voiced_seconds
from reelkit.cut.takes import StreamWord
from reelkit.speech import take_align

SOUNDLESS = 0.5
"""A recognised word with less than this share of its span voiced was heard on no sound."""


def on_sound(w: StreamWord, voiced) -> bool:  # type: ignore[no-untyped-def]
    """False for a word the recogniser wrote where the voice map hears (almost) nothing: no
    speech to keep a take's region away from ("Thank you." written on the room tone after the
    last line, probability 0.01, bounded the region 30 ms after "scratch" started to fade: the
    word was clipped). A word without duration is judged over its first 0.15 s."""
    if voiced is None:
        return True
    a, b = w.start, max(w.end, w.start + 0.15)
    return voiced_seconds(voiced, a, b) >= SOUNDLESS * (b - a)


def stretched(tokens: Sequence[str], result: take_align.TakeAlignment) -> bool:
    """True when a word was stretched over something else (a short word lasting more than
    half a second and twice its letters' worth: "the" placed over an "uh")."""
    return bool(stretched_words(tokens, result))


def longest(text: str) -> float:
    """The longest (s) a word of ``text``'s letters plausibly lasts: half a second or twice
    its letters' worth."""
    return max(0.5, 2.0 * (0.065 * sum(ch.isalpha() for ch in text) + 0.1))


def stretched_words(tokens: Sequence[str], result: take_align.TakeAlignment) -> list[int]:
    """Indices of the words :func:`stretched` objects to."""
    return [i for i, (text, (a, b)) in enumerate(zip(tokens, result.words)) if b - a > longest(text)]


def heard_ends(tokens: Sequence[str], result: take_align.TakeAlignment, voiced,  # type: ignore[no-untyped-def]
                heard: dict[int, tuple[float, float]]) -> take_align.TakeAlignment | None:
    """``result`` judged with the recogniser's word spans, or None. A stretched word the
    recogniser heard starting where the decoder starts it ends where the recogniser ends it,
    the rest of its stretch removed as a filler: the decoder drew the word's vowel over an
    "uh" ("to" in T AH over "to, uh, offer" under babble), which no grammar tried avoids. Then
    unexplained sound between words both place alike is removed (:func:`confirmed_gaps`)."""
    words, removed = list(result.words), list(result.removed)
    for i in stretched_words(tokens, result):
        (a, b), span = words[i], heard.get(i)
        if span is None or not span[0] - HEARD_START_ROOM <= a <= span[1] or b - span[1] < take_align.MIN_HESITATION:
            return None
        words[i] = (a, round(span[1], 3))
        removed.append(("filler", round(span[1], 3), b))
    fixed = take_align.TakeAlignment(words=tuple(words), removed=tuple(sorted(removed, key=lambda r: r[1])))
    if stretched(tokens, fixed):
        return None
    return fixed if not unexplained_speech(fixed, voiced) else confirmed_gaps(fixed, voiced, heard)


HEARD_START_ROOM = 0.05
"""How far (s) before the recogniser's start of a word the decoder's start may lie and agree."""


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


ALONE_EDGE = 0.05
"""A stretch of sound this close (s) to its gap's bound (itself 0.05 s from the word) runs
into the word beyond: a line word's sound, not a hesitation set apart by silence."""
ALONE_LONGEST = 0.8
"""The longest (s) sound on its own that is taken for a hesitation rather than a word."""


def sounds_alone(result: take_align.TakeAlignment, voiced,  # type: ignore[no-untyped-def]
                 spoken: Sequence[tuple[float, float]]) -> take_align.TakeAlignment | None:
    """``result`` with its unexplained sound removed, where each such stretch is a sound on
    its own: silence parts it from the words on both sides (it does not run into its gap's
    bounds), it lasts no longer than a hesitation, and the recogniser wrote no word on it
    (no middle of a ``spoken`` span inside it). None otherwise.

    The last resort before the voice map, for a filler neither the decoder nor the
    recogniser placed: "Bobby ripped, uh, the ledger." heard as "Bobby Rip ledger." under
    traffic at 10 dB, where no word on either side of the "uh" was heard as itself
    (:func:`confirmed_gaps` needs that). An alignment that put a line word early leaves that
    word's sound unexplained too, but joined to the next word's (no silence between): it
    stays rejected."""
    gaps = _unexplained_gaps(result, voiced)
    if not gaps:
        return None
    for i, stretches in gaps.items():
        lo, hi = result.words[i - 1][1] + 0.05, result.words[i][0] - 0.05
        for a, b in stretches:
            if a <= lo + ALONE_EDGE or b >= hi - ALONE_EDGE or b - a > ALONE_LONGEST:
                return None
            if any(a <= (x + y) / 2 <= b for x, y in spoken):
                return None
    extra = tuple(("filler", round(a, 3), round(b, 3)) for stretches in gaps.values() for a, b in stretches)
    return take_align.TakeAlignment(words=result.words, removed=tuple(sorted(result.removed + extra,
                                                                             key=lambda r: r[1])))
