"""`reelkit transcribe`: media -> SRT, VTT or word-level JSON (the library does the work)."""

from __future__ import annotations

from pathlib import Path

from reelkit.decide.transcribe import TRANSCRIPT_SUFFIXES, transcribe_media, write_transcript
from reelkit.errors import InputError


def transcribe_to_file(media: Path, output: Path, *, script_file: Path | None = None,
                       backend: str = "faster-whisper", model: str | None = None, language: str = "en",
                       brand: str = "default", use_cache: bool = True) -> None:
    """Transcribe ``media`` (aligning to ``script_file`` when given) and write ``output`` by its extension."""
    if output.suffix.lower() not in TRANSCRIPT_SUFFIXES:  # refused before any work
        raise InputError("output must end in .srt, .vtt or .json", path=str(output))
    result = transcribe_media(media, script_file=script_file, backend=backend, model=model, language=language,
                              brand=brand, use_cache=use_cache)
    write_transcript(result, output)
