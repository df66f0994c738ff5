"""Script tokens against recognised tokens: likeness of two texts and their alignment.

The recogniser mishears (tiny.en: "Crews pull out the old quay walls" -> "cruise ball out the
old key walls"), so the script's words and the heard ones are aligned by edit distance on
normalised tokens, with fuzzy substitutions and one-to-many joins (for "2026" heard as
"twenty twenty six", "ice-cream" as "ice cream"). Used for caption words
(:mod:`reelkit.speech.align`) and for finding a script's lines in a take
(:mod:`reelkit.cut.takes`).
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reelkit.speech import languages
from reelkit.speech.words import normalise, number_readings


@functools.lru_cache(maxsize=65536)
def _forms(text: str, language: str = "en") -> frozenset[str]:
    forms = {normalise(text)}
    if any(ch.isdigit() for ch in text):
        forms |= number_readings(text) if language == "en" else {
            normalise(p) for p in languages.number_phrases(text, language)}
    forms |= {normalise(f) for f in languages.elided_forms(text, language)}
    return frozenset(f for f in forms if f)


@functools.lru_cache(maxsize=65536)
def similarity(a: str, b: str, at_least: float = 0.0, language: str = "en") -> float:
    """0..1 likeness of two texts after normalising (numbers compared by their readings in
    ``language``, elided articles also compared without: "l'écluse" ~ "écluse").

    With ``at_least``, pairs that cannot reach it are answered 0 from cheap upper bounds.
    """
    fa, fb = _forms(a, language), _forms(b, language)
    if not fa or not fb:
        return 0.0
    if fa & fb:
        return 1.0
    best = 0.0
    for x in fa:
        for y in fb:
            # ratio() <= 2 * shorter / total: skip pairs whose lengths alone rule them out.
            if 2 * min(len(x), len(y)) / (len(x) + len(y)) <= max(best, at_least):
                continue
            m = difflib.SequenceMatcher(None, x, y, autojunk=False)
            if m.real_quick_ratio() <= max(best, at_least) or m.quick_ratio() <= max(best, at_least):
                continue
            best = max(best, m.ratio())
    return best


INDEL = 1.0
SUB_SCALE = 1.2
JOIN_EXTRA = 0.15
MIN_JOIN_SIMILARITY = 0.75


@dataclass(frozen=True)
class Pair:
    """One step of the alignment: script tokens ``s0:s1`` against recognised tokens ``r0:r1``."""

    s0: int
    s1: int
    r0: int
    r1: int
    similarity: float


def align_tokens(script: Sequence[str], heard: Sequence[str], language: str = "en") -> list[Pair]:
    """Edit-distance alignment of script tokens to recognised tokens.

    Steps: 1:1 (match or substitution, cost by dissimilarity), 1:k and k:1 joins (k <= 3, or
    up to 6 recognised tokens for a number) when the joined text is alike, deletions (script
    token not heard: ``r0 == r1``) and insertions (heard, not in the script: ``s0 == s1``).

    Runs of two or more identical normalised tokens are fixed first as anchors, and the full
    dynamic programme only runs between them, so long scripts stay fast.
    """
    ns = [normalise(t) for t in script]
    nh = [normalise(t) for t in heard]
    matcher = difflib.SequenceMatcher(None, ns, nh, autojunk=False)
    pairs: list[Pair] = []
    i = j = 0
    for block in matcher.get_matching_blocks():
        if block.size < 2 and block.size != 0:
            continue
        for p in _align_dp(script[i:block.a], heard[j:block.b], language):
            pairs.append(Pair(p.s0 + i, p.s1 + i, p.r0 + j, p.r1 + j, p.similarity))
        for k in range(block.size):
            pairs.append(Pair(block.a + k, block.a + k + 1, block.b + k, block.b + k + 1, 1.0))
        i, j = block.a + block.size, block.b + block.size
    return pairs


MAX_DP_CELLS = 40_000
"""Larger unanchored stretches (a script that does not fit the audio) are not aligned word by
word: their script words count as unheard and their heard words as unscripted."""


def _align_dp(script: Sequence[str], heard: Sequence[str], language: str = "en") -> list[Pair]:
    n, m = len(script), len(heard)
    if n * m > MAX_DP_CELLS:
        return ([Pair(i, i + 1, 0, 0, 0.0) for i in range(n)]
                + [Pair(n, n, j, j + 1, 0.0) for j in range(m)])
    inf = float("inf")
    cost = np.full((n + 1, m + 1), inf)
    step: dict[tuple[int, int], tuple[int, int, float]] = {}
    cost[0, 0] = 0.0

    def sim(s0: int, s1: int, r0: int, r1: int, at_least: float = 0.0) -> float:
        return similarity("".join(script[s0:s1]), "".join(heard[r0:r1]), at_least, language)

    for i in range(n + 1):
        for j in range(m + 1):
            here = cost[i, j]
            if here == inf:
                continue
            # deletion / insertion
            for di, dj in ((1, 0), (0, 1)):
                ni, nj = i + di, j + dj
                if ni <= n and nj <= m and here + INDEL < cost[ni, nj]:
                    cost[ni, nj] = here + INDEL
                    step[(ni, nj)] = (i, j, 0.0)
            if i < n and j < m:
                s = sim(i, i + 1, j, j + 1)
                c = here + SUB_SCALE * (1.0 - s)
                if c < cost[i + 1, j + 1]:
                    cost[i + 1, j + 1] = c
                    step[(i + 1, j + 1)] = (i, j, s)
                # one script token heard as several recognised tokens
                kmax = 6 if i < n and any(ch.isdigit() for ch in script[i]) else 3
                for k in range(2, kmax + 1):
                    if j + k > m:
                        break
                    s = sim(i, i + 1, j, j + k, MIN_JOIN_SIMILARITY)
                    if s >= MIN_JOIN_SIMILARITY:
                        c = here + SUB_SCALE * (1.0 - s) + JOIN_EXTRA * (k - 1)
                        if c < cost[i + 1, j + k]:
                            cost[i + 1, j + k] = c
                            step[(i + 1, j + k)] = (i, j, s)
                # several script tokens heard as one recognised token
                for k in range(2, 4):
                    if i + k > n:
                        break
                    s = sim(i, i + k, j, j + 1, MIN_JOIN_SIMILARITY)
                    if s >= MIN_JOIN_SIMILARITY:
                        c = here + SUB_SCALE * (1.0 - s) + JOIN_EXTRA * (k - 1)
                        if c < cost[i + k, j + 1]:
                            cost[i + k, j + 1] = c
                            step[(i + k, j + 1)] = (i, j, s)
    pairs: list[Pair] = []
    i, j = n, m
    while (i, j) != (0, 0):
        pi, pj, s = step[(i, j)]
        pairs.append(Pair(pi, i, pj, j, s))
        i, j = pi, pj
    pairs.reverse()
    return pairs
