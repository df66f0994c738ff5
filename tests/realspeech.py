"""Real human speech with reference word times, noisy copies and raw takes built from it.

Recordings: ``tests/data/realspeech`` (items whose licence allows copying, see its
ATTRIBUTION.md) and, when present, ``../shared/testdata/realspeech`` (more speakers, some
benchmark-only). A recording is ``NAME.flac`` + ``NAME.words.json`` (reference word times
from the sources' own hand-placed annotation, never from an aligner).

Noise is generated: babble (other recordings summed, each shifted) and traffic (brown noise,
low-passed, with a slow rumble), mixed at a given SNR against the speech's active level.
A raw take joins recordings the way a presenter reads: a false start, a complete line with a
filler inside, a line read twice, long pauses; every word carries a label saying what the
script cut should do with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelkit.speech import load_audio

SR = 16000
HERE = Path(__file__).resolve().parent
PROJECT_DATA = HERE / "data" / "realspeech"
def _shared() -> Path:
    """../shared/testdata/realspeech beside the checkout (a worktree sits one level deeper)."""
    import os

    if os.environ.get("REELKIT_SHARED"):
        return Path(os.environ["REELKIT_SHARED"]) / "testdata" / "realspeech"
    for up in (HERE.parent / "shared", HERE.parents[1] / "shared", HERE.parents[2] / "shared"):
        if (up / "testdata" / "realspeech").is_dir():
            return up / "testdata" / "realspeech"
    return HERE.parents[1] / "shared" / "testdata" / "realspeech"


SHARED_DATA = _shared()
STOPS = ("p", "t", "k", "b", "d", "g", "c", "q")
"""Spellings of a word-initial stop: its reference start includes the silent closure."""


@dataclass(frozen=True)
class RefWord:
    text: str
    start: float
    end: float
    label: str = ""


@dataclass(frozen=True)
class Recording:
    name: str
    samples: np.ndarray
    transcript: str
    words: tuple[RefWord, ...]
    licence: str


def shared_available() -> bool:
    return SHARED_DATA.is_dir() and any(SHARED_DATA.glob("*.words.json"))


def recordings(folder: Path = PROJECT_DATA, names: tuple[str, ...] | None = None) -> list[Recording]:
    """The recordings with reference word times in ``folder`` (sorted by name)."""
    out = []
    for meta in sorted(folder.glob("*.words.json")):
        name = meta.name[: -len(".words.json")]
        if names is not None and name not in names:
            continue
        data = json.loads(meta.read_text(encoding="utf-8"))
        words = tuple(RefWord(w["word"], float(w["start"]), float(w["end"])) for w in data["words"])
        out.append(Recording(name, load_audio(folder / f"{name}.flac"), data["transcript"], words,
                             data.get("licence", "")))
    return out


def script_text(rec: Recording) -> str:
    """The transcript as a script line: capitalised, ending with a full stop."""
    text = rec.transcript.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def active_rms(x: np.ndarray) -> float:
    """RMS over the louder half of 20 ms frames (the speech, not its pauses)."""
    n = 320
    k = max(1, x.size // n)
    frames = x[: k * n].reshape(k, n) if x.size >= n else x.reshape(1, -1)
    e = (frames.astype(np.float64) ** 2).mean(1)
    loud = e[e >= np.median(e)]
    return float(np.sqrt(loud.mean() + 1e-20))


def babble(others: list[np.ndarray], size: int, seed: int) -> np.ndarray:
    """Several other voices at once, each looped and shifted (a room of people talking)."""
    rng = np.random.default_rng(seed)
    out = np.zeros(size)
    for x in others:
        if x.size == 0:
            continue
        looped = np.tile(x, size // x.size + 2)
        shift = int(rng.integers(0, x.size))
        y = looped[shift:shift + size].astype(np.float64)
        out += y / (active_rms(y) + 1e-9)
    return out


def traffic(size: int, seed: int) -> np.ndarray:
    """Brown noise with a slowly moving rumble: road traffic heard through a window."""
    rng = np.random.default_rng(seed)
    white = rng.normal(0, 1, size)
    brown = np.cumsum(white)
    brown -= np.convolve(brown, np.ones(801) / 801, mode="same")  # drift out, keeps < 20 Hz away
    t = np.arange(size) / SR
    swell = 1.0 + 0.5 * np.sin(2 * np.pi * 0.15 * t + rng.uniform(0, 6.28))
    hiss = np.convolve(white, np.ones(4) / 4, mode="same") * 0.15  # tyre hiss
    return brown * swell + hiss * np.std(brown)


def mix(speech: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """``speech`` + ``noise`` scaled to ``snr_db`` against the speech's active level."""
    noise = noise[: speech.size]
    gain = active_rms(speech) / (active_rms(noise) + 1e-12) / 10 ** (snr_db / 20)
    out = speech.astype(np.float64) + gain * noise
    peak = np.abs(out).max()
    return (out / peak * 0.9 if peak > 0.99 else out).astype(np.float32)


def noisy(rec: Recording, kind: str, snr_db: float, pool: list[Recording], seed: int = 3) -> np.ndarray:
    """``rec`` in babble (voices of the other recordings) or traffic noise at ``snr_db``."""
    if kind == "babble":
        others = [r.samples for r in pool if r.name != rec.name][:4]
        if not others:
            raise ValueError("babble needs other recordings")
        noise = babble(others, rec.samples.size, seed)
    else:
        noise = traffic(rec.samples.size, seed)
    return mix(rec.samples, noise, snr_db)


# --- raw takes ------------------------------------------------------------------------------------

def _piece(rec: Recording, w0: int, w1: int, margin: float = 0.04) -> tuple[np.ndarray, float]:
    """Samples of words w0..w1-1 (with a small margin) and the time of their first sample."""
    a = max(0.0, rec.words[w0].start - margin)
    b = min(rec.samples.size / SR, rec.words[w1 - 1].end + margin)
    return rec.samples[int(a * SR):int(b * SR)], a


def _filler(level: float) -> np.ndarray:
    """A held "uh", 0.3-0.4 s: espeak-ng's when it is installed, else a synthetic vowel."""
    try:
        from speech import have_espeak, synth_word

        if have_espeak():
            x = synth_word("uh", speed=80).astype(np.float64)
            return (x / (active_rms(x) + 1e-9) * level).astype(np.float32)
    except ImportError:
        pass
    t = np.arange(int(0.35 * SR)) / SR
    f0 = 120 - 20 * t
    phase = 2 * np.pi * np.cumsum(f0) / SR
    voice = sum(np.sin(k * phase) / k * (1.4 if 5 <= k <= 7 else 1.0 if k * 120 < 1500 else 0.2) for k in range(1, 18))
    env = np.minimum(1, np.minimum(t / 0.04, (t[-1] - t) / 0.06))
    x = voice * env
    return (x / (active_rms(x) + 1e-9) * level).astype(np.float32)


def raw_take(recs: list[Recording], room_db: float = -58.0, seed: int = 5) -> tuple[np.ndarray, list[RefWord], str]:
    """A presenter's raw take of the script "line per recording" (at least two recordings):

    a false start of line 1, line 1, line 2 with an "uh" inside, line 3 read twice (the
    first reading dropped; with two recordings line 2 is read whole first), the rest once;
    long pauses between. Returns the samples, every word with its time and label
    (``keep:N`` for line N, ``false_start``, ``filler``, ``earlier_take``) and the script.
    """
    if len(recs) < 2:
        raise ValueError("a raw take needs two recordings")
    parts: list[np.ndarray] = []
    words: list[RefWord] = []
    pos = 0.0

    def silence(seconds: float) -> None:
        nonlocal pos
        parts.append(np.zeros(int(round(seconds * SR)), dtype=np.float32))
        pos += round(seconds * SR) / SR

    def add(rec: Recording, w0: int, w1: int, label) -> None:  # type: ignore[no-untyped-def]
        nonlocal pos
        x, t0 = _piece(rec, w0, w1)
        for k in range(w0, w1):
            w = rec.words[k]
            words.append(RefWord(w.text, pos + w.start - t0, pos + w.end - t0,
                                 label if isinstance(label, str) else label(k)))
        parts.append(x.astype(np.float32))
        pos += x.size / SR

    level = active_rms(recs[0].samples)
    silence(0.6)
    first = recs[0]
    n0 = max(1, len(first.words) // 2 - 1)
    add(first, 0, n0, "false_start")
    silence(0.9)
    add(first, 0, len(first.words), "keep:0")
    silence(1.6)
    second = recs[1]
    if len(recs) == 2:
        add(second, 0, len(second.words), "earlier_take")
        silence(1.1)
    j = max(1, len(second.words) // 2)
    add(second, 0, j, "keep:1")
    silence(0.25)
    f = _filler(level * 0.8)
    words.append(RefWord("uh", pos, pos + f.size / SR, "filler"))
    parts.append(f)
    pos += f.size / SR
    silence(0.25)
    add(second, j, len(second.words), "keep:1")
    silence(1.4)
    for n, rec in enumerate(recs[2:], start=2):
        if n == 2:
            add(rec, 0, len(rec.words), "earlier_take")
            silence(1.1)
        add(rec, 0, len(rec.words), f"keep:{n}")
        silence(1.2)
    samples = np.concatenate(parts)
    rng = np.random.default_rng(seed)
    samples = samples + rng.normal(0, 10 ** (room_db / 20), samples.size).astype(np.float32)
    script = "\n".join(script_text(r) for r in recs) + "\n"
    return samples.astype(np.float32), words, script


def start_error(ref: RefWord, start: float, closure: float = 0.05) -> float:
    """|caption start - reference start|, allowing for a word-initial stop's closure.

    A reference start includes the silent closure before a stop's burst; an aligner (and a
    viewer) hears the word at the burst. For stop-initial words a start up to ``closure``
    after the reference start counts as on time.
    """
    d = start - ref.start
    if ref.text[:1].lower() in STOPS and 0 < d <= closure:
        return 0.0
    if ref.text[:1].lower() in STOPS and d > closure:
        return d - closure
    return abs(d)
