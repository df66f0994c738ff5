"""Words placed on the speech by forced alignment (:mod:`reelkit.speech.forced_align`).

:func:`apply_forced` moves words onto the aligner's spans, and a start onto the exact sample
of a clear pause's onset next to it; :func:`time_known_words` times words known to be spoken
(a script cut's kept words) that way and never drops one: a word the aligner cannot place is
interpolated between its placed neighbours (:func:`interpolate_unplaced`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from reelkit.plan.model import Word
from reelkit.speech import forced_align
from reelkit.speech.audio import SAMPLE_RATE
from reelkit.speech.onsets import Activity, analyse, onset_candidates, snap_to_pause_onset
from reelkit.speech.refine import refine_spans_detail

SNAP_REACH = 0.25
"""How far (s) from a forced start a clear-pause onset may be to take over the start, when the
forced start lies in silence (the decoder began the word inside the pause before it)."""
SNAP_REACH_IN_SOUND = 0.06
"""The same when the forced start already lies in sound. It was 0.25 there too: under babble at
5 dB other voices fill the pauses with 'onsets' of their own, and the snap moved well-aligned
starts 100-260 ms late (outline path, real speech: babble 67 -> 36 ms mean, p90 177 -> 90;
clean unchanged)."""


def apply_forced(texts: Sequence[str], spans: list[tuple[float, float]], methods: list[str],
                 samples: np.ndarray, sr: int, activity: Activity, language: str = "en",
                 optional: Sequence[bool] | None = None, trust: Sequence[float] | None = None,
                 ) -> tuple[list[tuple[float, float]], list[str], list[bool]]:
    """Replace ``spans`` by forced-alignment ones where the decoder placed the word.

    ``optional`` words (ad-libs) are dropped (``keep`` False) unless the audio bears them out;
    ``trust`` (0..1) is how far each guide may be believed. Returns spans, methods
    (``forced`` where placed) and keep, per word.
    """
    n = len(texts)
    optional = [False] * n if optional is None else list(optional)
    results = forced_align.force_align(list(texts), spans, samples, sr, optional=optional,
                                       trust=[0.5] * n if trust is None else list(trust), language=language)
    candidates = onset_candidates(activity)
    new_spans = list(spans)
    new_methods = list(methods)
    keep = [True] * n
    prev_end = 0.0
    for i, r in enumerate(results):
        if forced_align.left_out(r):
            keep[i] = False  # an unscripted word the audio does not bear out
            continue
        if r is None:
            if optional[i]:
                keep[i] = False  # no acoustic evidence could be had for it
            continue
        # Next to a clear pause the onset is exact: take it when it lies within the word's
        # forced span (or just before it), never inside the previous word.
        in_sound = bool(activity.active.size) and bool(activity.active[activity.frame(r.start)])
        reach = SNAP_REACH_IN_SOUND if in_sound else SNAP_REACH
        lo = max(prev_end - 0.02, r.start - reach)
        hi = max(lo, min(r.start + reach, r.end - 0.03))
        start = snap_to_pause_onset(r.start, lo, hi, candidates, samples, sr, activity)
        begin = r.start if start is None else start
        if start is None and activity.active.size and not activity.active[activity.frame(begin)]:
            # Placed in the silence before the word: it starts where the sound does.
            begin = activity.first_active_after(begin, r.end) or begin
        new_spans[i] = (round(float(begin), 3), float(r.end))
        new_methods[i] = "forced"
        prev_end = r.end
    return _in_order(new_spans, keep), new_methods, keep


def _in_order(spans: list[tuple[float, float]], keep: Sequence[bool]) -> list[tuple[float, float]]:
    """Keep order and no overlap where forced and unforced words meet."""
    kept = [i for i in range(len(spans)) if keep[i]]
    for prev, cur in zip(kept, kept[1:]):
        s0, e0 = spans[prev]
        s1, e1 = spans[cur]
        if s1 < s0 + 0.01:
            s1 = round(s0 + 0.01, 3)
        if e0 > s1:
            spans[prev] = (s0, max(round(s0 + 0.001, 3), s1))
        spans[cur] = (s1, max(e1, round(s1 + 0.001, 3)))
    return spans


def time_known_words(texts: Sequence[str], guides: Sequence[tuple[float, float]], samples: np.ndarray,
                     sr: int = SAMPLE_RATE, language: str = "en") -> tuple[Word, ...]:
    """Words known to be spoken, in order (a script cut's kept words), timed on ``samples``.

    The same timing chain as :func:`caption_words` (forced alignment of the words, starts
    moved onto a clear pause's onset), but no word is ever dropped: ``guides`` (rough times,
    from the cut decision) only cut the audio into regions. A word the aligner cannot place
    gets a time interpolated between its placed neighbours and ``timing`` ``interpolated``.
    """
    n = len(texts)
    if n == 0:
        return ()
    activity = analyse(samples, sr)
    spans = [(float(a), float(b)) for a, b in guides]
    methods = ["interpolated"] * n
    if forced_align.available(language):
        spans, methods, _ = apply_forced(texts, spans, methods, samples, sr, activity, language)
        spans = _onto_sound(texts, [_after_pause(a, b, activity) for a, b in spans], activity)
    else:
        spans, snapped = refine_spans_detail(spans, samples, sr, confidence=[0.5] * n, activity=activity)
        methods = ["onset" if real else "interpolated" for real in snapped]
    spans = interpolate_unplaced(spans, [m != "interpolated" for m in methods], len(samples) / sr)
    return tuple(Word(t, round(s, 3), round(e, 3), m) for t, (s, e), m in zip(texts, spans, methods))


PAUSE_IN_WORD = 0.15
"""A silence (s) this long inside a word's forced span, in its first half, is a pause before it."""


def _after_pause(start: float, end: float, activity) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """A forced span that begins on the tail of the previous sound and runs over a pause (the
    decoder stretched the word over the silence a cut left) starts where its own sound does."""
    islands = [(a, b) for a, b in activity.islands() if b > start and a < end]
    for (a0, b0), (a1, b1) in zip(islands, islands[1:]):
        if a1 - b0 >= PAUSE_IN_WORD and b0 < start + 0.5 * (end - start) and a1 < end - 0.03:
            return round(float(a1), 3), end
    return start, end


SOUNDLESS_WORD = 0.06
"""Seconds of sound under a word's forced span at most that make it a word put on no speech
(on a click, a stop's release burst, the room)."""
ISLAND_GAP = (0.15, 0.4)
"""The pause (s) between such a span's end and the next sound, that sound then the word's
own: a real pause (shorter, the span only ends early on speech the activity calls quiet, as
under traffic noise; "greasy" moved 0.33 s late without this) and not too long."""


def _onto_sound(texts: Sequence[str], spans: list[tuple[float, float]],
                activity) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    """A word the decoder put on no speech, whose own sound is the next island, moved onto
    it: under its span lies at most :data:`SOUNDLESS_WORD` of sound, a silent pause follows
    (:data:`ISLAND_GAP`), and the next word starts where the next island does ("ripped, uh, the ledger" with the "uh" cut, traffic at
    10 dB: "the" was put on the release of "ripped"'s last stop, 0.40 s early, and "ledger"
    drawn over "the ledger"). The island is shared: the word its letters' worth, the next
    word the rest."""
    islands = list(activity.islands())
    out = list(spans)
    for i in range(len(out) - 1):
        s, e = out[i]
        sounding = sum(max(0.0, min(b, e) - max(a, s)) for a, b in islands)
        nxt = next((float(a) for a, b in islands if e + ISLAND_GAP[0] <= a <= e + ISLAND_GAP[1]), None)
        s1, e1 = out[i + 1]
        if sounding > SOUNDLESS_WORD or nxt is None or not s1 <= nxt + 0.05 < e1:
            continue
        if sum(max(0.0, min(b, nxt) - max(a, e)) for a, b in islands) > 0.02:
            continue  # sound goes on after the word (a short word on speech, as under babble)
        own = min(0.5 * (e1 - nxt), 0.03 * sum(ch.isalpha() for ch in texts[i]) + 0.02)
        if own < MIN_WORD:
            continue
        out[i] = (round(nxt, 3), round(nxt + own, 3))
        out[i + 1] = (round(nxt + own, 3), e1)
    return out


MIN_WORD = 0.08
"""Least time (s) an interpolated word is given when its placed neighbours leave room."""


def interpolate_unplaced(spans: Sequence[tuple[float, float]], placed: Sequence[bool],
                         duration: float) -> list[tuple[float, float]]:
    """Spans of unplaced words shared out between their placed neighbours (by word length,
    from the guides' order), so times stay in order and never overlap a placed word. With no
    placed word at all the guides are kept (in order)."""
    out = [(float(a), float(b)) for a, b in spans]
    n = len(out)
    if not any(placed):
        for i in range(1, n):  # guides in order, no overlap
            a, b = out[i]
            a = max(a, out[i - 1][0] + 0.01)
            out[i - 1] = (out[i - 1][0], min(out[i - 1][1], a))
            out[i] = (a, max(b, a + 0.01))
        return out
    i = 0
    while i < n:
        if placed[i]:
            i += 1
            continue
        j = i
        while j < n and not placed[j]:
            j += 1
        k = j - i
        guide_len = sum(max(MIN_WORD, out[q][1] - out[q][0]) for q in range(i, j))
        lo = out[i - 1][1] if i > 0 else max(0.0, (out[j][0] if j < n else duration) - guide_len)
        hi = out[j][0] if j < n else min(duration, lo + guide_len)
        if hi - lo < MIN_WORD * k:
            # No room between the neighbours: take a share of them, as the recogniser's words do.
            if i > 0:
                ps, pe = out[i - 1]
                lo = min(lo, ps + 0.6 * (pe - ps))
                out[i - 1] = (ps, lo)
            if j < n:
                ns, ne = out[j]
                hi = max(hi, ns + 0.4 * (ne - ns))
                out[j] = (hi, ne)
            if hi - lo < 0.01 * k:
                hi = lo + 0.01 * k
        for q, (a, b) in zip(range(i, j), _shares(lo, hi, k)):
            out[q] = (a, b)
        i = j
    return out


def _shares(lo: float, hi: float, k: int) -> list[tuple[float, float]]:
    step = (hi - lo) / k
    return [(round(lo + q * step, 3), round(lo + (q + 1) * step, 3)) for q in range(k)]
