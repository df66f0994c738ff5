"""`reelkit check` estimates the voice's SNR and warns (one line) when captions may suffer."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from media import talking_clip
from noisy import babble, mix_at_snr, traffic_noise
from reelkit.cli import main
from reelkit.deliver.check import check_file
from reelkit.plan.platforms import get_platform, load_platforms
from reelkit.speech.pcm import load_audio

DATA = Path(__file__).resolve().parent.parent / "data"


def _clip(folder: Path, name: str, mix: np.ndarray) -> Path:
    wav = folder / f"{name}.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((np.clip(mix, -1, 1) * 32767).astype("<i2").tobytes())
    return talking_clip(folder / f"{name}.mp4", wav, size="160x90", fps=10, duration=4.9)


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    return load_audio(DATA / "librispeech_61-70968-0000.flac")


def test_check_warns_once_on_babble_at_5_db(tmp_path: Path, speech: np.ndarray) -> None:
    others = [load_audio(DATA / "mfa_words.flac"), load_audio(DATA / "mfa_surround.flac")]
    clip = _clip(tmp_path, "babble5", mix_at_snr(speech, babble(others, speech.size, seed=11), 5.0, 16000))
    result = CliRunner().invoke(main, ["check", str(clip), "--platform", "tiktok"])
    lines = [ln for ln in result.output.splitlines() if "captions may" in ln]
    assert len(lines) == 1 and lines[0].startswith("warning: the voice is only about")
    assert "clean: voice" in lines[0]


def test_check_reports_snr_without_warning_at_20_db(tmp_path: Path, speech: np.ndarray) -> None:
    clip = _clip(tmp_path, "traffic20", mix_at_snr(speech, traffic_noise(speech.size, 16000, seed=11), 20.0, 16000))
    report = check_file(clip, get_platform("tiktok", load_platforms()), voice_snr=True)
    # Through a 64 kb/s AAC encode (its coding noise counts): near, a little under, the 20 dB.
    assert report.facts is not None and 14.0 <= report.facts.voice_snr_db <= 24.0
    assert not any("captions may" in w for w in report.warnings)
    assert "voice SNR ~" in report.summary
    # The render's own checks do not pay for the estimate.
    assert check_file(clip, get_platform("tiktok", load_platforms())).facts.voice_snr_db is None
