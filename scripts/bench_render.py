"""Render benchmark: reelkit's default path against a plain hand-written ffmpeg command.

Prints figures and ratios (never pass/fail). On a generated 1920x1080 landscape talking clip
with espeak speech (a tone without espeak-ng) and a producer's SRT, it times:

  (a) ``python -m reelkit render`` for one platform (tiktok), on the path users run: the
      default reframe (``auto``: face analysis), the default brand, the default frame rate;
  (b) the same for the default platforms (all four);
  (p) the PLAIN command a user would otherwise write, the anchor of the issue's targets:
      centre crop, scale (ffmpeg's default scaler), the logo overlay, about 150 word-timed
      ASS events (one per word), libx264 veryfast at its defaults, AAC, MP4 faststart;
  (c) the like-for-like command: the same picture work with reelkit's own heavier choices
      written by hand (lanczos scaling with BT.709 conversion, reelkit's x264 options), so
      a/c is reelkit's overhead over itself;
  (d) a straightforward MoviePy 2 script doing the same with one TextClip per word (what most
      tools in the field do: crop + resize + logo + per-word TextClips);
  (e) reelkit render of a long input (default 10 minutes: the clip looped by stream copy),
      one platform, ``--preset ultrafast`` so the run stays short: for its peak memory.

Captions come from the SRT (``--captions``), so no speech recognition time is included. The
reelkit runs are the whole CLI: plan (face analysis included: its cache is emptied before
every run), loudness pass, render with music bed, progress bar, watermark and end card,
remux, cover, platform checks and metadata. Each run is a fresh process; memory is the peak
RSS of its whole process tree (see scripts/_bench_util.py). (a), (p), (c) and (b) run in
alternating rounds ((a) (p) (c) (b), then (b) (c) (p) (a), ...) in this one process tree; the
table shows medians, the ratios are of medians, and each round's own ratio is printed too.

    .venv/bin/python scripts/bench_render.py            # 60 s clip, 10-minute long input
    .venv/bin/python scripts/bench_render.py --quick    # 20 s clip, 2-minute long input
    .venv/bin/python scripts/bench_render.py --skip-naive --long-minutes 0 --repeat 3  # ratios only

On the project's 2-core machine (shared) one round of (a), (p), (c), (b) takes about 4 minutes
when the machine is quiet ((d) alone 3-7 minutes). Generated media stay in --workdir for the next run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _bench_util import SENTENCES, Measurement, fresh_dir, measure, mib  # noqa: E402



# --- media ----------------------------------------------------------------------------------

def make_speech(wav: Path, duration: float) -> list[tuple[float, float, str]]:
    """At least ``duration`` seconds of speech; returns (start, end, sentence) per sentence."""
    from media import have_espeak, speak_sentences, tone

    if not have_espeak():
        tone(wav, duration=duration + 1, frequency=220, rate=22050, volume_db=-18)
        step = duration / len(SENTENCES)
        return [(i * step + 0.2, (i + 1) * step - 0.2, s) for i, s in enumerate(SENTENCES)]
    sentences = list(SENTENCES)
    while True:  # about 4 s a sentence: speak enough of them, then trim to the duration
        spans = speak_sentences(sentences, wav, gap=0.5)
        if spans[-1][1] >= duration:
            break
        sentences = sentences + SENTENCES
    return [(a, b, s) for (a, b), s in zip(spans, sentences) if b <= duration]


def write_srt(cues: list[tuple[float, float, str]], path: Path, *, repeat: int = 1, period: float = 0.0) -> None:
    def stamp(t: float) -> str:
        ms = int(round(t * 1000))
        return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"

    blocks = []
    for r in range(repeat):
        for a, b, text in cues:
            blocks.append(f"{len(blocks) + 1}\n{stamp(a + r * period)} --> {stamp(b + r * period)}\n{text}\n")
    path.write_text("\n".join(blocks), encoding="utf-8")


def make_inputs(work: Path, duration: float, long_minutes: float) -> dict[str, Path]:
    """The clip, its SRT and outline, and the long input with its SRT (cached in ``work``)."""
    from media import talking_clip
    from reelkit.io.ffmpeg import run_ffmpeg

    tag = f"{int(duration)}s"
    clip, srt = work / f"talk-{tag}.mp4", work / f"talk-{tag}.srt"
    cues_file = work / f"talk-{tag}.cues.json"
    if not (clip.exists() and cues_file.exists()):
        wav = work / f"speech-{tag}.wav"
        cues = make_speech(wav, duration)
        print(f"  making a {duration:.0f} s 1920x1080 talking clip ...", flush=True)
        talking_clip(clip, wav, size="1920x1080", fps=30, duration=duration, crf=23)
        cues_file.write_text(json.dumps(cues))
        wav.unlink()
    cues = [tuple(c) for c in json.loads(cues_file.read_text())]
    write_srt(cues, srt)  # type: ignore[arg-type]
    files = {"clip": clip, "srt": srt, "outline": _outline(work / f"bench-{tag}.yaml", clip, duration, "bench")}
    if long_minutes > 0:
        loops = int(np.ceil(long_minutes * 60 / duration))
        long_clip = work / f"long-{long_minutes:g}min-from-{tag}.mp4"
        if not long_clip.exists():
            print(f"  looping it to {long_minutes:g} minutes (stream copy) ...", flush=True)
            run_ffmpeg(["-stream_loop", str(loops - 1), "-i", str(clip), "-c", "copy",
                        "-t", str(long_minutes * 60), str(long_clip)], stage="loop clip")
        long_srt = work / f"long-{long_minutes:g}min.srt"
        write_srt(cues, long_srt, repeat=loops, period=duration)  # type: ignore[arg-type]
        files.update(long_clip=long_clip, long_srt=long_srt,
                     long_outline=_outline(work / f"bench-long-{long_minutes:g}min.yaml", long_clip,
                                           long_minutes * 60, "bench-long"))
    return files


def _outline(path: Path, clip: Path, duration: float, title: str) -> Path:
    """The default path: default brand, no reframe key (``auto``: face analysis), whole clip."""
    from reelkit.io.probe import probe

    end = min(duration, probe(clip).duration)
    path.write_text(f'title: "{title}"\nsegments:\n  - clip: "{clip.name}"\n    start: 0\n    end: {end:.3f}\n',
                    encoding="utf-8")
    return path


# --- the runs -------------------------------------------------------------------------------

def reelkit_render(outline: Path, srt: Path, out: Path, platforms: tuple[str, ...], preset: str) -> Measurement:
    """The CLI with an empty cache folder each time: the face analysis runs in every run, as
    in a user's first render (its cached result would hide its cost)."""
    import os

    argv = [sys.executable, "-m", "reelkit", "render", str(outline), "--captions", str(srt),
            "--out", str(fresh_dir(out)), "--preset", preset]
    for p in platforms:  # none: the default platforms
        argv += ["--platform", p]
    env = dict(os.environ, REELKIT_CACHE_DIR=str(fresh_dir(out.with_name(out.name + "-cache"))))
    # Not --quiet: the CLI's last lines carry its stage timings (a progress bar costs nothing here).
    return measure(argv, env=env).check(f"reelkit render ({', '.join(platforms) or 'default platforms'})")


def stage_timings(result: Measurement) -> str:
    for line in result.stdout.splitlines():
        if line.startswith("timings"):
            return line.split(None, 1)[1]
    return ""


def rendered_plan(out: Path):  # type: ignore[no-untyped-def]
    from reelkit.plan.planfile import read_plan_file

    (plan_file,) = out.glob("*/plan.json")
    return read_plan_file(plan_file)[0]


def baseline_args(plan, clip: Path, ass: Path, out: Path, preset: str) -> list[str]:  # type: ignore[no-untyped-def]
    """(c): crop, scale, logo, ASS captions and reelkit's own x264 options in one command."""
    from reelkit.render import graph
    from reelkit.captions import ass_filter, write_ass
    from reelkit.io.ffmpeg import ffmpeg_exe

    spec = plan.outputs[0]
    write_ass(plan.pages, plan.caption_style, plan.width, plan.height, ass)
    flt = ass_filter(ass, Path(plan.caption_style.font_file).parent)
    logo = next(o for o in plan.overlays if o.kind == "logo")
    c = plan.cuts[0].crop
    full = graph.render_args(plan, [spec], "unused.mkv", ass_filter=None, measured=None, x264_preset=preset)
    video_opts = full[full.index("-c:v"):full.index("-c:a:0")]
    # What a skilled editor writes: crop, one scale that also converts to BT.709 (as reelkit
    # does), the logo, the ASS file; no fps, trim, music, loudness or per-platform audio.
    chain = (f"[0:v]crop={c.w}:{c.h}:{c.x}:{c.y},scale={plan.width}:{plan.height}:flags=lanczos:"
             f"out_color_matrix=bt709:out_range=tv,format=yuv420p[v];"
             f"[v][1:v]overlay=x={logo.x}:y={logo.y}[vl];"
             f"[vl]{flt},format=yuv420p[out]")
    return [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-i", str(clip), "-i", logo.image,
            "-filter_complex", chain, "-map", "[out]", "-map", "0:a", *video_opts,
            "-c:a", "aac", "-b:a", spec.audio_bitrate, "-ar", str(spec.audio_rate), "-ac", "2",
            "-t", f"{plan.duration:.6f}", "-movflags", "+faststart", str(out)]


def plain_args(plan, clip: Path, ass: Path, out: Path, preset: str) -> list[str]:  # type: ignore[no-untyped-def]
    """(p): the command a user writes by hand: centre crop, scale, logo, one ASS event per
    word, libx264 at the preset's defaults, AAC. The anchor of the issue's speed targets."""
    from reelkit.captions import ass_filter, write_ass
    from reelkit.io.ffmpeg import ffmpeg_exe

    style = replace(plan.caption_style, style="karaoke")  # karaoke: one event per highlighted word
    write_ass(plan.pages, style, plan.width, plan.height, ass)
    flt = ass_filter(ass, Path(style.font_file).parent)
    logo = next(o for o in plan.overlays if o.kind == "logo")
    chain = (f"[0:v]crop=ih*{plan.width}/{plan.height}:ih,scale={plan.width}:{plan.height}[v];"
             f"[v][1:v]overlay=x={logo.x}:y={logo.y}[vl];[vl]{flt}[out]")
    return [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-i", str(clip), "-i", logo.image,
            "-filter_complex", chain, "-map", "[out]", "-map", "0:a", "-c:v", "libx264", "-preset", preset,
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "192k", "-t", f"{plan.duration:.6f}",
            "-movflags", "+faststart", str(out)]


def naive_moviepy(plan_json: Path, clip: Path, out: Path, preset: str) -> None:
    """(d), run in its own process: the MoviePy script most caption tools amount to."""
    from moviepy import CompositeVideoClip, ImageClip, TextClip, VideoFileClip

    from reelkit.render import graph
    from reelkit.plan.planfile import read_plan_file

    plan = read_plan_file(plan_json)[0]
    spec, style, c = plan.outputs[0], plan.caption_style, plan.cuts[0].crop
    video = (VideoFileClip(str(clip)).subclipped(0, plan.duration)
             .cropped(x1=c.x, y1=c.y, width=c.w, height=c.h).resized(new_size=(plan.width, plan.height)))
    logo_ov = next(o for o in plan.overlays if o.kind == "logo")
    layers = [video, ImageClip(logo_ov.image).with_position((logo_ov.x, logo_ov.y)).with_duration(plan.duration)]
    for word in plan.words:  # one TextClip per word: the pattern the design notes warn about
        text = TextClip(font=style.font_file, text=word.text, font_size=style.font_size, color=style.text_colour,
                        stroke_color=style.outline_colour, stroke_width=max(1, int(style.outline)), method="label")
        layers.append(text.with_start(word.start).with_end(word.end)
                      .with_position(("center", style.position_y - text.h // 2)))
    full = graph.render_args(plan, [spec], "unused.mkv", ass_filter=None, measured=None, x264_preset=preset)
    # reelkit's x264 options (its CRF and bitrate cap included), less those MoviePy's writer
    # sets itself (codec, preset).
    opts = full[full.index("-profile:v"):full.index("-c:a:0")]
    CompositeVideoClip(layers, size=(plan.width, plan.height)).write_videofile(
        str(out), fps=plan.fps, codec="libx264", preset=preset, audio_codec="aac",
        audio_bitrate=spec.audio_bitrate, audio_fps=spec.audio_rate, ffmpeg_params=opts, logger=None)
    video.close()


# --- main -----------------------------------------------------------------------------------

def _median_of(runs: list[Measurement]) -> Measurement:
    """The median run's wall and cpu times (each taken separately) with the highest memory peaks."""
    names = {n: max(r.peak_by_name.get(n, 0) for r in runs) for r in runs for n in r.peak_by_name}
    return replace(runs[0], seconds=statistics.median(r.seconds for r in runs),
                   cpu_seconds=statistics.median(r.cpu_seconds for r in runs),
                   peak_tree_rss=max(r.peak_tree_rss for r in runs),
                   peak_process_rss=max(r.peak_process_rss for r in runs), peak_by_name=names)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="20 s clip and a 2-minute long input")
    ap.add_argument("--duration", type=float, help="clip seconds (default 60, --quick 20)")
    ap.add_argument("--long-minutes", type=float, help="long input minutes (default 10, --quick 2; 0 skips)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="rounds of (a), (c), (b) in alternating order; medians reported (default 3)")
    ap.add_argument("--skip-naive", action="store_true", help="leave out (d), the slowest run")
    ap.add_argument("--preset", default="veryfast", help="x264 preset of (a)-(d) (reelkit's default)")
    ap.add_argument("--long-preset", default="ultrafast", help="x264 preset of the long-input render")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/reelkit-bench"),
                    help="generated media (kept for the next run) and outputs")
    ap.add_argument("--naive-moviepy", nargs=3, metavar=("PLAN", "CLIP", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.naive_moviepy:
        plan_json, clip, out = (Path(p) for p in args.naive_moviepy)
        naive_moviepy(plan_json, clip, out, args.preset)
        return

    started = time.perf_counter()
    duration = args.duration or (20.0 if args.quick else 60.0)
    long_minutes = args.long_minutes if args.long_minutes is not None else (2.0 if args.quick else 10.0)
    work = args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    print(f"inputs in {work}", flush=True)
    files = make_inputs(work, duration, long_minutes)

    runs: dict[str, list[Measurement]] = {"a": [], "b": [], "p": [], "c": []}
    rounds = max(1, args.repeat)
    plan = None

    def run_a() -> None:
        runs["a"].append(reelkit_render(files["outline"], files["srt"], work / "a", ("tiktok",), args.preset))

    def run_b() -> None:
        runs["b"].append(reelkit_render(files["outline"], files["srt"], work / "b", (), args.preset))

    def run_c() -> None:
        c_dir = fresh_dir(work / "c")
        runs["c"].append(measure(baseline_args(plan, files["clip"], c_dir / "captions.ass", c_dir / "tiktok.mp4",
                                               args.preset)).check("baseline ffmpeg"))

    def run_p() -> None:
        p_dir = fresh_dir(work / "p")
        runs["p"].append(measure(plain_args(plan, files["clip"], p_dir / "words.ass", p_dir / "tiktok.mp4",
                                            args.preset)).check("plain ffmpeg"))

    steps = {"a": ("(a) reelkit render, tiktok", run_a), "b": ("(b) reelkit render, default platforms", run_b),
             "p": ("(p) plain hand-written ffmpeg command", run_p),
             "c": ("(c) like-for-like hand-written ffmpeg command", run_c)}
    for r in range(rounds):
        # Alternating order, the baseline always between the two reelkit runs: each round gives
        # an (a, c) and a (b, c) pair run back to back under the same neighbouring load, and the
        # medians over rounds are what the ratios use.
        tag = f" (round {r + 1} of {rounds})" if rounds > 1 else ""
        order = ("a", "p", "c", "b") if r % 2 == 0 else ("b", "c", "p", "a")
        for key in order:
            label, step = steps[key]
            print(f"{label}{tag} ...", flush=True)
            step()
            if key == "a" and plan is None:
                plan = rendered_plan(work / "a")
    results: dict[str, Measurement] = {k: _median_of(v) for k, v in runs.items()}
    pairs = {f"{x}/{y}": [r.seconds / q.seconds for r, q in zip(runs[x], runs[y])]
             for x, y in (("a", "p"), ("b", "p"), ("a", "c"), ("b", "c"))}
    if not args.skip_naive:
        print(f"(d) MoviePy, one TextClip per word ({len(plan.words)} words) ...", flush=True)
        d_dir = fresh_dir(work / "d")
        (plan_json,) = (work / "a").glob("*/plan.json")
        results["d"] = measure([sys.executable, str(Path(__file__).resolve()), "--preset", args.preset,
                                "--naive-moviepy", str(plan_json), str(files["clip"]), str(d_dir / "tiktok.mp4")],
                               cwd=d_dir).check("naive MoviePy")
    if long_minutes > 0:
        print(f"(e) reelkit render, {long_minutes:g}-minute input, --preset {args.long_preset} ...", flush=True)
        results["e"] = reelkit_render(files["long_outline"], files["long_srt"], work / "e", ("tiktok",),
                                      args.long_preset)

    labels = {"a": "(a) reelkit render, 1 platform", "b": "(b) reelkit render, 4 platforms",
              "p": "(p) plain hand-written ffmpeg command", "c": "(c) like-for-like hand-written command", "d": "(d) MoviePy, one TextClip per word",
              "e": f"(e) reelkit, {long_minutes:g}-min input, {args.long_preset}"}
    events = sum(1 for ln in (work / "p" / "words.ass").read_text(encoding="utf-8").splitlines()
                 if ln.startswith("Dialogue:"))
    print(f"\n{duration:.0f} s 1920x1080 input -> 1080x1920, x264 {args.preset}, {events} ASS events in (p); "
          f"medians of {rounds} round{'s' if rounds > 1 else ''}; "
          f"cpu = user + system seconds of the whole process tree\n")
    print(f"{'run':<42}{'wall':>8}{'cpu':>8}{'peak tree RSS':>15}{'largest process':>17}  peak per program")
    for key, res in results.items():
        programs = ", ".join(f"{name} {mib(rss)}" for name, rss in
                             sorted(res.peak_by_name.items(), key=lambda kv: -kv[1])[:3])
        print(f"{labels[key]:<42}{res.seconds:>7.1f}s{res.cpu_seconds:>7.1f}s{mib(res.peak_tree_rss):>15}"
              f"{mib(res.peak_process_rss):>17}  {programs}")
    print()
    for key in ("a", "b", "e"):
        if key in results:
            print(f"{key}: reelkit's stage timings  {stage_timings(results[key])}")
    wall = {k: v.seconds for k, v in results.items()}
    cpu = {k: v.cpu_seconds for k, v in results.items()}
    print("\nratios of medians, wall / cpu (the issue's targets in brackets); then each round's wall ratio")
    for key, target, what in (("a/p", "<= 1.2", "1 platform vs the plain command"),
                              ("b/p", "<= 1.5", "4 platforms vs the plain command"),
                              ("a/c", "", "1 platform vs like-for-like"), ("b/c", "", "4 platforms vs like-for-like")):
        x, y = key.split("/")
        print(f"  {key} = {wall[x] / wall[y]:.2f} / {cpu[x] / cpu[y]:.2f}   {f'[{target}]':<9} {what:<34} "
              f"pairs {', '.join(f'{v:.2f}' for v in pairs[key])} (median {statistics.median(pairs[key]):.2f})")
    if "d" in wall:
        print(f"  d/a = {wall['d'] / wall['a']:.2f} / {cpu['d'] / cpu['a']:.2f}   [>= 5]")
    if "e" in results:
        print(f"  peak memory, {long_minutes:g}-minute input: {mib(results['e'].peak_tree_rss)} (process tree), "
              f"{mib(results['e'].peak_process_rss)} (largest process)   [<= 1 GB]")
    print(f"\nbenchmark wall time {time.perf_counter() - started:.0f} s")

if __name__ == "__main__":
    main()
