"""One media file to caption words and pages, without a plan (``reelkit transcribe``).

The same path the planner takes for a clip's speech: the file's audio decoded to disk by the
one decoder (:func:`reelkit.speech.pcm.decode_audio_file`), recognised with the coverage check,
aligned to the script (read with the script cut's checks), and paged by the brand's caption
rules at the media's own frame rate.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from reelkit.brand import caption_rules, load_brand
from reelkit.captions import paginate, write_srt, write_vtt
from reelkit.cut.script_cut import read_script
from reelkit.errors import InputError
from reelkit.io.atomic import write_json_atomic
from reelkit.io.probe import probe
from reelkit.plan.model import CaptionPage, Word
from reelkit.speech import caption_words, script_prompt
from reelkit.speech.coverage import transcribe_covering
from reelkit.speech.pcm import decode_audio_file
from reelkit.speech.types import Transcript

TRANSCRIPT_SUFFIXES = (".srt", ".vtt", ".json")
AUDIO_ONLY_FPS = 30.0
"""Caption timing rules count frames; a file without video is paged as if at this rate."""


@dataclass(frozen=True)
class MediaTranscript:
    """What recognition heard, the caption words (aligned to the script when given) and pages."""

    transcript: Transcript
    words: tuple[Word, ...]
    pages: tuple[CaptionPage, ...]


def transcribe_media(media: Path, *, script_file: Path | None = None, backend: str = "faster-whisper",
                     model: str | None = None, language: str = "en", brand: str = "default",
                     use_cache: bool = True) -> MediaTranscript:
    """Recognise ``media``'s speech and page it into captions; InputError/MediaError naming the file."""
    info = probe(media)
    if not info.has_audio:
        raise InputError("has no audio stream to transcribe", path=str(media))
    script = read_script(script_file) if script_file else None
    with tempfile.TemporaryDirectory(prefix="reelkit-transcribe-") as tmp:
        samples = decode_audio_file(media, Path(tmp) / "audio.f32")
        transcript = transcribe_covering(samples, backend=backend, model=model, language=language,
                                         initial_prompt=script_prompt(script, language) if script else None,
                                         use_cache=use_cache)
        words = caption_words(transcript, samples, script=script)
    fps = info.fps if info.has_video and info.fps > 0 else AUDIO_ONLY_FPS
    pages = paginate(words, caption_rules(load_brand(brand), language), fps, [(0.0, info.duration)])
    return MediaTranscript(transcript, tuple(words), tuple(pages))


def write_transcript(result: MediaTranscript, output: Path) -> None:
    """Write ``output`` by its extension: SRT or VTT cues, or word-level JSON (atomically)."""
    suffix = output.suffix.lower()
    if suffix not in TRANSCRIPT_SUFFIXES:
        raise InputError("output must end in .srt, .vtt or .json", path=str(output))
    output.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".json":
        write_json_atomic(output, transcript_document(result))
    else:
        (write_srt if suffix == ".srt" else write_vtt)(result.pages, output)


def transcript_document(result: MediaTranscript) -> dict[str, object]:
    """The word-level JSON: recognised segments with their words, and the caption words."""
    tr = result.transcript
    segments = [{"start": s.start, "end": s.end, "text": s.text,
                 "words": [{"text": w.text, "start": w.start, "end": w.end} for w in s.words]}
                for s in tr.segments]
    return {"language": tr.language, "backend": tr.backend, "model": tr.model, "segments": segments,
            "words": [{"text": w.text, "start": w.start, "end": w.end, "timing": w.timing} for w in result.words]}
