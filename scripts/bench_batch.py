"""Batch throughput: episode-minutes rendered per wall minute, for --jobs 1, --jobs 2 and a
Dask local cluster (local:2) on the same series. Prints figures and ratios, never pass/fail.

The series: N episodes (default 4), each a generated 1280x720 talking clip with espeak-ng
speech (a tone without espeak-ng) of --seconds seconds (default 12), one platform (tiktok,
1080x1920), x264 --preset veryfast. Every configuration renders into a fresh output folder
(``--force``), as a fresh process; the transcript cache is warmed by a first untimed run so
every configuration does the same work. Memory is the peak RSS of the batch's process tree.

    .venv/bin/python scripts/bench_batch.py
    .venv/bin/python scripts/bench_batch.py --episodes 2 --seconds 6   # quick
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _bench_util import SENTENCES, fresh_dir, measure, mib  # noqa: E402


def _media(work: Path, seconds: float) -> Path:
    from media import have_espeak, speak_sentences, talking_clip

    clip = work / f"talk-{seconds:g}.mp4"
    if clip.exists():
        return clip
    wav = None
    if have_espeak():
        wav = work / "speech.wav"
        speak_sentences(SENTENCES[:4] * 3, wav, gap=0.4)  # the benchmarks' shared script
    return talking_clip(clip, wav, size="1280x720", fps=25, duration=seconds)


def _series(work: Path, clip: Path, episodes: int, seconds: float) -> Path:
    lines = ["title: Benchmark series", "platforms: [tiktok]", "episodes:"]
    for i in range(episodes):
        lines += [f"  - title: Episode {i + 1}", "    segments:", f"      - clip: {clip}", f"        end: {seconds:g}"]
    path = work / "series.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/reelkit-bench-batch"))
    args = parser.parse_args()
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    clip = _media(work, args.seconds)
    series = _series(work, clip, args.episodes, args.seconds)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    base = [sys.executable, "-m", "reelkit", "batch", str(series), "--quiet", "--force"]
    # Warm the transcript cache (and the converted model) so every timed run does the same work.
    measure(base + ["--out", str(fresh_dir(work / "warm")), "--jobs", "1"], env=env).check("warm-up")
    configs = {"--jobs 1": ["--jobs", "1"], "--jobs 2": ["--jobs", "2"], "--cluster local:2": ["--cluster", "local:2"]}
    results = {}
    for name, extra in configs.items():
        out = fresh_dir(work / name.strip("-").replace(" ", "-").replace(":", ""))
        m = measure(base + ["--out", str(out)] + extra, env=env).check(name)
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        minutes = sum(e["duration"] for e in report["episodes"] if e["status"] == "rendered") / 60
        results[name] = (m, minutes)
    cores = len(os.sched_getaffinity(0))
    print(f"series: {args.episodes} episodes x {args.seconds:g} s, tiktok 1080x1920, {cores} cores")
    print(f"{'configuration':<20} {'wall s':>8} {'cpu s':>8} {'ep-min/wall-min':>16} {'vs --jobs 1':>12} {'peak RSS':>10}")
    first = results["--jobs 1"][0].seconds
    for name, (m, minutes) in results.items():
        throughput = minutes / (m.seconds / 60)
        print(f"{name:<20} {m.seconds:8.1f} {m.cpu_seconds:8.1f} {throughput:16.3f} {first / m.seconds:11.2f}x "
              f"{mib(m.peak_tree_rss):>10}")


if __name__ == "__main__":
    main()
