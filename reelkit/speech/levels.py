"""Where a source's audio is clipped: runs of full-scale samples, as spans of source time.

A recorder driven too hard writes the top code value several samples in a row; no later gain
repairs that, so the producer is told where it happens (the plan keeps the spans, the render
log and metadata.json report them). Samples are read at the file's own rate, as 16-bit
integers (clipping is a property of the samples, which resampling would smooth away).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from reelkit.io.ffmpeg import run_ffmpeg

FULL_SCALE = 32767 * 0.999
"""Samples at or above this magnitude (16-bit) count as full scale."""
MIN_RUN = 3
"""A clipped run is at least this many full-scale samples in a row (single peaks are allowed)."""
MERGE_GAP = 0.25
"""Clipped runs closer than this (seconds) are reported as one span."""
MAX_SPANS = 50
MAX_SECONDS = 600.0
CHUNK_SECONDS = 30.0


def clipped_spans(path: str | Path, rate: int, channels: int, *,
                  seconds: float = MAX_SECONDS) -> tuple[tuple[float, float], ...]:
    """(start, end) seconds of each clipped stretch of the first audio stream (any channel),
    read at its own rate and channel count (a remix would scale the samples: mono to stereo
    is -3 dB)."""
    rate, channels = rate or 48000, max(1, channels)
    with tempfile.TemporaryDirectory(prefix="reelkit-levels-") as tmp:
        raw = Path(tmp) / "samples.s16"
        run_ffmpeg(["-nostdin", "-t", f"{seconds:.3f}", "-i", str(path), "-map", "0:a:0", "-vn", "-sn", "-dn",
                    "-ac", str(channels), "-ar", str(rate), "-f", "s16le", "-acodec", "pcm_s16le", str(raw)],
                   stage="clipping analysis")
        data = np.memmap(raw, dtype="<i2", mode="r") if raw.stat().st_size else np.zeros(0, "<i2")
        runs = _runs(data, rate, channels)
        del data
    return _merge(runs)


def _runs(data: np.ndarray, rate: int, channels: int) -> list[tuple[float, float]]:
    """Clipped runs as (start, end) seconds (any channel at full scale), read a chunk at a time
    (bounded memory)."""
    runs: list[tuple[float, float]] = []
    data = data[: data.size // channels * channels]
    step = int(CHUNK_SECONDS * rate) * channels
    for at in range(0, data.size, step):
        # Overlap a little so a run across a chunk edge is seen whole.
        chunk = np.abs(np.asarray(data[at:at + step + channels * MIN_RUN], dtype=np.int32))
        chunk = chunk.reshape(-1, channels).max(axis=1)
        full = np.concatenate([[False], chunk >= FULL_SCALE, [False]])
        edges = np.flatnonzero(np.diff(full.astype(np.int8)))
        for start, end in zip(edges[::2], edges[1::2]):
            if end - start >= MIN_RUN:
                runs.append(((at // channels + start) / rate, (at // channels + end) / rate))
    return runs


def _merge(runs: list[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    spans: list[list[float]] = []
    for start, end in sorted(runs):
        if spans and start - spans[-1][1] <= MERGE_GAP:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    return tuple((round(a, 3), round(b, 3)) for a, b in spans[:MAX_SPANS])


def format_spans(spans: tuple[tuple[float, float], ...]) -> str:
    """``0:01.20-0:01.45, 0:03.00-0:03.10`` for a log line."""
    def clock(t: float) -> str:
        return f"{int(t // 60)}:{t % 60:05.2f}"
    return ", ".join(f"{clock(a)}-{clock(b)}" for a, b in spans)
