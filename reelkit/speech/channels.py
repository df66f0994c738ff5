"""Which channels of a stereo source carry the voice: facts for the channel decision.

A lavalier plugged into a camera often lands on one channel (the other silent, or hiss); a
dual-mono recording may have one channel polarity-inverted, which summed to mono (a phone's
one speaker) cancels the voice. This module measures, per channel, the level over speech and
how much the level moves (a voice comes and goes by 20 dB and more; hiss is steady), and the
correlation of the two channels, and names the remix that puts the voice in both channels.

Sources with 3-8 channels are downmixed by their layout in the render (the centre to both
sides); mono sources go to both channels as they are.
"""

from __future__ import annotations

import functools
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelkit.io.ffmpeg import run_ffmpeg
from reelkit.io.probe import probe
from reelkit.plan.voice import VOICE_EXPR

RATE = 8000
"""Analysis rate: the voice's energy lies well below 4 kHz."""
FRAME = 0.02
"""Seconds per level frame."""
MAX_SECONDS = 300.0
"""At most this much of a source is read: enough to judge its channels, bounded on long takes."""
ONE_CHANNEL_GAP_DB = 15.0
"""A channel this much below the other over speech does not carry the voice."""
STEADY_DB = 8.0
"""A channel whose level spread (90th - 10th percentile frame) is under this is steady: noise."""
VOICE_SPREAD_DB = 15.0
INVERTED_CORRELATION = -0.6
CHOICES = ("stereo", "left", "right", "mix", "mix_inverted")
"""stereo: as recorded; left/right: that channel to both sides; mix: the two averaged;
mix_inverted: the right channel's polarity flipped, then averaged (inverted dual-mono)."""

"""The voice as a pan-filter expression of a stereo source's channels, per choice (``stereo``
and "" take the channels as they are)."""


def mono_filter(choice: str) -> str:
    """The pan filter making a stereo source's voice mono for recognition ("" for ``stereo``)."""
    return f"pan=mono|c0={VOICE_EXPR[choice]}" if choice in VOICE_EXPR else ""


def voice_choice(path: str | Path) -> str:
    """The channel choice for ``path`` as the plan would make it without an override (once
    per file version: recognition may decode a file window by window)."""
    stat = Path(path).stat()
    return _voice_choice(str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _voice_choice(path: str, mtime_ns: int, size: int) -> str:
    info = probe(path)
    return analyse_source(path, info.audio_channels)[0] if info.has_audio else "stereo"


@dataclass(frozen=True)
class ChannelFacts:
    """Levels (dBFS, power average over speech frames), level spreads (dB), correlation."""

    left_db: float
    right_db: float
    left_spread_db: float
    right_spread_db: float
    correlation: float

    @property
    def balance_db(self) -> float:
        """Left minus right level over speech (dB); 0 when either is silent and both are."""
        if math.isinf(self.left_db) and math.isinf(self.right_db):
            return 0.0
        return self.left_db - self.right_db


def decode_stereo(path: str | Path, *, stream: int = 0, seconds: float = MAX_SECONDS) -> np.ndarray:
    """The first ``seconds`` of audio stream ``stream`` as an (n, 2) float32 array at :data:`RATE`.

    The decoded samples go to a temporary file through the one ffmpeg runner.
    """
    with tempfile.TemporaryDirectory(prefix="reelkit-channels-") as tmp:
        raw = Path(tmp) / "stereo.f32"
        run_ffmpeg(["-nostdin", "-t", f"{seconds:.3f}", "-i", str(path), "-map", f"0:a:{stream}", "-vn", "-sn",
                    "-dn", "-ac", "2", "-ar", str(RATE), "-f", "f32le", "-acodec", "pcm_f32le", str(raw)],
                   stage="channel analysis")
        data = np.fromfile(raw, dtype="<f4")
    return data[: data.size // 2 * 2].reshape(-1, 2)


def channel_facts(samples: np.ndarray) -> ChannelFacts:
    """Measure an (n, 2) array: levels over the frames where either channel speaks."""
    hop = int(RATE * FRAME)
    n = samples.shape[0] // hop
    if n == 0:
        return ChannelFacts(-math.inf, -math.inf, 0.0, 0.0, 0.0)
    frames = samples[: n * hop].reshape(n, hop, 2).astype(np.float64)
    power = np.mean(frames ** 2, axis=1)  # (n, 2)
    db = 10 * np.log10(np.maximum(power, 1e-12))
    loudest = db.max(axis=1)
    # Speech frames: within 25 dB of the loud end of the louder channel, and not digital silence.
    active = (loudest > np.percentile(loudest, 95) - 25) & (loudest > -70)
    if not active.any():
        return ChannelFacts(-math.inf, -math.inf, 0.0, 0.0, 0.0)

    def level(ch: int) -> float:
        mean = float(np.mean(power[active, ch]))
        return 10 * math.log10(mean) if mean > 1e-12 else -math.inf

    spread = np.percentile(db, 90, axis=0) - np.percentile(db, 10, axis=0)
    sel = frames[active]
    left, right = sel[..., 0].ravel(), sel[..., 1].ravel()
    denom = math.sqrt(float(np.dot(left, left)) * float(np.dot(right, right)))
    corr = float(np.dot(left, right)) / denom if denom > 0 else 0.0
    return ChannelFacts(level(0), level(1), float(spread[0]), float(spread[1]), corr)


def choose_channels(facts: ChannelFacts) -> tuple[str, str]:
    """(choice, reason): which remix of a stereo source puts its voice in both channels."""
    gap = facts.balance_db
    for name, other, lead, spread, other_spread in (
            ("left", "right", gap, facts.left_spread_db, facts.right_spread_db),
            ("right", "left", -gap, facts.right_spread_db, facts.left_spread_db)):
        if lead >= ONE_CHANNEL_GAP_DB:
            return name, f"the {other} channel is {lead:.0f} dB below the {name} over speech"
        if lead > 0 and other_spread < STEADY_DB and spread >= VOICE_SPREAD_DB:
            return name, f"the {other} channel is steady noise (level spread {other_spread:.0f} dB)"
    if facts.correlation <= INVERTED_CORRELATION:
        return "mix_inverted", f"the channels are polarity-inverted copies (correlation {facts.correlation:.2f})"
    return "stereo", "both channels carry the voice"


def analyse_source(path: str | Path, channels: int) -> tuple[str, str]:
    """The channel choice for a source with ``channels`` audio channels, and why."""
    if channels == 1:
        return "stereo", "mono: the one channel goes to both sides"
    if channels > 2:
        return "stereo", f"{channels} channels: downmixed by their layout (centre to both sides)"
    return choose_channels(channel_facts(decode_stereo(path)))


def output_balance_db(path: str | Path, stream: int = 0) -> float:
    """Left minus right level over speech of a finished file's audio stream (dB)."""
    return channel_facts(decode_stereo(path, stream=stream)).balance_db
