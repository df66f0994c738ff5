"""Cost table: what each of reelkit's choices beyond the plain command costs, and shows.

Prints figures (never pass/fail). Starting from the plain hand-written command of
scripts/bench_render.py (centre crop, default scaler, logo, one ASS event per word, libx264
at the preset's defaults, AAC), it adds one reelkit choice at a time and reports the CPU
seconds of each variant (user + system of the ffmpeg child, medians of alternating rounds),
beside the choice's visible effect measured with ffmpeg's ``ssim`` and ``psnr`` filters:

  scaler            lanczos instead of ffmpeg's default bicubic (lossless renders compared);
  colour            BT.709 conversion inside the scale (lossless renders compared);
  x264 rate         the platform presets' constant quality (``crf``) capped at their
                    ``video_bitrate`` (VBV), and the 8M average bitrate the presets had before,
                    and CRF 20 (each encode against the lossless render of the same picture);
  x264 GOP          the preset's closed half-second GOP, 2 B-frames;
  reelkit render    reelkit's whole single-pass command (fps, trims, music bed, every
                    overlay, loudness gain), one platform, then four (per-platform audio),
                    and with the picture tap the flash check reads;
  loudness pass     the audio-only measuring pass;
  face analysis     reelkit.vision.faces.analyse on the span (decode + detection).

It needs the inputs and the plan of a bench_render.py run (``--workdir``, default the same).

    .venv/bin/python scripts/bench_costs.py --seconds 20 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

X264_BITRATE = ["-b:v", "8M", "-maxrate", "12M", "-bufsize", "16M"]  # the presets before crf
X264_CRF20 = ["-crf", "20", "-maxrate", "8M", "-bufsize", "16M"]
X264_GOP = ["-g", "15", "-keyint_min", "15", "-sc_threshold", "0", "-bf", "2", "-flags", "+cgop",
            "-x264-params", "8x8dct=1:open-gop=0"]
LANCZOS, BT709 = ":flags=lanczos", ":out_color_matrix=bt709:out_range=tv"


def child_cpu(argv: list[str]) -> tuple[float, float]:
    """(cpu seconds, wall seconds) of one child process."""
    before, t0 = os.times(), time.perf_counter()
    subprocess.run(argv, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    after = os.times()
    return (after.children_user + after.children_system - before.children_user - before.children_system,
            time.perf_counter() - t0)


def metric(ff: str, a: Path, b: Path, seconds: float) -> str:
    """SSIM (All) and PSNR (average, dB) of ``a`` against ``b``."""
    graph = ("[0:v]format=yuv420p,split[a1][a2];[1:v]format=yuv420p,split[b1][b2];"
             "[a1][b1]ssim;[a2][b2]psnr")
    err = subprocess.run([ff, "-nostdin", "-t", str(seconds), "-i", str(a), "-t", str(seconds), "-i", str(b),
                          "-lavfi", graph, "-f", "null", "-"], capture_output=True, text=True).stderr
    ssim = re.search(r"SSIM .*All:([0-9.]+)", err)
    psnr = re.search(r"PSNR .*average:([0-9.inf]+)", err)
    return f"SSIM {ssim.group(1) if ssim else '?'}  PSNR {psnr.group(1) if psnr else '?'} dB"


def main() -> None:
    from reelkit.captions import ass_filter, write_ass
    from reelkit.captions.prepare import captions_for_render
    from reelkit.deliver.legibility import picture_tap
    from reelkit.io.ffmpeg import ffmpeg_exe
    from reelkit.plan.model import with_exact_frames
    from reelkit.plan.planfile import read_plan_file
    from reelkit.render import graph
    from reelkit.render.ffmpeg_engine import measure_loudness
    from reelkit.vision import faces

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=20.0, help="span of the clip measured (default 20)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians reported (default 3)")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/reelkit-bench"), help="bench_render.py's workdir")
    args = ap.parse_args()
    work = args.workdir.resolve()
    (plan_file,) = (work / "b").glob("*/plan.json")
    full_plan = read_plan_file(plan_file)[0]
    n = int(args.seconds * float(full_plan.rate))
    cut = replace(full_plan.cuts[0], src_end_frame=full_plan.cuts[0].src_start_frame + n)
    plan = with_exact_frames(replace(full_plan, cuts=(cut,)))
    out = work / "costs"
    out.mkdir(exist_ok=True)
    ff, clip = ffmpeg_exe(), plan.sources[0].path
    style = replace(plan.caption_style, style="karaoke")
    write_ass(plan.pages, style, plan.width, plan.height, out / "words.ass")
    flt = ass_filter(out / "words.ass", Path(style.font_file).parent)
    logo = next(o for o in plan.overlays if o.kind == "logo")
    c = plan.cuts[0].crop

    def plain(name: str, scale: str = "", x264: list[str] | None = None, lossless: bool = False) -> list[str]:
        chain = (f"[0:v]crop={c.w}:{c.h}:{c.x}:{c.y},scale={plan.width}:{plan.height}{scale}[v];"
                 f"[v][1:v]overlay=x={logo.x}:y={logo.y}[vl];[vl]{flt}[out]")
        enc = ["-preset", "ultrafast", "-qp", "0", "-an"] if lossless else \
            ["-preset", "veryfast", *(x264 or []), "-c:a", "aac", "-b:a", "192k"]
        return [ff, "-nostdin", "-y", "-v", "error", "-t", _s(args.seconds), "-i", clip, "-i", logo.image,
                "-filter_complex", chain, "-map", "[out]", *([] if lossless else ["-map", "0:a"]),
                "-c:v", "libx264", "-pix_fmt", "yuv420p", *enc, str(out / name)]

    caps = captions_for_render(plan, out)
    measured = measure_loudness(plan)

    def reelkit(outputs: int, tap: bool = False) -> list[str]:
        specs = [replace(full_plan.outputs[i % len(full_plan.outputs)], platform=f"p{i}") for i in range(outputs)]
        frames = picture_tap(plan, out, "tap") if tap else None
        return [ff, "-nostdin", "-y", "-v", "error",
                *graph.render_args(plan, specs, str(out / f"reelkit{outputs}{'-tap' if tap else ''}.mp4"),
                                   ass_filter=caps.ass_filter, measured=measured, caption_overlays=caps.overlays,
                                   tap=frames)]

    spec = full_plan.outputs[0]
    capped = ["-crf", f"{spec.crf:g}", "-maxrate", spec.video_bitrate, "-bufsize", spec.bufsize]
    variants = variant_commands(plain, reelkit, [ff, "-nostdin", "-v", "error", *graph.loudness_pass_args(plan)],
                                capped)
    runs = run_rounds(variants, args.rounds, lambda: faces.analyse(
        clip, 0.0, args.seconds, plan.sources[0].width, plan.sources[0].height, cache=False))
    for name, scale in (("ref-bicubic.mkv", ""), ("ref-lanczos.mkv", LANCZOS), ("ref-bt709.mkv", LANCZOS + BT709)):
        subprocess.run(plain(name, scale, lossless=True), check=True)
    report(ff, out, runs, variants, args.seconds, args.rounds, f"{plan.width}x{plan.height}")


def variant_commands(plain, reelkit, loudness: list[str], capped: list[str]) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """The plain command, one reelkit choice added at a time, reelkit's own commands."""
    return {
        "plain command": plain("plain.mp4"),
        "+ lanczos scaler": plain("lanczos.mp4", LANCZOS),
        "+ BT.709 conversion": plain("bt709.mp4", LANCZOS + BT709),
        "+ x264 preset crf, capped": plain("capped.mp4", x264=capped),
        "+ x264 CRF 20, capped": plain("crf20.mp4", x264=X264_CRF20),
        "+ x264 8M ABR (old presets)": plain("bitrate.mp4", x264=X264_BITRATE),
        "+ x264 GOP 0.5 s, bf 2": plain("gop.mp4", x264=X264_GOP),
        "+ both x264 options": plain("x264.mp4", x264=capped + X264_GOP),
        "reelkit render, 1 platform": reelkit(1),
        "  + picture tap (flash)": reelkit(1, tap=True),
        "reelkit render, 4 platforms": reelkit(4),
        "loudness pass": loudness,
    }


def run_rounds(variants: dict[str, list[str]], rounds: int, analyse) -> dict[str, list[tuple[float, float]]]:  # type: ignore[no-untyped-def]
    """(cpu, wall) of every variant and of the face analysis, in alternating rounds."""
    runs: dict[str, list[tuple[float, float]]] = {k: [] for k in [*variants, "face analysis"]}
    for r in range(max(1, rounds)):
        for key in (list(runs) if r % 2 == 0 else list(runs)[::-1]):
            print(f"  round {r + 1}: {key} ...", flush=True)
            if key != "face analysis":
                runs[key].append(child_cpu(variants[key]))
                continue
            before, t0 = os.times(), time.perf_counter()
            analyse()
            after = os.times()
            runs[key].append((after.user + after.system + after.children_user + after.children_system
                              - before.user - before.system - before.children_user - before.children_system,
                              time.perf_counter() - t0))
    return runs


def report(ff: str, out: Path, runs: dict[str, list[tuple[float, float]]], variants: dict[str, list[str]],
           seconds: float, rounds: int, size: str) -> None:
    """The cost table: cpu, wall, cpu over the plain command's, the visible effect, the bitrate."""
    seen = min(seconds, 5.0)
    ref = out / "ref-bicubic.mkv"
    effect = {
        "+ lanczos scaler": "vs bicubic (lossless): " + metric(ff, out / "ref-lanczos.mkv", ref, seen),
        "+ BT.709 conversion": "vs none (lossless): " + metric(ff, out / "ref-bt709.mkv", out / "ref-lanczos.mkv", seen),
        **{key: "vs lossless: " + metric(ff, out / name, ref, seen) for key, name in (
            ("plain command", "plain.mp4"), ("+ x264 preset crf, capped", "capped.mp4"),
            ("+ x264 CRF 20, capped", "crf20.mp4"), ("+ x264 8M ABR (old presets)", "bitrate.mp4"),
            ("+ x264 GOP 0.5 s, bf 2", "gop.mp4"), ("+ both x264 options", "x264.mp4"))},
    }
    base = statistics.median(x[0] for x in runs["plain command"])
    print(f"\n{seconds:g} s of the 1920x1080 bench clip -> {size}, x264 veryfast; "
          f"medians of {rounds} alternating rounds; cpu = user + system seconds\n")
    print(f"{'variant':<30}{'cpu':>8}{'wall':>8}{'cpu / plain':>13}  visible effect (first {seen:g} s), bitrate")
    for key, v in runs.items():
        cpu, wall = statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)
        path = Path(variants[key][-1]) if key in variants else None
        rate = ""
        if path is not None and path.suffix == ".mp4" and path.exists():
            rate = f"  {path.stat().st_size * 8 / seconds / 1e6:.2f} Mbit/s"
        print(f"{key:<30}{cpu:>7.1f}s{wall:>7.1f}s{cpu / base:>13.2f}  {effect.get(key, '')}{rate}")

def _s(value: float) -> str:
    return f"{value:.3f}"


if __name__ == "__main__":
    main()
