"""Forced alignment: the known caption words placed on the audio acoustically (pocketsphinx).

Whisper's word times come from attention and run late on connected speech (tiny.en on espeak
sentences: 89 ms mean, 228 ms p90), and onset detection cannot see word boundaries where
there is no pause. But with a script the words are known, so recognition is not needed: a
forced alignment of the words' pronunciations to the audio gives 10 ms frame segments
(pocketsphinx 5's bundled US-English acoustic model and CMU dictionary; about 20 ms mean
error on the same speech).

How it is used (:func:`force_align`): the words arrive with guide times (the recogniser's,
refined); they are aligned in chunks (one sentence, at most :data:`CHUNK_WORDS` words) so the
search stays small on long files, each chunk's audio taken from the guide times with a
margin and with :data:`CONTEXT_WORDS` neighbouring words on each side included in the grammar
(so a margin that catches a neighbour's sound does not shift the chunk's own first word). A
word flagged *optional* (an unscripted word the recogniser claims to have heard) is a
``[word]`` in the chunk's JSGF grammar: the decoder keeps it only if the audio is better
explained with it than without (the evidence a caption word outside the script needs).

Pronunciations: :mod:`reelkit.speech.pronounce`; the decoder: :mod:`reelkit.speech.sphinx`;
one take of a script line (the script cut): :mod:`reelkit.speech.take_align`.

Fallbacks, each per word, never silently for the whole file: a chunk the decoder cannot align
(no path through the grammar), or a word placed implausibly far from its guide, keeps its guide
time (the caller records that word as timed by onset or recogniser, not ``forced``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reelkit.speech import pcm, phonemes
from reelkit.speech.audio import SAMPLE_RATE
from reelkit.speech.pronounce import (  # noqa: F401 (the aligner's words, public here too)
    letter_to_sound, pronunciations)
from reelkit.speech.sentences import sentence_guides
from reelkit.speech.sphinx import FRAME, START_BIAS, Aligner, pcm16, shared_aligner

MAX_SHIFT = 2.0
"""A forced start this far (s) from a confident guide is distrusted: the guide is kept.
Generous: the recogniser's own times are sometimes a second off (a misheard word stretched
over its neighbour), and a region that aligned as a whole is self-consistent."""
LANGUAGES = frozenset({"en"})
"""Languages the bundled acoustic model and dictionary cover directly."""
MAPPED_LANGUAGES = frozenset(phonemes.ESPEAK_VOICES)
"""Languages aligned with the English model over espeak-ng's phones mapped to English ones
(:mod:`reelkit.speech.phonemes`), when espeak-ng is installed."""


@dataclass(frozen=True)
class Forced:
    """One word placed by the decoder: ``start``/``end`` seconds, and how it was pronounced
    (``dictionary`` or ``letter-to-sound``)."""

    start: float
    end: float
    pronunciation: str


def available(language: str) -> bool:
    """True when forced alignment can run for ``language`` (the model and library are present)."""
    if language in MAPPED_LANGUAGES:
        return phonemes.available() and shared_aligner() is not None
    return language in LANGUAGES and shared_aligner() is not None


# --- aligning caption words -------------------------------------------------------------------

def force_align(texts: Sequence[str], guides: Sequence[tuple[float, float]], samples: np.ndarray,
                sr: int = SAMPLE_RATE, *, optional: Sequence[bool] | None = None,
                trust: Sequence[float] | None = None, language: str = "en") -> list[Forced | None]:
    """Place each word of ``texts`` on ``samples`` by forced alignment.

    ``guides`` are rough (start, end) times per word, in order (recogniser times, refined);
    they cut long audio into regions at pauses. ``optional`` marks words the audio must prove
    (an unscripted word): when the decoder leaves one out, :func:`left_out` is true of its
    result. ``trust`` (0..1 per word) says how sure the guide is; a forced start more than
    :data:`MAX_SHIFT` (widened for unsure guides) from a sure guide is distrusted. Returns one
    :class:`Forced` or None ("keep the guide") per word. ``language`` other than English:
    pronunciations from espeak-ng mapped to English phones (:data:`MAPPED_LANGUAGES`).
    """
    n = len(texts)
    out: list[Forced | None] = [None] * n
    aligner = shared_aligner()
    if aligner is None or n == 0 or sr != SAMPLE_RATE:
        return out
    opt = list(optional) if optional is not None else [False] * n
    sure = list(trust) if trust is not None else [1.0] * n
    duration = samples.size / sr
    mapped = language in MAPPED_LANGUAGES
    with aligner.lock:
        if mapped:
            spoken = phonemes.arpabet(texts, language)
            entries = [aligner.entry(t, p) for t, p in zip(texts, spoken)]
        else:
            entries = [aligner.entry(t) for t in texts]
        spans = _align_regions(aligner, entries, opt, guides, samples, sr, lenient=False)
        if mapped:
            # The recogniser's times are poor in these languages (Whisper base on espeak Dutch
            # is seconds off), so its guides may cut the audio inside words and its starts
            # reject good forced ones: the sentences' pauses in the audio give better guides,
            # and a word whose mapped phones fit badly is passed over rather than losing its
            # sentence. Kept when it places at least as many words.
            better = sentence_guides(texts, samples, sr)
            if better is not None:
                again = _align_regions(aligner, entries, opt, better, samples, sr, lenient=True)
                if sum(sp is not None for sp in again) >= sum(sp is not None for sp in spans):
                    spans, guides = again, [g if sp is None else better[i]
                                            for i, (g, sp) in enumerate(zip(guides, again))]
    for i, span in enumerate(spans):
        if span is None:
            continue
        if span is _LEFT_SPAN:
            out[i] = _LEFT_OUT if opt[i] else None
            continue
        start, end = span
        limit = MAX_SHIFT + (1.0 - sure[i]) * 2.0
        if abs(start - guides[i][0]) > limit:
            continue
        out[i] = Forced(round(start, 3), round(max(end, start + FRAME), 3),
                        entries[i][1])  # type: ignore[index]
    return out


_LEFT_SPAN = (-1.0, -1.0)


def _align_regions(aligner: Aligner, entries: Sequence[tuple[str, str] | None], opt: Sequence[bool],
                   guides: Sequence[tuple[float, float]], samples: np.ndarray, sr: int,
                   lenient: bool) -> list[tuple[float, float] | None]:
    """(start, end) per word from the decoder (:data:`_LEFT_SPAN` for a word it passed over,
    None where it gave nothing): the whole audio first, then halves split at the widest
    pause between guides. ``lenient``: a region with no strict path is tried again with every
    word optional, unless a pause splits it."""
    n = len(entries)
    duration = samples.size / sr
    spans: list[tuple[float, float] | None] = [None] * n
    # One region is at most one audio window, so a file-backed track is never read in bigger
    # pieces than the recogniser reads it.
    max_region = min(MAX_REGION, pcm.CHUNK_SECONDS)
    pending = [(0, n, 0.0, duration, False)]
    while pending:
        a, b, t0, t1, loose = pending.pop()
        idx = [i for i in range(a, b) if entries[i] is not None]
        if not idx:
            continue
        if t1 - t0 > max_region or (result := aligner.align_retried(
                [entries[i][0] for i in idx], [loose or opt[i] for i in idx],  # type: ignore[index]
                pcm16(samples, int(t0 * sr), int(t1 * sr)))) is None:
            # Too long for one search, or no path: split at the widest pause between words
            # and try the halves (down to a few words).
            cut = _split_point(guides, a, b) if b - a >= 2 * MIN_REGION_WORDS else None
            paused = cut is not None and guides[cut[0]][0] - guides[cut[0] - 1][1] >= LENIENT_PAUSE
            if lenient and not loose and not paused and t1 - t0 <= LENIENT_REGION:
                pending.append((a, b, t0, t1, True))
                continue
            if cut is not None:
                k, t = cut
                pending += [(a, k, t0, t, loose), (k, b, t, t1, loose)]
            continue
        for i, span in zip(idx, result):
            if span is None:
                spans[i] = _LEFT_SPAN
            else:
                spans[i] = (max(0.0, t0 + span[0] - START_BIAS), min(duration, t0 + span[1]))
    return spans


LENIENT_PAUSE = 0.15
"""A guide gap (s) this wide is a pause to split at before a lenient search is tried."""
LENIENT_REGION = 8.0
"""Longest region (s) searched with every word optional (that search is slow on long audio)."""

MAX_REGION = 60.0
"""Longest audio (s) aligned in one decoder pass; longer audio is cut at pauses."""
MIN_REGION_WORDS = 3


def _split_point(guides: Sequence[tuple[float, float]], a: int, b: int) -> tuple[int, float] | None:
    """(first word of the second half, cut time) at the widest gap between guides in a..b,
    preferring gaps near the middle; None when the words overlap everywhere."""
    best: tuple[float, int, float] | None = None
    for k in range(a + MIN_REGION_WORDS, b - MIN_REGION_WORDS + 1):
        gap = guides[k][0] - guides[k - 1][1]
        centre = 1.0 - abs((k - a) / (b - a) - 0.5)
        score = max(gap, 0.0) + 0.05 * centre
        if best is None or score > best[0]:
            best = (score, k, (guides[k][0] + guides[k - 1][1]) / 2)
    return None if best is None else (best[1], best[2])


_LEFT_OUT = Forced(-1.0, -1.0, "left out")


def left_out(result: Forced | None) -> bool:
    """True for an optional word the decoder found no sound for."""
    return result is _LEFT_OUT

