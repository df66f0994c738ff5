"""Interrupting a render leaves no partial file, no stray temporary files, earlier outputs intact."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_mid_encode(tmp_path: Path, landscape_clip: Path, sig: signal.Signals) -> None:
    # A long-enough render: the 2 s clip repeated in many segments.
    outline = tmp_path / "ep.yaml"
    outline.write_text(json.dumps({"title": "Stop me", "platforms": ["tiktok", "reels"],
                                   "segments": [{"clip": str(landscape_clip)}] * 40}), encoding="utf-8")
    folder = tmp_path / "out" / "stop-me"
    folder.mkdir(parents=True)
    (folder / "tiktok.mp4").write_bytes(b"earlier output")
    env = dict(os.environ)
    proc = subprocess.Popen([sys.executable, "-m", "reelkit", "render", str(outline), "--out", str(tmp_path / "out"),
                             "--quiet", "--preset", "medium"], env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    # Wait until the encode has started: its work folder appears inside the staging folder.
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name.startswith(".reelkit-") for p in folder.glob(".reelkit-staging.partial-*/*")):
            break
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()
    time.sleep(0.5)
    os.killpg(proc.pid, sig)  # like Ctrl-C in a terminal: the whole process group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert "Traceback" not in err
    # The lock file stays (the kernel released its lock); nothing else but the earlier output.
    assert sorted(p.name for p in folder.iterdir()) == [".reelkit.lock", "tiktok.mp4"]
    assert (folder / "tiktok.mp4").read_bytes() == b"earlier output"
