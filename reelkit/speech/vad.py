"""Where the speech is: Silero VAD regions, and the windows long audio is recognised in.

Both backends use these regions (faster-whisper's VAD filter, openai-whisper's clip windows),
and audio longer than one window is cut in pauses so no word is split between two windows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from reelkit.speech.audio import SAMPLE_RATE
from reelkit.speech.pcm import CHUNK_SECONDS

if TYPE_CHECKING:
    from reelkit.speech.pcm import PcmFile

# Silero VAD settings: short silences split regions (so music between phrases is cut out),
# padding keeps word edges.
VAD_OPTIONS: dict[str, Any] = {"threshold": 0.5, "min_speech_duration_ms": 120,
                               "min_silence_duration_ms": 700, "speech_pad_ms": 250}
WORD_REGION_PAD = 0.2
"""A recognised word must overlap detected speech (widened by this many seconds) to be kept."""


def speech_regions(samples: np.ndarray, sr: int = SAMPLE_RATE) -> list[tuple[float, float]]:
    """Stretches of speech (seconds) found by Silero VAD; music and silence are left out."""
    if samples.size == 0:
        return []
    # lazy: faster-whisper's VAD (ONNX runtime) loads only when speech is searched
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if sr != SAMPLE_RATE:
        raise ValueError(f"speech_regions needs {SAMPLE_RATE} Hz samples, got {sr}")
    stamps = get_speech_timestamps(np.ascontiguousarray(samples, dtype=np.float32),
                                   VadOptions(**VAD_OPTIONS), sampling_rate=sr)
    return [(s["start"] / sr, s["end"] / sr) for s in stamps]


def _cut_point(regions: Sequence[tuple[float, float]], length: float) -> float:
    """Where to end a window of ``length`` seconds that is followed by more audio: in the
    middle of the last pause, so no word is split between two windows.

    A window whose last speech ends well before its end is cut in that silence; one whose
    speech runs to the end is cut in the pause before that stretch, unless that would leave
    less than half a window (continuous speech: cut at the end).
    """
    if not regions:
        return length
    last_start, last_end = regions[-1]
    if last_end < length - 2 * WORD_REGION_PAD:
        return (last_end + length) / 2
    if len(regions) > 1:
        cut = (regions[-2][1] + last_start) / 2
        if cut >= length / 2:
            return cut
    return length


def speech_windows(samples: "np.ndarray | PcmFile", sr: int = SAMPLE_RATE,
                   seconds: float | None = None) -> Iterator[tuple[int, np.ndarray, list[tuple[float, float]]]]:
    """``(first sample, samples, speech regions in window seconds)`` for consecutive windows of
    at most ``seconds`` (default :data:`reelkit.speech.pcm.CHUNK_SECONDS`), cut in pauses.

    Audio no longer than one window is one window with exactly :func:`speech_regions`; longer
    audio (an array or a :class:`~reelkit.speech.pcm.PcmFile`) is read one window at a time.
    """
    size = max(1, int((seconds if seconds is not None else CHUNK_SECONDS) * sr))
    total = len(samples)
    pos = 0
    while pos < total:
        end = min(total, pos + size)
        window = np.asarray(samples[pos:end], dtype=np.float32)
        regions = speech_regions(window, sr)
        if end < total:
            cut = _cut_point(regions, (end - pos) / sr)
            keep = max(1, min(end - pos, int(round(cut * sr))))
            if keep < end - pos:
                window = window[:keep]
                edge = keep / sr
                regions = [(a, min(b, edge)) for a, b in regions if a < edge]
                end = pos + keep
        yield pos, window, regions
        pos = end
