"""Memory benchmark: peak RSS of a whole ``reelkit render`` process tree, short and long input.

Prints figures (never pass/fail). It generates 1920x1080 talking clips of 1 and 12 minutes
(lavfi picture, espeak-ng speech looped to the length, a fast x264 encode; a tone without
espeak-ng; a face, the astronaut's head from tests/data, moving slowly across the picture) and
renders each on the default path (default reframe ``auto``: the face analysis runs; the
default brand; the default platforms, all four) with speech recognition, twice:

  cold: an empty cache folder (transcription runs: decode, voice activity, Whisper, onsets);
  warm: the same cache again (the transcript comes from the cache).

Memory is the peak sum of RSS over reelkit and all its children (ffmpeg, the recogniser's
worker), sampled from /proc (scripts/_bench_util.py), what each held at that moment, the
largest single process and the peak per program. The
issue's target: the whole tree at most 600 MB for four platforms on the 12-minute input with
a cold cache, and the Python process not growing with the input's length.

    .venv/bin/python scripts/bench_memory.py                    # 1 and 12 minutes (~25 min)
    .venv/bin/python scripts/bench_memory.py --minutes 1 3      # other lengths
    .venv/bin/python scripts/bench_memory.py --preset ultrafast # shorter encodes

Generated clips stay in --workdir for the next run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _bench_util import PLATFORMS, SENTENCES, Measurement, fresh_dir, measure, mib  # noqa: E402

MAIN, WORKER = "python (main)", "python"
"""Program names in a measurement: the reelkit process, and its speech-recognition worker."""


def make_clip(work: Path, minutes: float) -> Path:
    """A ``minutes``-long 1920x1080 30 fps clip with speech (cached in ``work``)."""
    from media import have_espeak, speak_sentences, tone
    from reelkit.io.ffmpeg import run_ffmpeg

    clip = work / f"talk-face-{minutes:g}min.mp4"
    if clip.exists():
        return clip
    wav = work / "speech.wav"
    if not wav.exists():
        if have_espeak():
            speak_sentences(SENTENCES, wav, gap=0.7)
        else:
            tone(wav, duration=30, frequency=220, rate=22050, volume_db=-18)
    seconds = minutes * 60
    print(f"  making a {minutes:g}-minute 1920x1080 clip ...", flush=True)
    w, h = 1920, 1080
    head = Path(__file__).resolve().parents[1] / "tests" / "data" / "astronaut_head.jpg"
    # Cheap to make on 2 cores: a test pattern, a looped still face drifting left and right
    # (so the crop path moves), ultrafast; the face analysis and the render still see every frame.
    picture = (f"testsrc2=s={w}x{h}:r=30[bg];[1:v]scale=324:432,format=yuv420p[face];"
               f"[bg][face]overlay=x='{w // 2 - 162}+{w // 5}*sin(t/7)':y={h // 5},format=yuv420p[v]")
    partial = clip.with_name(clip.stem + ".partial.mp4")
    run_ffmpeg(["-stream_loop", "-1", "-i", str(wav), "-loop", "1", "-framerate", "30", "-i", str(head),
                "-filter_complex", picture, "-map", "[v]", "-map", "0:a", "-t", f"{seconds:g}",
                "-c:v", "libx264", "-preset", "ultrafast", "-crf", "28", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "64k", str(partial)], stage="make clip", duration=seconds)
    partial.replace(clip)
    return clip


def outline(work: Path, clip: Path, minutes: float) -> Path:
    path = work / f"memory-{minutes:g}min.yaml"
    # The default path: no reframe key (auto: face analysis on), the default brand.
    path.write_text(f'title: "Memory {minutes:g} min"\nsegments:\n  - clip: "{clip.name}"\n', encoding="utf-8")
    return path


def render(outline_file: Path, out: Path, cache: Path, preset: str) -> Measurement:
    import os

    argv = [sys.executable, "-m", "reelkit", "render", str(outline_file), "--out", str(fresh_dir(out)),
            "--preset", preset]
    env = dict(os.environ, REELKIT_CACHE_DIR=str(cache))
    return measure(argv, env=env, interval=0.02).check(f"reelkit render {outline_file.name}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, nargs="+", default=[1.0, 12.0], help="input lengths (default 1 12)")
    ap.add_argument("--preset", default="veryfast", help="x264 preset of the renders (reelkit's default)")
    ap.add_argument("--skip-warm", action="store_true", help="only the cold-cache runs")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/reelkit-bench-memory"),
                    help="generated clips (kept for the next run) and outputs")
    args = ap.parse_args()
    started = time.perf_counter()
    work = args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    print(f"inputs in {work}", flush=True)
    rows: list[tuple[str, Measurement]] = []
    for minutes in args.minutes:
        clip = make_clip(work, minutes)
        plan_in = outline(work, clip, minutes)
        with tempfile.TemporaryDirectory(prefix="reelkit-cold-cache-") as cache:
            runs = ("cold",) if args.skip_warm else ("cold", "warm")
            for kind in runs:
                print(f"  {minutes:g} min, {kind} cache ...", flush=True)
                res = render(plan_in, work / "out", Path(cache), args.preset)
                rows.append((f"{minutes:g} min, {kind} cache", res))
                # Each figure as soon as it exists: a long run stopped early still reports.
                print(f"    peak tree {mib(res.peak_tree_rss)}, python {mib(res.peak_by_name.get(MAIN, 0))}, "
                      f"recogniser {mib(res.peak_by_name.get(WORKER, 0))}, "
                      f"ffmpeg {mib(res.peak_by_name.get('ffmpeg', 0))}, wall {res.seconds:.0f} s; at the peak: "
                      + ", ".join(f"{name} {mib(rss)}" for name, rss in res.peak_parts.items()), flush=True)
    print(f"\nreelkit render, default path (reframe auto, default brand, {len(PLATFORMS)} default platforms), "
          f"x264 {args.preset}, speech recognition on; "
          f"peak RSS sampled every 20 ms\n")
    print(f"{'input':<24}{'wall':>8}{'peak tree RSS':>15}{'largest process':>17}{'python':>10}{'recogniser':>12}"
          f"{'ffmpeg':>10}")
    for label, res in rows:
        print(f"{label:<24}{res.seconds:>7.0f}s{mib(res.peak_tree_rss):>15}{mib(res.peak_process_rss):>17}"
              f"{mib(res.peak_by_name.get(MAIN, 0)):>10}{mib(res.peak_by_name.get(WORKER, 0)):>12}"
              f"{mib(res.peak_by_name.get('ffmpeg', 0)):>10}")
    print("(python: the reelkit process; recogniser: its speech-recognition child; ffmpeg: the largest "
          "ffmpeg child; each its own peak, at different moments)")
    print()
    for label, res in rows:
        timings = next((ln.split(None, 1)[1] for ln in res.stdout.splitlines() if ln.startswith("timings")), "")
        print(f"{label}: {timings}")
    print("\ntarget: peak tree RSS <= 600 MB (572 MiB) for the 12-minute input, cold cache")
    print(f"benchmark wall time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
