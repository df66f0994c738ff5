"""The render engine interface: a plan, a working folder and options in, platform files out.

Both engines (``ffmpeg``, the default, and ``moviepy``, a cross-check) are functions of this
shape; they draw captions from the same prepared artefacts (:mod:`reelkit.captions.prepare`)
and the same overlay PNGs, so they differ only in how the picture is composited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from reelkit.io.ffmpeg import ProgressCallback
from reelkit.plan.model import Plan

StageCallback = Callable[[str, float | None], ProgressCallback | None]
"""Called when a stage starts, with its name and the seconds of media it covers; may return a
progress callback for that stage."""

@dataclass(frozen=True)
class PictureTap:
    """Frames of the finished picture to write beside the encode, for the flash check that
    would otherwise decode the delivered video again: every frame scaled to ``small`` (w, h,
    area-averaged) into ``small_path``, raw RGB24.

    Only every frame: an output that gets a few frames (a ``select``) beside the encode left
    ffmpeg 9's scheduler waiting forever in about one run in four under load."""

    small: tuple[int, int]
    small_path: Path


@dataclass(frozen=True)
class RenderOptions:
    """How to encode (not what: that is the plan), and what to tap of the picture."""

    x264_preset: str = "veryfast"
    threads: int = 0
    tap: PictureTap | None = None
    """An engine that can writes these frames while it encodes (the ffmpeg engine does)."""


@dataclass
class RenderResult:
    """The platform files written (platform -> final path) and stage timings in seconds;
    ``tap``: the picture tap written (None: the engine wrote none)."""

    files: dict[str, Path] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    tap: PictureTap | None = None


class Engine(Protocol):
    """Render every output of ``plan`` to its final path, temporary files under ``workdir``.

    On any failure no output and no temporary file is left; earlier outputs stay.
    """

    def __call__(self, plan: Plan, workdir: Path, options: RenderOptions,
                 on_stage: StageCallback | None = None) -> RenderResult: ...


def stage(on_stage: StageCallback | None, name: str, seconds: float | None) -> ProgressCallback | None:
    """Announce a stage; returns its progress callback, if any."""
    return on_stage(name, seconds) if on_stage else None
