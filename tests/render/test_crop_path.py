"""A tracked crop's path as an ffmpeg expression: equal to the plan's own path at every frame,
and accepted by ffmpeg however many keys a long talking-head cut has (a flat sum of ramps was
refused past about 100 moving spans: a 3-minute face-tracked clip failed to render)."""

from __future__ import annotations

import math
import re
import subprocess

import numpy as np

from reelkit.io.ffmpeg import ffmpeg_exe
from reelkit.plan.model import CropKey
from reelkit.reframe.camera_path import crop_px
from reelkit.render.graph import path_expr


def _keys(n: int, seed: int = 3) -> list[CropKey]:
    rng = np.random.default_rng(seed)
    ts = np.cumsum(rng.uniform(0.2, 1.5, n))
    xs = np.clip(400 + np.cumsum(rng.integers(-30, 31, n)), 0, 1500)
    keys = [CropKey(round(float(t), 6), int(x), 100) for t, x in zip(ts, xs)]
    keys[5] = CropKey(keys[5].t, keys[4].x, 100)  # a held span inside the path
    return keys


def _evaluate(expr: str, t: float) -> float:
    """ffmpeg's expression read as Python (the few functions path_expr writes)."""
    py = re.sub(r"\bif\(", "_if(", expr.strip("'"))
    env = {"_if": lambda c, a, b: a if c else b, "lt": lambda a, b: a < b, "t": t, "floor": math.floor,
           "clip": lambda v, lo, hi: min(max(v, lo), hi)}
    return eval(py, {"__builtins__": {}}, env)  # noqa: S307 (our own expression, in a test)


def test_expression_follows_the_path_at_every_frame() -> None:
    keys = _keys(400)
    offset = 2.0  # the cut starts 2 s into the plan: the expression runs on the cut's own time
    expr = path_expr(keys, "x", offset)
    for t in np.arange(keys[0].t - 1, keys[-1].t + 1, 1 / 30):
        assert int(_evaluate(expr, t - offset)) & ~1 == crop_px(keys, float(t))[0], t


def test_ffmpeg_accepts_a_long_path() -> None:
    keys = _keys(2000)  # about 30 minutes of a tracked face
    expr = path_expr(keys, "x", keys[0].t)
    assert expr.count("(") - expr.count("if(") < 2 * 2000 and "if(" in expr
    done = subprocess.run([ffmpeg_exe(), "-hide_banner", "-v", "error", "-f", "lavfi", "-i",
                           "color=s=1920x1080:d=0.5", "-vf", f"crop=w=400:h=720:x={expr}:y=100",
                           "-f", "null", "-"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]


def test_a_steady_path_is_one_number() -> None:
    assert path_expr([CropKey(0.0, 320, 0), CropKey(4.0, 320, 0)], "x", 0.0) == "320"


def test_a_graph_over_the_kernels_argument_limit_runs(tmp_path) -> None:
    """x and y of a 3000-key path: one -filter_complex argument over 128 KiB (E2BIG if passed
    on the command line) goes to ffmpeg in a file, and the picture is cropped as asked."""
    from reelkit.io.ffmpeg import run_ffmpeg

    keys = _keys(3000)
    graph = (f"[0:v]crop=w=400:h=720:x={path_expr(keys, 'x', keys[0].t)}"
             f":y={path_expr(keys, 'y', keys[0].t)}[v]")
    assert len(graph) > 128 * 1024
    out = tmp_path / "crop.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "color=s=1920x1080:d=0.2", "-filter_complex", graph, "-map", "[v]",
                "-c:v", "libx264", "-preset", "ultrafast", str(out)], stage="test")
    import av

    with av.open(str(out)) as c:
        assert (c.streams.video[0].width, c.streams.video[0].height) == (400, 720)
