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

from collections.abc import Iterator, Mapping
import tempfile
from pathlib import Path

import numpy as np

from reelkit.errors import MediaError, RenderError
from reelkit.io.ffmpeg import run_ffmpeg
from reelkit.plan.model import Plan
from reelkit.plan.voice import cut_inputs, voice_graph
from reelkit.speech.audio import SAMPLE_RATE, audio_args
from reelkit.speech.channels import mono_filter, voice_choice

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
    return decode_voice_files(plan, {sample_rate: path})[sample_rate]


def decode_voice_files(plan: Plan, paths: Mapping[int, Path]) -> dict[int, PcmFile]:
    """Decode the plan's joined voice once into one raw f32le mono file per sample rate
    (``paths`` maps rate to file) and open them: stages wanting the voice at different
    rates (voice activity at 16 kHz, the SNR model at 48 kHz) share one decode."""
    chains, label = voice_graph(plan)
    rates = list(paths)
    chains.append(f"[{label}]asplit={len(rates)}" + "".join(f"[split{i}]" for i in range(len(rates))))
    outputs: list[str] = []
    for i, rate in enumerate(rates):
        chains.append(f"[split{i}]aresample={rate},aformat=sample_fmts=flt:channel_layouts=mono[pcm{i}]")
        outputs += ["-map", f"[pcm{i}]", "-f", "f32le", "-acodec", "pcm_f32le", str(paths[rate])]
    run_ffmpeg(["-loglevel", "error", *cut_inputs(plan, audio_only=True), "-filter_complex", ";".join(chains),
                *outputs], stage="decode audio")
    return {rate: PcmFile(paths[rate], rate) for rate in rates}


def decode_audio_file(media: str | Path, path: Path, start: float = 0.0, end: float | None = None,
                      sample_rate: int = SAMPLE_RATE, channels: str | None = None) -> PcmFile:
    """Decode ``[start, end)`` seconds of the first audio stream of ``media`` to ``path`` (raw
    f32le mono at ``sample_rate``) and open it; ffmpeg runs watched (:func:`run_ffmpeg`).

    The voice is taken from the channels by ``channels`` (a :mod:`reelkit.speech.channels`
    choice; None: analysed as the plan analyses it, so a one-channel or inverted dual-mono
    voice is heard).

    Raises :class:`MediaError` naming the file when it is missing, unreadable, or has no
    audio stream.
    """
    src = Path(media)
    if not src.is_file():
        raise MediaError("file not found", path=str(src), hint="check the path")
    if end is not None and end < start:
        raise ValueError(f"end ({end}) is before start ({start})")
    if channels is None:
        try:
            channels = voice_choice(src)
        except (MediaError, RenderError):  # unreadable: the decode below says so, in its own words
            channels = "stereo"
    try:
        run_ffmpeg(audio_args(src, path, start, end, sample_rate, mono_filter(channels)), stage="decode audio")
    except RenderError as exc:
        err = exc.stderr_tail
        if "matches no streams" in err or "does not contain any stream" in err:
            raise MediaError("has no audio stream", path=str(src),
                             hint="give a clip with sound, or turn captions off for it") from None
        last = [ln.strip() for ln in err.splitlines() if ln.strip()][-1:] or ["no output"]
        raise MediaError(f"cannot decode audio: {last[0]}", path=str(src)) from None
    return PcmFile(path, sample_rate)


def load_audio(media: str | Path, start: float = 0.0, end: float | None = None,
               sr: int = SAMPLE_RATE, channels: str | None = None) -> np.ndarray:
    """:func:`decode_audio_file` read whole into memory: mono float32 samples (-1..1) at ``sr``.

    For clips and windows of known, short length; long inputs stay on disk as a PcmFile.
    """
    with tempfile.TemporaryDirectory(prefix="reelkit-audio-") as tmp:
        pcm = decode_audio_file(media, Path(tmp) / "audio.f32", start, end, sr, channels)
        return np.fromfile(pcm.path, dtype="<f4").astype(np.float32, copy=False)
