"""Caption words from a transcript: the script's words, timed by the recogniser and the audio.

With a script (the outline's voice-over text) the captions show the script's words, exactly as
written (spelling, names, numbers, punctuation attached), because the recogniser mishears
(tiny.en: "Crews pull out the old quay walls" -> "cruise ball out the old key walls"). The
recognised words supply the times: the two token sequences are aligned by edit distance on
normalised tokens, with fuzzy substitutions and one-to-many joins (for "2026" heard as "twenty
twenty six", "ice-cream" as "ice cream"; :mod:`reelkit.speech.matching`). Then:

- script words in unmatched stretches get times interpolated between matched neighbours;
- a long unmatched stretch with no speech between its neighbours was not spoken: dropped;
- spoken words that are not in the script (ad-libs) keep the recogniser's text, but only with
  audio evidence of their own (see :func:`caption_words`);
- finally every boundary is moved onto the speech itself: forced alignment for English
  (:mod:`reelkit.speech.forced_words`), onset refinement (:mod:`reelkit.speech.refine`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reelkit.speech import forced_align, languages
from reelkit.speech.audio import SAMPLE_RATE
from reelkit.speech.types import RecognisedWord, Transcript
from reelkit.speech.words import normalise, script_tokens
from reelkit.speech.onsets import analyse
from reelkit.speech.refine import refine_spans_detail
from reelkit.speech.matching import Pair, align_tokens, similarity
from reelkit.speech.forced_words import apply_forced, interpolate_unplaced, time_known_words
from reelkit.speech.prompt import script_prompt
from reelkit.plan.model import Word

# Re-exported: callers import the caption words' tools from here.
__all__ = ["FILLERS", "Pair", "align_tokens", "caption_words", "interpolate_unplaced", "normalise",
           "script_prompt", "script_tokens", "similarity", "split_span", "time_known_words"]

FILLERS = languages.fillers()
"""Hesitation sounds of every caption language ("um", "ehm", "äh", "euh"; per language:
:func:`reelkit.speech.languages.fillers`)."""
ADLIB_MIN_PROBABILITY = 0.5
"""An unscripted recognised word is captioned only when the recogniser is at least this sure."""
SECONDS_PER_WORD = 0.12
"""Least speech per unmatched script word for a long unmatched stretch to count as spoken."""
ALWAYS_KEEP_RUN = 2
"""Unmatched runs this short between matched words are kept (the recogniser dropped them)."""


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
    items, runs = _matched_items(tokens, heard, language)
    return _fill_runs(items, runs, _line_starts(script), activity_seconds, len(samples) / sr)


_Item = _Timed | list[str]
"""A timed word, or a run of script words the recogniser did not give (timed later)."""


def _matched_items(tokens: Sequence[str], heard: Sequence[RecognisedWord],
                   language: str) -> tuple[list[_Item], list[tuple[int, int]]]:
    """First pass: matched pairs get times; unmatched script runs are collected (with the token
    range of each, in order); clean ad-libs are kept as such."""
    pairs = align_tokens(tokens, [w.text for w in heard], language)
    items: list[_Item] = []
    runs: list[tuple[int, int]] = []
    for n_pair, p in enumerate(pairs):
        if p.s1 > p.s0 and p.r1 > p.r0:
            start, end = heard[p.r0].start, heard[p.r1 - 1].end
            conf = 1.0 if p.similarity >= 0.5 else 0.6
            if p.s1 - p.s0 == 1:
                items.append(_Timed(tokens[p.s0], start, end, conf))
            else:
                items.extend(split_span(tokens[p.s0:p.s1], start, end, 0.5))
        elif p.s1 > p.s0:  # script words not heard
            last = items[-1] if items else None
            if isinstance(last, list):
                last.extend(tokens[p.s0:p.s1])
                runs[-1] = (runs[-1][0], p.s1)
            else:
                items.append(list(tokens[p.s0:p.s1]))
                runs.append((p.s0, p.s1))
        else:  # heard words not in the script
            w = heard[p.r0]
            if _is_adlib(w) and _clean_context(pairs, n_pair, heard):
                items.append(_Timed(w.text.strip(), w.start, w.end, 0.8, adlib=True))
    return items, runs


def _fill_runs(items: Sequence[_Item], runs: Sequence[tuple[int, int]], starts: set[int],
               activity_seconds, duration: float) -> list[_Timed]:  # type: ignore[no-untyped-def]
    """Second pass: unmatched runs timed between their matched neighbours, or dropped when a
    whole script line there was not spoken."""
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
        spans, methods, keep = apply_forced([t.text for t in timed], spans, methods, samples, sr,
                                            activity, transcript.language,
                                            optional=[t.adlib for t in timed],
                                            trust=[t.confidence for t in timed])
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
