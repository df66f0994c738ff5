"""Hostile and odd media, generated for real: refused in one line, or rendered correctly."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from conftest import frame_at, stream_facts
from hostile import cli, listing, refused
from reelkit.io.ffmpeg import run_ffmpeg


def _make(out: Path, *args: str) -> Path:
    run_ffmpeg([*args, str(out)], stage="make hostile media")
    return out


def _av(out: Path, *, size: str = "320x240", rate: int = 48000, seconds: float = 2.0, extra: tuple[str, ...] = (),
        audio: bool = True) -> Path:
    args = ["-f", "lavfi", "-i", f"testsrc2=s={size}:r=25:d={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=f=440:r={rate}:d={seconds}", "-ac", "1", "-c:a", "aac"]
    return _make(out, *args, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", *extra)


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("hostile-media")
    (d / "zero.mp4").write_bytes(b"")
    img = Image.new("RGB", (64, 64), "red")
    img.save(d / "picture.mp4", format="PNG")
    (d / "text.mp4").write_text("this is not a video\n" * 50, encoding="utf-8")
    _make(d / "audio.mp4", "-f", "lavfi", "-i", "sine=f=440:d=2", "-c:a", "aac")
    plain = _av(d / "plain.mp4")
    data = plain.read_bytes()
    moov = data.rfind(b"moov") - 4
    assert moov > len(data) // 2  # moov at the end (no faststart): cut it off
    (d / "no-moov.mp4").write_bytes(data[:moov])
    fast = _av(d / "fast.mp4", extra=("-movflags", "+faststart"))
    data = fast.read_bytes()
    (d / "cut-mdat.mp4").write_bytes(data[: int(len(data) * 0.55)])
    return d


@pytest.mark.parametrize("name, expect", [
    ("zero.mp4", "not a readable media file"),
    ("picture.mp4", "is a still image (png), not a video"),
    ("text.mp4", "not a readable media file"),
    ("audio.mp4", "has no video stream"),
    ("no-moov.mp4", "not a readable media file"),
])
def test_broken_or_wrong_media_is_refused(tmp_path: Path, bad: Path, name: str, expect: str) -> None:
    outline = tmp_path / "ep.yaml"
    outline.write_text(json.dumps({"title": "Bad", "segments": [{"clip": str(bad / name)}]}), encoding="utf-8")
    out = tmp_path / "out"
    (out / "bad").mkdir(parents=True)
    (out / "bad" / "tiktok.mp4").write_bytes(b"earlier good render")
    refused(["render", str(outline), "--out", str(out), "--quiet"], name, expect)
    assert listing(out / "bad") == ["tiktok.mp4"] and (out / "bad" / "tiktok.mp4").read_bytes() == b"earlier good render"


def test_file_cut_in_the_middle_of_the_mdat_renders_what_is_there(tmp_path: Path, bad: Path) -> None:
    """The index promises 2 s, the data stops part-way: decode what is there (in bounded time)."""
    proc = subprocess.run([sys.executable, "-m", "reelkit", "render", str(bad / "cut-mdat.mp4"), "--platform", "tiktok",
                           "--out", str(tmp_path / "out"), "--quiet", "--preset", "ultrafast"],
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr
    folder = tmp_path / "out" / "cut-mdat"
    if proc.returncode == 0:
        facts = stream_facts(folder / "tiktok.mp4")
        assert (facts["width"], facts["height"]) == (1080, 1920) and 0 < facts["duration"] <= 2.1
    else:
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 1 and len(lines) == 1 and "cut-mdat.mp4" in lines[0], proc.stderr
        assert listing(folder) == []


# --- media a real user expects to work ---------------------------------------------------------

def _flash_clip(out: Path) -> Path:
    """Phone-like variable frame rate: frame intervals alternate 30 and 50 ms; a white flash
    and a beep both start at 1.0 s (to measure A/V sync after the render)."""
    video = ("color=black:s=320x240:r=25:d=2,drawbox=x=0:y=0:w=320:h=240:color=white:t=fill:"
             "enable='between(t,1.0,1.2)',setpts='(N*0.04+if(mod(N,2),-0.01,0))/TB'")
    audio = "aevalsrc='if(between(t,1.0,1.2),0.8*sin(2*PI*1000*t),0)':s=44100:d=2"
    return _make(out, "-f", "lavfi", "-i", video, "-f", "lavfi", "-i", audio, "-fps_mode", "vfr",
                 "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "1")


@pytest.fixture(scope="module")
def odd(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("odd-media")
    clips = {
        "vfr": _flash_clip(d / "vfr.mp4"),
        "mono44": _av(d / "mono44.mp4", rate=44100, seconds=1.0),
        "mono22": _av(d / "mono22.mp4", rate=22050, seconds=1.0),
        "mono48": _av(d / "mono48.mp4", rate=48000, seconds=1.0),
        "tenbit": _make(d / "tenbit.mov", "-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=1", "-f", "lavfi", "-i",
                        "sine=f=300:d=1", "-c:v", "prores_ks", "-pix_fmt", "yuv422p10le", "-c:a", "pcm_s24le"),
        "silent": _av(d / "silent.mp4", seconds=1.0, audio=False),
        "oneframe": _make(d / "oneframe.mp4", "-f", "lavfi", "-i", "color=green:s=320x240:r=25", "-frames:v", "1",
                          "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
    }
    # Rotation metadata: left red / right blue stored, displayed turned.
    stored = _make(d / "stored.mp4", "-f", "lavfi", "-i", "color=red:s=160x240:r=25:d=1", "-f", "lavfi", "-i",
                   "color=blue:s=160x240:r=25:d=1", "-filter_complex", "[0][1]hstack,format=yuv420p",
                   "-c:v", "libx264", "-preset", "ultrafast")
    for angle in (180, 270):
        clips[f"rot{angle}"] = _make(d / f"rot{angle}.mp4", "-display_rotation", str(angle), "-i", str(stored),
                                     "-c", "copy")
    return clips


ORDER = ["vfr", "mono44", "mono22", "mono48", "tenbit", "silent", "oneframe", "rot180", "rot270"]


@pytest.fixture(scope="module")
def odd_render(tmp_path_factory: pytest.TempPathFactory, odd: dict[str, Path]) -> tuple[Path, dict]:
    d = tmp_path_factory.mktemp("odd-render")
    outline = d / "odd.yaml"
    outline.write_text(json.dumps({"title": "Odd", "platforms": ["tiktok"],
                                   "segments": [{"clip": str(odd[k]), "captions": False} for k in ORDER]}),
                       encoding="utf-8")
    result = cli(["render", str(outline), "--out", str(d / "out"), "--quiet", "--preset", "ultrafast"])
    assert result.exit_code == 0, result.output
    folder = d / "out" / "odd"
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    return folder / "tiktok.mp4", plan


def test_odd_media_render_to_a_constant_rate_8_bit_picture(odd_render: tuple[Path, dict]) -> None:
    video, plan = odd_render
    facts = stream_facts(video)
    assert (facts["width"], facts["height"], facts["pix_fmt"]) == (1080, 1920, "yuv420p")
    assert facts["profile"] == "High"  # 8-bit (a 10-bit source would give High 10 / High 4:2:2)
    with av.open(str(video)) as c:
        stream = c.streams.video[0]
        pts = [f.pts for f in c.decode(stream)]
        rate = Fraction(stream.average_rate)
        tb = stream.time_base
    steps = {round(float((b - a) * tb * rate), 3) for a, b in zip(pts, pts[1:])}
    assert steps == {1.0}, steps  # every frame one frame interval apart: constant rate
    want = round(plan["duration"] * float(rate))
    assert abs(len(pts) - want) <= 1
    assert len(plan["cuts"]) == len(ORDER)
    one = plan["cuts"][ORDER.index("oneframe")]
    assert one["out_end"] - one["out_start"] == pytest.approx(1 / float(rate), abs=1e-3)


def test_variable_rate_source_stays_in_sync(odd_render: tuple[Path, dict]) -> None:
    video, plan = odd_render
    cut = plan["cuts"][0]
    with av.open(str(video)) as c:
        fps = float(c.streams.video[0].average_rate)
        flash = next(float(f.time) for f in c.decode(video=0)
                     if f.time < cut["out_end"] and np.asarray(f.to_ndarray(format="gray")).mean() > 128)
    with av.open(str(video)) as c:
        loud = None
        for frame in c.decode(audio=0):
            samples = np.abs(frame.to_ndarray()).max(axis=0)
            hits = np.nonzero(samples > 0.1)[0]
            if hits.size and frame.time < cut["out_end"]:
                loud = float(frame.time) + hits[0] / frame.sample_rate
                break
    assert loud is not None
    assert flash == pytest.approx(1.0, abs=1.5 / fps)
    assert abs(flash - loud) <= 1 / fps, (flash, loud)


def test_mixed_sample_rates_do_not_drift(odd_render: tuple[Path, dict]) -> None:
    video, plan = odd_render
    with av.open(str(video)) as c:
        a = c.streams.audio[0]
        v = c.streams.video[0]
        audio_len = sum(f.samples for f in c.decode(a)) / a.codec_context.sample_rate
    assert abs(audio_len - plan["duration"]) <= 1 / float(v.average_rate) + 0.03  # AAC priming / last frame
    # The 1 s mono clips keep their tone where the plan put them (no drift after 22.05/44.1 kHz).
    for name in ("mono44", "mono22", "mono48"):
        cut = plan["cuts"][ORDER.index(name)]
        mid = (cut["out_start"] + cut["out_end"]) / 2
        with av.open(str(video)) as c:
            c.seek(int(max(0.0, mid - 0.1) * 1_000_000))
            level = max((np.abs(f.to_ndarray()).max() for f in c.decode(audio=0)
                         if mid - 0.1 <= f.time <= mid + 0.1), default=0.0)
        assert level > 0.05, name
    silent = plan["cuts"][ORDER.index("silent")]
    assert silent["out_end"] > silent["out_start"]


@pytest.mark.parametrize("angle, top, bottom", [(180, "red", "blue"), (270, "red", "blue")])
def test_rotation_metadata_is_honoured(odd_render: tuple[Path, dict], angle: int, top: str, bottom: str) -> None:
    video, plan = odd_render
    cut = plan["cuts"][ORDER.index(f"rot{angle}")]
    frame = frame_at(video, (cut["out_start"] + cut["out_end"]) / 2)

    def colour(y: int, x: int) -> str:
        r, _, b = frame[y, x].astype(int)
        return "red" if r > 150 and b < 100 else "blue" if b > 150 and r < 100 else "other"

    if angle == 180:  # stays landscape, left/right swapped: fitted over a blurred fill
        assert colour(960, 300) == "blue" and colour(960, 780) == "red"
    else:  # displays portrait: one colour on top, the other below
        assert colour(500, 540) == top and colour(1400, 540) == bottom
