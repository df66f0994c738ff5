"""A raw clip as heard: its samples, recognised words and voice-activity map, and the
signal helpers the cut works with (voiced islands, quiet frames to cut in, filler-likeness).

:func:`listen` transcribes each clip once (existing backends and cache, with a prompt that
makes Whisper write the fillers it hears) and keeps the voice-activity map
(:func:`reelkit.speech.onsets.analyse`); :class:`Clip` answers questions about that audio.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelkit.cut.takes import StreamWord
from reelkit.speech import load_audio, script_prompt, transcribe
from reelkit.speech.align import normalise
from reelkit.speech.audio import SAMPLE_RATE
from reelkit.speech.languages import filler_prompt
from reelkit.speech.onsets import Activity, analyse

SR = SAMPLE_RATE
QUIET_FRAME = 0.010
"""Cuts are snapped to the quietest frame of this length (s) near the padded point."""
SNAP_RANGE = 0.02
"""How far (s) a cut may move from its padded point to find a quiet frame."""
ISLAND_JOIN = 0.08
"""A word's edge this close (s) to the edge of the voiced stretch around it moves onto it."""
FILLER_PROMPT = "Um, uh, so, um..."
"""Whisper leaves out disfluencies unless its prompt shows them: with this prefix tiny.en
writes the "um"s and "uh"s it hears (with times), so they can be cut."""


@dataclass(frozen=True)
class ClipAudio:
    """One raw clip as heard: samples, refined words and the voice-activity map."""

    path: Path
    samples: np.ndarray
    words: tuple[StreamWord, ...]
    activity: Activity
    duration: float
    window: tuple[float, float]
    language: str = "en"
    """The language spoken (the script's): how the locator and aligner pronounce its words."""



def listen(paths: Sequence[Path], script: str, *, windows: Sequence[tuple[float, float]] | None = None,
           durations: Sequence[float] | None = None, backend: str = "faster-whisper", model: str | None = None,
           language: str = "en", use_cache: bool = True) -> list[ClipAudio]:
    """Transcribe each clip once (cached) and time its words on the speech."""
    prompt = f"{filler_prompt(language) or FILLER_PROMPT} {script_prompt(script, language)}".strip()
    out: list[ClipAudio] = []
    for index, path in enumerate(paths):
        samples = load_audio(path)
        duration = durations[index] if durations else samples.size / SR
        window = windows[index] if windows else (0.0, duration)
        transcript = transcribe(samples, backend=backend, model=model, language=language, initial_prompt=prompt,
                                use_cache=use_cache, keep_repeats=True)
        out.append(clip_audio(path, samples, transcript.words, index, duration, window, language))
    return out


def clip_audio(path: Path, samples: np.ndarray, recognised: Sequence, index: int, duration: float,
               window: tuple[float, float], language: str = "en") -> ClipAudio:
    """A :class:`ClipAudio` from recognised words (any objects with text/start/end/probability).

    The recogniser's word times are kept as they are: they only locate takes and serve as a
    weak prior when the words are placed on the voiced chunks (:func:`_place`), which is
    where the cut points come from.
    """
    activity = analyse(samples, SR)
    words = tuple(StreamWord(index, w.text.strip(), float(w.start), float(w.end), float(getattr(w, "probability", 1.0)))
                  for w in without_collapsed(recognised)
                  if normalise(w.text) and window[0] <= (w.start + w.end) / 2 <= window[1])
    return ClipAudio(path=path, samples=samples, words=words, activity=activity, duration=duration, window=window,
                     language=language)


COLLAPSED_RUN = 3
"""This many recognised words in a row with no duration are a collapsed run (see below)."""
NO_DURATION = 0.01
"""A recognised word shorter than this (s) was given no time of its own."""


def without_collapsed(recognised: Sequence) -> list:  # type: ignore[type-arg]
    """The recognised words less every run of :data:`COLLAPSED_RUN` or more in a row that the
    recogniser gave no duration (all at one instant): a repetition it wrote without hearing it
    (openai-whisper under babble wrote "violently. The chill wind caused him to" at 16.46 s
    between two real words), which would read as one more take of the line, the last one.
    A single word without duration (a segment's first word often has none) stays."""
    out: list = []  # type: ignore[type-arg]
    run: list = []  # type: ignore[type-arg]
    for w in [*recognised, None]:
        if w is not None and float(w.end) - float(w.start) < NO_DURATION:
            run.append(w)
            continue
        if len(run) < COLLAPSED_RUN:
            out += run
        run = []
        if w is not None:
            out.append(w)
    return out


def voiced_seconds(voiced, a: float, b: float) -> float:  # type: ignore[no-untyped-def]
    """Seconds of ``[a, b]`` the voice map hears as sound; ``voiced``: :meth:`Clip.voiced`."""
    return sum(y - x for x, y in voiced(a, b))


class Clip:
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
