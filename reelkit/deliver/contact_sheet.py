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
    # The first frame of each of ``frames`` equal slices of the video. Picking "a frame at
    # least a step after the last pick" instead lost the eighth frame at 25 fps (each step
    # rounds up to whole frames); slices always hold a frame while a slice is a frame long.
    step = max(duration, 0.04) / frames
    graph = (f"select='isnan(prev_selected_t)+gte(floor(t/{step:.6f})\\,floor(prev_selected_t/{step:.6f})+1)',"
             f"scale={width}:-2,tile={frames}x1:padding=4:color=white")
    return ["-v", "error", "-i", str(video), "-an", "-vf", graph, "-fps_mode", "passthrough", "-frames:v", "1", "-q:v", "4", str(out)]


def make_contact_sheet(video: Path, out: Path, duration: float, *, frames: int = FRAMES) -> Path:
    """Write the sheet of ``video`` to ``out`` (atomically; JPEG or PNG by suffix); returns ``out``."""
    with atomic_path(out) as tmp:
        run_ffmpeg(contact_sheet_args(video, tmp, duration, frames=frames), stage="contact sheet")
    return out
