"""Takes: every place where a script line was spoken in raw footage.

A presenter reads a line, fumbles, reads it again. Each reading is a *take*. Takes are found
by local alignment (Smith-Waterman with affine gaps) of each line's normalised tokens against
the recognised word stream of all clips; after a hit its words are masked and the search runs
again, so a line read three times gives three takes. Token likeness reuses
:func:`reelkit.speech.align.similarity` (normalising, number readings, fuzzy matching), with a
cheap character-bigram prefilter so ten minutes of speech align in well under a second.
Each hit is then aligned word by word with :func:`reelkit.speech.align.align_tokens` (which
joins "2026" to "twenty twenty six") to measure its coverage and whether it reached the end
of the line (a take that stops early is a false start). Takes of different lines that claim
the same words are resolved by score: the better-matching line keeps them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reelkit.cut.letters import read_by_letters
from reelkit.speech.align import FILLERS, Pair, align_tokens, normalise, script_tokens, similarity

MATCH_MIN = 0.6
"""Token likeness that counts as a match in the local alignment (below: a mismatch)."""
GAP_OPEN = 1.2
GAP_EXTEND = 0.4
MISMATCH = -1.0
SHORT_WEIGHT = 0.5
"""Match weight of tokens of one or two letters ("a", "on"): common words prove little."""
SKIP_SHORT = 0.5
"""Share of a gap's cost for leaving a token of at most three letters unheard ("the", "of",
"een"): a recogniser in a noisy room drops those first ("Bobby ripped the ledger." heard as
"Bobby Rip ledger." under traffic at 10 dB scored 1.73, below the 1.8 a take needs)."""
MIN_MATCHED = 2
"""A take matches at least this many tokens (fewer when the line itself is shorter)."""
MIN_SCORE_PER_TOKEN = 0.2
"""...and scores at least this much per token of its line (about a fifth of the line)."""
COVERED_SIMILARITY = 0.5
"""A script token aligned to a heard token at least this alike counts as spoken."""
COMPLETE_COVERAGE = 0.6
"""A complete take covers at least this share of its line's tokens and reaches its end."""
EXTEND_GAP = 1.0
"""Heard words this close (s) beyond a hit are tried as the line's unmatched first/last words."""
MAX_EXTEND = 2
_BIG = 1.0e6


@dataclass(frozen=True)
class StreamWord:
    """A recognised word of one clip (``source`` indexes the clips), times in clip seconds."""

    source: int
    text: str
    start: float
    end: float
    probability: float = 1.0

    @property
    def norm(self) -> str:
        return normalise(self.text)

    @property
    def is_filler(self) -> bool:
        return self.norm in FILLERS


@dataclass(frozen=True)
class Take:
    """One reading of script line ``line``: stream words ``first..last`` (inclusive) of one source."""

    line: int
    source: int
    first: int
    last: int
    start: float
    end: float
    score: float
    coverage: float
    complete: bool
    pairs: tuple[Pair, ...]
    """Alignment of the line's tokens to the take's non-filler words (``r`` indexes ``heard``)."""
    heard: tuple[int, ...] = ()
    """Stream indices of the take's non-filler words (fillers stay out of the word alignment,
    or a join would swallow them: "replace um" read as one "replace")."""
    located: bool = False
    """Found by forced alignment of the script (:mod:`reelkit.cut.located`), not from
    recognised words (``first``/``last`` are then -1)."""

    def unheard_edges(self, tokens: int) -> tuple[int, int]:
        """How many of the line's ``tokens`` before the first and after the last word the
        recogniser matched: words it missed or misheard at the take's edges ("beautiful"
        heard as "fearless" stays outside the take, but it is this line's word)."""
        matched = [p for p in self.pairs if p.s1 > p.s0 and p.r1 > p.r0 and p.similarity >= COVERED_SIMILARITY]
        if not matched:
            return 0, 0
        return min(p.s0 for p in matched), max(0, tokens - max(p.s1 for p in matched))

    def overlaps(self, other: Take) -> bool:
        if self.located or other.located:
            return self.source == other.source and self.start < other.end and other.start < self.end
        return self.source == other.source and self.first <= other.last and other.first <= self.last


def script_lines(script: str) -> list[str]:
    """The script's lines: its non-empty text lines, each split further at sentence ends."""
    out: list[str] = []
    for raw in script.splitlines():
        text = " ".join(raw.split())
        if not text:
            continue
        for part in re.split(r"(?<=[.!?])\s+(?=\S)", text):
            if any(ch.isalnum() for ch in part):
                out.append(part.strip())
    return out


# --- token likeness ------------------------------------------------------------------------

def _bigrams(norm: str) -> set[str]:
    padded = f"#{norm}#"
    return {padded[k:k + 2] for k in range(len(padded) - 1)}


def similarity_matrix(script_toks: Sequence[str], heard_norms: Sequence[str]) -> np.ndarray:
    """Likeness (0..1) of every script token (as written) to every heard normalised token.

    Pairs whose character bigrams overlap little are 0 without the exact (difflib) measure;
    tokens with digits are always measured (their spoken readings share no letters).
    """
    s_norm = [normalise(t) for t in script_toks]
    vocab: dict[str, int] = {}
    s_sets = [_bigrams(n) for n in s_norm]
    h_sets = [_bigrams(n) for n in heard_norms]
    for group in (s_sets, h_sets):
        for bg in group:
            for b in bg:
                vocab.setdefault(b, len(vocab))
    a = np.zeros((len(s_sets), max(1, len(vocab))), dtype=np.float32)
    b = np.zeros((len(h_sets), max(1, len(vocab))), dtype=np.float32)
    for i, bg in enumerate(s_sets):
        a[i, [vocab[x] for x in bg]] = 1.0
    for j, bg in enumerate(h_sets):
        b[j, [vocab[x] for x in bg]] = 1.0
    inter = a @ b.T
    dice = 2 * inter / (a.sum(1)[:, None] + b.sum(1)[None, :] + 1e-9)
    out = np.zeros_like(dice)
    for i, tok in enumerate(script_toks):
        digits = any(ch.isdigit() for ch in tok)
        cols = np.arange(len(heard_norms)) if digits else np.flatnonzero(dice[i] >= 0.2)
        for j in cols:
            h = heard_norms[j]
            out[i, j] = 1.0 if h == s_norm[i] and h else similarity(tok, h, MATCH_MIN)
    return out


# --- local alignment -----------------------------------------------------------------------

@dataclass(frozen=True)
class _Hit:
    score: float
    row0: int
    row1: int
    col0: int
    col1: int


def _smith_waterman(scores: np.ndarray, barrier: np.ndarray, skip: np.ndarray | None = None) -> _Hit | None:
    """Best local alignment of rows (script tokens) to columns (heard tokens), affine gaps.

    ``scores[i, j]`` is the gain of aligning token i to column j; ``barrier`` columns cannot
    be used or crossed (other sources, words already taken); ``skip[i]`` scales the cost of
    leaving token i unheard (1 when absent). Vectorised over columns: the gap along the
    heard tokens is a running maximum, reset at barriers by a large offset.
    """
    n, m = scores.shape
    if n == 0 or m == 0:
        return None
    skip = np.ones(n) if skip is None else skip
    cols = np.arange(m)
    bcount = np.cumsum(barrier).astype(np.float64)
    h_prev = np.zeros(m)
    f_prev = np.full(m, -_BIG)
    sr_prev = np.full(m, -1)
    sc_prev = np.full(m, -1)
    fr_prev = np.full(m, -1)
    fc_prev = np.full(m, -1)
    best: _Hit | None = None
    for i in range(n):
        hd = np.concatenate([[0.0], h_prev[:-1]])
        srd = np.concatenate([[-1], sr_prev[:-1]])
        scd = np.concatenate([[-1], sc_prev[:-1]])
        diag = hd + scores[i]
        fresh = hd <= 0
        d_r = np.where(fresh, i, srd)
        d_c = np.where(fresh, cols, scd)
        # Vertical gap: script token i left unspoken.
        open_f = h_prev - GAP_OPEN * skip[i]
        ext_f = f_prev - GAP_EXTEND * skip[i]
        f = np.maximum(open_f, ext_f)
        f_r = np.where(open_f >= ext_f, sr_prev, fr_prev)
        f_c = np.where(open_f >= ext_f, sc_prev, fc_prev)
        h0 = np.maximum(np.maximum(diag, f), 0.0)
        use_d = (diag >= f) & (diag > 0)
        r0 = np.where(use_d, d_r, np.where(h0 > 0, f_r, -1))
        c0 = np.where(use_d, d_c, np.where(h0 > 0, f_c, -1))
        h0[barrier] = 0.0
        # Horizontal gap: heard tokens between two matched ones (running maximum).
        v = h0 + GAP_EXTEND * cols + _BIG * bcount
        acc = np.maximum.accumulate(v)
        arg = np.maximum.accumulate(np.where(v >= acc, cols, 0))
        e = np.full(m, -_BIG)
        e[1:] = acc[:-1] - _BIG * bcount[1:] - GAP_OPEN - GAP_EXTEND * (cols[1:] - 1)
        src = np.concatenate([[0], arg[:-1]])
        use_e = e > h0
        h = np.where(use_e, e, h0)
        sr = np.where(use_e, r0[src], r0)
        sc = np.where(use_e, c0[src], c0)
        h[barrier] = 0.0
        sr[barrier] = -1
        sc[barrier] = -1
        j = int(np.argmax(h))
        if h[j] > 0 and sr[j] >= 0 and (best is None or h[j] > best.score):
            best = _Hit(float(h[j]), int(sr[j]), i, int(sc[j]), j)
        h_prev, f_prev, sr_prev, sc_prev, fr_prev, fc_prev = h, f, sr, sc, f_r, f_c
        f_prev = np.where(barrier, -_BIG, f_prev)
    return best


def _gain(sim: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return np.where(sim >= MATCH_MIN, (2.0 * sim - 0.8) * weights[:, None], MISMATCH)


# --- takes ---------------------------------------------------------------------------------

def _measure(line_index: int, tokens: Sequence[str], stream: Sequence[StreamWord], first: int, last: int,
             score: float, letters: float | None = None) -> Take | None:
    """Align the line to stream words ``first..last``, trim unmatched edges, judge completeness.
    ``letters``: the words were found as a whole reading by their letters
    (:mod:`reelkit.cut.letters`), with that likeness: complete, edges kept."""
    heard = [k for k in range(first, last + 1) if not stream[k].is_filler and stream[k].norm]
    pairs = align_tokens(tokens, [stream[k].text for k in heard])
    matched = [p for p in pairs if p.s1 > p.s0 and p.r1 > p.r0 and p.similarity >= COVERED_SIMILARITY]
    if not matched:
        return None
    lo = min(p.r0 for p in matched)
    hi = max(p.r1 for p in matched) - 1
    if letters is None and (lo > 0 or hi < len(heard) - 1):
        heard = heard[lo:hi + 1]
        first, last = heard[0], heard[-1]
        pairs = align_tokens(tokens, [stream[k].text for k in heard])
        matched = [p for p in pairs if p.s1 > p.s0 and p.r1 > p.r0 and p.similarity >= COVERED_SIMILARITY]
        if not matched:
            return None
    n = len(tokens)
    covered = sum(p.s1 - p.s0 for p in matched)
    coverage = covered / n
    reach = max(p.s1 for p in matched)
    complete = coverage >= COMPLETE_COVERAGE and reach >= n - (1 if n >= 4 else 0)
    if letters is not None:
        coverage, complete = max(coverage, letters), True
    return Take(line=line_index, source=stream[first].source, first=first, last=last,
                start=stream[first].start, end=stream[last].end, score=score, coverage=round(coverage, 3),
                complete=complete, pairs=tuple(pairs), heard=tuple(heard))


def find_takes(lines: Sequence[str], stream: Sequence[StreamWord], max_takes: int = 8) -> list[list[Take]]:
    """Every take of every line in ``stream`` (words of all sources, each source in time order).

    Returns one list per line, in stream order. Fillers do not take part in the local search
    (a take with an "um" inside is still one take) but stay inside the take's word range.
    """
    content = _content_columns(stream)
    norms = [stream[k].norm if k >= 0 else "" for k in content]
    uniq = sorted(set(norms))
    col_of = {u: j for j, u in enumerate(uniq)}
    heard_ids = np.array([col_of[u] for u in norms], dtype=np.int64)
    line_tokens = [script_tokens(line) for line in lines]
    all_tokens = sorted({t for toks in line_tokens for t in toks})
    row_of = {t: i for i, t in enumerate(all_tokens)}
    sim_u = similarity_matrix(all_tokens, uniq) if uniq and all_tokens else np.zeros((len(all_tokens), 0))
    base_barrier = np.array([k < 0 for k in content], dtype=bool)

    candidates: list[Take] = []
    for li, toks in enumerate(line_tokens):
        if not toks or not content:
            continue
        sim = sim_u[[row_of[t] for t in toks]][:, heard_ids]
        weights = np.array([SHORT_WEIGHT if len(normalise(t)) <= 2 else 1.0 for t in toks])
        skip = np.array([SKIP_SHORT if len(normalise(t)) <= 3 else 1.0 for t in toks])
        gain = _gain(sim, weights)
        barrier = base_barrier.copy()
        need = min(MIN_MATCHED, len(toks))
        min_score = max(need * 0.9, MIN_SCORE_PER_TOKEN * 1.2 * len(toks))
        # Only columns near a matching token can be part of a take: search those (with a
        # barrier column between separate stretches), which is most of the speed.
        # (mode "full" sliced: "same" returns the kernel's length when the stream is shorter)
        width = 2 * len(toks) + 5
        near = np.convolve((sim >= MATCH_MIN).any(0).astype(np.int32), np.ones(width, np.int32),
                           mode="full")[width // 2: width // 2 + sim.shape[1]] > 0
        cols = np.flatnonzero(near)
        if cols.size == 0:
            continue
        breaks = np.flatnonzero(np.diff(cols) > 1) + 1
        keep_idx = np.insert(cols, breaks, -1)  # -1: an inserted barrier column
        sub_gain = np.where(keep_idx[None, :] >= 0, gain[:, np.maximum(keep_idx, 0)], MISMATCH)
        sub_barrier = (keep_idx < 0) | barrier[np.maximum(keep_idx, 0)]
        for _ in range(max_takes):
            sub_hit = _smith_waterman(sub_gain, sub_barrier, skip)
            if sub_hit is None or sub_hit.score < min_score:
                break
            hit = _Hit(sub_hit.score, sub_hit.row0, sub_hit.row1, int(keep_idx[sub_hit.col0]),
                       int(keep_idx[sub_hit.col1]))
            c0, c1 = _extend(hit, toks, stream, content, barrier)
            barrier[c0:c1 + 1] = True
            sub_barrier |= (keep_idx >= c0) & (keep_idx <= c1)
            matched_tokens = int((sim[hit.row0:hit.row1 + 1, hit.col0:hit.col1 + 1] >= MATCH_MIN).any(1).sum())
            if matched_tokens < need:
                continue
            take = _measure(li, toks, stream, content[c0], content[c1], hit.score)
            if take is None or not take.complete:
                # Stopped early word by word: maybe a reading the recogniser wrote as other words.
                free = barrier.copy()
                free[c0:c1 + 1] = False  # the hit's own words (free before it took them)
                whole = read_by_letters(toks, stream, content, c0, free)
                if whole is not None and whole[0] >= c1:
                    barrier[c1:whole[0] + 1] = True
                    sub_barrier |= (keep_idx >= c1) & (keep_idx <= whole[0])
                    take = _measure(li, toks, stream, content[c0], content[whole[0]], hit.score, letters=whole[1])
            if take is not None:
                candidates.append(take)
    return _by_line(candidates, len(lines))


def _content_columns(stream: Sequence[StreamWord]) -> list[int]:
    """The search's columns: the stream's content words, with a separator column (-1)
    between sources, which a take can neither use nor cross."""
    content: list[int] = []
    for k, w in enumerate(stream):
        if w.norm and not w.is_filler:
            if content and stream[content[-1]].source != w.source:
                content.append(-1)
            content.append(k)
    return content


def _by_line(candidates: Sequence[Take], n_lines: int) -> list[list[Take]]:
    """The candidate takes per line in stream order; words claimed by takes of two lines go
    to the better-scoring take."""
    accepted: list[Take] = []
    for take in sorted(candidates, key=lambda t: (-t.score, t.line, t.first)):
        if not any(take.overlaps(a) for a in accepted):
            accepted.append(take)
    out: list[list[Take]] = [[] for _ in range(n_lines)]
    for take in sorted(accepted, key=lambda t: (t.source, t.first)):
        out[take.line].append(take)
    return out


def _extend(hit: _Hit, toks: Sequence[str], stream: Sequence[StreamWord], content: Sequence[int],
            barrier: np.ndarray) -> tuple[int, int]:
    """Widen a hit over heard words that may be the line's unmatched first or last tokens
    (misheard beyond recognition), so they are measured with the take instead of cut away."""
    c0, c1 = hit.col0, hit.col1
    tail, head = len(toks) - 1 - hit.row1, hit.row0
    # Only a word or two: a take that stops further from the end is a false start.
    for _ in range(tail if tail <= MAX_EXTEND else 0):
        j = c1 + 1
        if j >= len(content) or barrier[j] or stream[content[j]].start - stream[content[c1]].end > EXTEND_GAP:
            break
        c1 = j
    for _ in range(head if head <= MAX_EXTEND else 0):
        j = c0 - 1
        if j < 0 or barrier[j] or stream[content[c0]].start - stream[content[j]].end > EXTEND_GAP:
            break
        c0 = j
    return c0, c1


PARTIAL_MIN_COVERAGE = 0.5
"""With no complete take, a partial one is kept only when it covers this share of its line."""


def choose_take(takes: Sequence[Take], policy: str, stats: dict[int, tuple[int, int, int]]) -> tuple[int | None, str]:
    """Index of the take to keep and the reason."""
    complete = [k for k, t in enumerate(takes) if t.complete]
    if not complete:
        partial = [k for k, t in enumerate(takes) if t.coverage >= PARTIAL_MIN_COVERAGE]
        if not partial:
            return None, "no take covers enough of the line"
        k = max(partial, key=lambda k: (takes[k].coverage, k))
        return k, f"no complete take; the most complete one ({takes[k].coverage:.0%} of the line)"
    if policy == "first":
        return complete[0], "first complete take"
    if policy == "best":
        def quality(k: int) -> tuple[float, int]:
            fillers, repeats, stretched = stats.get(k, (0, 0, 0))
            return (takes[k].coverage - 0.05 * fillers - 0.1 * repeats - 0.1 * stretched, k)

        k = max(complete, key=quality)
        return k, f"best complete take ({takes[k].coverage:.0%} coverage, fewest fillers and restarts)"
    reason = "last complete take"
    if len(complete) < len(takes) and complete[-1] != len(takes) - 1:
        reason += " (a later take stops early)"
    return complete[-1], reason
