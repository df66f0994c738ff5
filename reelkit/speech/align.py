"""Caption words from a transcript: the script's words, timed by the recogniser and the audio.

With a script (the outline's voice-over text) the captions show the script's words, exactly as
written (spelling, names, numbers, punctuation attached), because the recogniser mishears
(tiny.en: "Crews pull out the old quay walls" -> "cruise ball out the old key walls"). The
recognised words supply the times: the two token sequences are aligned by edit distance on
normalised tokens, with fuzzy substitutions and one-to-many joins (for "2026" heard as "twenty
twenty six", "ice-cream" as "ice cream"). Then:

- script words in unmatched stretches get times interpolated between matched neighbours;
- a long unmatched stretch with no speech between its neighbours was not spoken: dropped;
- spoken words that are not in the script (ad-libs) keep the recogniser's text, but only with
  audio evidence of their own (see :func:`caption_words`);
- finally every boundary is moved onto the speech itself: forced alignment for English
  (:mod:`reelkit.speech.forced_align`), onset refinement (:mod:`reelkit.speech.onsets`).
"""

from __future__ import annotations

import base64
import difflib
import functools
import importlib.util
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reelkit.speech import forced_align, languages
from reelkit.speech.audio import SAMPLE_RATE
from reelkit.speech.types import RecognisedWord, Transcript
from reelkit.speech.words import normalise, number_readings, script_tokens
from reelkit.speech.onsets import analyse, onset_candidates, refine_spans_detail, snap_to_pause_onset
from reelkit.plan.model import Word

FILLERS = languages.fillers()
"""Hesitation sounds of every caption language ("um", "ehm", "äh", "euh"; per language:
:func:`reelkit.speech.languages.fillers`)."""
ADLIB_MIN_PROBABILITY = 0.5
"""An unscripted recognised word is captioned only when the recogniser is at least this sure."""
SECONDS_PER_WORD = 0.12
"""Least speech per unmatched script word for a long unmatched stretch to count as spoken."""
ALWAYS_KEEP_RUN = 2
"""Unmatched runs this short between matched words are kept (the recogniser dropped them)."""


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


# --- alignment ----------------------------------------------------------------------------------

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


# --- timing -------------------------------------------------------------------------------------

@dataclass
class _Timed:
    text: str
    start: float
    end: float
    confidence: float
    adlib: bool = False
    """A recognised word outside the script: captioned only with audio evidence of its own."""


def split_span(texts: Sequence[str], start: float, end: float, confidence: float) -> list[_Timed]:
    """Share ``[start, end]`` among ``texts`` in proportion to their length (speech takes time)."""
    weights = np.array([max(1, len(normalise(t))) + 2 for t in texts], dtype=float)
    edges = start + (end - start) * np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
    return [_Timed(t, float(a), float(b), confidence) for t, a, b in zip(texts, edges[:-1], edges[1:])]


def _is_adlib(word: RecognisedWord) -> bool:
    norm = normalise(word.text)
    return bool(norm) and norm not in FILLERS and word.probability >= ADLIB_MIN_PROBABILITY


CLEAN_MATCH = 0.8
"""Similarity a neighbouring pair needs for an unscripted word beside it to count as an ad-lib."""


def _clean_context(pairs: Sequence[Pair], index: int, heard: Sequence[RecognisedWord]) -> bool:
    """True when an unscripted word sits in a clean run between two good script matches.

    A real ad-lib sits between correctly heard script words ("the road is *really* closed").
    An extra word next to a mismatch is a fragment of a misheard script word ("Okafor" heard
    as "our cover"); one before the first or after the last script word is usually a Whisper
    hallucination ("Thank you." over the last second); and a run with any unsure word is
    likely noise. None of those reach the captions.
    """
    for step in (-1, 1):
        k = index + step
        while 0 <= k < len(pairs) and pairs[k].s1 == pairs[k].s0:
            if heard[pairs[k].r0].probability < ADLIB_MIN_PROBABILITY:
                return False
            k += step
        if not 0 <= k < len(pairs):
            return False
        p = pairs[k]
        if p.r1 == p.r0 or p.similarity < CLEAN_MATCH:
            return False
    return True


def _timed_from_script(script: str, heard: Sequence[RecognisedWord], samples: np.ndarray,
                       sr: int, activity_seconds, language: str = "en") -> list[_Timed]:
    tokens = script_tokens(script)
    if not heard:
        return []
    pairs = align_tokens(tokens, [w.text for w in heard], language)
    # First pass: matched pairs get times; unmatched script runs are collected.
    items: list[_Timed | list[str]] = []
    runs: list[tuple[int, int]] = []  # token range of each unmatched run, in order
    starts = _line_starts(script)
    for n_pair, p in enumerate(pairs):
        if p.s1 > p.s0 and p.r1 > p.r0:
            start, end = heard[p.r0].start, heard[p.r1 - 1].end
            conf = 1.0 if p.similarity >= 0.5 else 0.6
            if p.s1 - p.s0 == 1:
                items.append(_Timed(tokens[p.s0], start, end, conf))
            else:
                items.extend(split_span(tokens[p.s0:p.s1], start, end, 0.5))
        elif p.s1 > p.s0:  # script words not heard
            if items and isinstance(items[-1], list):
                items[-1].extend(tokens[p.s0:p.s1])
                runs[-1] = (runs[-1][0], p.s1)
            else:
                items.append(list(tokens[p.s0:p.s1]))
                runs.append((p.s0, p.s1))
        else:  # heard words not in the script
            w = heard[p.r0]
            if _is_adlib(w) and _clean_context(pairs, n_pair, heard):
                items.append(_Timed(w.text.strip(), w.start, w.end, 0.8, adlib=True))
    duration = len(samples) / sr
    out: list[_Timed] = []
    run_no = -1
    for idx, item in enumerate(items):
        if isinstance(item, _Timed):
            out.append(item)
            continue
        run_no += 1
        # Only whole script lines may be left out (a line cut in the edit); words of a line
        # that was heard are always captioned (forced alignment then places them).
        whole = runs[run_no][0] in starts and runs[run_no][1] in starts
        prev = out[-1] if out else None
        nxt = next((x for x in items[idx + 1:] if isinstance(x, _Timed)), None)
        k = len(item)
        if prev is not None and nxt is not None:
            a, b = prev.end, nxt.start
            spoken = activity_seconds(a, b)
            if whole and k > ALWAYS_KEEP_RUN and spoken < k * SECONDS_PER_WORD:
                continue  # a script line that was not spoken
            if b - a < k * SECONDS_PER_WORD:
                # The recogniser absorbed these words into its neighbours: take a share of them.
                a = prev.start + 0.6 * (prev.end - prev.start)
                b = nxt.start + 0.4 * (nxt.end - nxt.start)
                prev.end = a
                nxt.start = b
            out.extend(split_span(item, a, b, 0.3))
        elif nxt is not None:  # before the first heard word
            a, b = max(0.0, nxt.start - k * 0.4), nxt.start
            if not whole or activity_seconds(a, b) >= min(k, 3) * SECONDS_PER_WORD:
                out.extend(split_span(item, a, b, 0.3))
        elif prev is not None:  # after the last heard word
            a, b = prev.end, min(duration, prev.end + k * 0.4)
            if not whole or activity_seconds(a, b) >= min(k, 3) * SECONDS_PER_WORD:
                out.extend(split_span(item, a, b, 0.3))
    return out


def _line_starts(script: str) -> set[int]:
    """Token indices where a script line (a text line or a sentence) starts, and the end."""
    starts = {0}
    k = 0
    for raw in script.splitlines():
        for part in re.split(r"(?<=[.!?])\s+(?=\S)", raw.strip()):
            n = len(script_tokens(part))
            if n:
                k += n
                starts.add(k)
    return starts


def caption_words(transcript: Transcript, samples: np.ndarray, sr: int = SAMPLE_RATE,
                  script: str | None = None) -> tuple[Word, ...]:
    """Timed caption words for ``samples`` (times in seconds from the first sample).

    With ``script``: the script's words as written, timed from the transcript (see the module
    docstring); without: the transcript's words. Either way, boundaries are refined onto the
    speech so a word never lights up before it is spoken.

    The timing chain, per word, recorded in :attr:`Word.timing`:

    1. ``forced``: acoustic forced alignment of the words (English, :mod:`.forced_align`),
       moved onto the exact sample where it lies next to a clear pause;
    2. ``onset``: the recogniser's time snapped onto an energy onset (:mod:`.onsets`);
    3. ``whisper``: the recogniser's time (speech-adjusted) or one interpolated from it;
    4. ``estimate``: script words the recogniser gave nothing for, spread over the speech
       (only when the transcript is empty while the audio has speech; forced alignment then
       usually replaces them).

    An unscripted word (ad-lib) is kept only with audio evidence: the forced alignment keeps
    it as an optional word, or, without forced alignment, refinement finds its own onset.
    """
    heard = [w for w in transcript.words if normalise(w.text)]
    activity = analyse(samples, sr)
    estimated = False
    if script is not None and script.strip():
        timed = _timed_from_script(script, heard, samples, sr, activity.active_seconds,
                                   transcript.language)
        if not timed:
            # The recogniser returned (almost) nothing although there is a script: never let
            # the captions vanish silently; time the script from the speech itself.
            timed = _spread_over_speech(script_tokens(script), activity)
            estimated = bool(timed)
    else:
        timed = [_Timed(w.text.strip(), w.start, w.end, 1.0) for w in heard
                 if normalise(w.text) not in FILLERS]
    if not timed:
        return ()
    spans, snapped = refine_spans_detail([(t.start, t.end) for t in timed], samples, sr,
                                         confidence=[t.confidence for t in timed], activity=activity)
    methods = ["estimate" if estimated else "onset" if real else "whisper" for real in snapped]
    if script is not None and script.strip() and forced_align.available(transcript.language):
        spans, methods, keep = _apply_forced(timed, spans, methods, samples, sr, activity,
                                             transcript.language)
    else:
        # No acoustic check available: an ad-lib needs at least an onset of its own.
        keep = [not t.adlib or m == "onset" for t, m in zip(timed, methods)]
    return tuple(Word(t.text, float(s), float(e), m)
                 for t, (s, e), m, k in zip(timed, spans, methods, keep) if k)


def _spread_over_speech(tokens: Sequence[str], activity) -> list[_Timed]:  # type: ignore[no-untyped-def]
    """Script words shared out over the active stretches by length (a rough guide only)."""
    islands = [(a, b) for a, b in activity.islands() if b - a >= 0.05]
    total = sum(b - a for a, b in islands)
    if not tokens or total < SECONDS_PER_WORD * min(3, len(tokens)):
        return []
    weights = np.array([max(1, len(normalise(t))) + 2 for t in tokens], dtype=float)
    cum = np.concatenate([[0.0], np.cumsum(weights) / weights.sum()]) * total

    def at(x: float) -> float:
        for a, b in islands:
            if x <= b - a:
                return a + x
            x -= b - a
        return islands[-1][1]

    return [_Timed(t, at(float(x0)), at(float(x1)), 0.0) for t, x0, x1 in zip(tokens, cum[:-1], cum[1:])]


SNAP_REACH = 0.25
"""How far (s) from a forced start a clear-pause onset may be to take over the start."""


def _apply_forced(timed: Sequence[_Timed], spans: list[tuple[float, float]], methods: list[str],
                  samples: np.ndarray, sr: int, activity,  # type: ignore[no-untyped-def]
                  language: str = "en") -> tuple[list[tuple[float, float]], list[str], list[bool]]:
    """Replace refined spans by forced-alignment ones where the decoder placed the word."""
    results = forced_align.force_align([t.text for t in timed], spans, samples, sr,
                                       optional=[t.adlib for t in timed],
                                       trust=[t.confidence for t in timed], language=language)
    candidates = onset_candidates(activity)
    new_spans = list(spans)
    new_methods = list(methods)
    keep = [True] * len(timed)
    prev_end = 0.0
    for i, (t, r) in enumerate(zip(timed, results)):
        if forced_align.left_out(r):
            keep[i] = False  # an unscripted word the audio does not bear out
            continue
        if r is None:
            if t.adlib:
                keep[i] = False  # no acoustic evidence could be had for it
            continue
        # Next to a clear pause the onset is exact: take it when it lies within the word's
        # forced span (or just before it), never inside the previous word.
        lo = max(prev_end - 0.02, r.start - SNAP_REACH)
        hi = max(lo, min(r.start + SNAP_REACH, r.end - 0.03))
        start = snap_to_pause_onset(r.start, lo, hi, candidates, samples, sr, activity)
        begin = r.start if start is None else start
        if start is None and activity.active.size and not activity.active[activity.frame(begin)]:
            # Placed in the silence before the word: it starts where the sound does.
            begin = activity.first_active_after(begin, r.end) or begin
        new_spans[i] = (round(float(begin), 3), float(r.end))
        new_methods[i] = "forced"
        prev_end = r.end
    # Keep order and no overlap where forced and unforced words meet.
    kept = [i for i in range(len(timed)) if keep[i]]
    for prev, cur in zip(kept, kept[1:]):
        s0, e0 = new_spans[prev]
        s1, e1 = new_spans[cur]
        if s1 < s0 + 0.01:
            s1 = round(s0 + 0.01, 3)
        if e0 > s1:
            new_spans[prev] = (s0, max(round(s0 + 0.001, 3), s1))
        new_spans[cur] = (s1, max(e1, round(s1 + 0.001, 3)))
    return new_spans, new_methods, keep


def time_known_words(texts: Sequence[str], guides: Sequence[tuple[float, float]], samples: np.ndarray,
                     sr: int = 16000, language: str = "en") -> tuple[Word, ...]:
    """Words known to be spoken, in order (a script cut's kept words), timed on ``samples``.

    The same timing chain as :func:`caption_words` (forced alignment of the words, starts
    moved onto a clear pause's onset), but no word is ever dropped: ``guides`` (rough times,
    from the cut decision) only cut the audio into regions. A word the aligner cannot place
    gets a time interpolated between its placed neighbours and ``timing`` ``interpolated``.
    """
    from reelkit.speech import forced_align

    n = len(texts)
    if n == 0:
        return ()
    activity = analyse(samples, sr)
    timed = [_Timed(t, float(a), float(b), 0.5) for t, (a, b) in zip(texts, guides)]
    spans = [(float(a), float(b)) for a, b in guides]
    methods = ["interpolated"] * n
    if forced_align.available(language):
        spans, methods, _ = _apply_forced(timed, spans, methods, samples, sr, activity, language)
        spans = [_after_pause(a, b, activity) for a, b in spans]
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


# --- prompt -------------------------------------------------------------------------------------

@functools.cache
def _gpt2_encoding():  # type: ignore[no-untyped-def]
    """Whisper's GPT-2 byte-pair vocabulary, read from openai-whisper's bundled asset (no torch)."""
    try:
        import tiktoken

        spec = importlib.util.find_spec("whisper")
        if spec is None or not spec.submodule_search_locations:
            return None
        path = os.path.join(list(spec.submodule_search_locations)[0], "assets", "gpt2.tiktoken")
        with open(path, encoding="ascii") as fh:
            ranks = {base64.b64decode(tok): int(rank)
                     for tok, rank in (line.split() for line in fh if line.strip())}
        return tiktoken.Encoding(
            name="reelkit-gpt2", explicit_n_vocab=len(ranks), mergeable_ranks=ranks,
            special_tokens={},
            pat_str=r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
    except (ImportError, OSError, ValueError):
        return None


def _is_rare(word: str) -> bool:
    enc = _gpt2_encoding()
    if enc is None:
        return len(word) >= 9
    # A word the model's vocabulary holds as one piece is common enough to be heard right.
    return len(enc.encode(" " + word.lower())) > 1


MAX_PROMPT_WORDS = 40


def script_prompt(script: str, language: str = "en") -> str:
    """Rare words of ``script`` (names, numbers, uncommon words) for Whisper's initial prompt.

    Names are capitalised words that do not start a sentence; uncommon words are those the
    model's vocabulary splits into pieces. Returned in script order, without duplicates, as
    ``"Glossary: quay, Okafor, 2026."`` ("" when there are none). Measured on tiny.en: a bare
    comma list makes Whisper imitate it (Title Case, commas) and shifts its word times by a
    word; the "Glossary:" sentence lowered WER without hurting the times. In other languages
    the (English) vocabulary test would pick nearly every word, and a prompt listing the whole
    script makes Whisper base write a comma list: only names and numbers go in.
    """
    picked: list[str] = []
    seen: set[str] = set()
    sentence_start = True
    for tok in script.split():
        core = re.sub(r"^[^\w£$€]+|[^\w%]+$", "", tok)
        if core and (core.lower() not in seen):
            has_digit = any(ch.isdigit() for ch in core)
            is_name = core[:1].isupper() and not sentence_start and core != "I"
            rare = language == "en" and core.isalpha() and len(core) > 3 and _is_rare(core)
            if has_digit or is_name or rare:
                picked.append(core)
                seen.add(core.lower())
        sentence_start = bool(re.search(r"[.!?:][\"')\]]*$", tok))
        if len(picked) >= MAX_PROMPT_WORDS:
            break
    return f"Glossary: {', '.join(picked)}." if picked else ""
