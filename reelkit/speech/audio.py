"""How a media file's audio is read for the recognisers: the rate, and the ffmpeg arguments.

Pure (nothing runs here): :func:`reelkit.speech.pcm.decode_audio_file` runs these arguments,
the one decoder of a media file's audio (the plan's joined voice is decoded by
:func:`reelkit.speech.pcm.decode_voice_file`, on the same runner).
"""

from __future__ import annotations

from pathlib import Path

SAMPLE_RATE = 16000
"""The rate both Whisper backends, the onset analysis and the forced aligner take."""


def audio_args(path: str | Path, out: str | Path, start: float = 0.0, end: float | None = None,
               sr: int = SAMPLE_RATE, remix: str = "") -> list[str]:
    """ffmpeg arguments (binary excluded) writing ``[start, end)`` of the first audio stream of
    ``path`` to ``out`` as mono float32 (f32le) at ``sr`` Hz; ``remix`` (a pan filter,
    :func:`reelkit.speech.channels.mono_filter`) takes the voice from the right channels first."""
    args = ["-v", "error"]
    if start > 0:
        # Input seeking is sample-accurate for audio when transcoding, and skips decoding.
        args += ["-ss", f"{start:.6f}"]
    args += ["-i", str(path)]
    if end is not None:
        args += ["-t", f"{max(0.0, end - start):.6f}"]
    # -map 0:a:0 makes a file without audio fail loudly instead of giving empty output.
    # Averaging an inverted dual-mono pair would give silence: the remix picks the voice first.
    return args + ["-map", "0:a:0", "-vn", "-sn", "-dn"] + (["-af", remix] if remix else []) + [
        "-ac", "1", "-ar", str(int(sr)), "-f", "f32le", "-acodec", "pcm_f32le", str(out)]
