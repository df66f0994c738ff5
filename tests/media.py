"""Synthetic media for samples, tests and benchmarks: espeak-ng speech and lavfi pictures.

Not used by the render path. Every function writes real files with real encoders, so tests
that use them exercise the same media layer users do.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from reelkit.errors import ReelkitError
from reelkit.io.ffmpeg import run_ffmpeg


def have_espeak() -> bool:
    return shutil.which("espeak-ng") is not None


def speak(text: str, wav: Path, *, voice: str = "en-us", words_per_minute: int = 150) -> Path:
    """Speak ``text`` to a 22.05 kHz mono WAV with espeak-ng."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise ReelkitError("espeak-ng is not installed (apt-get install espeak-ng)")
    subprocess.run([exe, "-v", voice, "-s", str(words_per_minute), "-w", str(wav), text],
                   check=True, capture_output=True)
    return wav


def speak_sentences(sentences: Sequence[str], wav: Path, *, gap: float = 0.6, voice: str = "en-us",
                    words_per_minute: int = 150) -> list[tuple[float, float]]:
    """Speak each sentence, join them with ``gap`` seconds of silence; return each one's (start, end)."""
    import wave

    import numpy as np

    chunks = []
    spans = []
    cursor = 0
    rate = 22050
    for i, sentence in enumerate(sentences):
        part = wav.with_name(f"{wav.stem}.part{i}.wav")
        speak(sentence, part, voice=voice, words_per_minute=words_per_minute)
        with wave.open(str(part)) as w:
            rate = w.getframerate()
            data = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
        part.unlink()
        # Trim espeak's own leading/trailing silence so the spans are the speech itself.
        loud = np.nonzero(np.abs(data) > 300)[0]
        data = data[loud[0]:loud[-1] + 1] if loud.size else data
        if i:
            chunks.append(np.zeros(int(gap * rate), dtype=np.int16))
            cursor += int(gap * rate)
        spans.append((cursor / rate, (cursor + data.size) / rate))
        chunks.append(data)
        cursor += data.size
    lead = np.zeros(int(0.3 * rate), dtype=np.int16)  # a little room before the first word
    joined = np.concatenate([lead] + chunks + [lead])
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(joined.tobytes())
    return [(a + 0.3, b + 0.3) for a, b in spans]


def talking_clip(out: Path, audio: Path | None, *, size: str = "1280x720", fps: float = 25,
                 duration: float | None = None, colour: str = "0x1d3557", crf: int = 30,
                 rotate: int | None = None, extra: Sequence[str] = ()) -> Path:
    """A stand-in talking-head shot: a lit 'presenter' shape on a moving gradient, with ``audio``."""
    w, h = (int(v) for v in size.split("x"))
    # A head-and-shoulders silhouette centred, so a centred crop keeps the 'speaker' in frame.
    head = (f"drawbox=x={w // 2 - w // 16}:y={h // 5}:w={w // 8}:h={h // 4}:color=0xf1c27d:t=fill,"
            f"drawbox=x={w // 2 - w // 7}:y={h // 5 + h // 4}:w={2 * (w // 7)}:h={h}:color=0xe63946:t=fill")
    video = f"gradients=s={size}:r={fps}:c0={colour}:c1=0x457b9d:speed=0.02:duration={duration or 3600},{head}"
    args = ["-f", "lavfi", "-i", video]
    if audio is not None:
        args += ["-i", str(audio)]
    args += ["-map", "0:v"] + (["-map", "1:a", "-shortest", "-c:a", "aac", "-b:a", "64k"] if audio else [])
    if duration:
        args += ["-t", str(duration)]
    args += ["-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-pix_fmt", "yuv420p", *extra]
    if rotate is not None:
        # Phones store portrait video as landscape pixels plus a display rotation.
        tmp = out.with_name(out.stem + ".norot" + out.suffix)
        run_ffmpeg(args + [str(tmp)], stage="make sample clip")
        run_ffmpeg(["-display_rotation", str(rotate), "-i", str(tmp), "-c", "copy", str(out)], stage="rotate clip")
        tmp.unlink()
        return out
    run_ffmpeg(args + [str(out)], stage="make sample clip")
    return out


def broll_clip(out: Path, *, size: str = "1280x720", fps: float = 30, duration: float = 4.0, crf: int = 30) -> Path:
    """A b-roll stand-in with no audio stream (a zooming Mandelbrot set)."""
    run_ffmpeg(["-f", "lavfi", "-i", f"mandelbrot=s={size}:r={fps}", "-t", str(duration), "-an",
                "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-pix_fmt", "yuv420p", str(out)],
               stage="make b-roll clip")
    return out


def tone(out: Path, *, duration: float = 2.0, frequency: float = 440, rate: int = 48000, volume_db: float = -20) -> Path:
    """A sine tone at a known level, for loudness and mixing tests."""
    run_ffmpeg(["-f", "lavfi", "-i", f"sine=f={frequency}:r={rate}:d={duration}", "-af", f"volume={volume_db}dB",
                str(out)], stage="make tone")
    return out
