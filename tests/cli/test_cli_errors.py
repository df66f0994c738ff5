"""One error handler for every command: `error: ...` on one line, exit 1, a traceback only
with --debug; --debug prints the ffmpeg command lines it runs (real CLI in a subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def reelkit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "reelkit", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("args", [
    ["check", "missing.mp4", "--platform", "tiktok"],
    ["check", "x.mp4", "--platform", "nosuch"],
    ["platforms", "--platforms-file", "bad.yaml"],
    ["brand", "preview", "nosuch", "--platform", "tiktok", "-o", "p.png"],
    ["brand", "validate", "default", "--platform", "nosuch"],
    ["brand", "new", "acme", "--from", "nosuch"],
])
def test_every_command_reports_one_error_line(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "bad.yaml").write_text("tiktok: [unclosed\n", encoding="utf-8")
    (tmp_path / "x.mp4").write_bytes(b"")
    plain = reelkit(*args, cwd=tmp_path)
    assert plain.returncode == 1, plain.stderr
    lines = plain.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), plain.stderr
    debug = reelkit("--debug", *args, cwd=tmp_path)
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr, debug.stderr


def test_debug_prints_ffmpeg_command_lines(tmp_path: Path, landscape_clip: Path) -> None:
    quiet = reelkit("check", str(landscape_clip), "--platform", "tiktok", cwd=tmp_path)
    assert "ffmpeg" not in quiet.stderr
    debug = reelkit("--debug", "check", str(landscape_clip), "--platform", "tiktok", cwd=tmp_path)
    runs = [ln for ln in debug.stderr.splitlines() if "ebur128" in ln]
    assert runs, debug.stderr
    assert "ffmpeg" in runs[0] and str(landscape_clip) in runs[0]
