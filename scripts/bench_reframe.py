"""Reframing benchmark: face-analysis cost per minute of 1080p source, and the render-time
ratio of a tracked segment against a static crop of the same clip.

Prints figures and ratios (never pass/fail). On a generated 1920x1080 clip of the
public-domain astronaut portrait (tests/data) walking across the frame, it times, each in a
fresh process:

  (a) ``reelkit.vision.faces.analyse`` of the whole clip, cache off: decode small at 5 fps,
      shot scores, Haar detection. Reported as a fraction of the source's duration (target:
      under 0.25x real time on 2 cores);
  (b) rendering the clip to one 1080x1920 platform file with the tracked crop path, and
  (c) the same plan with the path removed (today's static centre crop): ratio (b) / (c)
      (target: at most 1.1).

    .venv/bin/python scripts/bench_reframe.py            # 60 s clip
    .venv/bin/python scripts/bench_reframe.py --quick    # 20 s clip
    .venv/bin/python scripts/bench_reframe.py --repeat 3 # steadier on a busy machine
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "scripts")]

from _bench_util import measure  # noqa: E402


def _child_analyse(clip: str, duration: float) -> None:
    from reelkit.vision import faces

    a = faces.analyse(clip, 0.0, duration, 1920, 1080, cache=False)
    print(json.dumps({"samples": len(a.times), "with_face": sum(1 for f in a.faces if f), "cuts": len(a.cuts)}))


def _child_render(plan_path: str) -> None:
    from reelkit.plan.planfile import read_plan_file
    from reelkit.render.ffmpeg_engine import render_plan

    render_plan(read_plan_file(Path(plan_path))[0], ass_filter=None)


def _plans(clip: Path, duration: float, work: Path) -> tuple[Path, Path, int]:
    from reelkit.plan.model import Plan
    from reelkit.plan.planfile import write_plans
    from reelkit.plan.outline import load_outline
    from reelkit.plan.platforms import load_platforms
    from reelkit.cut.timeline import build_timeline
    from reelkit.reframe.crop import frame_cuts
    from reelkit.reframe.tracking import track_cuts

    outline_path = work / "bench.yaml"
    outline_path.write_text(json.dumps({"title": "bench", "segments": [{"clip": str(clip), "reframe": "track"}]}))
    outline = load_outline(outline_path)
    sources, cuts = build_timeline(outline, 30.0)
    cuts = frame_cuts(outline.segments, sources, cuts, 1080, 1920)
    tracked = track_cuts(cuts, ["track"], sources, 1080, 1920, 30.0, None).cuts
    paths = []
    for name, use in (("tracked", tracked), ("static", cuts)):
        spec = load_platforms()["tiktok"].output_spec(str(work / name / "tiktok.mp4"))
        plan = Plan(title=name, slug=name, width=1080, height=1920, fps=30.0, duration=use[-1].out_end,
                    sources=sources, cuts=tuple(use), outputs=(spec,))
        path = work / f"{name}.plan.json"
        write_plans([plan], path)
        paths.append(path)
    return paths[0], paths[1], len(tracked[0].crop_path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="20 s clip instead of 60 s")
    ap.add_argument("--seconds", type=float, help="clip length (overrides --quick)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each measurement (the best is kept)")
    ap.add_argument("--workdir", type=Path, default=ROOT / "out" / "bench-reframe")
    ap.add_argument("--analysis-only", action="store_true", help="skip the two renders")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        if args.child[0] == "analyse":
            _child_analyse(args.child[1], float(args.child[2]))
        else:
            _child_render(args.child[1])
        return

    from face_media import face_clip

    duration = args.seconds or (20.0 if args.quick else 60.0)
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    clip = work / f"walk-1080p-{duration:g}s.mp4"
    if not clip.exists():
        print(f"making {clip.name} ...", flush=True)
        # Walking the whole time: the path moves throughout (the costly case for the crop expression).
        face_clip(clip, size=(1920, 1080), fps=30, duration=duration, head_w=330, centre=(0.2, 0.35), move_to=0.8)
    me = [sys.executable, str(Path(__file__).resolve()), "--child"]

    best = None
    for _ in range(args.repeat):
        m = measure(me + ["analyse", str(clip), str(duration)]).check("analysis")
        best = m if best is None or m.seconds < best.seconds else best
    info = json.loads(best.stdout.strip().splitlines()[-1])
    print(f"(a) analysis of {duration:g} s of 1080p: {best.seconds:.1f} s wall ({best.seconds / duration:.3f}x real "
          f"time), {best.cpu_seconds:.1f} CPU-s ({best.cpu_seconds / duration:.3f} CPU-s per source second); "
          f"{info['samples']} samples, face in {info['with_face']}, {info['cuts']} shot changes")
    print(f"    per minute of source: {best.seconds * 60 / duration:.1f} s wall, "
          f"{best.cpu_seconds * 60 / duration:.1f} CPU-s")

    if args.analysis_only:
        return
    tracked, static, n_keys = _plans(clip, duration, work)
    times = {}
    for name, plan in (("tracked", tracked), ("static", static)):
        runs = [measure(me + ["render", str(plan)]).check(f"render {name}") for _ in range(args.repeat)]
        times[name] = min(runs, key=lambda r: r.seconds)
    t, s = times["tracked"], times["static"]
    print(f"(b) tracked render ({n_keys} path keys): {t.seconds:.1f} s wall, {t.cpu_seconds:.1f} CPU-s")
    print(f"(c) static-crop render:          {s.seconds:.1f} s wall, {s.cpu_seconds:.1f} CPU-s")
    print(f"    ratio tracked / static: {t.seconds / s.seconds:.3f} wall, {t.cpu_seconds / s.cpu_seconds:.3f} CPU")


if __name__ == "__main__":
    main()
