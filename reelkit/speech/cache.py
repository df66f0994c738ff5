"""On-disk transcript cache: JSON files keyed by the audio, the model and every option.

A render of an unchanged outline must not transcribe again; a change to the audio, the
backend, the model weights, the language, the prompt, a decoding option or this code must.
No pickle: entries are the transcript's JSON dict, written atomically.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from reelkit.io.atomic import write_json_atomic
from reelkit.io.paths import transcripts_dir
from reelkit.speech.pcm import sample_chunks
from reelkit.speech.types import Transcript

CODE_VERSION = "asr-4"
"""Changes whenever recognition or post-filtering changes what a transcript contains."""


def default_cache_dir() -> Path:
    """``transcripts/`` under the cache root (:func:`reelkit.io.paths.transcripts_dir`)."""
    return transcripts_dir()


def cache_key(samples: np.ndarray, *, backend: str, model: str, language: str,
              prompt: str | None, options: Mapping[str, Any]) -> str:
    """sha256 over the samples' bytes and every parameter that changes the transcript.

    ``samples`` may be an array or a :class:`reelkit.speech.pcm.PcmFile`; the file is hashed a
    chunk at a time, to the same key as the same samples in memory.
    """
    h = hashlib.sha256()
    count = 0
    for chunk in sample_chunks(samples):
        part = np.ascontiguousarray(chunk, dtype=np.float32)
        h.update(part.tobytes())
        count += int(part.size)
    params = {"backend": backend, "model": model, "language": language, "prompt": prompt,
              "options": dict(options), "code": CODE_VERSION, "n": count}
    h.update(json.dumps(params, sort_keys=True, default=str).encode("utf-8"))
    return h.hexdigest()


def _entry(cache_dir: Path, key: str) -> Path:
    return cache_dir / key[:2] / f"{key}.json"


def load_cached(cache_dir: Path, key: str) -> Transcript | None:
    """The cached transcript for ``key``, or None (a damaged entry counts as a miss)."""
    path = _entry(cache_dir, key)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key") != key:
            return None
        return Transcript.from_dict(data["transcript"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store_cached(cache_dir: Path, key: str, transcript: Transcript) -> Path:
    """Write the entry atomically (temporary file in the same folder, then rename)."""
    path = _entry(cache_dir, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"key": key, "code": CODE_VERSION, "transcript": transcript.to_dict()}
    write_json_atomic(path, payload, indent=None)
    return path
