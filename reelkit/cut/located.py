"""Takes the recogniser did not hear, found by forced alignment of the known script.

In babble at 5 dB SNR tiny.en may hear no word of a take; Whisper base mishears espeak
Dutch word by word. :func:`locate_takes` runs only for the lines recognition left without a
complete take, and searches for them acoustically (:mod:`reelkit.speech.locate`):

1. **Where to look.** Script order is the prior: a line lies after the takes of the lines
   before it and before those of the lines after it. Each run of unfound lines is searched
   in the audio between its found neighbours (:func:`_regions`; whole clips when there are
   none).
2. **Which reading.** One decode places the run's lines in order among a free phone loop
   (other takes, false starts, asides); each line is then aligned word by word around that
   place (:func:`reelkit.cut.aligned.align_located`: restarts and the language's fillers
   allowed, the same checks as a recognised take). What follows it, up to the next line, is
   searched again: takes of one line come in sequence and the last complete one wins. A
   placement the line fits worse than the phone loop (:data:`PLACE_FIT_MIN`: a false start
   the line was drawn onto) is passed over, unaligned, and the search goes on after it.
3. **Whether to believe it.** A placement counts only when the line explains its audio
   about as well as the free phone loop does (:func:`reelkit.speech.locate.fits` at least
   :data:`FIT_MIN`), and better than its neighbours in the script explain it; otherwise the line stays missing (an error unless ``missing_lines:
   warn``), never a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reelkit.cut.aligned import AlignedTake, align_located
from reelkit.cut.heard import Clip, voiced_seconds
from reelkit.cut.takes import Take
from reelkit.speech import locate
from reelkit.speech.audio import SAMPLE_RATE

FIT_MIN = 2.0
"""Least per-frame log score of a located line over the free phone loop's (:func:`locate.fits`).
Measured on real speech (praatio bobby/mary takes): the right line over its take scores 13-25
clean and 13-15 in babble at 5 dB; a wrong line over a take -7 to -12 or no path at all."""
RIVAL_REACH = 0.6
"""...and, given the choice, the decoder places it rather than the lines next to it in the
script in the reading's span widened by this much (s) each side."""
BEFORE = 0.6
AFTER = (1.0, 1.6)
"""How far (s) before/after the located reading its word-by-word alignment may look (the
locator's edges are rough: under babble a last word may be placed on a filler before it);
the nearer end first, the further only when the nearer cut the last word short (further,
the next take's sound may draw the line's end onto it)."""
EDGE = 0.1
"""A reading ending this near (s) its search region's end is taken as cut short by it."""
GAP = 0.05
"""Distance (s) kept from the neighbouring line's reading."""
REALIGN_SHARE = 0.8
"""A recognised take is aligned again (:func:`realign`) only where its stretch is voiced for
more than this share. Measured: at 0.45 it ran on the babble bench take (0.5: its kept false
start 'Amongst her' was cut) but also on bench_cut's espeak lines, 21 s -> 46 s CPU for
2.1 min; so only the noisiest stretches, for now."""
MAX_TAKES = 4
"""Readings of one line searched for, one after the other."""
MAX_TRIES = 5
"""Placements of one line tried (one that is not a reading of it is passed over)."""
PLACE_FIT_MIN = 0.0
"""A placement the line fits worse than this (:func:`locate.fits` over the locator's span) is
not a reading of it and is not aligned. Measured (bench raw takes, recognition withheld):
accepted readings' placements 2.4-24.1, placements on false starts or other lines -3.3 to
-0.6; the accepted reading's own fit (aligned span) must still reach :data:`FIT_MIN`."""
SKIP = 0.3
"""How far (s) after a passed-over placement's start the next search begins."""


@dataclass(frozen=True)
class Located:
    """A take found by the locator: the take (no recognised words: ``first`` = ``last`` = -1),
    its alignment and its fit."""

    take: Take
    aligned: AlignedTake
    fit: float


def locate_takes(tokens: Sequence[Sequence[str]], all_takes: Sequence[Sequence[Take]], clips: Sequence[Clip],
                 language: str = "en", keep_fillers: bool = False) -> dict[int, list[Located]]:
    """Per script line without a complete recognised take, the takes found by forced
    alignment, in time order (the last is the last complete reading); lines not found are
    absent. Empty when the locator cannot run."""
    if not locate.available():
        return {}
    unfound = [li for li, takes in enumerate(all_takes) if tokens[li] and not any(t.complete for t in takes)]
    out: dict[int, list[Located]] = {}
    for run in _runs(unfound):
        for ci, lo, hi in _regions(run, all_takes, clips):
            todo = [li for li in run if li not in out]
            if not todo:
                break
            for li, found in _search(todo, tokens, clips[ci], ci, lo, hi, language, keep_fillers).items():
                out[li] = found
    return out


def _runs(lines: Sequence[int]) -> list[list[int]]:
    """Consecutive line indices grouped: [1, 2, 5] -> [[1, 2], [5]]."""
    runs: list[list[int]] = []
    for li in lines:
        if runs and runs[-1][-1] == li - 1:
            runs[-1].append(li)
        else:
            runs.append([li])
    return runs


def _regions(run: Sequence[int], all_takes: Sequence[Sequence[Take]], clips: Sequence[Clip]
             ) -> list[tuple[int, float, float]]:
    """(clip, start, end) stretches where the lines of ``run`` may lie: after the takes of the
    found line before them, before those of the found line after them."""
    before = [t for li in range(run[0]) for t in all_takes[li] if t.complete]
    after = [t for li in range(run[-1] + 1, len(all_takes)) for t in all_takes[li] if t.complete]
    prev = max(((t.source, t.end) for t in before), default=None)
    nxt = min(((t.source, t.start) for t in after), default=None)

    def span(ci: int) -> tuple[float, float]:
        w0, w1 = clips[ci].audio.window
        lo = prev[1] + GAP if prev is not None and prev[0] == ci else w0
        hi = nxt[1] - GAP if nxt is not None and nxt[0] == ci else min(w1, clips[ci].end)
        return lo, hi

    first = prev[0] if prev is not None else 0
    last = nxt[0] if nxt is not None else len(clips) - 1
    return [(ci, *span(ci)) for ci in range(first, last + 1) if span(ci)[1] - span(ci)[0] > 0.3]


def _search(run: Sequence[int], tokens: Sequence[Sequence[str]], clip: Clip, ci: int, lo: float, hi: float,
            language: str, keep_fillers: bool) -> dict[int, list[Located]]:
    """The run's lines located in order in ``[lo, hi]`` of one clip, each followed by a search
    for later readings of it (up to the next line's)."""
    samples = clip.audio.samples
    # Several lines at once under the usual penalty only: where that finds no path each line
    # is searched alone, under the strong one too (one decode of the whole stretch less).
    places = locate.locate([tokens[li] for li in run], samples, lo, hi, language,
                           weights=locate.GARBAGE_WEIGHTS if len(run) == 1 else (locate.GARBAGE_WEIGHT,))
    if places is None and len(run) > 1:  # one line not said here: look for each alone
        places = [None] * len(run)  # type: ignore[list-item]
    if places is None:
        places = [None]  # type: ignore[list-item]
    out: dict[int, list[Located]] = {}
    floor = lo
    for k, li in enumerate(run):
        ceiling = next((p[0] - GAP for p in places[k + 1:] if p is not None), hi)
        place = places[k] if places[k] is not None else _alone(tokens[li], clip, floor, ceiling, language)
        found: list[Located] = []
        for _ in range(MAX_TRIES):
            if place is None or len(found) == MAX_TAKES:
                break
            fit = locate.fits([tokens[li]], samples, max(0.0, place[0] - GAP), place[1] + GAP, language)[0]
            if fit is None or fit < PLACE_FIT_MIN:
                # Not a reading of the line (a false start it was stretched over, other
                # speech): not aligned (the costly part), the search goes on after its start.
                floor = max(floor, place[0] + SKIP)
            else:
                one = _widening(li, tokens, clip, ci, floor, ceiling, place, language, keep_fillers)
                if one is None:
                    break  # the line's reading is here but fails: a later part of it would be a guess
                found.append(one)
                floor = one.take.end + GAP
            place = _alone(tokens[li], clip, floor, ceiling, language)
        if found:
            out[li] = found
    return out


def _widening(li: int, tokens: Sequence[Sequence[str]], clip: Clip, ci: int, floor: float, ceiling: float,
              place: tuple[float, float], language: str, keep_fillers: bool) -> Located | None:
    """The reading at ``place`` aligned and checked (:func:`_checked`) in a region reaching
    :data:`AFTER` beyond it; when its last word ends pressed against the region's end (cut
    short by it), again with the region reaching further, keeping the better fit."""
    best: Located | None = None
    for after in AFTER:
        hi = min(ceiling, place[1] + after)
        one = _checked(li, tokens, clip, ci, (max(floor, place[0] - BEFORE), hi), language, keep_fillers)
        if one is not None and (best is None or best.take.end >= best_hi - EDGE or one.fit > best.fit):
            best, best_hi = one, hi
        if best is not None and best.take.end < best_hi - EDGE:
            break
    return best


def _alone(words: Sequence[str], clip: Clip, lo: float, hi: float, language: str) -> tuple[float, float] | None:
    """One reading of a line in ``[lo, hi]`` among the phone loop, or None."""
    if hi - lo < 0.3:
        return None
    found = locate.locate([words], clip.audio.samples, lo, hi, language)
    return found[0] if found else None


def _checked(li: int, tokens: Sequence[Sequence[str]], clip: Clip, ci: int, region: tuple[float, float],
             language: str, keep_fillers: bool) -> Located | None:
    """Line ``li`` aligned word by word in ``region`` and accepted by its fit, or None. The
    lines next to it in the script are its competitors: the reading must fit its own line
    better than theirs (under babble a wrong line of similar shape still fits fairly well)."""
    aligned = align_located(tokens[li], clip.audio.samples, region[0], region[1], clip.voiced, language, keep_fillers)
    if aligned is None:
        return None
    start, end = aligned.groups[0][0][1], aligned.groups[-1][-1][2]
    samples = clip.audio.samples
    if _background(aligned, samples):
        return None
    score = locate.fits([tokens[li]], samples, max(0.0, start - GAP), end + GAP, language)[0]
    if score is None or score < FIT_MIN:
        return None
    rivals = [tokens[k] for k in (li - 1, li + 1) if 0 <= k < len(tokens) and tokens[k] and tokens[k] != tokens[li]]
    if rivals:
        wide = (max(region[0], start - RIVAL_REACH), min(region[1], end + RIVAL_REACH))
        if locate.which([tokens[li], *rivals], samples, *wide, language) not in (0, None):
            return None
    take = Take(line=li, source=ci, first=-1, last=-1, start=start, end=end, score=round(score, 2), coverage=1.0,
                complete=True, pairs=(), heard=(), located=True)
    return Located(take, aligned, score)


BACKGROUND_DB = 12.0
"""A located reading with a word this much (dB) quieter than its loudest word is another
voice in the background, not the presenter (the babble of a busy room holds the script's
words too); only words of :data:`LEVEL_WORD` s or longer are judged (short function words
may be quiet)."""
LEVEL_WORD = 0.15


def _background(aligned: AlignedTake, samples: np.ndarray) -> bool:
    """True when the reading's words are not all at the presenter's level."""
    sr = SAMPLE_RATE
    levels = []
    for _, a, b in (w for g in aligned.groups for w in g):
        if b - a >= LEVEL_WORD:
            x = np.asarray(samples[int(a * sr):int(b * sr)], dtype=np.float64)
            levels.append(10 * np.log10(float(np.mean(x ** 2)) + 1e-12))
    return bool(levels) and max(levels) - min(levels) > BACKGROUND_DB


def realign(li: int, tokens: Sequence[Sequence[str]], all_takes: Sequence[Sequence[Take]], take: Take, clip: Clip,
            language: str = "en", keep_fillers: bool = False) -> AlignedTake | None:
    """A recognised take the decoder could not align where the recogniser put it (under
    babble its words are often a second off), aligned again as a located one: around the
    take, between the neighbouring lines' takes, accepted only by its fit (:func:`_checked`).
    None when it does not pass either (the caller then cuts from the voice map, warned).
    Only where the take's stretch is voiced for more than :data:`REALIGN_SHARE` (noise: the
    voice map finds sound in the pauses): elsewhere it rarely passes where the recognised
    placement failed, and doubled the bench's cut time."""
    if not locate.available():
        return None
    a, b = take.start - BEFORE, take.end + AFTER[0]
    if voiced_seconds(clip.voiced, a, b) <= REALIGN_SHARE * (b - a):
        return None
    ends = [t.end for k in range(li) for t in all_takes[k] if t.source == take.source and t.end <= take.start]
    starts = [t.start for k in range(li + 1, len(all_takes)) for t in all_takes[k]
              if t.source == take.source and t.start >= take.end]
    w0, w1 = clip.audio.window
    floor = max(ends, default=w0) + (GAP if ends else 0.0)
    ceiling = min(starts, default=min(w1, clip.end)) - (GAP if starts else 0.0)
    found = _widening(li, tokens, clip, take.source, floor, ceiling, (take.start, take.end), language, keep_fillers)
    return None if found is None else found.aligned
