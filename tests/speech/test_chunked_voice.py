"""Long voice tracks are read a window at a time: same cache key, same envelope, bounded reads.

The windows are shortened here (a few seconds instead of 30) so that short real speech spans
several of them; the assertions are structural (how much one read returns, how many windows
there were) and on word times against the known truth, never on timing or memory figures.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from reelkit.speech import caption_words, transcribe
from reelkit.speech import onsets, pcm
from reelkit.speech.vad import _cut_point, speech_windows
from reelkit.speech.cache import cache_key
from reelkit.speech.onsets import analyse, envelope_db, envelope_db_blocks
from reelkit.speech.pcm import PcmFile
from speech import have_espeak, synth_words

SR = 16000
KEY_ARGS = dict(backend="faster-whisper", model="tiny.en@x", language="en", prompt=None, options={"a": 1})


def _pcm(tmp_path: Path, samples: np.ndarray) -> PcmFile:
    path = tmp_path / "voice.f32"
    samples.astype("<f4").tofile(path)
    return PcmFile(path)


def _signal(seconds: float = 20.0) -> np.ndarray:
    rng = np.random.default_rng(5)
    t = np.arange(int(seconds * SR)) / SR
    bursts = (np.sin(2 * np.pi * 180 * t) * (np.sin(2 * np.pi * 0.7 * t) > 0.3)).astype(np.float32)
    return (0.3 * bursts + 0.05 + rng.normal(0, 0.01, t.size)).astype(np.float32)  # DC: the high-pass matters


def test_file_hashes_to_the_same_cache_key_as_the_array(tmp_path: Path) -> None:
    samples = _signal(70.0)  # more than two 30 s hashing chunks
    voice = _pcm(tmp_path, samples)
    assert cache_key(voice, **KEY_ARGS) == cache_key(samples, **KEY_ARGS)
    assert voice.largest_read <= pcm.CHUNK_SECONDS * SR
    assert cache_key(_pcm(tmp_path, samples[:-1]), **KEY_ARGS) != cache_key(samples, **KEY_ARGS)


def test_envelope_in_blocks_equals_the_whole_signal(tmp_path: Path) -> None:
    samples = _signal()
    whole = envelope_db(samples, SR)
    voice = _pcm(tmp_path, samples)
    blocks = envelope_db_blocks(voice, SR, block=3.0)
    assert blocks.shape == whole.shape
    assert np.max(np.abs(blocks - whole)) < 1e-3
    # One block plus its context, never the whole signal.
    assert 3.0 * SR < voice.largest_read < 3.2 * SR
    assert np.array_equal(analyse(voice).active, analyse(samples).active)


def test_windows_are_cut_in_pauses() -> None:
    assert _cut_point([], 30.0) == 30.0
    assert _cut_point([(1.0, 10.0), (12.0, 25.0)], 30.0) == pytest.approx(27.5)  # silence at the end
    assert _cut_point([(1.0, 20.0), (22.0, 30.0)], 30.0) == pytest.approx(21.0)  # pause before the last
    assert _cut_point([(1.0, 5.0), (7.0, 30.0)], 30.0) == 30.0  # would leave under half a window


@pytest.mark.skipif(not have_espeak(), reason="espeak-ng not installed")
def test_long_voice_is_transcribed_window_by_window(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    phrases = ["the crews start work", "on harbour street", "next monday morning", "the water stays on",
               "buses keep their stops", "questions call the board"]
    words = [w for p in phrases for w in p.split()]
    gaps = []
    for p in phrases:
        gaps += [0.15] * (len(p.split()) - 1) + [1.2]
    samples, truth = synth_words(words, gaps[:-1], noise_db=-55)
    window = 6.0
    monkeypatch.setattr(pcm, "CHUNK_SECONDS", window)
    monkeypatch.setattr(onsets, "ENVELOPE_BLOCK", window)
    voice = _pcm(tmp_path, samples)
    assert len(list(speech_windows(voice))) >= 3
    transcript = transcribe(voice, use_cache=False)
    timed = caption_words(transcript, voice, script=" ".join(phrases))
    # Never more than one window (plus the envelope's few ms of context) read at once.
    assert voice.largest_read <= (window + 0.1) * SR
    assert [w.text.lower().strip(".,") for w in timed] == words
    starts = np.array([w.start for w in timed])
    true_starts = np.array([w.start for w in truth])
    assert np.median(np.abs(starts - true_starts)) < 0.05
    assert np.all(np.diff(starts) > 0)


@pytest.mark.parametrize("argv", [["--help"], ["render", "--help"], ["check", "--help"]])
def test_start_up_does_not_import_heavy_libraries(argv: list[str]) -> None:
    code = ("import runpy, sys\n"
            f"sys.argv = ['reelkit', *{argv!r}]\n"
            "try:\n    runpy.run_module('reelkit', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            "heavy = ('torch', 'whisper', 'moviepy', 'faster_whisper', 'ctranslate2', 'av', 'cv2', 'dask')\n"
            "print('loaded:', sorted(m for m in heavy if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("loaded: []"), out


def test_recogniser_is_freed_before_rendering() -> None:
    """A loaded model would sit beside the encoders for the whole render (peak memory)."""
    from reelkit import pipeline
    from reelkit.speech import loaded_models
    from reelkit.speech.backends import _REGISTRY
    from reelkit.speech.models import resolve_model

    _REGISTRY.engine(resolve_model("faster-whisper", None, "en"))
    assert loaded_models()
    pipeline._release_speech_models()
    assert loaded_models() == []


def test_recognition_child_runs_with_two_malloc_arenas_unless_the_user_chose(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Per-thread arenas kept a long input's freed decoder memory: the child's environment
    limits them (see scripts/bench_memory.py for the figures); a user's own setting wins."""
    from reelkit.speech.worker import worker_env

    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.setenv("REELKIT_CACHE_DIR", "/somewhere")
    env = worker_env()
    assert env["MALLOC_ARENA_MAX"] == "2" and env["REELKIT_CACHE_DIR"] == "/somewhere"
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    assert worker_env()["MALLOC_ARENA_MAX"] == "8"
