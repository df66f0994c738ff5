"""The CLI end to end on generated media with real Whisper inference and real encodes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pysrt
import pytest
from click.testing import CliRunner
from PIL import Image

from reelkit import __version__
from reelkit.cli.main import main
from reelkit.plan.planfile import read_plan_file

from conftest import SPEECH_SCRIPT, frame_at, needs_espeak, stream_facts

FAST = ["--preset", "ultrafast", "--quiet"]


def run(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def norm(text: str) -> list[str]:
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


def test_version_and_help_with_examples() -> None:
    code, out, _ = run(["--version"])
    assert code == 0 and __version__ in out
    for command in (["render"], ["transcribe"], ["check"], ["platforms"], ["brand"], []):
        code, out, _ = run(command + ["--help"])
        assert code == 0 and "Example" in out, command


def speech_outline(folder: Path, speech_clip: Path, broll: Path, title: str = "CLI test") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(speech_clip, folder / speech_clip.name)
    shutil.copy(broll, folder / broll.name)
    path = folder / "episode.yaml"
    path.write_text(json.dumps({
        "title": title, "brand": "default", "platforms": ["tiktok", "shorts"], "language": "en",
        "hook": "Water works ahead", "cta": "Read more at example.org", "script": SPEECH_SCRIPT,
        "segments": [
            {"clip": speech_clip.name, "reframe": "crop", "lower_third": {"name": "Anna", "role": "Engineer"}},
            {"clip": broll.name, "end": 1.5, "reframe": "fit", "captions": False},
        ]}, ensure_ascii=False), encoding="utf-8")
    return path


@needs_espeak
@pytest.mark.slow
def test_render_outline_end_to_end(tmp_path: Path, speech_clip: Path, broll: Path) -> None:
    outline = speech_outline(tmp_path / "ep", speech_clip, broll)
    code, out, err = run(["render", str(outline), "--out", str(tmp_path / "out")] + FAST)
    assert code == 0, err
    folder = tmp_path / "out" / "cli-test"
    plan = read_plan_file(folder / "plan.json")[0]
    assert read_plan_file(folder / "plan.json")[0] == plan
    # Captions say exactly what the script says, inside the speech segment only.
    assert norm(" ".join(w.text for w in plan.words)) == norm(SPEECH_SCRIPT)
    speech_end = plan.cuts[0].out_end
    assert all(p.end <= speech_end + 1e-6 for p in plan.pages)
    assert all(w.start < w.end for w in plan.words)
    from reelkit.captions import check_page_rules

    assert check_page_rules(plan.pages, plan.caption_rules, plan.fps, [(speech_end * 0, speech_end)]) == []
    # Sidecars carry the same pages on the output timeline.
    subs = pysrt.open(str(folder / "cli-test.srt"), encoding="utf-8")
    assert [s.text for s in subs] == [p.text for p in plan.pages]
    assert (folder / "cli-test.vtt").read_text(encoding="utf-8").startswith("WEBVTT")
    for platform in ("tiktok", "shorts"):
        facts = stream_facts(folder / f"{platform}.mp4")
        assert (facts["width"], facts["height"], facts["vcodec"], facts["acodec"]) == (1080, 1920, "h264", "aac")
        assert facts["duration"] == pytest.approx(plan.duration, abs=0.1)
    # The logo is drawn where the plan says.
    logo = next(o for o in plan.overlays if o.kind == "logo")
    png = np.asarray(Image.open(logo.image).convert("RGBA")).astype(int)
    t = min(plan.duration - 0.5, max(logo.start + 0.5, plan.duration / 2))
    frame = frame_at(folder / "tiktok.mp4", t).astype(int)
    ys, xs = np.nonzero(png[:, :, 3] >= 0.85 * png[:, :, 3].max())  # the preset may set opacity < 1
    assert ys.size > 50
    video_px = frame[logo.y + ys, logo.x + xs]
    assert np.mean(np.abs(video_px - png[ys, xs, :3])) < 40
    # Caption text is burned where the style puts it while a page shows.
    page = plan.pages[0]
    frame = frame_at(folder / "tiktok.mp4", (page.start + page.end) / 2).astype(int)
    style = plan.caption_style
    band = frame[max(0, style.position_y - 150): style.position_y + 150]
    text_rgb = np.array([int(style.text_colour[i:i + 2], 16) for i in (1, 3, 5)])
    assert np.sum(np.all(np.abs(band - text_rgb) < 40, axis=2)) > 300
    # metadata.json lists every file and its checks.
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    assert meta["title"] == "CLI test"
    from reelkit.deliver.check import check_file
    from reelkit.plan.platforms import load_platforms

    presets = load_platforms()
    for platform in ("tiktok", "shorts"):
        report = check_file(folder / f"{platform}.mp4", presets[platform])
        assert report.failures == [], (platform, report.failures)
    assert (folder / "cover.png").exists() and Image.open(folder / "cover.png").size == (1080, 1920)


@needs_espeak
@pytest.mark.slow
def test_render_with_openai_whisper_backend(tmp_path: Path, speech_clip: Path, broll: Path) -> None:
    outline = speech_outline(tmp_path / "ep", speech_clip, broll, title="Whisper test")
    code, _, err = run(["render", str(outline), "--out", str(tmp_path / "out"), "--platform", "reels",
                        "--asr", "openai-whisper"] + FAST)
    assert code == 0, err
    plan = read_plan_file(tmp_path / "out" / "whisper-test" / "plan.json")[0]
    assert norm(" ".join(w.text for w in plan.words)) == norm(SPEECH_SCRIPT)
    assert stream_facts(tmp_path / "out" / "whisper-test" / "reels.mp4")["height"] == 1920


def _render_clip(tmp_path: Path, clip: Path) -> Path:
    code, _, err = run(["render", str(clip), "--out", str(tmp_path / "out"), "--platform", "tiktok"] + FAST)
    assert code == 0, err
    out = tmp_path / "out" / clip.stem / "tiktok.mp4"
    facts = stream_facts(out)
    assert (facts["width"], facts["height"]) == (1080, 1920)
    return out


def _colour_at(frame: np.ndarray, y: int, x: int) -> str:
    r, g, b = frame[y, x].astype(int)
    return "red" if r > 150 and b < 100 else "blue" if b > 150 and r < 100 else "other"


@pytest.mark.slow
def test_single_landscape_clip_is_cropped(tmp_path: Path, landscape_clip: Path) -> None:
    frame = frame_at(_render_clip(tmp_path, landscape_clip), 1.0)
    assert _colour_at(frame, 700, 200) == "red" and _colour_at(frame, 700, 880) == "blue"


@pytest.mark.slow
def test_single_portrait_clip_is_scaled_not_cropped(tmp_path: Path, portrait_clip: Path) -> None:
    frame = frame_at(_render_clip(tmp_path, portrait_clip), 1.0)
    assert _colour_at(frame, 400, 540) == "red" and _colour_at(frame, 1500, 540) == "blue"
    assert _colour_at(frame, 700, 20) == "red"  # full width: the picture reaches the frame edges


@pytest.mark.slow
def test_phone_clip_rotation_is_honoured(tmp_path: Path, rotated_clip: Path) -> None:
    frame = frame_at(_render_clip(tmp_path, rotated_clip), 1.0)
    # Displayed orientation: blue on top, red at the bottom.
    assert _colour_at(frame, 400, 540) == "blue" and _colour_at(frame, 1500, 540) == "red"


@pytest.mark.slow
def test_file_names_with_special_characters(tmp_path: Path, landscape_clip: Path) -> None:
    folder = tmp_path / "dir with 'quotes', [brackets]; $HOME %d"
    folder.mkdir()
    clip = folder / "clip: it's \"a\" [test], 100% ; $x ü.mp4"
    shutil.copy(landscape_clip, clip)
    outline = folder / "épisode; 1.yaml"
    outline.write_text(json.dumps({"title": "Çà: ‘quotes’, [x]; 50% $y", "platforms": ["tiktok"],
                                   "hook": "Hook: 'quoted' [x], 100%",
                                   "segments": [{"clip": clip.name, "end": 1.5}]}, ensure_ascii=False),
                       encoding="utf-8")
    out = tmp_path / "out dir: ü"
    code, _, err = run(["render", str(outline), "--out", str(out)] + FAST)
    assert code == 0, err
    produced = list(out.glob("*/tiktok.mp4"))
    assert len(produced) == 1 and stream_facts(produced[0])["duration"] == pytest.approx(1.5, abs=0.1)


@pytest.mark.parametrize("case", ["missing clip", "start after end", "unknown key", "not yaml", "truncated clip"])
def test_bad_input_is_one_clear_line_and_writes_nothing(tmp_path: Path, landscape_clip: Path, case: str) -> None:
    shutil.copy(landscape_clip, tmp_path / "clip.mp4")
    seg = {"clip": "clip.mp4", "end": 1}
    expect = ""
    if case == "missing clip":
        seg["clip"], expect = "gone.mp4", "segments.0.clip: clip not found"
    elif case == "start after end":
        seg["start"], expect = 1.5, "segments.0.end: start 1.5s must be before end 1s"
    elif case == "unknown key":
        seg["zoom"], expect = 2, "segments.0.zoom: unknown key 'zoom'"
    elif case == "truncated clip":
        (tmp_path / "clip.mp4").write_bytes(landscape_clip.read_bytes()[:2000])
        expect = "clip.mp4: not a readable media file"
    text = json.dumps({"title": "Bad", "segments": [seg]}, indent=1)
    if case == "not yaml":
        text, expect = "title: Bad\nsegments: [\n  {clip: ", "not valid YAML"
    outline = tmp_path / "bad.yaml"
    outline.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["render", str(outline), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expect in lines[0], result.stderr
    assert "bad.yaml" in lines[0] or "clip.mp4" in lines[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.mp4"))


def test_failed_ffmpeg_names_stage_and_shows_last_lines(tmp_path: Path, landscape_clip: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from reelkit.render import graph

    monkeypatch.setattr(graph, "remux_args", lambda master, track, out: ["-i", master, "-map", "0:a:9", out])
    outline = tmp_path / "ep.yaml"
    outline.write_text(json.dumps({"title": "Fail", "platforms": ["tiktok"],
                                   "segments": [{"clip": str(landscape_clip), "end": 1}]}), encoding="utf-8")
    result = CliRunner().invoke(main, ["render", str(outline), "--out", str(tmp_path / "out")] + FAST)
    assert result.exit_code == 1
    assert "ffmpeg failed in stage 'mux tiktok'" in result.stderr and "0:a:9" in result.stderr
    assert not list((tmp_path / "out").rglob("*.mp4"))
