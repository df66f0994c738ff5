"""`reelkit transcribe` on real speech (tests/data/jfk.flac) with real inference."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pysrt
import pytest
import webvtt
from click.testing import CliRunner

from reelkit.cli.main import main

JFK = Path(__file__).parent.parent / "data" / "jfk.flac"
JFK_TEXT = ("And so, my fellow Americans, ask not what your country can do for you, "
            "ask what you can do for your country.")


def norm(text: str) -> list[str]:
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


@pytest.mark.slow
def test_transcribe_json_srt_and_vtt(tmp_path: Path) -> None:
    out = tmp_path / "jfk.json"
    result = CliRunner().invoke(main, ["transcribe", str(JFK), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert norm(" ".join(s["text"] for s in data["segments"])) == norm(JFK_TEXT)
    words = data["segments"][0]["words"]
    assert all(w["start"] < w["end"] for w in words)
    assert 0.0 <= words[0]["start"] < 1.5 and data["segments"][-1]["end"] <= 11.1
    script = tmp_path / "script.txt"
    script.write_text(JFK_TEXT.replace("Americans", "Americans (1961)"), encoding="utf-8")
    srt = tmp_path / "jfk.srt"
    result = CliRunner().invoke(main, ["transcribe", str(JFK), "-o", str(srt), "--script", str(script),
                                       "--asr", "openai-whisper"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    cues = pysrt.open(str(srt), encoding="utf-8")
    text = " ".join(c.text.replace("\n", " ") for c in cues)
    # The script's words, spelling and punctuation, including a note the speaker never said
    # but that sits between spoken words (the script is the source of truth).
    assert text == JFK_TEXT.replace("Americans", "Americans (1961)")
    vtt = tmp_path / "jfk.vtt"
    assert CliRunner().invoke(main, ["transcribe", str(JFK), "-o", str(vtt)]).exit_code == 0
    assert len(webvtt.read(str(vtt))) == len(cues) or len(webvtt.read(str(vtt))) > 2


def test_transcribe_refuses_unknown_extension(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["transcribe", str(JFK), "-o", str(tmp_path / "x.txt")])
    assert result.exit_code == 1 and "must end in .srt, .vtt or .json" in result.stderr


def test_transcribe_reads_the_script_with_its_checks(tmp_path: Path) -> None:
    script = tmp_path / "empty.txt"
    script.write_text("\n  \n", encoding="utf-8")
    out = tmp_path / "jfk.srt"
    result = CliRunner().invoke(main, ["transcribe", str(JFK), "-o", str(out), "--script", str(script)])
    assert result.exit_code == 1 and "the script is empty" in result.stderr
    assert not out.exists()
