"""Synthetic speech for tests and benchmarks, made with espeak-ng.

Word-by-word synthesis joined with known gaps gives speech whose word times are known exactly:
each word is synthesised alone, its leading and trailing silence trimmed (so its true onset is
its first sample), and the words are laid end to end with chosen gaps.

Tests that use this module should skip when ``have_espeak()`` is False.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelkit.io.ffmpeg import ffmpeg_exe

SR = 16000
TRIM_LEVEL = 0.003
"""A word starts at its first sample above this amplitude (about -50 dBFS)."""


@dataclass(frozen=True)
class SpokenWord:
    """A word placed in synthetic speech, with its exact start and end (seconds)."""

    text: str
    start: float
    end: float


def have_espeak() -> bool:
    """True when espeak-ng is on PATH."""
    return shutil.which("espeak-ng") is not None


def _to_16k(wav_bytes: bytes, sr: int) -> np.ndarray:
    argv = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-f", "wav", "-i", "pipe:0",
            "-ac", "1", "-ar", str(sr), "-f", "f32le", "pipe:1"]
    proc = subprocess.run(argv, input=wav_bytes, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          check=True)
    return np.frombuffer(proc.stdout, dtype="<f4").astype(np.float32)


@functools.lru_cache(maxsize=512)
def _espeak(text: str, voice: str, speed: int, sr: int) -> np.ndarray:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError("espeak-ng is not installed")
    proc = subprocess.run([exe, "-v", voice, "-s", str(speed), "--stdout", text],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    out = _to_16k(proc.stdout, sr)
    out.setflags(write=False)
    return out


def trim(samples: np.ndarray, level: float = TRIM_LEVEL) -> np.ndarray:
    """Cut leading and trailing samples quieter than ``level``."""
    loud = np.flatnonzero(np.abs(samples) > level)
    if loud.size == 0:
        return samples[:0]
    return samples[loud[0]:loud[-1] + 1]


def synth_word(text: str, *, voice: str = "en-us", speed: int = 165, sr: int = SR) -> np.ndarray:
    """One word spoken alone, silence trimmed: its first sample is its onset."""
    spoken = re.sub(r"[^\w'\-]+", " ", text).strip() or text
    return trim(_espeak(spoken, voice, speed, sr).copy())


def synth_sentence(text: str, *, voice: str = "en-us", speed: int = 165, sr: int = SR,
                   pad: float = 0.3) -> np.ndarray:
    """Natural (connected) speech of a whole text, with ``pad`` seconds of silence each side."""
    body = trim(_espeak(text, voice, speed, sr).copy())
    silence = np.zeros(int(round(pad * sr)), dtype=np.float32)
    return np.concatenate([silence, body, silence])


def synth_words(words: Sequence[str], gaps: float | Sequence[float] = 0.15, *,
                lead: float = 0.4, tail: float = 0.4, voice: str = "en-us", speed: int = 165,
                sr: int = SR, noise_db: float | None = None,
                seed: int = 0) -> tuple[np.ndarray, list[SpokenWord]]:
    """Speak ``words`` one by one, joined by ``gaps`` seconds (one value, or one per join).

    Returns the samples and each word's exact start/end. ``noise_db`` adds white noise at that
    level (dBFS RMS) so detectors cannot rely on digital silence.
    """
    if isinstance(gaps, (int, float)):
        gap_list = [float(gaps)] * max(0, len(words) - 1)
    else:
        gap_list = [float(g) for g in gaps]
        if len(gap_list) != max(0, len(words) - 1):
            raise ValueError("need one gap per pair of neighbouring words")
    pieces: list[np.ndarray] = [np.zeros(int(round(lead * sr)), dtype=np.float32)]
    placed: list[SpokenWord] = []
    pos = pieces[0].size
    for i, word in enumerate(words):
        audio = synth_word(word, voice=voice, speed=speed, sr=sr)
        placed.append(SpokenWord(word, pos / sr, (pos + audio.size) / sr))
        pieces.append(audio)
        pos += audio.size
        gap = gap_list[i] if i < len(gap_list) else tail
        silence = np.zeros(int(round(gap * sr)), dtype=np.float32)
        pieces.append(silence)
        pos += silence.size
    samples = np.concatenate(pieces).astype(np.float32)
    if noise_db is not None:
        rng = np.random.default_rng(seed)
        samples = samples + rng.normal(0.0, 10 ** (noise_db / 20), samples.size).astype(np.float32)
    return samples, placed


def write_wav(path: Path, samples: np.ndarray, sr: int = SR) -> Path:
    """Write mono 16-bit PCM WAV."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(pcm.tobytes())
    return path
