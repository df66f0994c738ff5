"""A wheel used outside the repository has the shipped brand presets (package data): `brand
list` shows them and a render works from another folder. Builds the wheel from this tree and
installs it with --no-deps into a folder; dependencies come from the running environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("wheel")
    # A clean copy: setuptools would reuse (and ship) stale files of an earlier build/ folder.
    source = tmp / "src"
    shutil.copytree(REPO, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "out", "*.egg-info", "__pycache__", ".pytest_cache", "samples", "tests"))
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            str(source), "-w", str(tmp / "dist")], capture_output=True, text=True, cwd=tmp)
    assert build.returncode == 0, build.stderr
    wheel = next((tmp / "dist").glob("reelkit-*.whl"))
    target = tmp / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                              str(wheel)], capture_output=True, text=True, cwd=tmp)
    assert install.returncode == 0, install.stderr
    return wheel, target


def test_wheel_ships_presets_with_fonts_logos_music_and_licences(installed: tuple[Path, Path]) -> None:
    names = set(zipfile.ZipFile(installed[0]).namelist())
    for preset, licence in (("default", "fonts/LICENSE-DejaVu.txt"), ("civic", "fonts/LICENSE-Inter.txt")):
        base = f"reelkit/data/brand/{preset}/"
        for rel in ("brand.yaml", "logo.png", "music/bed.m4a", licence):
            assert base + rel in names, base + rel
        assert any(n.startswith(base + "fonts/") and n.endswith((".ttf", ".otf")) for n in names)
    assert "reelkit/data/brand/LICENSES.md" in names
    for page in ("index.html", "studio.js", "studio.css", "brand.html", "brand.js"):  # served offline
        assert f"reelkit/studio/static/{page}" in names, page


def test_installed_wheel_lists_and_renders_from_another_folder(installed: tuple[Path, Path], tmp_path: Path,
                                                              landscape_clip: Path) -> None:
    _, target = installed
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = dict(os.environ, PYTHONPATH=str(target), XDG_CONFIG_HOME=str(tmp_path / "config"))
    env.pop("REELKIT_BRAND_PATH", None)

    def reelkit(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "reelkit", *args], cwd=work, env=env, capture_output=True,
                              text=True, timeout=300)

    listed = reelkit("brand", "list")
    assert listed.returncode == 0, listed.stderr
    rows = {line.split()[0]: line.split()[1] for line in listed.stdout.splitlines()}
    assert {"default", "civic"} <= set(rows)
    assert rows["default"].startswith(str(target)), rows  # the installed copy, not the checkout's
    (work / "clip.mp4").write_bytes(landscape_clip.read_bytes())
    rendered = reelkit("render", "clip.mp4", "--platform", "tiktok", "--preset", "ultrafast", "--quiet")
    assert rendered.returncode == 0, rendered.stderr
    assert list((work / "out").glob("*/tiktok.mp4"))
