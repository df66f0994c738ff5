"""Placing a take's words on the voice map: which voiced chunk each script word, filler,
repetition or off-script word sounds in (the voice-map cut, and the take's first estimate).

The recogniser's word times are often a word off (tiny.en), so they are only a weak prior:
:func:`take_sounds` lists the take's tokens in time order (removed ones too, so the chunk
they sound in is known and cut) and :func:`_place` assigns them to voiced chunks by a small
dynamic programme over the chunks' lengths. :func:`hesitation_slots` tells the forced
aligner where a hesitation was heard between two words.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from reelkit.cut.heard import Clip, voiced_seconds
from reelkit.cut.takes import StreamWord, Take
from reelkit.plan.edit import EditSettings
from reelkit.speech.align import normalise, split_span


@dataclass
class Sound:
    """A stretch of a clip's audio, possibly with caption words (script or ad-lib)."""

    start: float
    end: float
    words: list[tuple[str, float, float]] = field(default_factory=list)


CHUNK_GAP = 0.1
"""Voiced islands closer than this (s) form one chunk (a word or a phrase spoken connected)."""
REGION_REACH = 1.0
"""Chunks this far (s) beyond a take's recognised edges may still hold its first/last words."""
EMPTY_INNER = 1.2
EMPTY_EDGE = 0.4
POSITION_SCALE = 1.0
MAX_TOKENS_PER_CHUNK = 16
DURATION_WEIGHT = 1.5
SKIP_REMOVED = 0.3
FILLER_LIKE_COST = 1.5
"""Cost of captioning a chunk that sounds wholly like a filler (steady voicing, no hiss)."""


def _expected(text: str) -> float:
    """Rough spoken length (s) of a token, from its letters."""
    return 0.065 * max(1, len(normalise(text))) + 0.1


def _chunks(clip: Clip, lo: float, hi: float) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for s, e in clip.voiced(lo, hi):
        if e - s < 0.03:
            continue
        if out and s - out[-1][1] < CHUNK_GAP:
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _place(tokens: Sequence[tuple[str, float | None, bool]], chunks: Sequence[tuple[float, float]],
           filler_like: Sequence[float] | None = None) -> list[list[int]]:
    """Assign tokens, in order, to voiced chunks (several per chunk in connected speech).

    The recogniser's word times are often a word off (tiny.en), so they are only a weak prior;
    the chunks' lengths against the tokens' expected lengths and the cost of leaving a chunk
    unspoken inside the take (a filler the recogniser dropped) decide, helped by how much
    each chunk sounds like a filler (``filler_like``, 0..1). Returns, per chunk, the indices
    of its tokens.
    """
    n, m = len(tokens), len(chunks)
    inf = float("inf")
    cost = np.full((n + 1, m + 1), inf)
    back: dict[tuple[int, int], tuple[int, int]] = {}
    cost[0, 0] = 0.0
    exp = [_expected(t[0]) if t[0] else 0.3 for t in tokens]
    fl = list(filler_like) if filler_like is not None else [0.0] * m
    for j in range(m):
        c0, c1 = chunks[j]
        dur = c1 - c0
        for i in range(n + 1):
            here = cost[i, j]
            if here == inf:
                continue
            empty = (EMPTY_EDGE if i in (0, n) else EMPTY_INNER) * (1.0 - 0.8 * fl[j])
            if here + empty < cost[i, j + 1]:
                cost[i, j + 1] = here + empty
                back[(i, j + 1)] = (i, j)
            # A removed word may be left unplaced (the recogniser may have made it up).
            if i < n and not tokens[i][2] and here + SKIP_REMOVED < cost[i + 1, j]:
                cost[i + 1, j] = here + SKIP_REMOVED
                back[(i + 1, j)] = (i, j)
            total = 0.0
            far = 0.0
            for k in range(1, min(MAX_TOKENS_PER_CHUNK, n - i) + 1):
                total += exp[i + k - 1]
                if k > 1 and total > 3.0 * dur + 0.3:
                    break  # more tokens than the chunk can hold
                rec_k = tokens[i + k - 1][1]
                if rec_k is not None:
                    far += max(0.0, c0 - rec_k, rec_k - c1) / POSITION_SCALE
                # Per token, by ratio: a chunk holds as many tokens as its length allows.
                c = here + DURATION_WEIGHT * k * abs(math.log(max(dur, 0.02) / total))
                if any(tokens[q][0] for q in range(i, i + k)):
                    c += FILLER_LIKE_COST * fl[j]
                rec = tokens[i][1]
                c += far + (abs(c0 - rec) / (2 * POSITION_SCALE) if rec is not None else 0.0)
                if c < cost[i + k, j + 1]:
                    cost[i + k, j + 1] = c
                    back[(i + k, j + 1)] = (i, j)
    for i in range(n):  # removed words left unplaced after the last chunk
        if cost[i, m] < inf and not tokens[i][2] and cost[i, m] + SKIP_REMOVED < cost[i + 1, m]:
            cost[i + 1, m] = cost[i, m] + SKIP_REMOVED
            back[(i + 1, m)] = (i, m)
    if cost[n, m] == inf:
        return [[] for _ in chunks]
    return _backtrack(back, n, m)


def _backtrack(back: dict[tuple[int, int], tuple[int, int]], n: int, m: int) -> list[list[int]]:
    """Per chunk, the indices of its tokens along the cheapest path of :func:`_place`."""
    out: list[list[int]] = [[] for _ in range(m)]
    i, j = n, m
    while (i, j) != (0, 0):
        pi, pj = back[(i, j)]
        if pj != j:
            out[pj] = list(range(pi, i))
        i, j = pi, pj
    return out


def take_sounds(take: Take, tokens: Sequence[str], stream: Sequence[StreamWord], clip: Clip,
                 settings: EditSettings) -> tuple[list[Sound], dict[int, str], int, int]:
    """Kept sounds of a take in time order, the removed stream words with their kind, and
    counts of fillers and repetitions (for ``takes: best``)."""
    placed, removed, fillers, repeats = _take_tokens(take, tokens, stream, settings)
    # The search region: the take's recognised span widened.
    lo, hi = take.start - REGION_REACH, take.end + REGION_REACH
    chunks = _chunks(clip, lo, hi)
    assignment = _place(placed, chunks, [clip.filler_like(a, b) for a, b in chunks]) if chunks and placed else []
    sounds: list[Sound] = []
    for (c0, c1), idx in zip(chunks, assignment):
        if not any(placed[i][2] for i in idx):
            continue
        texts = [placed[i][0] for i in idx]
        timed = split_span(texts, c0, c1, 1.0) if len(texts) > 1 else None
        words = ([(t.text, t.start, t.end) for t in timed] if timed else [(texts[0], c0, c1)])
        sounds.append(Sound(c0, c1, [w for w in words if w[0]]))
    if not sounds:  # no voice map to go by: the recognised spans
        ws = stream[take.first: take.last + 1]
        sounds = [Sound(ws[0].start, ws[-1].end, [(" ".join(tokens), ws[0].start, ws[-1].end)])]
    return sounds, removed, fillers, repeats


def _neighbourhood(take: Take, stream: Sequence[StreamWord]) -> tuple[int, int]:
    """First and last stream word of a take's neighbourhood: fillers just before or after
    the take belong to it, and so do other recognised words just outside it (the
    recogniser's times are often a word off; the placement decides which chunk they really
    sound in)."""
    lo_k = take.first
    while lo_k - 1 >= 0 and stream[lo_k - 1].source == take.source \
            and take.start - stream[lo_k - 1].start < REGION_REACH:
        lo_k -= 1
    hi_k = take.last
    while hi_k + 1 < len(stream) and stream[hi_k + 1].source == take.source \
            and stream[hi_k + 1].end - take.end < REGION_REACH:
        hi_k += 1
    return lo_k, hi_k


def _take_tokens(take: Take, tokens: Sequence[str], stream: Sequence[StreamWord], settings: EditSettings
                 ) -> tuple[list[tuple[str, float | None, bool]], dict[int, str], int, int]:
    """Tokens to place on the voiced chunks, in time order: (caption text, recognised start,
    kept?); removed words are placed too, so the chunk they sound in is known and cut. With
    the removed stream words (index -> kind) and the filler and repetition counts."""
    placed: list[tuple[str, float | None, bool]] = []
    removed: dict[int, str] = {}
    fillers = repeats = 0

    def filler(k: int) -> None:
        nonlocal fillers
        fillers += 1
        if settings.fillers:
            removed[k] = "filler"
        placed.append(("", stream[k].start, not settings.fillers))  # never captioned

    lo_k, hi_k = _neighbourhood(take, stream)

    def outside(k: int) -> None:
        if stream[k].is_filler:
            filler(k)
        else:
            placed.append(("", stream[k].start, False))
    heard = take.heard
    by_r0: dict[int, list] = {}
    for p in take.pairs:
        by_r0.setdefault(p.r0, []).append(p)
    for k in range(lo_k, take.first):
        outside(k)
    for r, k in enumerate(heard):
        if r > 0:
            for f in range(heard[r - 1] + 1, k):
                if stream[f].is_filler:
                    filler(f)
        for p in by_r0.get(r, []):
            if p.s1 > p.s0:
                rec = stream[heard[p.r0]].start if p.r1 > p.r0 else None
                placed.extend((t, rec if q == 0 else None, True) for q, t in enumerate(tokens[p.s0:p.s1]))
                continue
            w = stream[k]
            prev_w = stream[heard[r - 1]] if r > 0 else None
            next_w = stream[heard[r + 1]] if r + 1 < len(heard) else None
            if any(o is not None and o.norm == w.norm for o in (prev_w, next_w)):
                repeats += 1
                removed[k] = "repetition"
                placed.append(("", w.start, False))
            elif settings.keep_adlibs:
                placed.append((w.text.strip(), w.start, True))
            else:
                removed[k] = "off_script"
                placed.append(("", w.start, False))
    for p in by_r0.get(len(heard), []):  # script words after the last heard one
        placed.extend((t, None, True) for t in tokens[p.s0:p.s1])
    for k in range(take.last + 1, hi_k + 1):
        outside(k)
    return placed, removed, fillers, repeats


def hesitation_slots(sounds: Sequence[Sound], removed: dict[int, str], stream: Sequence[StreamWord],
                      clip: Clip, n_tokens: int) -> set[int]:
    """Word indices of a line before which something was heard that is not the line: voiced
    audio between two kept sounds (a filler the voice map found), or a recognised filler."""
    words = [(w, s) for s in sounds for w in s.words]
    if len(words) != n_tokens:
        return set()
    slots: set[int] = set()
    k = 0
    for a, b in zip(sounds, sounds[1:]):
        k += len(a.words)
        if voiced_seconds(clip.voiced, a.end + 0.01, b.start - 0.01) >= 0.1:
            slots.add(k)
    starts = [w[1] for w, _ in words]
    for idx, kind in removed.items():
        if kind == "filler":
            mid = (stream[idx].start + stream[idx].end) / 2
            i = bisect.bisect_left(starts, mid)
            if 0 < i < n_tokens:
                slots.add(i)
    return slots
