"""Where reelkit keeps caches: one rule, followed by every cache.

Everything lives under :func:`cache_root`: ``$REELKIT_CACHE_DIR``, else
``$XDG_CACHE_HOME/reelkit``, else ``~/.cache/reelkit``. Below it: ``transcripts/``,
``assets/`` (drawn overlay and caption PNGs) and ``models/`` (converted Whisper models;
``$REELKIT_MODEL_DIR`` moves that one folder elsewhere). All of it is safe to delete.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """$REELKIT_CACHE_DIR, else $XDG_CACHE_HOME/reelkit, else ~/.cache/reelkit."""
    env = os.environ.get("REELKIT_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "reelkit"


def assets_dir() -> Path:
    """Content-addressed overlay images drawn for plans (created if missing)."""
    path = cache_root() / "assets"
    path.mkdir(parents=True, exist_ok=True)
    return path


def transcripts_dir() -> Path:
    """The transcript cache (not created here: a lookup must not write)."""
    return cache_root() / "transcripts"


def model_dir() -> Path:
    """Speech models: $REELKIT_MODEL_DIR, else cache_root()/models."""
    env = os.environ.get("REELKIT_MODEL_DIR")
    return Path(env).expanduser() if env else cache_root() / "models"
