"""Noisy rooms made on demand: traffic-like noise, babble of other voices, mixes at a known SNR.

Shared by the voice clean-up and SNR tests and ``scripts/bench_clean.py``. The SNR of a mix is
defined on the *active* speech: the clean voice's power over its 20 ms frames that lie within
35 dB of its loudest (pauses do not count), against the noise's power over the whole file.
That is what a listener (and the estimate in :mod:`reelkit.speech.snr`) hears as "voice over
noise", whatever the length of the pauses.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.signal import butter, lfilter, sosfilt


def active_power(clean: np.ndarray, sr: int, frame: float = 0.02, range_db: float = 35.0) -> float:
    """Mean power of the frames of ``clean`` within ``range_db`` of its loudest frames."""
    n = max(1, int(frame * sr))
    usable = clean[: clean.size // n * n].astype(np.float64).reshape(-1, n)
    power = (usable ** 2).mean(axis=1)
    top = np.percentile(power, 99)
    keep = power > top * 10 ** (-range_db / 10)
    return float(power[keep].mean())


def traffic_noise(n: int, sr: int, seed: int = 1) -> np.ndarray:
    """Brown noise (a -6 dB/octave rumble, like road traffic heard through a window) with the
    sub-audio drift removed below 30 Hz and a slow level swell of passing cars."""
    rng = np.random.default_rng(seed)
    white = rng.standard_normal(n)
    brown = lfilter([1.0], [1.0, -0.995], white)
    brown = sosfilt(butter(2, 30.0, "highpass", fs=sr, output="sos"), brown)
    t = np.arange(n) / sr
    swell = 1.0 + 0.4 * np.sin(2 * np.pi * t / 3.7 + rng.uniform(0, 6.28))
    out = brown * swell
    return (out / np.sqrt(np.mean(out ** 2))).astype(np.float32)


def babble(voices: Sequence[np.ndarray], n: int, seed: int = 2) -> np.ndarray:
    """Other people talking at once: each voice looped to ``n`` samples from a random offset,
    levelled to the same power, summed, normalised to unit power."""
    rng = np.random.default_rng(seed)
    total = np.zeros(n, dtype=np.float64)
    for v in voices:
        v = np.asarray(v, dtype=np.float64)
        start = int(rng.integers(0, max(1, v.size)))
        looped = np.resize(np.roll(v, -start), n)
        total += looped / max(np.sqrt(np.mean(looped ** 2)), 1e-9)
    return (total / max(np.sqrt(np.mean(total ** 2)), 1e-9)).astype(np.float32)


def mix_at_snr(clean: np.ndarray, noise: np.ndarray, snr_db: float, sr: int) -> np.ndarray:
    """``clean`` plus ``noise`` scaled so the active-speech SNR is ``snr_db`` (never clipping:
    the mix is scaled down as a whole if it would)."""
    noise = np.resize(noise, clean.size).astype(np.float64)
    gain = np.sqrt(active_power(clean, sr) / (np.mean(noise ** 2) * 10 ** (snr_db / 10)))
    mix = clean.astype(np.float64) + gain * noise
    peak = np.abs(mix).max()
    if peak > 0.97:
        mix *= 0.97 / peak
    return mix.astype(np.float32)
