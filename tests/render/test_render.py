"""The ffmpeg engine on tiny real media: sizes, codecs, durations, joins, atomic outputs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from reelkit.errors import RenderError
from reelkit.plan.outline import load_outline
from reelkit.plan.model import Overlay, Plan, with_exact_frames
from reelkit.plan.planfile import dump_plans, parse_plans
from reelkit.plan.platforms import load_platforms
from reelkit.render.ffmpeg_engine import RenderOptions, render_plan
from reelkit.speech.pcm import decode_voice_file
from reelkit.cut.timeline import build_timeline
from reelkit.reframe.crop import frame_cuts

from conftest import frame_at, stream_facts

FAST = RenderOptions(x264_preset="ultrafast")


def outline_file(tmp_path: Path, landscape: Path, broll: Path) -> Path:
    path = tmp_path / "ep.yaml"
    path.write_text(json.dumps({
        "title": "Render test",
        "segments": [
            {"clip": str(landscape), "start": 0.2, "end": 1.2, "reframe": "crop"},
            {"clip": str(broll), "end": 1.0, "reframe": "fit", "captions": False},
        ]}), encoding="utf-8")
    return path


def make_plan(tmp_path: Path, landscape: Path, broll: Path, platforms=("tiktok", "reels"), **over) -> Plan:
    outline = load_outline(outline_file(tmp_path, landscape, broll))
    sources, cuts = build_timeline(outline, 30.0)
    cuts = frame_cuts(outline.segments, sources, cuts, 1080, 1920)
    presets = load_platforms()
    outs = tuple(presets[p].output_spec(str(tmp_path / "out" / f"{p}.mp4")) for p in platforms)
    return with_exact_frames(Plan(title="Render test", slug="render-test", width=1080, height=1920, fps=30.0,
                                  duration=cuts[-1].out_end, sources=sources, cuts=cuts, outputs=outs, **over))


def test_plan_round_trips(tmp_path: Path, landscape_clip: Path, broll: Path) -> None:
    plan = make_plan(tmp_path, landscape_clip, broll)
    assert parse_plans(dump_plans([plan]), check_files=False)[0] == plan


def test_render_two_platforms_share_one_encode(tmp_path: Path, landscape_clip: Path, broll: Path) -> None:
    plan = make_plan(tmp_path, landscape_clip, broll)
    result = render_plan(plan, ass_filter=None, options=FAST)
    assert set(result.files) == {"tiktok", "reels"}
    assert sum(1 for k in result.timings if k.startswith("encode")) == 1
    for platform, path in result.files.items():
        facts = stream_facts(path)
        assert (facts["width"], facts["height"]) == (1080, 1920)
        assert facts["vcodec"] == "h264" and facts["profile"] == "High" and facts["pix_fmt"] == "yuv420p"
        assert facts["acodec"] == "aac" and facts["arate"] == 48000 and facts["achannels"] == 2
        assert facts["fps"] == pytest.approx(30.0)
        assert facts["duration"] == pytest.approx(plan.duration, abs=0.08)
    # Crop segment: left red / right blue source, centre crop shows both halves meeting.
    first = frame_at(result.files["tiktok"], 0.5)
    assert first[960, 100, 0] > 180 and first[960, 100, 2] < 80  # red on the left
    assert first[960, 980, 2] > 180 and first[960, 980, 0] < 80  # blue on the right
    # No temporary files remain next to the outputs.
    leftovers = [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_voice_track_has_exact_length_and_silence_over_broll(tmp_path: Path, landscape_clip: Path, broll: Path) -> None:
    plan = make_plan(tmp_path, landscape_clip, broll)
    pcm = decode_voice_file(plan, tmp_path / "voice.f32")  # what planning transcribes
    voice = pcm[0:len(pcm)]
    assert voice.size / 16000 == pytest.approx(plan.duration, abs=0.01)
    tone_part = voice[: int(0.9 * 16000)]
    broll_part = voice[int((plan.cuts[1].out_start + 0.05) * 16000):]
    assert np.sqrt(np.mean(tone_part ** 2)) > 0.05
    assert np.max(np.abs(broll_part)) < 1e-4


def test_failed_render_keeps_existing_output_and_leaves_nothing(tmp_path: Path, landscape_clip: Path, broll: Path) -> None:
    plan = make_plan(tmp_path, landscape_clip, broll, platforms=("tiktok",))
    final = Path(plan.outputs[0].path)
    final.parent.mkdir(parents=True)
    final.write_bytes(b"earlier good render")
    bad = Plan(**{**plan.__dict__, "overlays": (Overlay("logo", str(tmp_path / "missing.png"), 0, 0, 0, 1),)})
    with pytest.raises(RenderError) as err:
        render_plan(bad, ass_filter=None, options=FAST)
    assert err.value.stage.startswith("render") and "missing.png" in err.value.stderr_tail
    assert final.read_bytes() == b"earlier good render"
    assert sorted(p.name for p in final.parent.iterdir()) == ["tiktok.mp4"]


def test_cover_window_skips_full_frame_cards(tmp_path: Path, landscape_clip: Path, broll: Path) -> None:
    from reelkit.pipeline import _card_free_window
    from PIL import Image

    card = tmp_path / "card.png"
    Image.new("RGBA", (1080, 1920), (0, 80, 70, 255)).save(card)
    logo = tmp_path / "logo.png"
    Image.new("RGBA", (100, 100), (255, 255, 255, 255)).save(logo)
    plan = make_plan(tmp_path, landscape_clip, broll, overlays=(
        Overlay("hook", str(card), 0, 0, 0.0, 0.5), Overlay("logo", str(logo), 10, 10, 0.0, 2.0),
        Overlay("end_card", str(card), 0, 0, 1.5, 2.0)))
    assert _card_free_window(plan) == (0.5, 1.5)


def numbered_frame(path: Path, n: int) -> np.ndarray:
    """Frame number ``n`` of ``path`` (RGB24), selected from a decode from the start."""
    from reelkit.io.ffmpeg import ffmpeg_exe

    proc = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-vf", f"select=eq(n\\,{n}),format=rgb24",
                           "-frames:v", "1", "-f", "rawvideo", "-"], capture_output=True, check=True)
    return np.frombuffer(proc.stdout, dtype=np.uint8).reshape(1920, 1080, 3)


def test_picture_tap_holds_every_frame_small_and_sought_frames_are_the_delivered_ones(
        tmp_path: Path, landscape_clip: Path, broll: Path) -> None:
    from reelkit.deliver.legibility import sought_frames
    from reelkit.render.engine import PictureTap

    plan = make_plan(tmp_path, landscape_clip, broll, platforms=("tiktok",))
    tap = PictureTap(small=(48, 86), small_path=tmp_path / "small.rgb")
    result = render_plan(plan, ass_filter=None, options=RenderOptions(x264_preset="ultrafast", tap=tap))
    assert result.tap == tap
    assert tap.small_path.stat().st_size == plan.frame_count * 48 * 86 * 3  # every frame, no more
    small = np.fromfile(tap.small_path, dtype=np.uint8).reshape(-1, 86, 48, 3)
    # The caption frames are read in the delivered file: frame 3 (the crop segment, red
    # left / blue right), frame 5 (decoded on from it), frame 40 (the fit segment, sought to),
    # exactly the file's; a frame past the end is none.
    numbers = [3, 5, 40]
    frames = list(sought_frames(result.files["tiktok"], numbers, float(plan.rate)))
    assert len(frames) == 3
    assert list(sought_frames(result.files["tiktok"], [plan.frame_count + 3], float(plan.rate))) == []
    for k, n in enumerate(numbers):
        delivered = numbered_frame(result.files["tiktok"], n).astype(int)  # decoded from the start
        assert np.array_equal(frames[k].astype(int), delivered)
        # The tapped small frame is the same picture, before compression.
        coarse = delivered[:1920 // 86 * 86, :1080 // 48 * 48].reshape(86, 1920 // 86, 48, 1080 // 48, 3).mean(axis=(1, 3))
        assert np.abs(small[n].astype(int) - coarse).mean() < 12
    assert frames[0][960, 100, 0] > 180 and frames[0][960, 980, 2] > 180
