"""How far the voice stands above the background: an SNR estimate of a recording.

The speech-enhancement model (:mod:`reelkit.speech.enhance`, without its attenuation limit)
splits the signal into a voice estimate and the rest; the SNR is the voice's power over its
active frames (20 ms frames within 35 dB of its loudest: pauses do not count) against the
power of the rest over the whole file. An energy detector's "pause versus speech" levels were
tried first and read 5-10 dB too high under babble, where other voices fill the pauses and
count as speech; the model's split lands within about 1 dB of the truth for traffic noise
and within 4 dB for babble (reading low at 20 dB) on mixes of real speech at 5, 10 and 20 dB
(tests/speech/test_snr.py; tests/noisy.py for the definition of the truth).

A long voice is not run through the model whole: :data:`SAMPLE_WINDOWS` windows of
:data:`WINDOW_SECONDS` spread evenly over it are (one model stream over the windows in order,
so its noise estimate carries from one to the next). Speech and pauses are sampled in
proportion, so the ratio is an estimate of the whole; a render's metadata SNR cost the model's
time over the whole voice (4 CPU-s for a 60 s voice, 45 for 12 minutes) and now costs 16 s
of it at most.

Below :data:`CAPTION_SNR_DB` recognition and alignment degrade (issue 17: babble at 5 dB
threw caption times off by hundreds of milliseconds), so ``reelkit check`` warns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reelkit.speech.enhance import CLEAN_RATE, CleanSettings, Enhancer, level_gain
from reelkit.speech.pcm import PcmFile, sample_chunks

CAPTION_SNR_DB = 10.0
"""Below this estimate captions may suffer (word times, missed words)."""
_FRAME = int(0.02 * CLEAN_RATE)
_RANGE_DB = 35.0
_MIN_SPEECH = 0.5
"""Seconds of voice needed before an estimate means anything."""
SAMPLE_WINDOWS = 4
WINDOW_SECONDS = 4.0
"""A voice longer than the windows together is sampled (see the module note)."""
_LEVEL_DB = -20.0
"""The level the model splits the signal at (see :func:`reelkit.speech.enhance.level_gain`):
at -20 dB the split read babble at 20 dB SNR 1-2 dB closer to the truth than at -10."""
_NO_VOICE_DB = -10.0
"""Below this the model found no voice at all (a test tone, music, hum) rather than a voice in
noise: no estimate."""


@dataclass(frozen=True)
class VoiceSnr:
    """The estimate: ``snr_db`` over ``speech_seconds`` of active voice."""

    snr_db: float
    speech_seconds: float

    @property
    def captions_may_suffer(self) -> bool:
        return bool(self.snr_db < CAPTION_SNR_DB)  # a plain bool: it goes into metadata.json

    def warning(self) -> str | None:
        """One line for the producer when captions may suffer, else None."""
        if not self.captions_may_suffer:
            return None
        return (f"the voice is only about {self.snr_db:.0f} dB above the background noise (estimate); "
                f"below {CAPTION_SNR_DB:.0f} dB captions may be mistimed or miss words: record closer to "
                f"the speaker, or clean the voice (`audio: {{clean: voice}}` or --clean)")


def _frame_powers(x: np.ndarray) -> np.ndarray:
    n = x.size // _FRAME * _FRAME
    return (x[:n].astype(np.float64).reshape(-1, _FRAME) ** 2).mean(axis=1)


def sampled_spans(size: int, sr: int = CLEAN_RATE) -> list[tuple[int, int]]:
    """The (start, stop) sample spans the estimate reads of a ``size``-sample voice: all of
    it when short, else :data:`SAMPLE_WINDOWS` windows centred on equal slices of it."""
    window = int(WINDOW_SECONDS * sr)
    if size <= SAMPLE_WINDOWS * window:
        return [(0, size)]
    slice_len = size / SAMPLE_WINDOWS
    starts = [int((i + 0.5) * slice_len) - window // 2 for i in range(SAMPLE_WINDOWS)]
    return [(start, start + window) for start in starts]


def _chunks(samples: np.ndarray | PcmFile):  # type: ignore[no-untyped-def]
    """The sampled spans a window at a time, then None (time to flush the model)."""
    spans = sampled_spans(len(samples))
    if spans == [(0, len(samples))]:
        yield from sample_chunks(samples, sr=CLEAN_RATE)
    else:
        for start, stop in spans:
            yield samples[start:stop]
    yield None


def estimate_snr(samples: np.ndarray | PcmFile) -> VoiceSnr | None:
    """Estimate the voice's SNR of 48 kHz mono ``samples`` (an array or a :class:`PcmFile`,
    read a window at a time; a long voice is sampled, :func:`sampled_spans`); None when there
    is too little voice to tell. ``speech_seconds`` is the active voice found in the samples,
    scaled to the whole voice's length."""
    enh = Enhancer(CleanSettings(atten_limit_db=100.0), level_gain(samples, _LEVEL_DB))
    voice_frames: list[np.ndarray] = []
    rest_energy, total = 0.0, 0
    pending_in = np.zeros(0, dtype=np.float32)  # input whose output has not come out yet
    framing = np.zeros(0, dtype=np.float32)  # voice not yet in a whole frame
    try:
        for chunk in _chunks(samples):
            last = chunk is None
            voice = enh.flush() if last else enh.process(chunk)
            if not last:
                pending_in = np.concatenate([pending_in, chunk.astype(np.float32)])
            # The output comes in order, aligned with the input: pair the next samples of both.
            n = voice.size
            rest_energy += float(np.sum((pending_in[:n].astype(np.float64) - voice) ** 2))
            total += n
            pending_in = pending_in[n:]
            framing = np.concatenate([framing, voice])
            whole = framing.size // _FRAME * _FRAME
            voice_frames.append(_frame_powers(framing[:whole]))
            framing = framing[whole:]
    finally:
        enh.close()
    powers = np.concatenate(voice_frames) if voice_frames else np.zeros(0)
    if powers.size == 0 or total == 0:
        return None
    top = float(np.percentile(powers, 99))
    keep = powers > top * 10 ** (-_RANGE_DB / 10)
    speech = float(keep.sum()) * _FRAME / CLEAN_RATE
    if top <= 1e-10 or speech < _MIN_SPEECH:
        return None
    rest = max(rest_energy / total, 1e-12)
    snr = float(10 * np.log10(powers[keep].mean() / rest))
    if snr < _NO_VOICE_DB:
        return None
    whole = len(samples) / max(1, total)  # 1 unless sampled
    return VoiceSnr(snr_db=float(round(snr, 1)), speech_seconds=float(round(speech * whole, 2)))
