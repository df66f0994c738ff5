"""Speech recognition for captions: offline Whisper backends, a transcript cache, and the
public entry points the planner calls.

    samples = load_audio(path)
    transcript = transcribe(samples, backend="faster-whisper", initial_prompt=script_prompt(script))
    words = caption_words(transcript, samples, script=script)   # -> tuple[reelkit.plan.Word, ...]

Nothing is loaded at import time: models load on first use and are reused within the process.
"""

from __future__ import annotations

from reelkit.speech.align import caption_words, script_prompt
from reelkit.speech.audio import SAMPLE_RATE
from reelkit.speech.backends import backend_calls, loaded_models, transcribe, unload_models
from reelkit.speech.cache import cache_key, default_cache_dir
from reelkit.speech.convert import convert_ct2_to_openai, read_ct2_model
from reelkit.speech.models import ResolvedModel, resolve_model, user_model_dir
from reelkit.speech.pcm import PcmFile, decode_audio_file, load_audio
from reelkit.speech.types import RecognisedWord, Segment, Transcript
from reelkit.speech.vad import speech_regions

__all__ = [
    "SAMPLE_RATE", "PcmFile", "RecognisedWord", "ResolvedModel", "Segment", "Transcript", "backend_calls",
    "cache_key", "caption_words", "convert_ct2_to_openai", "decode_audio_file", "default_cache_dir", "load_audio",
    "loaded_models", "read_ct2_model", "resolve_model", "script_prompt", "speech_regions",
    "transcribe", "unload_models", "user_model_dir",
]

