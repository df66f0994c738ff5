"""Batch rendering: failures do not stop the rest, re-runs skip what is up to date."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reelkit.cli.main import main


@pytest.mark.slow
def test_batch_is_resumable_and_reports_failures(tmp_path: Path, landscape_clip: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(json.dumps({"title": "Good one", "platforms": ["tiktok"],
                                "segments": [{"clip": str(landscape_clip), "end": 1}]}), encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(json.dumps({"title": "Bad one", "segments": [{"clip": "missing.mp4"}]}), encoding="utf-8")
    out = tmp_path / "out"
    args = ["batch", str(good), str(bad), "--out", str(out), "--preset", "ultrafast"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 1
    assert "1 rendered, 0 skipped, 1 failed" in first.stdout
    assert "bad.yaml:" in first.stderr and "clip not found" in first.stderr  # preflight problem line
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [e["status"] for e in report["episodes"]] == ["rendered", "failed"]
    video = out / "good-one" / "tiktok.mp4"
    mtime = video.stat().st_mtime_ns
    second = CliRunner().invoke(main, args)
    assert "0 rendered, 1 skipped, 1 failed" in second.stdout
    assert video.stat().st_mtime_ns == mtime  # not rendered again
    # A changed outline is rendered again.
    good.write_text(json.dumps({"title": "Good one", "platforms": ["tiktok"],
                                "segments": [{"clip": str(landscape_clip), "end": 1.5}]}), encoding="utf-8")
    third = CliRunner().invoke(main, args)
    assert "1 rendered, 0 skipped, 1 failed" in third.stdout
