"""A contact sheet: one image with evenly spaced frames of a video, made by one ffmpeg call."""

from __future__ import annotations

from pathlib import Path

from reelkit.io.atomic import atomic_path
from reelkit.io.ffmpeg import run_ffmpeg

FRAMES = 8
THUMB_WIDTH = 180


def contact_sheet_args(video: Path, out: Path, duration: float, *, frames: int = FRAMES,
                       width: int = THUMB_WIDTH) -> list[str]:
    """ffmpeg arguments: ``frames`` frames spread over ``duration`` seconds, tiled in one row."""
    # One frame every duration/frames seconds from the start; the 0.98 keeps the last pick
    # clear of the end whatever the frame rate.
    step = max(duration, 0.04) / frames * 0.98
    graph = (f"select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,{step:.4f})',"
             f"scale={width}:-2,tile={frames}x1:padding=4:color=white")
    return ["-v", "error", "-i", str(video), "-an", "-vf", graph, "-fps_mode", "passthrough", "-frames:v", "1", "-q:v", "4", str(out)]


def make_contact_sheet(video: Path, out: Path, duration: float, *, frames: int = FRAMES) -> Path:
    """Write the sheet of ``video`` to ``out`` (atomically; JPEG or PNG by suffix); returns ``out``."""
    with atomic_path(out) as tmp:
        run_ffmpeg(contact_sheet_args(video, tmp, duration, frames=frames), stage="contact sheet")
    return out
