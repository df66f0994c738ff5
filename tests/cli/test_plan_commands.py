"""`reelkit plan`, a hand edit, `reelkit render plan.json`; several frame sizes in one run;
checks against the presets the plan was made for."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pysrt
import pytest
from click.testing import CliRunner

from reelkit.cli.main import main
from reelkit.speech import backend_calls

from conftest import SPEECH_SCRIPT, frame_at, needs_espeak, stream_facts


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def frame_count(path: Path) -> int:
    import av

    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(c.streams.video[0]))


def speech_outline(folder: Path, clip: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(clip, folder / "talk.mp4")
    path = folder / "ep.yaml"
    path.write_text(json.dumps({"title": "Edit me", "brand": "default", "script": SPEECH_SCRIPT,
                                "segments": [{"clip": "talk.mp4"}]}), encoding="utf-8")
    return path


@needs_espeak
@pytest.mark.slow
def test_plan_edit_render(tmp_path: Path, speech_clip: Path) -> None:
    outline = speech_outline(tmp_path / "ep", speech_clip)
    plan_file = tmp_path / "plan.json"
    cli("plan", str(outline), "--platform", "tiktok", "-o", str(plan_file))
    assert not (tmp_path / "out").exists()  # nothing rendered
    calls = backend_calls()
    cli("render", str(plan_file), "--out", str(tmp_path / "a"), "--quiet", "--preset", "ultrafast")
    data = json.loads(plan_file.read_text(encoding="utf-8"))
    # The hand edit: one caption word, one cut end 10 frames earlier, the logo removed.
    word = data["pages"][0]["lines"][0][0]
    original_word, word["text"] = word["text"], "Plumbers"
    data["cuts"][0]["src_end_frame"] -= 10
    logo = next(o for o in data["overlays"] if o["kind"] == "logo")
    data["overlays"].remove(logo)
    plan_file.write_text(json.dumps(data), encoding="utf-8")
    cli("render", str(plan_file), "--out", str(tmp_path / "b"), "--quiet", "--preset", "ultrafast")
    assert backend_calls() == calls  # nothing transcribed for either render

    a, b = tmp_path / "a" / "edit-me", tmp_path / "b" / "edit-me"
    assert frame_count(b / "tiktok.mp4") == frame_count(a / "tiktok.mp4") - 10 == data["cuts"][0]["src_end_frame"]
    srt_a, srt_b = (pysrt.open(str(f / "edit-me.srt"), encoding="utf-8") for f in (a, b))
    assert srt_a[0].text.split()[0] == original_word and srt_b[0].text.split()[0] == "Plumbers"
    page = data["pages"][0]
    t = (page["start"] + page["end"]) / 2
    fa, fb = frame_at(a / "tiktok.mp4", t).astype(int), frame_at(b / "tiktok.mp4", t).astype(int)
    y = data["caption_style"]["position_y"]
    caption_rows = np.abs(fa[y - 60:y + 60] - fb[y - 60:y + 60]).mean()
    lx, ly = logo["x"], logo["y"]
    logo_box = np.abs(fa[ly:ly + 60, lx:lx + 60] - fb[ly:ly + 60, lx:lx + 60]).mean()
    rest = np.abs(fa[:100] - fb[:100]).mean() if ly > 100 else 0.0
    assert caption_rows > 5 and logo_box > 20 and rest < 2
    written = json.loads((b / "plan.json").read_text(encoding="utf-8"))
    assert written["pages"][0]["lines"][0][0]["text"] == "Plumbers"
    assert written["duration"] == pytest.approx(data["duration"] - 10 / data["fps"], abs=1e-5)  # the source rate


@needs_espeak
@pytest.mark.slow
def test_two_frame_sizes_in_one_run(tmp_path: Path, speech_clip: Path) -> None:
    outline = speech_outline(tmp_path / "ep", speech_clip)
    calls = backend_calls()
    cli("render", str(outline), "--platform", "tiktok", "--platform", "feed", "--out", str(tmp_path / "out"),
        "--quiet", "--preset", "ultrafast", "--no-cache")
    assert backend_calls() == calls + 1  # one transcription for both pictures
    folder = tmp_path / "out" / "edit-me"
    for name, size in (("tiktok", (1080, 1920)), ("feed", (1080, 1350))):
        facts = stream_facts(folder / f"{name}.mp4")
        assert (facts["width"], facts["height"]) == size
        cli("check", str(folder / f"{name}.mp4"), "--platform", name)
    data = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    tall, feed = data["plans"]
    assert [o["platform"] for o in tall["outputs"]] == ["tiktok"] and [o["platform"] for o in feed["outputs"]] == ["feed"]
    assert tall["pages"] == feed["pages"]  # one analysis
    assert tall["cuts"][0]["crop"] != feed["cuts"][0]["crop"]  # each size its own crop ...
    # ... its own caption placement, inside its own safe zone
    assert feed["safe_box"] == [64, 108, 1016, 1134] and feed["platform_presets"][0]["height"] == 1350
    assert feed["safe_box"][1] < feed["caption_style"]["position_y"] < feed["safe_box"][3]
    assert feed["caption_style"]["position_y"] != tall["caption_style"]["position_y"]
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    assert set(meta["platforms"]) == {"tiktok", "feed"}


@pytest.mark.slow
def test_checks_use_the_plans_presets(tmp_path: Path, landscape_clip: Path) -> None:
    """A --platforms-file's own platform is checked, and its overrides of a shipped one count."""
    platforms = tmp_path / "platforms.yaml"
    platforms.write_text("platforms:\n"
                         "  tiktok: {max_duration: 1.5, duration_policy: error}\n"
                         "  kiosk:\n    width: 360\n    height: 640\n"
                         "    safe_zone: {top: 40, bottom: 100, left: 20, right: 20}\n", encoding="utf-8")
    outline = tmp_path / "ep.yaml"
    outline.write_text(json.dumps({"title": "Kiosk", "segments": [{"clip": str(landscape_clip), "captions": False}]}),
                       encoding="utf-8")
    from reelkit.pipeline import RenderRequest, render_episode
    from reelkit.render.engine import RenderOptions

    result = render_episode(RenderRequest(inputs=(outline,), platforms=("tiktok", "kiosk"), platforms_file=platforms,
                                          out_dir=tmp_path / "out", options=RenderOptions(x264_preset="ultrafast")))
    assert result.checks["kiosk"] == []
    assert any("duration" in f for f in result.checks["tiktok"])
    assert stream_facts(result.files["kiosk"])["width"] == 360


def test_render_plan_file_errors_are_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["render", str(tmp_path / "plan.json"), "--platform", "reels"])
    assert result.exit_code == 1 and "--platform does not apply to a plan file" in result.output
    result = runner.invoke(main, ["render", str(tmp_path / "plan.json")])
    assert result.exit_code == 1 and "plan.json: plan file not found" in result.output
    (tmp_path / "bad.json").write_text('{"schema_version": 1, "title": 3}', encoding="utf-8")
    result = runner.invoke(main, ["render", str(tmp_path / "bad.json")])
    assert result.exit_code == 1 and "bad.json:1: title: expected a string, got the number 3" in result.output
    assert "Traceback" not in result.output
