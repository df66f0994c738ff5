#!/usr/bin/env python3
"""Speed of the script-driven cut (prints figures; no thresholds asserted).

1. The cut decision for ten minutes of raw speech with the transcript cached: a script of
   varied lines read word by word by espeak-ng, with false starts, fillers, repeated takes
   and long pauses; the recognised words are the exact ones (a cached transcript), so only
   the decision is timed (take finding, choice, trimming, cut snapping). Target < 5 s.
2. The whole cut stage with faster-whisper tiny.en (decode, transcribe without cache, time
   words, decide) on the first ``--asr-minutes`` of that speech, as a fraction of real time
   (the baseline is the audio's own duration). Target < 0.15x on 2 cores.

    python scripts/bench_cut.py [--minutes 10] [--asr-minutes 2]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402

from speech import SR, synth_words, write_wav  # noqa: E402
from reelkit.plan.edit import EditSettings  # noqa: E402
from reelkit.cut.heard import clip_audio, listen  # noqa: E402
from reelkit.cut.script_cut import decide_cut  # noqa: E402
from reelkit.speech.types import RecognisedWord  # noqa: E402

VOCAB = ("crews water mains street harbour road closed traffic weeks months council residents pipes "
         "supply tap drink safe works evening morning school bridge station park library bins lorries "
         "noise dust parking permit letter website phone questions answers engineers contractor summer "
         "winter budget repairs pavement cycle lane buses diversion signs lights night weekend").split()
GLUE = "the a our your new old this every each next some all".split()
# A real script's vocabulary is hundreds of words: add the README's longer words.
VOCAB = tuple(sorted(set(VOCAB) | {w.lower() for w in __import__("re").findall(r"\b[A-Za-z]{5,12}\b",
                                                            (ROOT / "README.md").read_text(encoding="utf-8"))}))


def performance(seconds: float, seed: int = 1) -> tuple[list[str], list[tuple[str, float]]]:
    """Script lines and the words read (with pause after each) filling about ``seconds``."""
    rng = random.Random(seed)
    lines: list[str] = []
    read: list[tuple[str, float]] = []
    while sum(0.45 + g for _, g in read) < seconds:
        words = [rng.choice(GLUE if k % 2 == 0 else VOCAB) for k in range(rng.randint(6, 11))]
        line = " ".join(words).capitalize() + "."
        lines.append(line)
        toks = line.split()
        if rng.random() < 0.3:  # false start
            read += [(t, 0.14) for t in toks[:3]]
            read[-1] = (read[-1][0], 0.7)
        if rng.random() < 0.3:  # a take read twice
            read += [(t, 0.14) for t in toks]
            read[-1] = (read[-1][0], 0.9)
        for k, t in enumerate(toks):
            read.append((t, 0.14))
            if k == len(toks) // 2 and rng.random() < 0.4:
                read.append(("um", 0.2))
        read[-1] = (read[-1][0], rng.choice([0.6, 1.2, 2.0]))
    return lines, read


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--asr-minutes", type=float, default=2.0)
    args = ap.parse_args()
    lines, read = performance(args.minutes * 60)
    samples, placed = synth_words([w for w, _ in read], [g for _, g in read[:-1]], noise_db=-62)
    duration = samples.size / SR
    script = "\n".join(lines)
    words = [RecognisedWord(p.text, p.start, p.end, 0.9) for p in placed]
    with tempfile.TemporaryDirectory() as tmp:
        wav = write_wav(Path(tmp) / "raw.wav", samples)
        t0 = time.perf_counter()
        audio = clip_audio(wav, samples, words, 0, duration, (0.0, duration))
        t_listen = time.perf_counter() - t0
        t0, c0 = time.perf_counter(), time.process_time()
        decision = decide_cut(script, [audio], EditSettings(), 30.0)
        t_decide, c_decide = time.perf_counter() - t0, time.process_time() - c0
        kept = sum(p.end - p.start for p in decision.pieces)
        print(f"raw speech: {duration / 60:.1f} min, {len(lines)} script lines, {len(words)} words read")
        print(f"cut decision (transcript cached): {t_decide:.2f} s, {c_decide:.2f} s CPU  (target < 5 s); "
              f"voice-activity map: {t_listen:.2f} s; kept {kept / 60:.1f} min, "
              f"{len(decision.missing)} lines missing")
        n = int(min(args.asr_minutes * 60, duration) * SR)
        part = write_wav(Path(tmp) / "part.wav", samples[:n])
        part_lines = [ln for ln in lines if ln]  # the whole script: lines beyond the part are missing
        t0 = time.perf_counter()
        audios = listen([part], "\n".join(part_lines), backend="faster-whisper", use_cache=False)
        decide_cut("\n".join(part_lines), audios, EditSettings(missing_lines="warn"), 30.0)
        t_stage = time.perf_counter() - t0
        print(f"whole cut stage, faster-whisper tiny.en, {n / SR:.0f} s of audio: {t_stage:.1f} s = "
              f"{t_stage / (n / SR):.3f}x real time  (target < 0.15x)")


if __name__ == "__main__":
    logging_off = __import__("logging").getLogger("reelkit.cut").setLevel(40)
    main()
