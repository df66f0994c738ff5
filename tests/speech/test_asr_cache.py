"""Transcript cache: key sensitivity, atomic JSON entries, and no second backend call."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from reelkit.speech import backend_calls, load_audio, transcribe
from reelkit.speech.cache import cache_key, load_cached, store_cached
from reelkit.speech.types import RecognisedWord, Segment, Transcript

DATA = Path(__file__).parent.parent / "data"


def sample_transcript() -> Transcript:
    words = (RecognisedWord(" Hello", 0.1, 0.4, 0.9), RecognisedWord(" world.", 0.4, 0.9, 0.75))
    return Transcript("en", "faster-whisper", "tiny.en", (Segment(0.1, 0.9, " Hello world.", words),))


BASE = dict(backend="faster-whisper", model="tiny.en@x", language="en", prompt=None,
            options={"beam_size": 5})


def test_key_is_stable_and_sensitive_to_every_input() -> None:
    audio = np.linspace(-0.5, 0.5, 1600, dtype=np.float32)
    key = cache_key(audio, **BASE)
    assert key == cache_key(audio.copy(), **BASE)
    assert key == cache_key(audio.astype(np.float64), **BASE)  # same samples, same key
    changed = audio.copy()
    changed[800] += 1e-4
    variants = [
        cache_key(changed, **BASE),
        cache_key(audio[:-1], **BASE),
        cache_key(audio, **{**BASE, "backend": "openai-whisper"}),
        cache_key(audio, **{**BASE, "model": "base.en@x"}),
        cache_key(audio, **{**BASE, "language": "de"}),
        cache_key(audio, **{**BASE, "prompt": "Glossary: quay."}),
        cache_key(audio, **{**BASE, "options": {"beam_size": 1}}),
    ]
    assert len({key, *variants}) == len(variants) + 1


def test_transcript_json_round_trip() -> None:
    tr = sample_transcript()
    text = json.dumps(tr.to_dict())
    assert Transcript.from_dict(json.loads(text)) == tr
    assert [w.text for w in tr.words] == [" Hello", " world."]


def test_store_and_load(tmp_path: Path) -> None:
    tr = sample_transcript()
    path = store_cached(tmp_path, "ab" * 32, tr)
    assert path.is_file() and path.suffix == ".json"
    assert load_cached(tmp_path, "ab" * 32) == tr
    assert load_cached(tmp_path, "cd" * 32) is None
    assert not [p for p in tmp_path.rglob("*") if "partial" in p.name]


def test_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    path = store_cached(tmp_path, "ef" * 32, sample_transcript())
    path.write_text("{not json", encoding="utf-8")
    assert load_cached(tmp_path, "ef" * 32) is None
    # An entry whose recorded key differs (a renamed file) is not trusted either.
    path.write_text(json.dumps({"key": "other", "transcript": sample_transcript().to_dict()}), encoding="utf-8")
    assert load_cached(tmp_path, "ef" * 32) is None


@pytest.mark.slow
def test_second_transcription_is_served_from_cache(tmp_path: Path) -> None:
    audio = load_audio(DATA / "jfk.flac", 0.0, 4.0)
    first = transcribe(audio, backend="faster-whisper", cache_dir=tmp_path)
    calls = backend_calls()
    second = transcribe(audio, backend="faster-whisper", cache_dir=tmp_path)
    assert backend_calls() == calls  # no recognition the second time
    assert second == first
    assert len(list(tmp_path.rglob("*.json"))) == 1
    assert "fellow" in first.text.lower()
    # Another prompt is another key; use_cache=False always recognises.
    transcribe(audio, backend="faster-whisper", cache_dir=tmp_path, initial_prompt="Glossary: Americans.")
    assert backend_calls() == calls + 1
    transcribe(audio, backend="faster-whisper", cache_dir=tmp_path, use_cache=False)
    assert backend_calls() == calls + 2


def test_default_cache_dir_follows_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reelkit.speech.cache import default_cache_dir

    monkeypatch.setenv("REELKIT_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c" / "transcripts"
