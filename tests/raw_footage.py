"""Raw talking footage with known word times: a presenter reading a script with a false
start, an off-script remark, fillers, long pauses and a line read twice.

Every word is synthesised alone by espeak-ng (tests/speech.py), so each word's start and end
are exact, and each carries a label saying what the script-driven cut should do with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from media import talking_clip
from speech import SR, synth_words, write_wav

SCRIPT_LINES = [
    "Next month, our crews replace the old water mains on Harbour Street.",
    "This work takes six weeks.",
    "Your tap water stays safe to drink.",
]
SCRIPT = "\n".join(SCRIPT_LINES) + "\n"

# (text, pause after it in seconds, label). Labels: "keep:N" (line N of the kept edit),
# "false_start", "off_script", "filler", "earlier_take".
PERFORMANCE: list[tuple[str, float, str]] = [
    *[(w, 0.14, "false_start") for w in "Next month, our".split()],
    ("crews", 0.7, "false_start"),
    *[(w, 0.14, "off_script") for w in "sorry, let me start".split()],
    ("again.", 1.1, "off_script"),
    *[(w, 0.14, "keep:0") for w in "Next month, our crews".split()],
    ("replace", 0.25, "keep:0"),
    ("um", 0.25, "filler"),
    *[(w, 0.14, "keep:0") for w in "the old water".split()],
    ("mains", 1.3, "keep:0"),
    *[(w, 0.14, "keep:0") for w in "on Harbour".split()],
    ("Street.", 1.6, "keep:0"),
    *[(w, 0.14, "earlier_take") for w in "This work takes six".split()],
    ("weeks.", 0.9, "earlier_take"),
    ("uh", 0.9, "filler"),
    *[(w, 0.14, "keep:1") for w in "This work takes six".split()],
    ("weeks.", 2.0, "keep:1"),
    *[(w, 0.14, "keep:2") for w in "Your tap water".split()],
    ("stays", 0.3, "keep:2"),
    ("uh", 0.3, "filler"),
    *[(w, 0.14, "keep:2") for w in "safe to".split()],
    ("drink.", 0.6, "keep:2"),
]


@dataclass(frozen=True)
class LabelledWord:
    text: str
    start: float
    end: float
    label: str


def raw_speech() -> tuple[np.ndarray, list[LabelledWord]]:
    """The performance as 16 kHz samples (with a little noise) and every word's exact times."""
    words = [w for w, _, _ in PERFORMANCE]
    gaps = [g for _, g, _ in PERFORMANCE[:-1]]
    samples, placed = synth_words(words, gaps, lead=0.6, tail=PERFORMANCE[-1][1], noise_db=-62)
    return samples, [LabelledWord(p.text, p.start, p.end, lab) for p, (_, _, lab) in zip(placed, PERFORMANCE)]


def raw_clip(folder: Path, name: str = "raw take.mp4", *, size: str = "640x360", crf: int = 32) -> tuple[Path, list[LabelledWord]]:
    """Write the raw clip (lavfi picture + the performance) and return it with the word labels."""
    folder.mkdir(parents=True, exist_ok=True)
    samples, words = raw_speech()
    wav = write_wav(folder / (Path(name).stem + ".wav"), samples, SR)
    clip = talking_clip(folder / name, wav, size=size, fps=25, duration=samples.size / SR, crf=crf)
    wav.unlink()
    return clip, words


def to_output(pieces, t: float) -> float:  # type: ignore[no-untyped-def]
    """Output time of source time ``t`` (inside one of the kept ``pieces``, in order)."""
    cursor = 0.0
    for p in pieces:
        if p.start - 1e-6 <= t <= p.end + 1e-6:
            return cursor + t - p.start
        cursor += p.end - p.start
    raise AssertionError(f"{t} is not kept")
