"""Loudness (EBU R128 / ITU-R BS.1770): the one measurement type, read from ffmpeg's ebur128
filter, for both the renderers' programme audio and the checks of finished files.

One meter for both: a file normalised from a measurement is checked by the same measurement.
ebur128 costs a fifth of loudnorm's first pass (which upsamples to 192 kHz throughout), and
gives the same three figures.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from reelkit.errors import MediaError
from reelkit.io.ffmpeg import run_ffmpeg


@dataclass(frozen=True)
class Loudness:
    """Integrated loudness (LUFS), true peak (dBTP; -inf for silence) and loudness range (LU)."""

    integrated_lufs: float
    true_peak_db: float
    lra: float


# The filter prints its Summary last; these labels appear once each inside it.
_SUMMARY_VALUE = {
    "integrated_lufs": re.compile(r"^\s*I:\s+(\S+)\s+LUFS", re.M),
    "lra": re.compile(r"^\s*LRA:\s+(\S+)\s+LU\b", re.M),
    "true_peak_db": re.compile(r"^\s*Peak:\s+(\S+)\s+dBFS", re.M),
}


def ebur128_args(path: Path, stream: int = 0) -> list[str]:
    """ffmpeg arguments measuring audio stream ``stream`` of ``path`` (video skipped: fast)."""
    return ["-nostats", "-i", str(path), "-map", f"0:a:{stream}", "-vn", "-sn", "-dn",
            # framelog=quiet: only the Summary, not ten lines per second of audio.
            "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-"]


def parse_ebur128_summary(stderr: str) -> Loudness:
    """Read the Summary block that ebur128 prints when it ends."""
    at = stderr.rfind("Summary:")
    if at < 0:
        raise ValueError("no ebur128 Summary in ffmpeg output")
    summary = stderr[at:]
    values: dict[str, float] = {}
    for name, pattern in _SUMMARY_VALUE.items():
        match = pattern.search(summary)
        if not match:
            raise ValueError(f"ebur128 Summary lacks {name}")
        values[name] = float(match.group(1))  # float() reads "-inf" too
    return Loudness(**values)


SILENCE_LUFS = -70.0
"""Below this (BS.1770's absolute gate) there is nothing to normalise: digital silence."""


def parse_programme_loudness(stderr: str) -> Loudness | None:
    """The ebur128 Summary of a renderer's measuring pass; None for digital silence.

    Raises ValueError when there is no Summary.
    """
    measured = parse_ebur128_summary(stderr)
    if not math.isfinite(measured.integrated_lufs) or measured.integrated_lufs <= SILENCE_LUFS:
        return None
    return measured


def _audio_stream_count(path: Path) -> int:
    """Audio streams in ``path``, read with PyAV (ffmpeg would fail later with a vaguer message)."""
    import av  # local: PyAV loads only when a measurement runs

    if not path.is_file():
        raise MediaError("file not found", path=str(path))
    try:
        with av.open(str(path)) as container:
            return len(container.streams.audio)
    except av.FFmpegError as exc:
        raise MediaError(f"not a readable media file ({exc.strerror or type(exc).__name__})",
                         path=str(path)) from None


def measure_loudness(path: Path) -> Loudness:
    """Measure the first audio stream of ``path``.

    Raises MediaError when the file has no audio stream or cannot be decoded.
    """
    path = Path(path)
    if _audio_stream_count(path) == 0:
        raise MediaError("no audio stream to measure", path=str(path))
    stderr = run_ffmpeg(ebur128_args(path), stage="loudness")
    try:
        return parse_ebur128_summary(stderr)
    except ValueError as exc:
        raise MediaError(f"loudness measurement failed: {exc}", path=str(path)) from None
