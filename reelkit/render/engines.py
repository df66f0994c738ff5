"""The render engines by name: the one place that knows both (each imports only :mod:`engine`)."""

from __future__ import annotations

from reelkit.errors import InputError
from reelkit.render.engine import Engine
from reelkit.render.ffmpeg_engine import render_with_ffmpeg
from reelkit.render.moviepy_engine import render_with_moviepy

ENGINES: dict[str, Engine] = {"ffmpeg": render_with_ffmpeg, "moviepy": render_with_moviepy}


def get_engine(name: str) -> Engine:
    """The engine called ``name`` (``ffmpeg`` or ``moviepy``)."""
    try:
        return ENGINES[name]
    except KeyError:
        raise InputError(f"unknown engine '{name}'", key="--engine", hint="use " + " or ".join(ENGINES)) from None
