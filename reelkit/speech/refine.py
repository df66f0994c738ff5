"""Matching words to speech onsets: recognised word boundaries moved onto the speech.

Step 3 of the method in :mod:`reelkit.speech.onsets` (which finds the onsets): a dynamic
programme over the words picks one candidate onset per word (or none), in time order,
minimising the distance to the recognised start, rewarding strong onsets, and charging for
every strong onset that no word uses. Each word then ends where the active stretches it owns
end.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np

from reelkit.speech.audio import SAMPLE_RATE
from reelkit.speech.onsets import MIN_WORD, WINDOW, Activity, analyse, onset_candidates, sample_onset

# Costs are in units of "one typical recogniser error"; the recogniser's start error is
# roughly Laplacian (tiny.en: mean ~150 ms, tail to ~600 ms).
STRONG_SCALE = 0.15
"""Seconds of start error costing one unit, for an onset after a clear pause."""
WEAK_SCALE = 0.08
"""The same for an onset inside continuous speech: accepted only close to the estimate."""
STRENGTH_BONUS = 1.0
SKIP_WEIGHT = 4.0
"""Cost of leaving a clear-pause onset unused inside a word (words rarely contain pauses)."""
SEARCH = 0.8
"""Onsets this far (s) either side of a recognised start are considered."""
MISS_COST = 2.0
"""Cost of leaving a word without an onset (its start then comes from the recogniser)."""


def _start_cost(c: float, g: float, s: float, confidence: float = 1.0) -> float:
    # A guessed (interpolated) start is trusted less: its error scale grows.
    scale = (WEAK_SCALE + (STRONG_SCALE - WEAK_SCALE) * g) * (2.0 - confidence)
    return abs(c - s) / scale - STRENGTH_BONUS * g


def refine_spans(spans: Sequence[tuple[float, float]], samples: np.ndarray, sr: int = SAMPLE_RATE,
                 confidence: Sequence[float] | None = None,
                 activity: Activity | None = None) -> list[tuple[float, float]]:
    """Snap word ``spans`` (start, end seconds, in order) onto speech onsets and offsets.

    ``confidence`` (0..1 per word, default 1) lowers the cost of leaving a word unmatched and
    widens its search window (for interpolated words). Returned spans are in order, do not
    overlap, and each lies within the signal.
    """
    return refine_spans_detail(spans, samples, sr, confidence, activity)[0]


class _Candidates:
    """Onset times and strengths, with the summed strength of those between two times."""

    def __init__(self, activity: Activity) -> None:
        cands = onset_candidates(activity)
        self.times = [c.time for c in cands]
        self.strengths = np.array([c.strength for c in cands], dtype=np.float64)
        self._prefix = np.concatenate([[0.0], np.cumsum(self.strengths)])

    def skipped(self, t0: float, t1: float) -> float:
        """Summed strength of candidates strictly between t0 and t1."""
        i = bisect.bisect_right(self.times, t0 + 1e-6)
        j = bisect.bisect_left(self.times, t1 - 1e-6)
        return float(self._prefix[j] - self._prefix[i]) if j > i else 0.0


_State = tuple[float, float, bool]
"""One option for a word's start: (time, cost, is a real onset)."""


def _word_states(spans: Sequence[tuple[float, float]], raw_starts: Sequence[float],
                 conf: Sequence[float], cands: _Candidates) -> list[list[_State]]:
    """Per word: every onset in its search window, scored, and the option of none."""
    times, strengths = cands.times, cands.strengths
    states: list[list[_State]] = []
    for (s, e), s_raw, cf in zip(spans, raw_starts, conf):
        widen = SEARCH + (1.0 - cf) * SEARCH
        lo = bisect.bisect_left(times, min(s, s_raw) - widen)
        hi = bisect.bisect_right(times, max(s + widen, e))
        opts = [(times[k], min(_start_cost(times[k], strengths[k], s, cf),
                               _start_cost(times[k], strengths[k], s_raw, cf)), True)
                for k in range(lo, hi)]
        opts.append((s, MISS_COST * cf, False))
        states.append(opts)
    return states


def _viterbi(states: Sequence[Sequence[_State]], cands: _Candidates, last_end: float) -> list[tuple[float, bool]] | None:
    """The cheapest choice of one state per word, in order; None when no path is consistent.

    Every onset left unused between two words' chosen times costs its strength, whether those
    words took real onsets or stayed unmatched (otherwise leaving words unmatched would be a
    cheap way around using the clear onsets).
    """
    inf = float("inf")
    cost = [[c for (_, c, _) in states[0]]]
    back: list[list[int]] = [[-1] * len(states[0])]
    for i in range(1, len(states)):
        row, brow = [], []
        for t, c, real in states[i]:
            best, arg = inf, -1
            for k, (tp, _, realp) in enumerate(states[i - 1]):
                if cost[i - 1][k] == inf:
                    continue
                # Order: a real onset must follow the previous real onset by a minimum word
                # length; an unmatched word's nominal time only needs to be roughly in order.
                if real and realp and t < tp + MIN_WORD:
                    continue
                if not (real and realp) and t < tp - 0.5:
                    continue
                total = cost[i - 1][k] + SKIP_WEIGHT * cands.skipped(tp, t)
                if total < best:
                    best, arg = total, k
            row.append(best + c if arg >= 0 else inf)
            brow.append(arg)
        cost.append(row)
        back.append(brow)
    # Unused strong onsets inside the last word also count.
    final = [cost[-1][k] + SKIP_WEIGHT * cands.skipped(t, last_end - 0.05)
             for k, (t, _, real) in enumerate(states[-1])]
    k = int(np.argmin(final))
    if final[k] == inf:
        return None
    chosen = []
    for i in range(len(states) - 1, -1, -1):
        t, _, real = states[i][k]
        chosen.append((t, real))
        k = back[i][k]
    chosen.reverse()
    return chosen


def refine_spans_detail(spans: Sequence[tuple[float, float]], samples: np.ndarray, sr: int = SAMPLE_RATE,
                        confidence: Sequence[float] | None = None,
                        activity: Activity | None = None) -> tuple[list[tuple[float, float]], list[bool]]:
    """:func:`refine_spans`, and per word whether its start was snapped onto an onset
    (False: it kept the recogniser's, speech-adjusted, start)."""
    n = len(spans)
    if n == 0:
        return [], []
    act = activity if activity is not None else analyse(samples, sr)
    cands = _Candidates(act)
    conf = [1.0] * n if confidence is None else [float(c) for c in confidence]
    # The recogniser often starts a word inside the pause before it: a start in silence
    # means "at the end of this pause", so estimates are moved onto the next activity.
    # But it is sometimes late by a whole word, its start then lying in the pause *after*
    # the word; so an onset is scored against the nearer of the two estimates.
    raw_starts = [s for s, _ in spans]
    spans = [(_speech_start(act, s, e), e) for s, e in spans]
    chosen = _viterbi(_word_states(spans, raw_starts, conf, cands), cands, spans[-1][1])
    if chosen is None:  # no consistent path (spans out of order): keep the input
        chosen = [(s, False) for s, _ in spans]
    # An unmatched word keeps its (speech-adjusted) recognised start.
    starts = [sample_onset(samples, sr, t, act) if real else s for (t, real), (s, _) in zip(chosen, spans)]
    # Keep order with a minimum spacing.
    for i in range(1, n):
        starts[i] = max(starts[i], starts[i - 1] + 0.01)
    return _with_ends(spans, starts, act), [real for _, real in chosen]


def _with_ends(spans: Sequence[tuple[float, float]], starts: Sequence[float],
               act: Activity) -> list[tuple[float, float]]:
    """Each word from its refined start to where its own speech ends."""
    islands = act.islands()
    island_starts = [a for a, _ in islands]
    out: list[tuple[float, float]] = []
    for i, ((s, e), t) in enumerate(zip(spans, starts)):
        nxt = starts[i + 1] if i + 1 < len(starts) else act.duration
        end = _speech_end(islands, island_starts, t, max(e, t + MIN_WORD), nxt)
        end = max(end, min(t + MIN_WORD, nxt))
        out.append((round(t, 3), round(max(end, t + 0.001), 3)))
    return out


def _speech_start(act: Activity, s: float, e: float) -> float:
    """``s``, or the first activity in ``[s, e)`` when ``s`` falls in silence."""
    if act.active.size == 0 or act.active[act.frame(s)]:
        return s
    first = act.first_active_after(s, max(e, s + MIN_WORD))
    return first if first is not None else s


def _speech_end(islands: Sequence[tuple[float, float]], island_starts: Sequence[float],
                t: float, e: float, nxt: float) -> float:
    """Where a word starting at ``t`` stops sounding.

    The word owns the active stretches that begin before its recognised end ``e`` (plus a
    little slack) and not within a window of the next word's onset ``nxt``; it ends where the
    last of them ends, or at ``nxt`` when that stretch runs on into the next word. Stretches
    after ``e`` (a breath, noise) do not keep the caption up.
    """
    cut = min(e + 0.05, nxt - WINDOW)
    k = bisect.bisect_left(island_starts, cut) - 1
    while k >= 0 and islands[k][1] <= t:
        k = -1  # the last island before the cut ended before the word started: no speech
    if k < 0:
        return min(e, nxt)
    end = islands[k][1]
    if end >= nxt - WINDOW:
        return nxt  # connected speech: this word runs into the next
    return min(end, nxt)
