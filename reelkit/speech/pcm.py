"""The decoded voice kept on disk and read a window at a time.

A 12-minute voice track is 46 MB of 16 kHz float32 samples, and the work on it (the cache
key, voice activity, Whisper, the onset envelope) made several times that in temporaries when
it all ran over one array: the Python process peaked near 1 GB. Here ffmpeg writes the samples
straight to a file and every stage reads bounded windows of it (:data:`CHUNK_SECONDS` plus a
small margin), so memory does not grow with the input's length.

:class:`PcmFile` behaves like the 1-D sample array where the speech code needs it: ``len()``,
``.size`` and slicing with a step of 1 (each slice is one read of just that span).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from reelkit.io.ffmpeg import run_ffmpeg
from reelkit.plan.model import Plan
from reelkit.plan.voice import voice_pcm_args
from reelkit.speech.audio import SAMPLE_RATE

CHUNK_SECONDS = 120.0
"""Longest window any stage reads at once (7.7 MB of samples). Whisper decodes 30 s at a time
inside a window with the previous text as context; a window edge (always in a pause) loses
that context, and at 30 s windows that cost words of a raw take next to the edge (seen in
the script-cut tests), so windows are four of Whisper's long."""
_BYTES = 4  # float32


class PcmFile:
    """Mono little-endian float32 samples in a raw file, read by slicing.

    ``largest_read`` is the most samples one read has returned: the bound the chunked stages
    keep (tests assert it).
    """

    def __init__(self, path: str | Path, sr: int = SAMPLE_RATE) -> None:
        self.path = Path(path)
        self.sr = sr
        self.size = self.path.stat().st_size // _BYTES
        self.largest_read = 0

    def __len__(self) -> int:
        return self.size

    @property
    def duration(self) -> float:
        return self.size / self.sr

    def __getitem__(self, key: slice) -> np.ndarray:
        if not isinstance(key, slice):
            raise TypeError("PcmFile supports slices only")
        start, stop, step = key.indices(self.size)
        if step != 1:
            raise ValueError("PcmFile slices need a step of 1")
        count = max(0, stop - start)
        self.largest_read = max(self.largest_read, count)
        if count == 0:
            return np.zeros(0, dtype=np.float32)
        return np.fromfile(self.path, dtype="<f4", count=count, offset=start * _BYTES).astype(np.float32)

    def chunks(self, seconds: float = CHUNK_SECONDS) -> Iterator[np.ndarray]:
        """The samples in order, ``seconds`` at a time."""
        step = max(1, int(seconds * self.sr))
        for start in range(0, self.size, step):
            yield self[start:start + step]


def sample_chunks(samples: np.ndarray | PcmFile, seconds: float = CHUNK_SECONDS,
                  sr: int = SAMPLE_RATE) -> Iterator[np.ndarray]:
    """``samples`` (an array or a :class:`PcmFile`) in order, ``seconds`` at a time."""
    if isinstance(samples, PcmFile):
        yield from samples.chunks(seconds)
        return
    step = max(1, int(seconds * sr))
    for start in range(0, len(samples), step):
        yield samples[start:start + step]


def decode_voice_file(plan: Plan, path: Path, sample_rate: int = SAMPLE_RATE) -> PcmFile:
    """Decode the plan's joined voice track to ``path`` (raw f32le mono) and open it.

    ffmpeg writes the file itself: no sample passes through this process.
    """
    args = voice_pcm_args(plan, sample_rate)
    # voice_pcm_args ends with the output "pipe:1"; write the file instead.
    run_ffmpeg(["-loglevel", "error"] + args[:-1] + [str(path)], stage="decode audio")
    return PcmFile(path, sample_rate)
