"""Exact time on real encodes: 29.97 and 25 fps sources keep their rate by default (and with
the outline's `fps: source`), outputs have exactly the plan's frame count, no frame is dropped
or repeated at cuts, and a hand-edited seconds field of plan.json is honoured to the frame."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from reelkit.io.ffmpeg import run_ffmpeg
from reelkit.pipeline import RenderRequest, render_episode, render_plan_file
from reelkit.render.engine import RenderOptions

STEP, PERIOD = 4, 50  # source frame n has luma 16 + 4 * (n mod 50)


def numbered_clip(path: Path, rate: str, seconds: float = 4.0) -> Path:
    """A 160x90 clip whose frame n is flat grey 16 + 4*(n mod 50), with a tone."""
    run_ffmpeg(["-f", "lavfi", "-i", f"color=c=black:s=160x90:r={rate}:d={seconds},format=yuv420p,"
                f"geq=lum='16+{STEP}*mod(N\\,{PERIOD})':cb=128:cr=128",
                "-f", "lavfi", "-i", f"sine=f=440:d={seconds}:r=48000",
                "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p", "-g", "12",
                "-c:a", "aac", "-shortest", str(path)], stage="make numbered clip")
    return path


def decoded_indices(path: Path) -> tuple[list[int], Fraction]:
    """(source frame number mod 50 of every output frame, the stream's frame rate)."""
    import av

    out = []
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        rate = Fraction(stream.average_rate)
        for frame in c.decode(stream):
            h, w = frame.height, frame.width
            y = frame.reformat(format="yuv420p").to_ndarray()[:h]  # the luma plane as stored
            out.append(int(round((float(np.median(y[h // 4: 3 * h // 4, w // 4: 3 * w // 4])) - 16) / STEP)))
    return out, rate


def small_platform(tmp_path: Path, fps: str = "") -> Path:
    """A platforms file with one small platform ("probe"); every other field is the default."""
    platforms = tmp_path / "platforms.yaml"
    platforms.write_text("platforms:\n  probe:\n    width: 360\n    height: 640\n" + (f"    fps: {fps}\n" if fps else "")
                         + "    fps_range: [23, 60]\n    safe_zone: {top: 40, bottom: 100, left: 20, right: 20}\n",
                         encoding="utf-8")
    return platforms


def two_cut_outline(tmp_path: Path, clip: Path, **extra: object) -> Path:
    outline = tmp_path / "ep.yaml"
    outline.write_text(json.dumps({"title": "Exact", "brand": "default", **extra, "segments": [
        {"clip": str(clip), "start": 0.5, "end": 1.5, "reframe": "crop", "captions": False},
        {"clip": str(clip), "start": 2.0, "end": 3.1, "reframe": "crop", "captions": False}]}), encoding="utf-8")
    return outline


def assert_exact(result, plan, exact: Fraction) -> None:
    """The output has the plan's rate and frame count, each frame the next source frame."""
    got, stream_rate = decoded_indices(result.files["probe"])
    assert stream_rate == exact
    assert len(got) == plan.frame_count == sum(c.frames for c in plan.cuts)
    # Every output frame is the next source frame; at the join it jumps to the second cut's first.
    expected = [n % PERIOD for c in plan.cuts for n in range(c.src_start_frame, c.src_end_frame)]
    assert got == expected


@pytest.mark.slow
@pytest.mark.parametrize("rate, exact", [("30000/1001", Fraction(30000, 1001)), ("25", Fraction(25))])
def test_source_rate_kept_by_default_and_frames_exact(tmp_path: Path, rate: str, exact: Fraction) -> None:
    clip = numbered_clip(tmp_path / "numbered.mp4", rate)
    # The platform sets no fps: the default keeps the source's rate.
    request = RenderRequest(inputs=(two_cut_outline(tmp_path, clip),), platforms=("probe",),
                            platforms_file=small_platform(tmp_path), out_dir=tmp_path / "out",
                            options=RenderOptions(x264_preset="ultrafast"))
    result = render_episode(request)
    plan = result.plan
    assert plan.rate == exact and plan.frame_rate == rate
    assert_exact(result, plan, exact)
    assert result.checks["probe"] == []
    if rate != "30000/1001":
        return
    # A hand edit of plan.json: only the first cut's src_end (seconds), 10 frames later.
    plan_file = result.folder / "plan.json"
    data = json.loads(plan_file.read_text(encoding="utf-8"))
    cut = data["cuts"][0]
    cut["src_end"] = round((cut["src_end_frame"] + 10) / float(exact), 6)
    plan_file.write_text(json.dumps(data), encoding="utf-8")
    edited = render_plan_file(plan_file, RenderRequest(inputs=(), out_dir=tmp_path / "edited",
                                                       options=RenderOptions(x264_preset="ultrafast")))
    assert edited.plan.frame_count == plan.frame_count + 10
    assert edited.plan.cuts[0].src_end_frame == plan.cuts[0].src_end_frame + 10
    assert_exact(edited, edited.plan, exact)


@pytest.mark.slow
def test_outline_fps_source_and_rational_rates(tmp_path: Path) -> None:
    clip = numbered_clip(tmp_path / "numbered.mp4", "30000/1001", seconds=3.5)
    # The platform asks for 30; the outline's `fps: source` keeps the clip's 30000/1001.
    request = RenderRequest(inputs=(two_cut_outline(tmp_path, clip, fps="source"),), platforms=("probe",),
                            platforms_file=small_platform(tmp_path, fps="30"), out_dir=tmp_path / "out",
                            options=RenderOptions(x264_preset="ultrafast"))
    result = render_episode(request)
    assert result.plan.frame_rate == "30000/1001"
    assert_exact(result, result.plan, Fraction(30000, 1001))
