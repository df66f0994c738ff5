"""A chosen take placed word by word by forced alignment (the cut from aligned boundaries).

The recogniser only locates a take; where its words begin and end comes from the audio: the
line's words are force-aligned over the take's neighbourhood (:func:`reelkit.speech.
take_align.align_take`), with room for a restart of the line and a hesitation between any
two words. Breath, lip noise and room tone are then not mistaken for speech (a voice-activity
map counts them), and babble or traffic do not move the cut (the decoder matches phones).

The result, :class:`AlignedTake`, is plain data: the kept words in groups (a group is cut
from the next where something removed lies between them: a filler, a restart, an off-script
or repeated word) and the stretches of removed speech, which the cuts may not enter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np

from reelkit.cut.heard import voiced_seconds
from reelkit.cut.takes import StreamWord, Take
from reelkit.cut.checks import (HEARD_START_ROOM, heard_ends, longest, on_sound, sounds_alone, stretched, stretched_words,
                                unexplained_speech)
from reelkit.speech import locate, take_align
from reelkit.speech.align import normalise

REGION_MARGIN = 0.5
"""Audio (s) searched beyond the take's estimated edges for its first and last words."""
NEIGHBOUR_GAP = 0.05
"""The search stops this far (s) before a neighbouring recognised word outside the take."""
LIGHT_GARBAGE = 1.0
"""Garbage weight (:mod:`reelkit.speech.locate`) for finding where a line ends (1: half a
phone's probability per garbage phone)."""
LOCATED_END_ROOM = 0.25
"""Audio (s) searched after the end the locator found for a line (its last phone may be short)."""


@dataclass(frozen=True)
class AlignedTake:
    """Kept words ``(text, start, end)`` in groups; removed speech ``(kind, start, end)``;
    the nearest other speech before the first and after the last word (clip seconds)."""

    groups: tuple[tuple[tuple[str, float, float], ...], ...]
    removed: tuple[tuple[str, float, float], ...]
    speech_before: float
    speech_after: float

    def speech_between(self, a: float, b: float) -> list[tuple[float, float]]:
        """Removed speech overlapping ``(a, b)``, in time order."""
        return sorted((s, e) for _, s, e in self.removed if e > a and s < b)


def align_chosen_take(take: Take, tokens: Sequence[str], stream: Sequence[StreamWord], estimate: tuple[float, float],
                      removed_words: dict[int, str], samples: np.ndarray, window: tuple[float, float],
                      clip_end: float, keep_fillers: bool = False, slots: Sequence[int] = (),
                      estimates: Sequence[tuple[float, float]] = (), voiced=None,  # type: ignore[no-untyped-def]
                      language: str = "en") -> AlignedTake | None:
    """Align the kept take ``take`` of a line (``tokens``) on its clip's ``samples``.

    ``estimate`` is the take's (start, end) from the voice map; ``removed_words`` the stream
    words the cut drops inside the take (index -> kind). None when the decoder cannot place
    the line there (the caller keeps its voice-map estimate). ``slots``: the words before
    which a hesitation may be heard (see :func:`take_align.align_take`); ``estimates``: the
    voice map's span of each word, which checks the hesitations found (below); ``voiced(a,
    b)``: the voice map's islands, which reject an alignment that leaves a stretch of sound
    between two kept words unexplained (the words were put on something else); ``language``:
    the line's (pronunciations and fillers).
    """
    before, after = _neighbours(take, stream, voiced)
    lo = min(take.start, estimate[0]) - REGION_MARGIN
    hi = max(take.end, estimate[1]) + REGION_MARGIN
    repeats = _heard_twice(tokens, stream[take.first:take.last + 1])
    again = _heard_more_often(tokens, stream[take.first:take.last + 1])
    restarts = [i for i, t in enumerate(tokens) if i and normalise(t) in again]
    heard = _heard_spans(take, tokens, stream)
    spoken = [(w.start, w.end) for w in stream if w.source == take.source and not w.is_filler]
    align = partial(_align_in, tokens, samples, slots=slots, voiced=voiced, repeats=repeats, language=language,
                    restarts=restarts, heard=heard, spoken=spoken)
    result = None
    for a, b, prev_end, next_start in _regions(take, tokens, before, after, (lo, hi), window, clip_end, samples,
                                               language):
        result = align(a, b)
        if result is not None and result.words[-1][1] >= b - REGION_END_TOUCH:
            result, b = _to_line_end(tokens, samples, a, b, result, align, heard, language)
        if result is not None:
            lo, hi = a, b
            break
    if result is None:
        return None
    words = [(t, s, e) for t, (s, e) in zip(tokens, result.words)]
    removed = [r for r in result.removed if not (keep_fillers and r[0] == "filler") and not _sandwiched(r, words)]
    # Words the recogniser heard inside the take that the cut drops (off-script, repeated):
    # the gap between the two kept words around each one is removed speech.
    for k, kind in removed_words.items():
        w = stream[k]
        if kind == "filler":
            continue  # hesitations are placed by the decoder (its slots), not by the recogniser's times
        mid = (w.start + w.end) / 2
        for (_, s0, e0), (_, s1, e1) in zip(words, words[1:]):
            if e0 <= mid <= s1 and s1 - e0 > 0.06:
                removed.append((kind, e0 + 0.02, s1 - 0.02))
                break
    return grouped(words, removed, prev_end if before else lo, next_start if after else hi)


REGION_END_TOUCH = 0.05
"""A line's last word ending this close (s) to the aligned region's end ran into the bound."""
LINE_END_ROOM = 0.15
"""Audio (s) searched after the line's end the locator or the recogniser found, where the
last word ran into the region's bound (a between-lines cut keeps 0.27 s more after it)."""


def _to_line_end(tokens: Sequence[str], samples: np.ndarray, a: float, b: float, result: take_align.TakeAlignment,
                 align: Callable[[float, float], take_align.TakeAlignment | None],
                 heard: dict[int, tuple[float, float]], language: str) -> tuple[take_align.TakeAlignment, float]:
    """The line's last word ran to the region's end ``b``: the bound ended it, not the voice
    (under babble other voices let the decoder draw it on: "resistance" 9.06-10.31 s, said to
    9.84 s). The line ends where the locator (the line against a free phone loop) or the
    recogniser (its last word, starting where the decoder starts it) ends it, the later of
    the two (the locator ended "resistance" at 9.40 s, the recogniser at 9.80 s); aligned
    again up to there, the result is used where a reading passes. ``align``: the take's
    :func:`_align_in` over a region. Returns the result and the region's end."""
    found = locate.locate([list(tokens)], samples, a, b, language=language,
                          weights=(LIGHT_GARBAGE, *locate.GARBAGE_WEIGHTS))
    ends = [found[0][1]] if found else []
    last, span = result.words[-1], heard.get(len(tokens) - 1)
    if span is not None and span[0] - HEARD_START_ROOM <= last[0] <= span[1]:
        ends.append(span[1])
    if not ends:
        return result, b
    end = max(ends) + LINE_END_ROOM
    if not last[0] + 0.1 < end < b - REGION_END_TOUCH:
        return result, b
    again = align(a, end)
    return (again, end) if again is not None else (result, b)


def _align_in(tokens: Sequence[str], samples: np.ndarray, a: float, b: float, slots: Sequence[int], voiced,  # type: ignore[no-untyped-def]
              repeats: set[str], language: str, restarts: Sequence[int],
              heard: dict[int, tuple[float, float]],
              spoken: Sequence[tuple[float, float]] = ()) -> take_align.TakeAlignment | None:
    """The take aligned on ``[a, b]``: hesitations where something was heard first, then
    anywhere (a filler nobody heard); an alignment that leaves sound unexplained or stretches
    a word over something is not used. With no path at all, the first-pass-only decoder
    (under babble the second passes lose the grammar's end). A restart the voice map does not
    bear out is aligned again without restarts."""
    result = _first_passing(tokens, samples, a, b, slots, voiced, repeats, language, retry=True,
                            restarts=restarts, heard=heard, spoken=spoken)
    if result is not None and restarts and _unlikely_restart(result, voiced, [tokens[i] for i in restarts]):
        result = _first_passing(tokens, samples, a, b, slots, voiced, repeats, language, retry=True, heard=heard,
                                spoken=spoken)
    return result


def _neighbours(take: Take, stream: Sequence[StreamWord], voiced  # type: ignore[no-untyped-def]
                ) -> tuple[list[StreamWord], list[StreamWord]]:
    """The recognised words of the take's clip before and after it, less those heard on no
    sound (:func:`~reelkit.cut.checks.on_sound`)."""
    before = [w for k, w in enumerate(stream) if w.source == take.source and k < take.first
              and w.end <= take.start and on_sound(w, voiced)]
    after = [w for k, w in enumerate(stream) if w.source == take.source and k > take.last and w.start >= take.end
             and on_sound(w, voiced)]
    return before, after


def _heard_spans(take: Take, tokens: Sequence[str], stream: Sequence[StreamWord]) -> dict[int, tuple[float, float]]:
    """The recogniser's (start, end) of each line word it heard as that word, one for one."""
    out = {}
    for p in take.pairs:
        if p.s1 - p.s0 == 1 and p.r1 - p.r0 == 1 and p.r0 < len(take.heard):
            w = stream[take.heard[p.r0]]
            if w.norm == normalise(tokens[p.s0]):
                out[p.s0] = (w.start, w.end)
    return out


def _regions(take: Take, tokens: Sequence[str], before: Sequence[StreamWord], after: Sequence[StreamWord],
             edges: tuple[float, float], window: tuple[float, float], clip_end: float, samples: np.ndarray,
             language: str) -> Iterator[tuple[float, float, float, float]]:
    """Where to align a chosen take, in the order to try: (start, end, the previous and the next
    recognised word's edge). First bounded by the recognised words next to the take; then, when
    line words at an edge were missed or misheard, reaching over twice as many neighbouring
    words as are missing (they may be the misheard ones: "fearless" for "beautiful", timed by the
    recogniser up to 2 s off under babble)."""
    lo, hi = edges
    before_words = [w for w in before if not w.is_filler]
    after_words = sorted((w for w in after if not w.is_filler), key=lambda w: w.start)
    head, tail = take.unheard_edges(len(tokens))
    # A missed word may have been heard as two ("beautiful" as "a viewer"); the locator bounds
    # the end again, so reaching too far costs nothing.
    for reach_before, reach_after in ((0, 0), (2 * head, 2 * tail)) if head or tail else ((0, 0),):
        prev_end = max((w.end for w in before_words[:len(before_words) - reach_before]), default=window[0])
        next_start = min((w.start for w in after_words[reach_after:]), default=min(window[1], clip_end))
        a = max(lo - (REGION_MARGIN if reach_before else 0.0), prev_end + NEIGHBOUR_GAP, window[0], 0.0)
        b = min(hi + (REGION_MARGIN if reach_after else 0.0), next_start - NEIGHBOUR_GAP, window[1], clip_end)
        if reach_after:
            # The wider region holds other speech after the line, and the take grammar has no
            # garbage to put it in: its last word would be stretched over it. The locator (the
            # line against a free phone loop) says where the line ends.
            # A light garbage penalty first: the locator's own (stronger) one pulls the line
            # onto a false start before it and ends it early ("beautiful" cut at 3.76 s, said
            # to 4.59 s; with the light one the line ends at 4.50 s).
            found = locate.locate([list(tokens)], samples, a, b, language,
                                  weights=(LIGHT_GARBAGE, *locate.GARBAGE_WEIGHTS))
            if found:
                b = min(b, found[0][1] + LOCATED_END_ROOM)
        yield a, b, prev_end, next_start


def grouped(words: Sequence[tuple[str, float, float]], removed: Sequence[tuple[str, float, float]],
            before: float, after: float) -> AlignedTake:
    """An :class:`AlignedTake` of aligned ``words`` (text, start, end): a new group wherever
    removed speech lies between two words; ``before``/``after``: the nearest other speech
    outside the take when nothing removed is nearer."""
    groups: list[list[tuple[str, float, float]]] = [[words[0]]]
    for prev, cur in zip(words, words[1:]):
        if any(e > prev[2] and s < cur[1] for _, s, e in removed):
            groups.append([cur])
        else:
            groups[-1].append(cur)
    first, last = words[0][1], words[-1][2]
    speech_before = max([e for _, s, e in removed if e <= first + 1e-3] + [before])
    speech_after = min([s for _, s, e in removed if s >= last - 1e-3] + [after])
    return AlignedTake(groups=tuple(tuple(g) for g in groups), removed=tuple(removed),
                       speech_before=min(speech_before, first), speech_after=max(speech_after, last))


NOISY_SHARE = 0.8
"""A located take's region voiced for more than this share is noisy: its voice map is not used."""


def align_located(tokens: Sequence[str], samples: np.ndarray, lo: float, hi: float, voiced,  # type: ignore[no-untyped-def]
                  language: str = "en", keep_fillers: bool = False) -> AlignedTake | None:
    """A take found by the locator (no recognised words in it: :mod:`reelkit.cut.located`)
    aligned on ``[lo, hi]``, with the same checks as a recognised one, hesitations allowed
    anywhere; under babble, tried again with the first-pass-only decoder. None when no
    alignment passes."""
    if voiced is not None and voiced_seconds(voiced, lo, hi) > NOISY_SHARE * (hi - lo):
        # Under babble the voice map is sound everywhere, so every pause looks unexplained:
        # the alignment is judged without it (the locator's fit then decides).
        voiced = None
    result = _first_passing(tokens, samples, lo, hi, (), voiced, set(), language, retry=True, restretch=False)
    if result is None:
        return None
    words = [(t, s, e) for t, (s, e) in zip(tokens, result.words)]
    removed = [r for r in result.removed if not (keep_fillers and r[0] == "filler") and not _sandwiched(r, words)]
    return grouped(words, removed, lo, hi)


SANDWICH = 0.2
"""A hesitation shorter than this (s) touching a kept word on each side is the words' own
sound (under babble a word's tail is heard as "uh"): cutting it would clip a word."""


def _sandwiched(r: tuple[str, float, float], words: Sequence[tuple[str, float, float]]) -> bool:
    kind, s, e = r
    touch = 0.02
    return (kind == "filler" and e - s < SANDWICH and any(abs(w[2] - s) <= touch for w in words)
            and any(abs(w[1] - e) <= touch for w in words))


def _first_passing(tokens: Sequence[str], samples: np.ndarray, lo: float, hi: float, slots: Sequence[int],
                   voiced, repeats: set[str], language: str = "en",  # type: ignore[no-untyped-def]
                   retry: bool = False, restretch: bool = True, restarts: Sequence[int] = (),
                   heard: dict[int, tuple[float, float]] | None = None,
                   spoken: Sequence[tuple[float, float]] = ()) -> take_align.TakeAlignment | None:
    """The first alignment that passes the checks: hesitations where something was heard,
    then anywhere; a stretched word re-aligned (:func:`_hesitation_at_stretch`) after each
    (unless ``restretch`` is False: up to 24 more decodes, measured 29 s on one babble take).
    ``restarts``: words that may be said, broken off and said again (``take_align.align_take``).
    ``heard``: the recogniser's span of each line word it heard as itself (by index); where
    no alignment passes, the first one whose only fault is sound between two words both place
    alike is taken with that sound removed (:func:`~reelkit.cut.checks.confirmed_gaps`); failing
    that, the first whose unexplained sounds are each a short sound on its own that none of
    the recogniser's ``spoken`` words lies on (:func:`~reelkit.cut.checks.sounds_alone`)."""
    memo: dict = {}  # the same grammar over the same region is decoded once
    confirmed = None
    rejected = []
    for allowed in (set(slots), set(range(1, len(tokens)))):
        result = _align_checked(tokens, samples, lo, hi, allowed, language, retry, memo, restarts)
        if result is None:
            continue
        if not unexplained_speech(result, voiced) and not stretched(tokens, result):
            return result
        if not stretched(tokens, result):
            rejected.append(result)
        if heard and confirmed is None:
            confirmed = heard_ends(tokens, result, voiced, heard)
        if restretch and stretched(tokens, result):
            again = _hesitation_at_stretch(tokens, samples, hi, result, voiced, repeats, language, retry)
            if again is not None:
                return again
    if confirmed is None and voiced is not None:
        confirmed = next((q for q in (sounds_alone(r, voiced, spoken) for r in rejected) if q is not None), None)
    return confirmed


def _align_checked(tokens: Sequence[str], samples: np.ndarray, lo: float, hi: float, slots: set[int],
                   language: str = "en", retry: bool = False, memo: dict | None = None,
                   restarts: Sequence[int] = ()) -> take_align.TakeAlignment | None:
    """The take aligned with hesitations allowed at ``slots``; with no path there, with
    hesitations allowed everywhere (a filler nobody heard). (The voice map's word spans do
    not judge the result: on real speech they are often a word off.) ``memo``: decodes
    already made, by hesitation slots (every word: None)."""
    memo = {} if memo is None else memo
    every = set(range(1, len(tokens)))

    def align(allowed: set[int] | None):  # type: ignore[no-untyped-def]
        key = None if allowed is None or allowed >= every else tuple(sorted(allowed))
        if key not in memo:
            memo[key] = take_align.align_take(list(tokens), samples, lo, hi, slots=None if key is None else list(key),
                                              language=language, retry=retry, restarts=restarts)
        return memo[key]

    result = align(slots)
    if result is None:
        result = align(None)
    long = [(s, e) for k, s, e in (result.removed if result else ()) if k == "filler" and e - s > MAX_HESITATION]
    if result is not None and long:
        # A hesitation longer than any "uh" has swallowed a word: no hesitation there.
        keep = {i for i in (slots or range(1, len(tokens)))
                if not any(s - 0.05 <= result.words[i - 1][1] and result.words[i][0] <= e + 0.05 for s, e in long)}
        result = align(keep)
    return result


MAX_HESITATION = 0.65
"""A hesitation (s) longer than this is a word the decoder took for one."""


def _heard_twice(tokens: Sequence[str], heard: Sequence[StreamWord]) -> set[str]:
    """Words of the line the recogniser heard more often in the take than the line has them,
    or heard stretched itself (openai-whisper wrote one "the" over "the, uh, the": something
    else was said there too)."""
    long = {w.norm for w in heard if w.end - w.start > longest(w.norm)}
    return _heard_more_often(tokens, heard) | {normalise(t) for t in tokens if normalise(t) in long}


def _heard_more_often(tokens: Sequence[str], heard: Sequence[StreamWord]) -> set[str]:
    """Words of the line the recogniser heard more often in the take than the line has them
    (said, broken off and said again: "the... uh... the ledger")."""
    line = [normalise(t) for t in tokens]
    norms = [w.norm for w in heard]
    return {n for n in set(line) if norms.count(n) > line.count(n)}


MAX_HEAD_MOVE = 0.1
"""How far (s) the word before a stretched one may move when the rest is aligned again."""
# Where the rest of the line is aligned again after a stretched word j: (first word, offsets
# (s) from its start, (slots, required) hesitations of the tail). From the word before first
# (its end is not trusted either), with a hesitation allowed then required before word j;
# then from word j itself, where the grammar's restart may take the "uh".
TAIL_TRIES = ((-1, (-0.03, 0.0, -0.08), (((1,), ()), ((), (1,)))),
              (0, (0.0, -0.05, 0.03), (((), ()), ((), (0,)))))


def _hesitation_at_stretch(tokens: Sequence[str], samples: np.ndarray, hi: float, result: take_align.TakeAlignment,
                           voiced, repeats: set[str], language: str = "en",  # type: ignore[no-untyped-def]
                           retry: bool = False) -> take_align.TakeAlignment | None:
    """A short word stretched over a hesitation the decoder would not hear as one (noise
    blurs a soft "uh", which then sounds like "the"): the words before it are kept and the
    rest of the line is aligned again (:data:`TAIL_TRIES`). The decoder is near-indifferent
    there, so a few region starts and grammars are tried; the first result with no word
    stretched, no sound unexplained and no over-long hesitation is kept. None when none
    passes (the caller falls back to the voice map's cut). Aligning from the stretched word
    itself lets the grammar's restart take audio before it: only done where the recogniser
    heard that word twice (``repeats``), else a real word would be cut as a restart."""
    j = stretched_words(tokens, result)[0]
    seen: set[tuple] = set()  # offsets clamped to the head's end repeat a try: decode it once
    for back, offsets, grammars in TAIL_TRIES:
        i = j + back
        if i <= 0 or (back == 0 and normalise(tokens[j]) not in repeats):
            continue
        head = result.words[:i]
        head_removed = tuple(r for r in result.removed if r[2] <= result.words[i][0] + 1e-3)
        for offset in offsets:
            t0 = max(head[-1][1], result.words[i][0] + offset)
            for slots, required in grammars:
                if (i, t0, slots, required) in seen:
                    continue
                seen.add((i, t0, slots, required))
                tail = take_align.align_take(list(tokens[i:]), samples, t0, hi, slots=list(slots), required=required,
                                             language=language, retry=retry)
                if tail is None or (back < 0 and abs(tail.words[0][0] - result.words[i][0]) > MAX_HEAD_MOVE):
                    continue  # the word before the stretch was heard where it was: it stays there
                joined = take_align.TakeAlignment(words=head + tail.words, removed=head_removed + tail.removed)
                if stretched(tokens, joined) or unexplained_speech(joined, voiced) or any(
                        k == "filler" and e - s > MAX_HESITATION for k, s, e in joined.removed):
                    continue
                return joined
    return None


def _unlikely_restart(result: take_align.TakeAlignment, voiced, words: Sequence[str]) -> bool:  # type: ignore[no-untyped-def]
    """True when a restart inside the line is a word the decoder put on something else: longer
    than any of the restartable ``words`` lasts (stretched over a pause and an "uh"), or mostly
    where the voice map hears no sound ("rolled the... uh... the barrel" written by the
    recogniser when only "rolled uh the barrel" was said)."""
    first = result.words[0][0]
    most = max(longest(w) for w in words)
    for kind, s, e in result.removed:
        if kind != "false_start" or s < first or e <= s:
            continue
        if e - s > most:
            return True
        if voiced is not None and voiced_seconds(voiced, s, e) < 0.5 * (e - s):
            return True
    return False
