#!/usr/bin/env python3
"""Build the bundled samples under samples/ (committed; the demo needs no generation).

samples/water-main/: an outline with timed segments; samples/raw-talk/: raw footage and its
script, cut by the script (`reelkit render "samples/raw-talk/raw take.mp4" --script ...`).

Speech comes from espeak-ng, pictures from ffmpeg's lavfi sources: a landscape 'talking head'
clip with real speech (22.05 kHz mono audio, 25 fps) and a b-roll clip with no audio stream
(30 fps), so the sample exercises mixed frame rates, sample rates and a silent segment.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from media import broll_clip, speak_sentences, talking_clip  # noqa: E402
from raw_footage import SCRIPT, raw_clip  # noqa: E402

SENTENCES = [
    "Next month, our crews replace the old water mains on Harbour Street.",
    "The work takes six weeks.",
    "Your tap water stays safe to drink the whole time.",
    "Short interruptions are announced two days ahead.",
    "Questions? Call the Water Board on 0800 1234.",
]


def main() -> None:
    folder = ROOT / "samples" / "water-main"
    clips = folder / "clips"
    clips.mkdir(parents=True, exist_ok=True)
    wav = clips / "narration.wav"
    spans = speak_sentences(SENTENCES, wav, gap=0.5)
    talking_clip(clips / "talking head.mp4", wav, size="1280x720", fps=25, crf=32)
    wav.unlink()
    broll_clip(clips / "b-roll, street [wide].mp4", size="1280x720", duration=4.0, crf=34)

    print("sentence spans:", spans)

    # Raw footage for the script-driven cut: a false start, an off-script remark, fillers,
    # long pauses and a line read twice (`make demo` renders it with --script).
    raw = ROOT / "samples" / "raw-talk"
    clip, words = raw_clip(raw, "raw take.mp4", size="1280x720", crf=34)
    (raw / "narration.txt").write_text(SCRIPT, encoding="utf-8")
    print("raw take:", [(w.text, round(w.start, 2), w.label) for w in words])


if __name__ == "__main__":
    main()
