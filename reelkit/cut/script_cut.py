"""The script-driven cut: raw clips + the script -> the kept source spans, and why.

Steps (each a function with a narrow input, so the decision can be timed alone):

1. :func:`listen`: decode each clip's audio, transcribe it (existing backends and cache,
   with a prompt that makes Whisper write the fillers it hears) and keep the voice-activity
   map (:func:`reelkit.speech.onsets.analyse`).
2. :func:`decide_cut`: find every take of every script line (:mod:`reelkit.cut.takes`),
   choose one per line (``last`` | ``first`` | ``best`` complete take; a false start is never
   chosen over a complete take), and inside it drop fillers, immediate repetitions, ad-libs
   and voiced audio no word covers, and shorten long pauses. Each kept span is padded, its
   cuts snapped to the quietest 10 ms nearby without entering speech, and its length made
   a whole number of output frames, so video and audio cut at the same instants.
3. :func:`expand_outline`: ``cut: script`` segments become ordinary segments with explicit
   times; the decisions go to ``plan.json`` (``script_cut``) and the report.
"""

from __future__ import annotations

import bisect
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from reelkit.errors import InputError
from reelkit.plan.edit import EditSettings
from reelkit.plan.model import ScriptLineCut, ScriptRemoval, ScriptTake
from reelkit.plan.outline import Outline
from reelkit.speech.audio import SAMPLE_RATE
from reelkit.speech.onsets import Activity, analyse
from reelkit.cut.aligned import AlignedTake, align_chosen_take
from reelkit.cut.takes import StreamWord, Take, find_takes, script_lines

log = logging.getLogger("reelkit.cut")

SR = SAMPLE_RATE
QUIET_FRAME = 0.010
"""Cuts are snapped to the quietest frame of this length (s) near the padded point."""
SNAP_RANGE = 0.02
"""How far (s) a cut may move from its padded point to find a quiet frame."""
SPEECH_MARGIN = 0.015
"""A cut stays at least this far (s) from removed speech."""
MIN_PAD = 0.03
"""The least room (s) kept next to a kept word when removed speech is closer than the pad."""
ISLAND_JOIN = 0.08
"""A word's edge this close (s) to the edge of the voiced stretch around it moves onto it."""
STRETCHED_WORD = 1.2
"""A single word sounding longer than this (s) counts as stretched (for ``takes: best``)."""
FILLER_PROMPT = "Um, uh, so, um..."
"""Whisper leaves out disfluencies unless its prompt shows them: with this prefix tiny.en
writes the "um"s and "uh"s it hears (with times), so they can be cut."""
PARTIAL_MIN_COVERAGE = 0.5
"""With no complete take, a partial one is kept only when it covers this share of its line."""


@dataclass(frozen=True)
class ClipAudio:
    """One raw clip as heard: samples, refined words and the voice-activity map."""

    path: Path
    samples: np.ndarray
    words: tuple[StreamWord, ...]
    activity: Activity
    duration: float
    window: tuple[float, float]


@dataclass(frozen=True)
class Piece:
    """A kept span of clip ``clip`` (index into the clips), serving script line ``line``."""

    clip: int
    start: float
    end: float
    line: int


@dataclass(frozen=True)
class SourceWord:
    """A caption word in clip time."""

    clip: int
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class CutDecision:
    """Everything decided: kept pieces in output order, per-line decisions, caption words."""

    pieces: tuple[Piece, ...]
    lines: tuple[ScriptLineCut, ...]
    words: tuple[SourceWord, ...]
    missing: tuple[str, ...] = ()


# --- 1. listening --------------------------------------------------------------------------

def listen(paths: Sequence[Path], script: str, *, windows: Sequence[tuple[float, float]] | None = None,
           durations: Sequence[float] | None = None, backend: str = "faster-whisper", model: str | None = None,
           language: str = "en", use_cache: bool = True) -> list[ClipAudio]:
    """Transcribe each clip once (cached) and time its words on the speech."""
    from reelkit.speech import load_audio, script_prompt, transcribe

    from reelkit.speech.languages import filler_prompt

    prompt = f"{filler_prompt(language) or FILLER_PROMPT} {script_prompt(script, language)}".strip()
    out: list[ClipAudio] = []
    for index, path in enumerate(paths):
        samples = load_audio(path)
        duration = durations[index] if durations else samples.size / SR
        window = windows[index] if windows else (0.0, duration)
        transcript = transcribe(samples, backend=backend, model=model, language=language, initial_prompt=prompt,
                                use_cache=use_cache, keep_repeats=True)
        out.append(clip_audio(path, samples, transcript.words, index, duration, window))
    return out


def clip_audio(path: Path, samples: np.ndarray, recognised: Sequence, index: int, duration: float,
               window: tuple[float, float]) -> ClipAudio:
    """A :class:`ClipAudio` from recognised words (any objects with text/start/end/probability).

    The recogniser's word times are kept as they are: they only locate takes and serve as a
    weak prior when the words are placed on the voiced chunks (:func:`_place`), which is
    where the cut points come from.
    """
    from reelkit.speech.align import normalise

    activity = analyse(samples, SR)
    words = tuple(StreamWord(index, w.text.strip(), float(w.start), float(w.end), float(getattr(w, "probability", 1.0)))
                  for w in recognised if normalise(w.text) and window[0] <= (w.start + w.end) / 2 <= window[1])
    return ClipAudio(path=path, samples=samples, words=words, activity=activity, duration=duration, window=window)


# --- 2. deciding ---------------------------------------------------------------------------

@dataclass
class _Sound:
    """A stretch of a clip's audio, possibly with caption words (script or ad-lib)."""

    start: float
    end: float
    words: list[tuple[str, float, float]] = field(default_factory=list)


class _Clip:
    """Per-clip helpers: voiced islands, quiet-frame energy."""

    def __init__(self, audio: ClipAudio) -> None:
        self.audio = audio
        self.islands = audio.activity.islands()
        self.island_starts = [a for a, _ in self.islands]
        frame = int(QUIET_FRAME * SR)
        n = audio.samples.size // frame
        chunks = audio.samples[: n * frame].astype(np.float64).reshape(n, frame) if n else np.zeros((0, frame))
        self.energy = (chunks ** 2).mean(axis=1) if n else np.zeros(0)
        self.end = min(audio.duration, audio.samples.size / SR) if audio.samples.size else audio.duration

    def voiced(self, a: float, b: float) -> list[tuple[float, float]]:
        """Voiced islands overlapping ``(a, b)``, clipped to it."""
        k = max(0, bisect.bisect_right(self.island_starts, a) - 1)
        out = []
        while k < len(self.islands) and self.islands[k][0] < b:
            s, e = self.islands[k]
            if e > a:
                out.append((max(s, a), min(e, b)))
            k += 1
        return out

    def snap(self, pref: float, lo: float, hi: float) -> float:
        """The centre of the quietest 10 ms frame near ``pref`` inside ``[lo, hi]``."""
        if hi <= lo:
            return (lo + hi) / 2
        a, b = max(lo, pref - SNAP_RANGE), min(hi, pref + SNAP_RANGE)
        if b <= a:
            return min(max(pref, lo), hi)
        f0 = int(math.ceil((a - QUIET_FRAME / 2) / QUIET_FRAME))
        f1 = int(math.floor((b - QUIET_FRAME / 2) / QUIET_FRAME))
        f0, f1 = max(f0, 0), min(f1, self.energy.size - 1)
        if f1 < f0:
            return min(max(pref, lo), hi)
        k = f0 + int(np.argmin(self.energy[f0:f1 + 1]))
        return (k + 0.5) * QUIET_FRAME

    def filler_like(self, a: float, b: float) -> float:
        """0..1: how much ``[a, b)`` sounds like "uh"/"um": steady voicing with no hiss or
        burst (fillers are a held vowel or nasal; words have consonants: a high-frequency
        share above 3 kHz and a moving spectral centroid)."""
        n = 320  # 20 ms frames, side by side
        x = self.audio.samples[int(a * SR):int(b * SR)]
        k = x.size // n
        if k < 3:
            return 0.0
        frames = x[: k * n].reshape(k, n) * self._window
        spec = np.abs(np.fft.rfft(frames, axis=1))
        sq = spec ** 2
        power = sq.sum(1) + 1e-12
        loud = power > power.max() * 0.001
        if loud.sum() < 2:
            return 0.0
        high = float((sq[:, self._freqs > 3000].sum(1) / power)[loud].max())
        centroid = ((spec * self._freqs).sum(1) / (spec.sum(1) + 1e-12))[loud]
        wobble = float(np.std(centroid) / (np.mean(centroid) + 1.0))
        return float(np.clip((0.06 - high) / 0.04, 0, 1) * np.clip((0.3 - wobble) / 0.15, 0, 1))

    _window = np.hanning(320).astype(np.float32)
    _freqs = np.fft.rfftfreq(320, 1 / SR)

    def widen(self, start: float, end: float) -> tuple[float, float]:
        """Move a word's edges onto the voiced stretch they sit in (when close)."""
        for s, e in self.voiced(start, start + 1e-3):
            if start - s < ISLAND_JOIN:
                start = s
        for s, e in self.voiced(end - 1e-3, end):
            if e - end < ISLAND_JOIN:
                end = e
        return start, end

    def next_voiced(self, t: float) -> float:
        """Start of the first voiced island starting after ``t`` (or the clip's end)."""
        k = bisect.bisect_right(self.island_starts, t)
        return self.islands[k][0] if k < len(self.islands) else self.end

    def prev_voiced(self, t: float) -> float:
        """End of the last voiced island ending before ``t`` (or 0)."""
        k = bisect.bisect_left(self.island_starts, t) - 1
        while k >= 0 and self.islands[k][1] > t:
            k -= 1
        return self.islands[k][1] if k >= 0 else 0.0


def _choose(takes: Sequence[Take], policy: str, stats: dict[int, tuple[int, int, int]]) -> tuple[int | None, str]:
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
    from reelkit.speech.align import normalise

    return 0.065 * max(1, len(normalise(text))) + 0.1


def _chunks(clip: _Clip, lo: float, hi: float) -> list[tuple[float, float]]:
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
    out: list[list[int]] = [[] for _ in chunks]
    if cost[n, m] == inf:
        return out
    i, j = n, m
    while (i, j) != (0, 0):
        pi, pj = back[(i, j)]
        if pj != j:
            out[pj] = list(range(pi, i))
        i, j = pi, pj
    return out


def _take_sounds(take: Take, tokens: Sequence[str], stream: Sequence[StreamWord], clip: _Clip,
                 settings: EditSettings) -> tuple[list[_Sound], dict[int, str], int, int]:
    """Kept sounds of a take in time order, the removed stream words with their kind, and
    counts of fillers and repetitions (for ``takes: best``)."""
    from reelkit.speech.align import split_span

    # Tokens to place on the voiced chunks, in time order: (caption text, recognised start,
    # kept?). Removed words are placed too, so the chunk they sound in is known and cut.
    placed: list[tuple[str, float | None, bool]] = []
    removed: dict[int, str] = {}
    fillers = repeats = 0

    def filler(k: int) -> None:
        nonlocal fillers
        fillers += 1
        if settings.fillers:
            removed[k] = "filler"
        placed.append(("", stream[k].start, not settings.fillers))  # never captioned

    # Fillers just before or after the take belong to its neighbourhood.
    # So are other recognised words just outside it: the recogniser's times are often a
    # word off, and the placement decides which chunk they really sound in.
    lo_k = take.first
    while lo_k - 1 >= 0 and stream[lo_k - 1].source == take.source \
            and take.start - stream[lo_k - 1].start < REGION_REACH:
        lo_k -= 1
    hi_k = take.last
    while hi_k + 1 < len(stream) and stream[hi_k + 1].source == take.source \
            and stream[hi_k + 1].end - take.end < REGION_REACH:
        hi_k += 1

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
    # The search region: the take's recognised span widened.
    lo, hi = take.start - REGION_REACH, take.end + REGION_REACH
    chunks = _chunks(clip, lo, hi)
    assignment = _place(placed, chunks, [clip.filler_like(a, b) for a, b in chunks]) if chunks and placed else []
    sounds: list[_Sound] = []
    for (c0, c1), idx in zip(chunks, assignment):
        if not any(placed[i][2] for i in idx):
            continue
        texts = [placed[i][0] for i in idx]
        timed = split_span(texts, c0, c1, 1.0) if len(texts) > 1 else None
        words = ([(t.text, t.start, t.end) for t in timed] if timed else [(texts[0], c0, c1)])
        sounds.append(_Sound(c0, c1, [w for w in words if w[0]]))
    if not sounds:  # no voice map to go by: the recognised spans
        ws = stream[take.first: take.last + 1]
        sounds = [_Sound(ws[0].start, ws[-1].end, [(" ".join(tokens), ws[0].start, ws[-1].end)])]
    return sounds, removed, fillers, repeats


def _hesitation_slots(sounds: Sequence[_Sound], removed: dict[int, str], stream: Sequence[StreamWord],
                      clip: _Clip, n_tokens: int) -> set[int]:
    """Word indices of a line before which something was heard that is not the line: voiced
    audio between two kept sounds (a filler the voice map found), or a recognised filler."""
    words = [(w, s) for s in sounds for w in s.words]
    if len(words) != n_tokens:
        return set()
    slots: set[int] = set()
    k = 0
    for a, b in zip(sounds, sounds[1:]):
        k += len(a.words)
        if sum(e - s for s, e in clip.voiced(a.end + 0.01, b.start - 0.01)) >= 0.1:
            slots.add(k)
    starts = [w[1] for w, _ in words]
    for idx, kind in removed.items():
        if kind == "filler":
            mid = (stream[idx].start + stream[idx].end) / 2
            i = bisect.bisect_left(starts, mid)
            if 0 < i < n_tokens:
                slots.add(i)
    return slots


@dataclass
class _Span:
    """A kept span being built, with the ranges its cuts may move in (no speech, room kept)."""

    clip: int
    start: float
    end: float
    start_range: tuple[float, float] | None
    end_range: tuple[float, float] | None
    """None: not cut yet (a line's outer edge, cut by :func:`_open_ends`)."""
    line: int
    speech_before: float | None = None
    speech_after: float | None = None
    """Aligned takes: the nearest other speech around the line (None: the voice map decides)."""


def _cut_after(clip: _Clip, end: float, want: float, settings: EditSettings, limit: float | None = None) -> tuple[float, tuple[float, float]]:
    """A cut after a kept word ending at ``end``: ``want`` seconds later, before removed speech."""
    nxt = clip.next_voiced(end + 0.005) if limit is None else limit
    hi = min(nxt - SPEECH_MARGIN, clip.end)
    lo = min(end + MIN_PAD, hi)
    pref = min(max(end + want, lo), hi)
    return clip.snap(pref, lo, hi), (lo, hi)


def _cut_before(clip: _Clip, start: float, want: float, settings: EditSettings, limit: float | None = None) -> tuple[float, tuple[float, float]]:
    """A cut before a kept word starting at ``start``: ``want`` seconds earlier, after removed speech."""
    prev = clip.prev_voiced(start - 0.005) if limit is None else limit
    lo = max(prev + SPEECH_MARGIN, 0.0)
    hi = max(start - MIN_PAD, lo)
    pref = max(min(start - want, hi), lo)
    return clip.snap(pref, lo, hi), (lo, hi)


def _shares(pause: float, settings: EditSettings) -> tuple[float, float]:
    """Room kept after the last word and before the next one at a cut, for a pause target."""
    # Slack for snapping keeps the whole pause at or under the target.
    after = max(settings.pad_after, 0.6 * pause - SNAP_RANGE)
    before = max(settings.pad_before, 0.4 * pause - SNAP_RANGE)
    return after, before


def _join(spans: list[_Span], clip_i: int, clip: _Clip, left_end: float, right: _Sound, pause: float,
          line: int, settings: EditSettings, speech=None) -> None:  # type: ignore[no-untyped-def]
    """Extend or cut after ``spans[-1]`` (ending at word end ``left_end``) to take in ``right``.

    ``speech(a, b)`` lists the removed speech between (an aligned take's); else the voice map."""
    last = spans[-1]
    gap = right.start - left_end
    between = (speech or clip.voiced)(left_end + 0.005, right.start - 0.005)
    if gap <= pause and not between:
        last.end = right.end
        return
    after, before = _shares(pause, settings)
    limit_r = between[0][0] if between else right.start
    limit_l = between[-1][1] if between else left_end
    c1, r1 = _cut_after(clip, left_end, after, settings, limit=limit_r if between else None)
    c2, r2 = _cut_before(clip, right.start, before, settings, limit=limit_l if between else None)
    if not between:
        # A long silence: keep ``pause`` of it; the cuts stay inside the silence.
        r1 = (r1[0], min(r1[1], right.start - MIN_PAD))
        r2 = (max(r2[0], left_end + MIN_PAD), r2[1])
    if c2 <= c1 + QUIET_FRAME:
        last.end = right.end
        return
    last.end, last.end_range = c1, r1
    spans.append(_Span(clip_i, c2, right.end, r2, None, line))


def _line_spans(sounds: Sequence[_Sound], clip_i: int, clip: _Clip, line: int,
                settings: EditSettings, aligned: AlignedTake | None = None) -> list[_Span]:
    """Kept spans of one take: sounds joined over short pauses, cut around removed audio."""
    first = sounds[0]
    spans = [_Span(clip_i, first.start, first.end, None, None, line)]
    left_end = first.end
    speech = aligned.speech_between if aligned is not None else None
    for s in sounds[1:]:
        _join(spans, clip_i, clip, left_end, s, settings.pause_inside, line, settings, speech)
        left_end = max(left_end, s.end)
    if aligned is not None:
        spans[0].speech_before = aligned.speech_before
        spans[-1].speech_after = aligned.speech_after
    return spans


def _open_ends(spans: list[_Span], clips: Sequence[_Clip], settings: EditSettings) -> list[_Span]:
    """Cut points at the outer edges of each line: a share of the between-lines pause each
    side, or one span with the next line when it follows on in the same clip after a pause
    no longer than ``pause_between``."""
    after, before = _shares(settings.pause_between, settings)
    out: list[_Span] = []
    for span in spans:
        clip = clips[span.clip]
        if out and out[-1].end_range is None and span.start_range is None and out[-1].clip == span.clip:
            prev = out[-1]
            gap = span.start - prev.end
            quiet = (prev.speech_after >= span.start - 0.005 and span.speech_before <= prev.end + 0.005
                     if prev.speech_after is not None and span.speech_before is not None
                     else not clip.voiced(prev.end + 0.005, span.start - 0.005))
            if 0 <= gap <= max(settings.pause_between, after + before) and quiet:
                prev.end, prev.end_range = span.end, span.end_range
                continue
        out.append(span)
    for span in out:
        clip = clips[span.clip]
        if span.start_range is None:
            span.start, span.start_range = _cut_before(clip, span.start, before, settings, span.speech_before)
        if span.end_range is None:
            span.end, span.end_range = _cut_after(clip, span.end, after, settings, span.speech_after)
    return out


def _whole_frames(span: _Span, fps: float) -> None:
    """Make the span's length a whole number of output frames, moving cuts only within range."""
    assert span.start_range is not None and span.end_range is not None
    # Start on an output frame (the timeline cuts there), inside the start's range if possible.
    k_lo, k_hi = math.floor(span.start * fps), math.ceil(span.start * fps)
    k = k_lo if k_lo / fps >= span.start_range[0] - 1e-9 else k_hi
    if k / fps > span.start_range[1] + 1e-9:
        k = k_lo
    start = max(0, k) / fps
    n = max(1, math.ceil((span.end - start) * fps - 1e-6))
    if start + n / fps > span.end_range[1] + 1e-9 and n > 1:
        n -= 1
    span.start, span.end = start, start + n / fps


def decide_cut(script: str, audios: Sequence[ClipAudio], settings: EditSettings = EditSettings(),
               fps: float = 30.0, script_name: str = "script") -> CutDecision:
    """Decide the edit of ``audios`` from ``script`` (see the module docstring).

    Raises InputError when the script has no words or none of its lines is found.
    """
    lines = script_lines(script or "")
    if not lines:
        raise InputError("the script has no words", path=script_name, hint="give the narration as plain text")
    clips = [_Clip(a) for a in audios]
    stream: list[StreamWord] = [w for a in audios for w in a.words]
    from reelkit.speech.align import script_tokens

    tokens = [script_tokens(line) for line in lines]
    all_takes = find_takes(lines, stream)
    decisions: list[ScriptLineCut] = []
    spans: list[_Span] = []
    words: list[SourceWord] = []
    missing: list[str] = []
    removed_kinds: dict[int, str] = {}
    aligned_removed: dict[int, list[tuple[str, float, float]]] = {}
    chosen: list[Take] = []
    for li, (line, takes) in enumerate(zip(lines, all_takes)):
        prepared = {}
        stats = {}
        # Only `takes: best` compares takes by their insides; otherwise only the kept one is trimmed.
        for k, take in enumerate(takes if settings.takes == "best" else ()):
            sounds, removed, fillers, repeats = _take_sounds(take, tokens[li], stream, clips[take.source], settings)
            stretched = sum(1 for s in sounds for (_, a, b) in s.words if b - a > STRETCHED_WORD)
            prepared[k] = (sounds, removed)
            stats[k] = (fillers, repeats, stretched)
        kept, reason = _choose(takes, settings.takes, stats) if takes else (None, "not found in any clip")
        take_records = tuple(ScriptTake(t.source, round(t.start, 3), round(t.end, 3), t.coverage) for t in takes)
        decisions.append(ScriptLineCut(line=line, takes=take_records, kept=kept, reason=reason))
        if kept is None:
            missing.append(line)
            continue
        take = takes[kept]
        chosen.append(take)
        if kept not in prepared:
            prepared[kept] = _take_sounds(take, tokens[li], stream, clips[take.source], settings)[:2]
        sounds, removed = prepared[kept]
        removed_kinds.update(removed)
        if not sounds:
            continue
        aligned = None
        if not settings.keep_adlibs:
            clip = clips[take.source]
            aligned = align_chosen_take(take, tokens[li], stream, (sounds[0].start, sounds[-1].end), removed,
                                        clip.audio.samples, clip.audio.window, clip.end,
                                        keep_fillers=not settings.fillers,
                                        slots=_hesitation_slots(sounds, removed, stream, clip, len(tokens[li])),
                                        estimates=[(a, b) for s in sounds for (_, a, b) in s.words],
                                        voiced=clip.voiced)
        if aligned is not None:
            aligned_removed.setdefault(take.source, [])
            sounds = [_Sound(g[0][1], g[-1][2], list(g)) for g in aligned.groups]
            aligned_removed.setdefault(take.source, []).extend(aligned.removed)
        spans += _line_spans(sounds, take.source, clips[take.source], li, settings, aligned)
        words += [SourceWord(take.source, t, a, b) for s in sounds for (t, a, b) in s.words]
    if not chosen:
        found = "" if stream else " (no speech was recognised)"
        raise InputError(f"no line of the script was found in the clips{found}", path=script_name,
                         hint="check that the clips are the footage of this script")
    if missing and settings.missing_lines != "warn":
        raise InputError(f"{len(missing)} script line(s) found in no clip: {_missing_report(decisions)}",
                         path=script_name, key="edit.missing_lines",
                         hint="record the line, fix the script, or set edit: {missing_lines: warn} to publish without it")
    for line in missing:
        log.warning("script line not found in any clip, left out (edit.missing_lines: warn): %r", line)
    spans = _open_ends(spans, clips, settings)
    fps = float(fps)
    for span in spans:
        _whole_frames(span, fps)
    pieces = _merge(no_overlap([Piece(s.clip, s.start, s.end, s.line) for s in spans], fps))
    decisions = _removals(decisions, pieces, all_takes, chosen, stream, removed_kinds, clips, aligned_removed)
    return CutDecision(pieces=tuple(pieces), lines=tuple(decisions), words=tuple(words), missing=tuple(missing))


def _missing_report(decisions: Sequence[ScriptLineCut]) -> str:
    """Each missing line, why, and the takes that came closest."""
    parts = []
    for d in decisions:
        if d.kept is not None:
            continue
        near = sorted(d.takes, key=lambda t: -t.coverage)[:2]
        closest = "; ".join(f"closest: clip {t.source + 1} {t.start:.1f}-{t.end:.1f} s, {t.coverage:.0%} of the line"
                            for t in near) or "no reading of it was heard"
        parts.append(f"{d.line!r} ({d.reason}; {closest})")
    return " | ".join(parts)


def no_overlap(pieces: Sequence[Piece], fps: float) -> list[Piece]:
    """The pieces with no source audio kept twice: a piece overlapping one kept before it (in
    output order) in the same clip starts where that one ends (both are on the frame grid);
    one wholly inside is dropped."""
    out: list[Piece] = []
    for p in pieces:
        start, end = p.start, p.end
        for q in out:
            if q.clip != p.clip or q.end <= start + 1e-6 or q.start >= end - 1e-6:
                continue
            if q.start <= start + 1e-6:
                start = q.end
            elif q.end >= end - 1e-6:
                end = q.start
            else:  # q inside p: keep the longer side
                if q.start - start >= end - q.end:
                    end = q.start
                else:
                    start = q.end
        if end - start >= 1.0 / fps - 1e-6:
            out.append(replace(p, start=start, end=end))
    return out


def _merge(pieces: Sequence[Piece]) -> list[Piece]:
    """Neighbouring pieces that touch in the same clip become one (no cut between them)."""
    out: list[Piece] = []
    for p in pieces:
        if out and out[-1].clip == p.clip and abs(p.start - out[-1].end) < 1e-6:
            out[-1] = replace(out[-1], end=p.end)
        else:
            out.append(p)
    return out


def _removals(decisions: Sequence[ScriptLineCut], pieces: Sequence[Piece], all_takes: Sequence[Sequence[Take]],
              chosen: Sequence[Take], stream: Sequence[StreamWord], removed_kinds: dict[int, str],
              clips: Sequence[_Clip], aligned: dict[int, list[tuple[str, float, float]]] | None = None
              ) -> list[ScriptLineCut]:
    """What was left out of each clip's searched window, named and attributed to a line.

    Every stretch outside the kept pieces is described by what it holds: takes not chosen
    (false starts, repeated takes), recognised words outside the kept takes (fillers,
    repetitions, off-script talk), voiced audio no word covers (filler), or only a pause. It
    is attributed to the line whose kept piece follows it in the clip (else the one before).
    """
    per_line: list[list[ScriptRemoval]] = [[] for _ in decisions]
    chosen_ids = {id(t) for t in chosen}
    others = [t for takes in all_takes for t in takes if id(t) not in chosen_ids]
    chosen_words: set[int] = set()
    for t in chosen:
        chosen_words.update(range(t.first, t.last + 1))
    for ci, clip in enumerate(clips):
        kept = sorted((p for p in pieces if p.clip == ci), key=lambda p: p.start)
        if not kept:
            continue
        w0, w1 = clip.audio.window
        edges = [w0] + [x for p in kept for x in (p.start, p.end)] + [min(w1, clip.end)]
        for k in range(0, len(edges), 2):
            a, b = edges[k], edges[k + 1]
            if b - a < 0.02:
                continue
            follow = next((p for p in kept if p.start >= b - 1e-6), kept[-1])
            items: list[ScriptRemoval] = []
            covered: list[tuple[float, float]] = []
            for kind, s0, e0 in (aligned or {}).get(ci, ()):
                if e0 > a and s0 < b:
                    items.append(ScriptRemoval(kind, ci, round(max(a, s0), 3), round(min(b, e0), 3)))
                    covered.append((s0, e0))
            for t in others:
                if t.source == ci and t.end > a and t.start < b:
                    kind = "repetition" if t.complete else "false_start"
                    items.append(ScriptRemoval(kind, ci, round(max(a, t.start), 3), round(min(b, t.end), 3)))
                    covered.append((t.start, t.end))
            for idx, w in enumerate(stream):
                if w.source != ci or not (w.end > a and w.start < b):
                    continue
                if any(s <= w.start and w.end <= e for s, e in covered):
                    continue
                kind = removed_kinds.get(idx) or ("filler" if w.is_filler else
                                                  "off_script" if idx not in chosen_words else "")
                if kind:
                    items.append(ScriptRemoval(kind, ci, round(max(a, w.start), 3), round(min(b, w.end), 3)))
                    covered.append((w.start, w.end))
            for s, e in clip.voiced(a, b):
                if e - s >= 0.05 and not any(cs - 0.05 <= s and e <= ce + 0.05 for cs, ce in covered):
                    items.append(ScriptRemoval("filler", ci, round(s, 3), round(e, 3)))
            if not items:
                items.append(ScriptRemoval("pause", ci, round(a, 3), round(b, 3)))
            per_line[follow.line].extend(sorted(items, key=lambda r: r.start))
    return [replace(d, removed=tuple(per_line[i])) for i, d in enumerate(decisions)]


# --- 3. into the outline and the plan -------------------------------------------------------

def read_script(path: Path) -> str:
    """A script file's text; one clear error for a missing, binary, non-UTF-8 or empty file."""
    path = Path(path)
    if not path.is_file():
        raise InputError("script file not found", path=str(path))
    data = path.read_bytes()
    if b"\0" in data:
        raise InputError("is not a text file", path=str(path), hint="give the narration as plain UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("is not UTF-8 text", path=str(path), hint="save the script as UTF-8 plain text") from None
    if not script_lines(text):
        raise InputError("the script is empty", path=str(path), hint="write the narration, one line per sentence")
    return text


@dataclass(frozen=True)
class Expanded:
    """An outline whose ``cut: script`` segments became explicit ones, and what was decided."""

    outline: Outline
    decision: CutDecision
    clips: tuple[Path, ...]
    """The clip of each :class:`ClipAudio` (``Piece.clip`` indexes it)."""
    origins: tuple[int | None, ...]
    """Per segment of ``outline``: the clip index it was cut from by the script, or None."""
    audios: tuple[ClipAudio, ...] = ()


def expand_outline(outline, *, fps: float, backend: str = "faster-whisper", model: str | None = None,
                   use_cache: bool = True, audios: Sequence[ClipAudio] | None = None) -> Expanded:
    """Decide the script-driven cut of ``outline`` and return it with explicit segments.

    Each run of neighbouring ``cut: script`` segments is one group: its lines come out in
    script order across the group's clips. Segments with explicit times stay as they are.
    """
    script = outline.script or ""
    cut_segs = [s for s in outline.segments if s.script_cut]
    if audios is None:
        audios = listen([s.clip for s in cut_segs], script, windows=[(s.start, s.end) for s in cut_segs],
                        durations=[s.media.duration for s in cut_segs], backend=backend, model=model,
                        language=outline.language, use_cache=use_cache)
    name = str(outline.path) if outline.path.suffix.lower() in (".yaml", ".yml") else "script"
    decision = decide_cut(script, audios, outline.edit, fps, script_name=name)
    segments: list = []
    origins: list[int | None] = []
    group: list[int] = []

    def flush() -> None:
        first = True
        for p in decision.pieces:
            if p.clip in group:
                seg = cut_segs[p.clip]
                segments.append(replace(seg, start=p.start, end=p.end, script_cut=False,
                                        lower_third=seg.lower_third if first else None))
                origins.append(p.clip)
                first = False
        group.clear()

    k = 0
    for seg in outline.segments:
        if seg.script_cut:
            group.append(k)
            k += 1
            continue
        flush()
        segments.append(seg)
        origins.append(None)
    flush()
    return Expanded(outline=replace(outline, segments=tuple(segments)), decision=decision,
                    clips=tuple(s.clip for s in cut_segs), origins=tuple(origins), audios=tuple(audios))


def output_words(expanded: Expanded, cuts: Sequence) -> tuple:
    """The decided caption words on the output timeline (cuts[i] is segment i of the outline)."""
    from reelkit.plan.model import Word

    out = []
    for w in expanded.decision.words:
        mid = (w.start + w.end) / 2
        for origin, cut in zip(expanded.origins, cuts):
            if origin == w.clip and cut.src_start - 1e-6 <= mid < cut.src_end + 1e-6:
                a = cut.out_start + max(0.0, w.start - cut.src_start)
                b = cut.out_start + min(cut.src_end, w.end) - cut.src_start
                out.append(Word(w.text, round(a, 3), round(max(b, a + 0.05), 3)))
                break
    out.sort(key=lambda x: x.start)
    return tuple(out)


def punch_in(cuts: Sequence, origins: Sequence[int | None], factor: float) -> tuple:
    """Zoom every second jump cut inside one shot by ``factor`` (a cut that follows the cut
    before it in the same clip), so a removed filler does not read as a glitch."""
    if factor <= 1.0:
        return tuple(cuts)
    out = []
    zoomed = False
    for i, cut in enumerate(cuts):
        jump = (i > 0 and origins[i] is not None and origins[i] == origins[i - 1]
                and cut.source == cuts[i - 1].source and cut.src_start >= cuts[i - 1].src_end - 1e-6)
        zoomed = (not zoomed) if jump else False
        if zoomed:
            c = cut.crop
            w, h = max(2, int(round(c.w / factor))), max(2, int(round(c.h / factor)))
            crop = replace(c, x=c.x + (c.w - w) // 2, y=c.y + (c.h - h) // 2, w=w - w % 2, h=h - h % 2)
            cut = replace(cut, crop=crop)
        out.append(cut)
    return tuple(out)


def plan_records(expanded: Expanded, sources: Sequence) -> tuple[ScriptLineCut, ...]:
    """The decisions with clip indices turned into indices of the plan's sources."""
    index = {s.path: i for i, s in enumerate(sources)}
    mapping = {k: index[str(p)] for k, p in enumerate(expanded.clips) if str(p) in index}

    def src(k: int) -> int:
        return mapping.get(k, -1)

    return tuple(replace(d, takes=tuple(replace(t, source=src(t.source)) for t in d.takes),
                         removed=tuple(replace(r, source=src(r.source)) for r in d.removed))
                 for d in expanded.decision.lines)
