"""Both Whisper backends with real tiny.en inference on short audio, and their post-filters."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from reelkit.speech.align import normalise
from reelkit.speech import SAMPLE_RATE, RecognisedWord, Segment, backend_calls, caption_words, load_audio, loaded_models, transcribe
from reelkit.speech.postfilter import drop_annotations, drop_repeats, is_annotation, keep_in_regions
from reelkit.errors import MediaError, ModelError
from reelkit.io.ffmpeg import run_ffmpeg

from speech import have_espeak, synth_words

DATA = Path(__file__).parent.parent / "data"
JFK = ("And so, my fellow Americans, ask not what your country can do for you, "
       "ask what you can do for your country.")
BACKENDS = ["faster-whisper", "openai-whisper"]


def wer(reference: str, hypothesis: str) -> float:
    ref = [t for t in map(normalise, reference.split()) if t]
    hyp = [t for t in map(normalise, hypothesis.split()) if t]
    d = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, d[0] = d[0], i
        for j, h in enumerate(hyp, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (r != h))
    return d[-1] / len(ref)


@pytest.fixture(scope="module")
def jfk() -> np.ndarray:
    return load_audio(DATA / "jfk.flac")


# --- real inference ----------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_jfk_words_and_timestamps(backend: str, jfk: np.ndarray) -> None:
    tr = transcribe(jfk, backend=backend, use_cache=False)
    assert (tr.backend, tr.model, tr.language) == (backend, "tiny.en", "en")
    assert wer(JFK, tr.text) <= 0.1, tr.text
    words = tr.words
    assert len(words) >= 20
    for a, b in zip(words, words[1:]):
        assert a.start <= a.end <= b.start + 0.05
    assert 0.0 <= words[0].start and words[-1].end <= 11.05
    assert all(0.0 <= w.probability <= 1.0 for w in words)
    # "country" is spoken twice: near 6 s and near 10 s.
    country = [w.start for w in words if normalise(w.text) == "country"]
    assert len(country) == 2 and 5.0 < country[0] < 7.0 and 9.0 < country[1] < 11.0


@pytest.mark.slow
@pytest.mark.skipif(not have_espeak(), reason="espeak-ng not installed")
@pytest.mark.parametrize("backend", BACKENDS)
def test_script_captions_on_synthetic_speech(backend: str) -> None:
    script = "Crews pull out the old quay walls on Monday."
    audio, truth = synth_words(script.split(), [0.12, 0.2, 0.08, 0.25, 0.15, 0.1, 0.18, 0.22],
                               noise_db=-60)
    tr = transcribe(audio, backend=backend, use_cache=False)
    words = caption_words(tr, audio, script=script)
    assert [w.text for w in words] == script.split()
    errors = [abs(w.start - t.start) for w, t in zip(words, truth)]
    assert float(np.mean(errors)) <= 0.12, errors
    # Captions do not run on over the trailing silence.
    assert words[-1].end <= truth[-1].end + 0.15


@pytest.mark.slow
def test_silence_needs_no_backend_call() -> None:
    calls = backend_calls()
    tr = transcribe(np.zeros(SAMPLE_RATE * 3, dtype=np.float32), use_cache=False)
    assert tr.segments == () and backend_calls() == calls


@pytest.mark.slow
def test_music_only_gives_no_words(tmp_path: Path) -> None:
    # A chord with tremolo and a beat, made by ffmpeg: music without speech.
    wav = tmp_path / "music.wav"
    expr = ("0.2*sin(2*PI*220*t)*(0.6+0.4*sin(2*PI*3*t))+0.15*sin(2*PI*277*t)"
            "+0.12*sin(2*PI*330*t)+0.3*sin(2*PI*60*t)*exp(-20*mod(t,0.5))")
    run_ffmpeg(["-v", "error", "-f", "lavfi", "-i", f"aevalsrc='{expr}':s={SAMPLE_RATE}:d=4", str(wav)],
               stage="music")
    tr = transcribe(load_audio(wav), backend="faster-whisper", use_cache=False)
    assert tr.words == ()


@pytest.mark.slow
def test_one_model_per_backend_is_loaded_and_logged(jfk: np.ndarray, caplog: pytest.LogCaptureFixture) -> None:
    clip = jfk[: SAMPLE_RATE * 3]
    with caplog.at_level(logging.INFO, logger="reelkit.speech"):
        transcribe(clip, backend="faster-whisper", use_cache=False)
        transcribe(clip[::-1].copy(), backend="faster-whisper", use_cache=False)
    lines = [r.getMessage() for r in caplog.records if r.name == "reelkit.speech"]
    assert "transcribing 3.0 s with faster-whisper/tiny.en" in lines
    assert len([m for m in loaded_models() if m[0] == "faster-whisper"]) == 1


def test_english_only_model_refuses_german_before_any_work() -> None:
    calls = backend_calls()
    with pytest.raises(ModelError, match="English-only"):
        transcribe(np.zeros(SAMPLE_RATE, dtype=np.float32), model="tiny.en", language="de")
    assert backend_calls() == calls


def test_unknown_backend() -> None:
    with pytest.raises(ModelError, match="unknown speech backend"):
        transcribe(np.zeros(SAMPLE_RATE, dtype=np.float32), backend="vosk")


# --- audio loading -------------------------------------------------------------------------------

def test_load_audio_range_and_format(jfk: np.ndarray) -> None:
    assert jfk.dtype == np.float32 and jfk.ndim == 1
    assert abs(jfk.size - 11 * SAMPLE_RATE) < 160
    part = load_audio(DATA / "jfk.flac", start=2.0, end=3.5)
    assert abs(part.size - 1.5 * SAMPLE_RATE) < 160
    # The excerpt is the same signal as the matching slice of the whole file.
    ref = jfk[2 * SAMPLE_RATE:2 * SAMPLE_RATE + part.size]
    assert np.corrcoef(part[:ref.size], ref)[0, 1] > 0.99


def test_load_audio_errors_name_the_file(tmp_path: Path) -> None:
    silent_video = tmp_path / "no-audio.mp4"
    run_ffmpeg(["-v", "error", "-f", "lavfi", "-i", "color=c=black:s=32x32:d=0.5", str(silent_video)],
               stage="silent video")
    with pytest.raises(MediaError, match="no audio stream") as info:
        load_audio(silent_video)
    assert str(silent_video) in str(info.value)
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"definitely not audio" * 20)
    with pytest.raises(MediaError, match="cannot decode audio") as info:
        load_audio(junk)
    assert str(junk) in str(info.value)
    with pytest.raises(MediaError, match="file not found"):
        load_audio(tmp_path / "missing.wav")


# --- post-filters --------------------------------------------------------------------------------

def seg(text: str, start: float = 0.0, step: float = 0.3, p: float = 0.9) -> Segment:
    words = tuple(RecognisedWord(" " + w, start + i * step, start + (i + 1) * step, p)
                  for i, w in enumerate(text.split()))
    return Segment(start, start + step * len(words), " " + text, words)


def test_repeated_segments_and_loops_are_dropped() -> None:
    segments = [seg("the water is off"), seg("the water is off", 2.0), seg("crews are here", 4.0),
                seg("thank you thank you thank you thank you", 6.0)]
    kept = drop_repeats(segments)
    assert [s.text.strip() for s in kept] == ["the water is off", "crews are here", "thank you"]
    # Three of a word is still speech.
    assert drop_repeats([seg("no no no stop")])[0].text.strip() == "no no no stop"


def test_annotations_are_not_words() -> None:
    assert is_annotation("[Music]") and is_annotation("♪") and is_annotation("(applause)")
    assert not is_annotation("music")
    kept = drop_annotations([seg("[Music]"), seg("(upbeat music) hello there", 2.0), seg("♪ ♪", 4.0)])
    assert [s.text for s in kept] == ["hello there"]


def test_words_outside_speech_regions_are_dropped() -> None:
    kept = keep_in_regions([seg("one two three four", 0.0, 1.0)], [(0.0, 1.9)], pad=0.2)
    assert [w.text.strip() for w in kept[0].words] == ["one", "two"]
    assert keep_in_regions([seg("lost", 5.0)], [(0.0, 1.0)]) == []
