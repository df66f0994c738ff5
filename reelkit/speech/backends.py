"""The two Whisper backends behind one interface, and :func:`transcribe`.

Both backends run offline on the CPU with word timestamps, the same voice-activity filter
(Silero VAD, shipped inside faster-whisper: :mod:`reelkit.speech.vad`), ``condition_on_previous_text``
off, and the same post-filters (:mod:`reelkit.speech.postfilter`): words outside detected speech,
non-speech annotations ("[Music]", "♪") and repeated-segment loops are dropped, so no caption
appears over music-only or silent stretches.

Loaded models are kept in one small registry keyed by (backend, model) so a batch loads each
model once; nothing is loaded at import time.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from reelkit.errors import ModelError
from reelkit.speech import cache as tcache
from reelkit.speech.audio import SAMPLE_RATE
from reelkit.speech.convert import openai_checkpoint
from reelkit.speech.models import MULTILINGUAL_MODELS, ResolvedModel, download_error, resolve_model
from reelkit.speech.pcm import PcmFile
from reelkit.speech.postfilter import drop_annotations, drop_repeats, keep_in_regions
from reelkit.speech.types import RecognisedWord, Segment, Transcript
from reelkit.speech.vad import VAD_OPTIONS, WORD_REGION_PAD, speech_windows

log = logging.getLogger("reelkit.speech")

# Decoding options shared by both backends; part of the cache key.
DECODE_OPTIONS: dict[str, Any] = {
    "beam_size": 5,
    "condition_on_previous_text": False,
    "temperature": (0.0, 0.2, 0.4, 0.6, 0.8, 1.0),
    "compression_ratio_threshold": 2.4,
    "no_speech_threshold": 0.6,
    "word_timestamps": True,
}
OPENAI_BEST_OF = 5
"""Samples drawn per fallback temperature by openai-whisper (it decodes greedily at 0)."""

class Engine(Protocol):
    """A loaded model of one backend."""

    backend: str
    model_name: str
    multilingual: bool

    def run(self, samples: np.ndarray, *, language: str, initial_prompt: str | None,
            regions: Sequence[tuple[float, float]]) -> list[Segment]:
        """Recognise ``samples`` (16 kHz mono float32) inside the speech ``regions``."""
        ...


def _merge_regions(regions: Sequence[tuple[float, float]], gap: float) -> list[tuple[float, float]]:
    merged: list[list[float]] = []
    for start, end in regions:
        if merged and start - merged[-1][1] <= gap:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


# --- engines ------------------------------------------------------------------------------------

def _threads() -> int:
    """CPU threads for a backend: ``$REELKIT_ASR_THREADS``, else half the cores (at most 4).

    Half, because PyTorch's spinning thread pool collapses when its threads compete with
    other work for the cores: on a busy 2-core machine openai-whisper took 13.7 s for 11 s of
    speech with 2 threads and 1.4 s with 1.
    """
    env = os.environ.get("REELKIT_ASR_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(4, (os.cpu_count() or 1) // 2))


@contextlib.contextmanager
def _torch_threads(n: int) -> Iterator[None]:
    """Run with ``n`` PyTorch intra-op threads, restoring the caller's setting afterwards."""
    # lazy: torch takes seconds to import; only openai-whisper needs it
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class FasterWhisperEngine:
    """faster-whisper (CTranslate2, int8 on the CPU)."""

    backend = "faster-whisper"

    def __init__(self, resolved: ResolvedModel) -> None:
        # lazy: CTranslate2 loads only when this backend is used
        from faster_whisper import WhisperModel

        self.model_name = resolved.name
        source = str(resolved.path) if resolved.path is not None else resolved.name
        try:
            self._model = WhisperModel(source, device="cpu", compute_type="int8",
                                       cpu_threads=_threads())
        except Exception as exc:  # the download step, or a damaged folder
            if resolved.path is None:
                raise download_error(resolved, exc) from None
            raise ModelError(f"{resolved.path}: cannot load with faster-whisper: {exc}") from None
        self.multilingual = bool(self._model.model.is_multilingual)

    def run(self, samples: np.ndarray, *, language: str, initial_prompt: str | None,
            regions: Sequence[tuple[float, float]]) -> list[Segment]:
        # lazy: as above
        from faster_whisper.vad import VadOptions

        opts = DECODE_OPTIONS
        segments, _info = self._model.transcribe(
            samples, language=language, initial_prompt=initial_prompt,
            beam_size=opts["beam_size"], temperature=list(opts["temperature"]),
            compression_ratio_threshold=opts["compression_ratio_threshold"],
            no_speech_threshold=opts["no_speech_threshold"],
            condition_on_previous_text=opts["condition_on_previous_text"],
            word_timestamps=True, vad_filter=True, vad_parameters=VadOptions(**VAD_OPTIONS))
        out: list[Segment] = []
        for seg in segments:
            words = tuple(RecognisedWord(w.word, float(w.start), float(w.end), float(w.probability))
                          for w in (seg.words or ()))
            out.append(Segment(float(seg.start), float(seg.end), seg.text, words))
        return out


class OpenAIWhisperEngine:
    """openai-whisper (PyTorch, float32 on the CPU), weights converted from CTranslate2."""

    backend = "openai-whisper"

    def __init__(self, resolved: ResolvedModel) -> None:
        # lazy: torch and openai-whisper load only when this backend is used
        import torch
        import whisper
        from whisper.model import ModelDimensions, Whisper

        self.model_name = resolved.name
        if resolved.path is None:
            try:
                self._model = whisper.load_model(resolved.name, device="cpu")
            except Exception as exc:
                raise download_error(resolved, exc) from None
        else:
            checkpoint_path = openai_checkpoint(resolved)
            for attempt in (1, 2):
                try:
                    ckpt = torch.load(checkpoint_path, map_location="cpu", weights_only=True)
                    model = Whisper(ModelDimensions(**ckpt["dims"]))
                    model.load_state_dict(ckpt["model_state_dict"])
                    break
                except Exception as exc:
                    if attempt == 1 and resolved.format == "ct2":
                        # Our own cached conversion is damaged (cut short, another version): rebuild it.
                        checkpoint_path.unlink(missing_ok=True)
                        checkpoint_path = openai_checkpoint(resolved)
                        continue
                    raise ModelError(f"{checkpoint_path}: cannot load with openai-whisper: {exc}") from None
            heads = ckpt.get("alignment_heads")
            table = getattr(whisper, "_ALIGNMENT_HEADS", {})
            if heads:
                mask = torch.zeros(model.dims.n_text_layer, model.dims.n_text_head, dtype=torch.bool)
                for layer, head in heads:
                    mask[layer, head] = True
                model.register_buffer("alignment_heads", mask.to_sparse(), persistent=False)
            elif resolved.name in table:
                model.set_alignment_heads(table[resolved.name])
            self._model = model.eval()
        self.multilingual = bool(self._model.is_multilingual)

    def run(self, samples: np.ndarray, *, language: str, initial_prompt: str | None,
            regions: Sequence[tuple[float, float]]) -> list[Segment]:
        # One decode window per speech region (close regions merged, so short pauses do not
        # multiply windows): the same effect as faster-whisper's VAD filter.
        # Clip ends are clamped inside the last whole mel frame: openai-whisper rounds them to
        # frames, and an end past its content frames makes its seek loop spin forever.
        last = (samples.size // 160 - 1) / 100.0
        clips = [min(t, last) for region in _merge_regions(regions, 1.0) for t in region]
        with _torch_threads(_threads()):
            result = self._transcribe(samples, language, initial_prompt, clips)
        out: list[Segment] = []
        for seg in result.get("segments", []):
            words = tuple(RecognisedWord(str(w["word"]), float(w["start"]), float(w["end"]),
                                         float(w.get("probability", 0.0)))
                          for w in seg.get("words", ()))
            out.append(Segment(float(seg["start"]), float(seg["end"]), str(seg["text"]), words))
        return out

    def _transcribe(self, samples: np.ndarray, language: str, initial_prompt: str | None,
                    clips: list[float]) -> dict[str, Any]:
        opts = DECODE_OPTIONS
        return self._model.transcribe(
            samples, language=language, initial_prompt=initial_prompt, fp16=False, verbose=None,
            # Greedy at temperature 0 (openai-whisper's own default): its beam search ran
            # many times slower on this CPU (28 s of speech did not finish in 90 s).
            beam_size=None, best_of=OPENAI_BEST_OF, temperature=opts["temperature"],
            compression_ratio_threshold=opts["compression_ratio_threshold"],
            no_speech_threshold=opts["no_speech_threshold"],
            condition_on_previous_text=opts["condition_on_previous_text"],
            word_timestamps=True, clip_timestamps=clips)


_ENGINES: dict[str, type[FasterWhisperEngine] | type[OpenAIWhisperEngine]] = {
    "faster-whisper": FasterWhisperEngine,
    "openai-whisper": OpenAIWhisperEngine,
}


@dataclass
class _Registry:
    """Loaded engines keyed by (backend, model identity), and the count of backend calls."""

    engines: dict[tuple[str, str], Engine]
    calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def engine(self, resolved: ResolvedModel) -> Engine:
        key = (resolved.backend, resolved.identity())
        with self.lock:
            found = self.engines.get(key)
            if found is None:
                found = _ENGINES[resolved.backend](resolved)
                self.engines[key] = found
            return found


_REGISTRY = _Registry(engines={})


def backend_calls() -> int:
    """How many times this process has run a recogniser (cache hits and silent audio excluded)."""
    return _REGISTRY.calls


def loaded_models() -> list[tuple[str, str]]:
    """(backend, model identity) of every model loaded in this process."""
    return list(_REGISTRY.engines)


def unload_models() -> None:
    """Forget loaded models (frees their memory once nothing else holds them)."""
    with _REGISTRY.lock:
        _REGISTRY.engines.clear()


def release_memory() -> None:
    """Unload every model and hand the freed heap back to the system.

    The pipeline calls this between planning and rendering: a loaded model and the heap the
    recogniser grew (about 150 MB with tiny.en) would otherwise sit beside the encoders for
    the whole render.
    """
    unload_models()
    gc.collect()
    trim_heap()


def trim_heap() -> None:
    """Hand freed heap back to the system (glibc keeps it otherwise); a no-op elsewhere."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to trim


def transcribe(samples: "np.ndarray | PcmFile", *, backend: str = "faster-whisper", model: str | None = None,
               language: str = "en", initial_prompt: str | None = None,
               cache_dir: Path | None = None, use_cache: bool = True,
               keep_repeats: bool = False) -> Transcript:
    """Recognise 16 kHz mono float32 ``samples`` with word timestamps.

    ``samples`` is an array or a :class:`reelkit.speech.pcm.PcmFile` (decoded voice on disk).
    Audio longer than one window (30 s) is recognised window by window, cut in pauses found
    by voice activity, so memory stays bounded whatever the length.
    ``model`` is a name (``tiny.en``...) or a path, found offline (see :mod:`reelkit.speech.models`);
    an English-only model asked for another language raises ModelError. Results are cached on
    disk (``cache_dir``, default :func:`reelkit.speech.cache.default_cache_dir`) under a key of the
    samples and every option, so an unchanged input is never transcribed twice.

    ``keep_repeats`` keeps a segment that repeats one just before it: in raw footage a
    presenter reading a line again is a second take, not a decoder loop.
    """
    audio = _as_samples(samples)
    resolved = resolve_model(backend, model, language)
    key = ""
    directory = cache_dir if cache_dir is not None else tcache.default_cache_dir()
    if use_cache:
        key = _key(audio, resolved, backend, language, initial_prompt, keep_repeats)
        hit = tcache.load_cached(directory, key)
        if hit is not None:
            log.debug("transcript cache hit %s", key[:12])
            return hit
    found = _recognise(audio, resolved, language, initial_prompt)
    segments: list[Segment] = []
    if found is not None:
        raw, regions = found
        segments = keep_in_regions(drop_annotations(raw), regions)
        segments = segments if keep_repeats else drop_repeats(segments)
    else:
        log.info("no speech found in %.1f s; nothing to transcribe", len(audio) / SAMPLE_RATE)
    result = Transcript(language=language, backend=backend, model=resolved.name,
                        segments=tuple(segments))
    if use_cache:
        tcache.store_cached(directory, key, result)
    return result


def _recognise(audio: "np.ndarray | PcmFile", resolved: ResolvedModel, language: str,
               initial_prompt: str | None) -> tuple[list[Segment], list[tuple[float, float]]] | None:
    """Raw segments and speech regions (track seconds) of every window with speech, before the
    post-filters; None when no window has speech (no model is loaded then)."""
    raw: list[Segment] = []
    regions: list[tuple[float, float]] = []
    engine: Engine | None = None
    for first, window, local in speech_windows(audio):
        if not local:
            continue
        if engine is None:
            engine = _REGISTRY.engine(resolved)
            if not engine.multilingual and language != "en":
                # A model found by path may be English-only without ".en" in its name.
                raise ModelError(f"model '{resolved.name}' is English-only and cannot transcribe "
                                 f"language '{language}'; use a multilingual model "
                                 f"({', '.join(MULTILINGUAL_MODELS)})")
            log.info("transcribing %.1f s with %s/%s", len(audio) / SAMPLE_RATE, resolved.backend, resolved.name)
            _REGISTRY.calls += 1
        offset = first / SAMPLE_RATE
        regions += [(a + offset, b + offset) for a, b in local]
        found = engine.run(window, language=language, initial_prompt=initial_prompt, regions=local)
        raw += [_shifted(seg, offset) for seg in found] if offset else found
        # Each window's decoding frees 100-150 MB of temporaries; without this the heap kept
        # most of them, and a 12-minute input held ~100 MB more than a 1-minute one.
        trim_heap()
    return None if engine is None else (raw, regions)


def _as_samples(samples: "np.ndarray | PcmFile") -> "np.ndarray | PcmFile":
    if isinstance(samples, PcmFile):
        return samples
    return np.ascontiguousarray(np.asarray(samples, dtype=np.float32).reshape(-1))


def _key(audio: "np.ndarray | PcmFile", resolved: ResolvedModel, backend: str, language: str,
         initial_prompt: str | None, keep_repeats: bool = False) -> str:
    options = {**DECODE_OPTIONS, "vad": VAD_OPTIONS, "region_pad": WORD_REGION_PAD}
    if backend == "openai-whisper":
        options.update(beam_size=None, best_of=OPENAI_BEST_OF)
    if keep_repeats:
        options["keep_repeats"] = True
    return tcache.cache_key(audio, backend=backend, model=resolved.identity(), language=language,
                            prompt=initial_prompt, options=options)


def cached_transcript(samples: "np.ndarray | PcmFile", *, backend: str = "faster-whisper",
                      model: str | None = None, language: str = "en", initial_prompt: str | None = None,
                      cache_dir: Path | None = None, keep_repeats: bool = False) -> Transcript | None:
    """The transcript :func:`transcribe` would serve from its cache, or None (no model loaded)."""
    audio = _as_samples(samples)
    resolved = resolve_model(backend, model, language)
    directory = cache_dir if cache_dir is not None else tcache.default_cache_dir()
    return tcache.load_cached(directory, _key(audio, resolved, backend, language, initial_prompt, keep_repeats))


def _shifted(seg: Segment, offset: float) -> Segment:
    """``seg`` with every time moved ``offset`` seconds later (window to track time)."""
    words = tuple(RecognisedWord(w.text, w.start + offset, w.end + offset, w.probability) for w in seg.words)
    return Segment(seg.start + offset, seg.end + offset, seg.text, words)
