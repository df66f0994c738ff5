"""Studio benchmark: how fast the review page answers, on a 60 s episode.

Prints figures (never pass/fail):

  (a) caption-edit-to-page latency: from pressing Enter on a fixed word in headless Chromium
      to the page drawing it on the player (from the page's copy of the plan), and to the
      server's validated plan (written to plan.json) being back in the page (medians);
  (b) cut-change-to-updated-proxy: from posting a 1-frame cut-edge move to the new proxy
      being ready (median of several);
  (c) the first proxy of the episode, as a fraction of the episode's duration (x real time),
      and the proxy media made after it (the cut changes in (b) are timed once they exist);
  (d) for scale, the full-size render of the same plan (1080x1920, one platform, x264
      veryfast, `render_planned`: loudness pass, encode, remux, cover, checks) in this same
      process, and the proxy's ratio to it;
  (e) brand mode: saving a colour in a preset file to the page showing it.

The episode is a generated 60 s 1920x1080 talking clip with espeak speech (a tone without
espeak-ng) and an SRT, rendered once with `reelkit render --captions` (kept in --workdir).

    .venv/bin/python scripts/bench_studio.py
    .venv/bin/python scripts/bench_studio.py --duration 20 --repeat 2   # quicker
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "studio"))

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def make_episode(work: Path, duration: float) -> Path:
    """OUT/<slug>/ of a ``duration`` s talking clip rendered with its SRT (cached)."""
    from click.testing import CliRunner

    from bench_render import make_speech, write_srt
    from media import talking_clip
    from reelkit.cli.main import main

    tag = f"{int(duration)}s"
    folder = work / "out" / f"studio-{tag}"
    if (folder / "plan.json").is_file():
        return folder
    clip, srt, wav = work / f"studio-{tag}.mp4", work / f"studio-{tag}.srt", work / f"studio-{tag}.wav"
    print(f"  making a {duration:.0f} s 1920x1080 talking clip and rendering it once ...", flush=True)
    cues = make_speech(wav, duration)
    talking_clip(clip, wav, size="1920x1080", fps=30, duration=duration, crf=23)
    write_srt(cues, srt)
    wav.unlink()
    result = CliRunner().invoke(main, ["render", str(clip), "--captions", str(srt), "--platform", "tiktok",
                                       "--out", str(work / "out"), "--quiet", "--preset", "ultrafast"])
    if result.exit_code != 0:
        raise SystemExit(result.output)
    return folder


def wait(predicate, timeout: float = 300.0, step: float = 0.01) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    while not predicate():
        if time.perf_counter() - start > timeout:
            raise SystemExit("timed out")
        time.sleep(step)
    return time.perf_counter()


def full_render_seconds(folder: Path, scratch: Path) -> float:
    """The baseline: the real render of the same plan at full size, one platform."""
    from reelkit.pipeline import RenderRequest, render_planned, retarget
    from reelkit.plan.planfile import read_plan_file
    from reelkit.render.engine import RenderOptions

    target = scratch / folder.name
    shutil.rmtree(target, ignore_errors=True)
    plans = tuple(retarget(p, target) for p in read_plan_file(folder / "plan.json"))
    t0 = time.perf_counter()
    render_planned(plans, target, RenderRequest(inputs=(folder / "plan.json",), out_dir=scratch,
                                                options=RenderOptions(x264_preset="veryfast")), None, {})
    return time.perf_counter() - t0


def caption_latency(url: str, repeat: int) -> tuple[list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.goto(url)
        page.wait_for_selector(".word[data-page='0'][data-word='0']")
        for k in range(repeat):
            page.dblclick(f".word[data-page='{k}'][data-word='0']")
            page.fill(".word-edit", f"Fixed{k}")
            page.press(".word-edit", "Enter")
            page.wait_for_function(f"window.studioLatency.length === {k + 1}", timeout=30_000)
        page.wait_for_function(f"window.studioConfirmed.length === {repeat}", timeout=30_000)
        shown, confirmed = page.evaluate("[window.studioLatency, window.studioConfirmed]")
        browser.close()
    return [v / 1000 for v in shown], [v / 1000 for v in confirmed]


def brand_latency(work: Path, repeat: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    from reelkit.brand.preset import shipped_brand_dir
    from reelkit.studio.brandmode import BrandWatch
    from reelkit.studio.serve import StudioServer
    from reelkit.studio.server import brand_app

    folder = work / "brand-bench"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(shipped_brand_dir() / "default", folder)
    watch = BrandWatch(folder, work / "brand-state")
    server = StudioServer(port=0).mount(lambda token, hosts: brand_app(watch, token, hosts)).start()
    preset = folder / "brand.yaml"
    out = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page()
        page.goto(server.url)
        page.wait_for_selector(".colour[data-name='accent']")
        current = "#FFD400"
        for k in range(repeat):
            new = f"#00{k:02d}AA"
            time.sleep(1.0)  # let the previous previews finish: the figure is the palette's
            preset.write_text(preset.read_text().replace(f'accent: "{current}"', f'accent: "{new}"'))
            t0 = time.perf_counter()
            page.wait_for_selector(f".colour[data-name='accent'][data-value='{new}']", timeout=30_000)
            out.append(time.perf_counter() - t0)
            current = new
        browser.close()
    server.stop()
    watch.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/reelkit-bench-studio"))
    args = parser.parse_args()
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    episode = make_episode(work, args.duration)

    from reelkit.studio.serve import StudioServer
    from reelkit.studio.server import episode_app
    from reelkit.studio.session import Session

    folder = work / "edit" / episode.name
    shutil.rmtree(work / "edit", ignore_errors=True)
    shutil.copytree(episode, folder)
    state = work / "state"
    shutil.rmtree(state, ignore_errors=True)
    baseline = full_render_seconds(episode, work / "baseline")

    t0 = time.perf_counter()
    session = Session(folder / "plan.json", state, preset="ultrafast")
    wait(lambda: session.proxy.ready is not None)
    first = time.perf_counter() - t0
    duration = session.plans[0].duration
    server = StudioServer(port=0).mount(lambda token, hosts: episode_app(session, token, hosts)).start()
    from reelkit.studio.proxy import media_path

    media_folder = session.proxy.folder / "work" / "overlays"
    media = wait(lambda: all(media_path(s, media_folder).is_file() for s in session.plans[0].sources)) - t0 - first

    cut_times = []
    for k in range(args.repeat):
        t0 = time.perf_counter()
        session.apply({"op": "move_edge", "cut": 0, "edge": "end", "frames": -1})
        version = session.version
        t1 = wait(lambda: session.proxy.ready is not None and session.proxy.ready[0] == version)
        cut_times.append(t1 - t0)
    latencies, confirmed = caption_latency(server.url, max(3, args.repeat))
    wait(lambda: session.proxy.building is None and session.proxy._wanted is None)
    server.stop()
    session.close()
    brand = brand_latency(work, args.repeat)

    med = statistics.median
    print(f"\nstudio on a {duration:.1f} s episode (1080x1920 plan, proxy 540x960 ultrafast)")
    print(f"{'figure':<44}{'median':>10}  runs")
    print(f"{'(a) caption edit -> page':<44}{med(latencies) * 1000:>8.0f} ms  "
          + ", ".join(f"{v * 1000:.0f}" for v in latencies))
    print(f"{'    ... confirmed by the server (plan.json)':<44}{med(confirmed) * 1000:>8.0f} ms  "
          + ", ".join(f"{v * 1000:.0f}" for v in confirmed))
    print(f"{'(b) cut change -> updated proxy':<44}{med(cut_times):>8.2f} s   "
          + ", ".join(f"{v:.2f}" for v in cut_times))
    print(f"{'(c) first proxy':<44}{first:>8.2f} s   = {first / duration:.3f}x real time")
    print(f"{'    then proxy media, in the background':<44}{media:>8.2f} s")
    print(f"{'(d) full-size render of the same plan':<44}{baseline:>8.2f} s   = {baseline / duration:.3f}x real time;"
          f" proxy/full = {first / baseline:.2f}")
    print(f"{'(e) brand preset saved -> page':<44}{med(brand) * 1000:>8.0f} ms  "
          + ", ".join(f"{v * 1000:.0f}" for v in brand))


if __name__ == "__main__":
    main()
