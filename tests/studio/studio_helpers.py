"""Shared studio helpers and fixtures (imported by the studio tests): one episode made by `render --script` (session scope), a copy of it
per test module, a studio server on it, and headless Chromium (Debian's, via Playwright)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from raw_footage import SCRIPT, raw_clip

_MADE: dict[str, Path] = {}
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def script_episode(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """OUT/raw-take made by `reelkit render CLIP --script` (TikTok only, small, ultrafast)."""
    from media import have_espeak
    from reelkit.cli.main import main

    if not have_espeak():
        pytest.skip("espeak-ng not installed")
    if "episode" in _MADE:  # several modules import this fixture: make the episode once
        return _MADE["episode"]
    folder = tmp_path_factory.mktemp("studio-raw")
    clip, _ = raw_clip(folder, size="320x180")
    script = folder / "narration.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    out = folder / "out"
    result = CliRunner().invoke(main, ["render", str(clip), "--script", str(script), "--platform", "tiktok",
                                       "--out", str(out), "--quiet", "--preset", "ultrafast"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    _MADE["episode"] = out / "raw-take"
    return _MADE["episode"]


def copy_episode(episode: Path, dest: Path) -> Path:
    """A fresh copy of the episode folder (each module edits its own)."""
    target = dest / episode.name
    shutil.copytree(episode, target)
    return target


class Running:
    """A session and its server on 127.0.0.1 (any free port)."""

    def __init__(self, folder: Path, state: Path, *, proxy: bool = True) -> None:
        from reelkit.studio.serve import StudioServer
        from reelkit.studio.server import episode_app
        from reelkit.studio.session import Session

        self.folder = folder
        self.session = Session(folder / "plan.json", state, preset="ultrafast", proxy=proxy)
        self.server = StudioServer(port=0).mount(lambda token, hosts: episode_app(self.session, token, hosts)).start()

    def close(self) -> None:
        self.server.stop()
        self.session.close()


@pytest.fixture(scope="module")  # one Playwright at a time: each module starts and stops its own
def browser() -> Iterator[object]:
    """Headless Debian Chromium through Playwright (never a downloaded browser)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.is_file():
        pytest.skip("chromium not installed (make system)")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
