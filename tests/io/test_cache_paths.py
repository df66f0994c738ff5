"""One rule for cache locations: everything under cache_root() ($REELKIT_CACHE_DIR, else
$XDG_CACHE_HOME/reelkit, else ~/.cache/reelkit); models in cache_root()/models unless
$REELKIT_MODEL_DIR names another folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelkit.io.paths import assets_dir, cache_root, model_dir, transcripts_dir
from reelkit.speech.cache import default_cache_dir
from reelkit.speech.models import user_model_dir


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in ("REELKIT_CACHE_DIR", "XDG_CACHE_HOME", "REELKIT_MODEL_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return monkeypatch


def _all() -> dict[str, Path]:
    return {"root": cache_root(), "transcripts": default_cache_dir(), "assets": assets_dir(),
            "models": user_model_dir()}


def test_reelkit_cache_dir_moves_every_cache(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("REELKIT_CACHE_DIR", str(tmp_path / "c"))
    assert _all() == {"root": tmp_path / "c", "transcripts": tmp_path / "c" / "transcripts",
                      "assets": tmp_path / "c" / "assets", "models": tmp_path / "c" / "models"}
    assert transcripts_dir() == default_cache_dir() and model_dir() == user_model_dir()


def test_xdg_cache_home_then_home(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert set(_all().values()) == {tmp_path / "xdg" / "reelkit" / p for p in ("", "transcripts", "assets", "models")}
    env.delenv("XDG_CACHE_HOME")
    home = tmp_path / "home" / ".cache" / "reelkit"
    assert _all()["models"] == home / "models" and _all()["transcripts"] == home / "transcripts"


def test_model_dir_override(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("REELKIT_CACHE_DIR", str(tmp_path / "c"))
    env.setenv("REELKIT_MODEL_DIR", str(tmp_path / "m"))
    assert user_model_dir() == tmp_path / "m"
    assert default_cache_dir() == tmp_path / "c" / "transcripts"
