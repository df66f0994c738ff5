"""Caption workflow through the CLI: cached transcripts across brand changes, corrected SRT."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pysrt
import pytest
from click.testing import CliRunner

from reelkit.speech import backend_calls
from reelkit.cli.main import main
from reelkit.plan.planfile import read_plan_file

from conftest import SPEECH_SCRIPT, needs_espeak


def outline(folder: Path, clip: Path, brand: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(clip, folder / "talk.mp4")
    path = folder / "ep.yaml"
    path.write_text(json.dumps({"title": "Flow", "brand": brand, "platforms": ["tiktok"], "script": SPEECH_SCRIPT,
                                "segments": [{"clip": "talk.mp4"}]}), encoding="utf-8")
    return path


def render(path: Path, out: Path, *extra: str) -> None:
    result = CliRunner().invoke(main, ["render", str(path), "--out", str(out), "--quiet", "--preset", "ultrafast",
                                       *extra], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr


@needs_espeak
@pytest.mark.slow
def test_brand_change_does_not_transcribe_again(tmp_path: Path, speech_clip: Path) -> None:
    first = outline(tmp_path / "a", speech_clip, "default")
    before = backend_calls()
    render(first, tmp_path / "out")
    assert backend_calls() == before + 1
    plan_a = read_plan_file(tmp_path / "out" / "flow" / "plan.json")[0]
    second = outline(tmp_path / "b", speech_clip, "civic")
    render(second, tmp_path / "out2")
    assert backend_calls() == before + 1  # served from the transcript cache
    plan_b = read_plan_file(tmp_path / "out2" / "flow" / "plan.json")[0]
    assert plan_a.caption_style != plan_b.caption_style
    assert [w.text for w in plan_a.words] == [w.text for w in plan_b.words]
    render(second, tmp_path / "out3", "--no-cache")
    assert backend_calls() == before + 2


@needs_espeak
@pytest.mark.slow
def test_corrected_srt_is_burned_without_transcription(tmp_path: Path, speech_clip: Path) -> None:
    path = outline(tmp_path / "a", speech_clip, "default")
    fixed = tmp_path / "fixed.srt"
    fixed.write_text("1\n00:00:00,400 --> 00:00:02,000\nCrews renew the mains\n\n"
                     "2\n00:00:02,100 --> 00:00:03,500\non Harbour Street – in 2027.\n\n", encoding="utf-8")
    before = backend_calls()
    render(path, tmp_path / "out", "--captions", str(fixed))
    assert backend_calls() == before
    folder = tmp_path / "out" / "flow"
    plan = read_plan_file(folder / "plan.json")[0]
    assert " ".join(w.text for w in plan.words) == "Crews renew the mains on Harbour Street – in 2027."
    assert plan.pages[0].start == pytest.approx(0.4, abs=0.002)
    subs = pysrt.open(str(folder / "flow.srt"), encoding="utf-8")
    # The first cue is kept as written; the second is too long for one line and is re-wrapped.
    assert subs[0].text == "Crews renew the mains"
    assert subs[1].text.replace("\n", " ") == "on Harbour Street – in 2027." and subs[1].text.count("\n") == 1
    assert all(len(line) <= plan.caption_rules.max_chars_per_line for line in subs[1].text.splitlines())
