"""Time `render_preview` for the shipped presets on every platform.

    .venv/bin/python scripts/bench_preview.py [--repeat N]

Prints seconds per preview (median of N) and the ratio to a bare ``ffmpeg -f lavfi color
-frames 1`` run from this same process (process start-up and PNG writing included in both),
so the figure can be compared across machines of different speed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reelkit.brand import load_brand  # noqa: E402
from reelkit.render.brand_preview import render_preview  # noqa: E402
from reelkit.io.ffmpeg import run_ffmpeg  # noqa: E402
from reelkit.plan.platforms import load_platforms  # noqa: E402


def _median_seconds(action, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    platforms = load_platforms()
    with tempfile.TemporaryDirectory(prefix="reelkit-bench-") as tmp:
        out = Path(tmp) / "out.png"
        baseline = _median_seconds(lambda: run_ffmpeg(
            ["-f", "lavfi", "-i", "color=c=gray:s=1080x1920", "-frames:v", "1", "-update", "1", str(out)],
            stage="bench-baseline"), args.repeat)
        print(f"baseline ffmpeg color -frames 1: {baseline:.3f} s")
        load_brand("default")  # warm imports (captions module, Pillow plugins) out of the timing
        for name in ("default", "civic"):
            brand = load_brand(name)
            for pname in ("tiktok", "reels", "shorts", "snapchat"):
                seconds = _median_seconds(lambda: render_preview(brand, platforms[pname], out), args.repeat)
                print(f"{name:8} {pname:9} {seconds:.3f} s per preview  ({seconds / baseline:.1f}x baseline)")
        whole = _median_seconds(lambda: render_preview(load_brand("civic"), platforms["tiktok"], out), args.repeat)
        print(f"load_brand + render_preview (civic, tiktok): {whole:.3f} s ({whole / baseline:.1f}x baseline)")


if __name__ == "__main__":
    main()
