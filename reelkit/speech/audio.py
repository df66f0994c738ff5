"""Decoding any media file's audio to the mono float32 samples the recognisers take."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from reelkit.errors import MediaError, RenderError
from reelkit.io.ffmpeg import ffmpeg_exe
from reelkit.speech.channels import mono_filter, voice_choice

SAMPLE_RATE = 16000
"""The rate both Whisper backends expect."""


def load_audio_argv(path: str | Path, start: float = 0.0, end: float | None = None,
                    sr: int = SAMPLE_RATE, remix: str = "") -> list[str]:
    """The ffmpeg argument list (binary included) that writes the audio as f32le to stdout."""
    argv = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error"]
    if start > 0:
        # Input seeking is sample-accurate for audio when transcoding, and skips decoding.
        argv += ["-ss", f"{start:.6f}"]
    argv += ["-i", str(path)]
    if end is not None:
        argv += ["-t", f"{max(0.0, end - start):.6f}"]
    # -map 0:a:0 makes a file without audio fail loudly instead of giving empty output.
    # ``remix`` (a pan filter) takes the voice from the right channels first: averaging an
    # inverted dual-mono pair would give silence.
    argv += ["-map", "0:a:0", "-vn", "-sn", "-dn"] + (["-af", remix] if remix else []) + ["-ac", "1", "-ar", str(int(sr)),
             "-f", "f32le", "-acodec", "pcm_f32le", "pipe:1"]
    return argv


def load_audio(path: str | Path, start: float = 0.0, end: float | None = None,
               sr: int = SAMPLE_RATE, channels: str | None = None) -> np.ndarray:
    """Decode ``[start, end)`` seconds of the first audio stream of ``path``, the voice taken
    from its channels by ``channels`` (a reelkit.speech.channels choice; None: analysed, as
    the plan analyses it, so a one-channel or inverted dual-mono voice is heard).

    Returns mono float32 samples at ``sr`` Hz (-1..1). Raises :class:`MediaError` naming the
    file when it is missing, unreadable, or has no audio stream.
    """
    p = Path(path)
    if not p.is_file():
        raise MediaError("file not found", path=str(p), hint="check the path")
    if end is not None and end < start:
        raise ValueError(f"end ({end}) is before start ({start})")
    if channels is None:
        try:
            channels = voice_choice(p)
        except (MediaError, RenderError):  # unreadable: the decode below says so, in its own words
            channels = "stereo"
    argv = load_audio_argv(p, start, end, sr, mono_filter(channels))
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace")
        if "matches no streams" in err or "does not contain any stream" in err:
            raise MediaError("has no audio stream", path=str(p),
                             hint="give a clip with sound, or turn captions off for it")
        last = [ln.strip() for ln in err.splitlines() if ln.strip()][-1:] or ["no output"]
        raise MediaError(f"cannot decode audio: {last[0]}", path=str(p))
    data = np.frombuffer(proc.stdout, dtype="<f4")
    return data.astype(np.float32, copy=True)
