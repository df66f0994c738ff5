"""`reelkit transcribe`: media -> SRT, VTT or word-level JSON."""

from __future__ import annotations

from pathlib import Path

from reelkit.brand import caption_rules, load_brand
from reelkit.captions import paginate, write_srt, write_vtt
from reelkit.errors import InputError
from reelkit.io.atomic import write_json_atomic
from reelkit.io.probe import probe
from reelkit.speech import caption_words, load_audio, script_prompt
from reelkit.speech.coverage import transcribe_covering


def transcribe_to_file(media: Path, output: Path, *, script_file: Path | None = None,
                       backend: str = "faster-whisper", model: str | None = None, language: str = "en",
                       brand: str = "default", use_cache: bool = True) -> None:
    """Transcribe ``media`` (aligning to ``script_file`` when given) and write ``output`` by its extension."""
    suffix = output.suffix.lower()
    if suffix not in (".srt", ".vtt", ".json"):
        raise InputError("output must end in .srt, .vtt or .json", path=str(output))
    info = probe(media)
    if not info.has_audio:
        raise InputError("has no audio stream to transcribe", path=str(media))
    script = script_file.read_text(encoding="utf-8") if script_file else None
    samples = load_audio(media)
    transcript = transcribe_covering(samples, backend=backend, model=model, language=language,
                                     initial_prompt=script_prompt(script) if script else None,
                                     use_cache=use_cache)
    words = caption_words(transcript, samples, script=script)
    output.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".json":
        segments = [{"start": s.start, "end": s.end, "text": s.text,
                     "words": [{"text": w.text, "start": w.start, "end": w.end} for w in s.words]}
                    for s in transcript.segments]
        data = {"language": transcript.language, "backend": transcript.backend, "model": transcript.model,
                "segments": segments,
                "words": [{"text": w.text, "start": w.start, "end": w.end, "timing": w.timing}
                          for w in words]}
        write_json_atomic(output, data)
        return
    pages = paginate(words, caption_rules(load_brand(brand)), 30.0, [(0.0, info.duration)])
    (write_srt if suffix == ".srt" else write_vtt)(pages, output)
