"""Where reelkit keeps caches (transcripts, converted models, drawn overlay assets)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """$REELKIT_CACHE_DIR, else $XDG_CACHE_HOME/reelkit, else ~/.cache/reelkit."""
    env = os.environ.get("REELKIT_CACHE_DIR")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "reelkit"


def assets_dir() -> Path:
    """Content-addressed overlay images drawn for plans; safe to delete at any time."""
    path = cache_root() / "assets"
    path.mkdir(parents=True, exist_ok=True)
    return path
