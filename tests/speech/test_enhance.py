"""Voice clean-up (DeepFilterNet 3) on real speech: noisy speech scores better on PESQ and STOI,
clean speech is left as it was, the output lines up with the input, the cache works."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pesq import pesq
from pystoi import stoi
from scipy.signal import resample_poly

from noisy import babble, mix_at_snr, traffic_noise
from reelkit.speech.pcm import load_audio
from reelkit.speech.enhance import CleanSettings, clean_key, cleaned_voice, enhance
from reelkit.speech.pcm import PcmFile

DATA = Path(__file__).resolve().parent.parent / "data"
SR = 16000


@pytest.fixture(scope="module")
def voice() -> np.ndarray:
    """LibriSpeech (CC BY 4.0): a clean read sentence, 4.9 s."""
    return load_audio(DATA / "librispeech_61-70968-0000.flac")


@pytest.fixture(scope="module")
def others() -> list[np.ndarray]:
    return [load_audio(DATA / "mfa_words.flac"), load_audio(DATA / "mfa_surround.flac")]


def _cleaned(x16: np.ndarray) -> np.ndarray:
    """Through the model at its 48 kHz and back to 16 kHz for the metrics."""
    y = enhance(resample_poly(x16, 3, 1).astype(np.float32))
    return resample_poly(y, 1, 3).astype(np.float32)[: x16.size]


def _scores(ref: np.ndarray, deg: np.ndarray) -> tuple[float, float]:
    return float(pesq(SR, ref, deg, "wb")), float(stoi(ref, deg, SR, extended=False))


@pytest.mark.parametrize("kind, snr, pesq_gain, stoi_gain", [("traffic", 10.0, 0.4, 0.0), ("babble", 5.0, 0.05, 0.0)])
def test_noisy_speech_scores_better_after_clean_up(voice: np.ndarray, others: list[np.ndarray], kind: str,
                                                   snr: float, pesq_gain: float, stoi_gain: float) -> None:
    noise = traffic_noise(voice.size, SR, seed=3) if kind == "traffic" else babble(others, voice.size, seed=3)
    noisy = mix_at_snr(voice, noise, snr, SR)
    before = _scores(voice, noisy)
    after = _scores(voice, _cleaned(noisy))
    # Babble (other voices) is the hard case for any enhancer: a smaller, still real, gain.
    assert after[0] >= before[0] + pesq_gain, (before, after)
    assert after[1] >= before[1] + stoi_gain, (before, after)


def test_clean_speech_is_not_made_worse(voice: np.ndarray) -> None:
    p, s = _scores(voice, _cleaned(voice))
    # The untouched signal scores 4.64 / 1.0; a change a listener notices costs several tenths.
    assert p >= 4.3 and s >= 0.99, (p, s)


def test_output_lines_up_with_input_and_keeps_its_length(voice: np.ndarray) -> None:
    x = resample_poly(voice, 3, 1).astype(np.float32)
    y = enhance(x)
    assert y.size == x.size
    # Cross-correlation peak at lag 0: the model's latency is removed exactly.
    n = 1 << int(np.ceil(np.log2(2 * x.size)))
    corr = np.fft.irfft(np.fft.rfft(y, n) * np.conj(np.fft.rfft(x, n)), n)
    lags = np.concatenate([corr[-480:], corr[:481]])
    assert int(np.argmax(lags)) - 480 == 0


def test_cleaned_voice_is_cached_by_content_and_settings(tmp_path: Path, voice: np.ndarray) -> None:
    raw = tmp_path / "voice.f32"
    resample_poly(voice[: SR * 2], 3, 1).astype("<f4").tofile(raw)
    pcm = PcmFile(raw, 48000)
    first = cleaned_voice(pcm, cache_dir=tmp_path / "cache")
    stamp = first.stat().st_mtime_ns
    again = cleaned_voice(pcm, cache_dir=tmp_path / "cache")
    assert again == first and again.stat().st_mtime_ns == stamp  # not cleaned again
    assert first.stat().st_size == raw.stat().st_size
    assert [p.name for p in (tmp_path / "cache").rglob(".*")] == []  # no partial left
    assert clean_key(pcm, CleanSettings(atten_limit_db=20.0)) != clean_key(pcm, CleanSettings())
    louder = tmp_path / "louder.f32"
    (np.fromfile(raw, dtype="<f4") * 0.5).astype("<f4").tofile(louder)
    assert clean_key(PcmFile(louder, 48000), CleanSettings()) != clean_key(pcm, CleanSettings())
