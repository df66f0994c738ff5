"""Probing media files with PyAV (imageio-ffmpeg's static build has no ffprobe).

The one prober: :func:`probe` for inputs, and the steps a finished file's check
(:func:`reelkit.deliver.check.probe_file`) shares with it: the path checks, opening the
container with a readable error, the displayed picture size and the duration.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from reelkit.errors import MediaError


@dataclass(frozen=True)
class MediaInfo:
    """Facts about one media file. ``width``/``height`` are as displayed (rotation applied)."""

    path: str
    duration: float
    has_video: bool
    has_audio: bool
    width: int = 0
    height: int = 0
    rotation: int = 0
    fps: float = 0.0
    video_codec: str = ""
    audio_codec: str = ""
    audio_rate: int = 0
    audio_channels: int = 0


def probe(path: str | Path) -> MediaInfo:
    """Probe ``path``; raise MediaError naming the file when it is missing or unreadable."""
    path = checked_path(path)
    stat = path.stat()
    return _probe_cached(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


def checked_path(path: str | Path) -> Path:
    """``path`` when it is a regular file; MediaError saying what it is otherwise."""
    path = Path(path)
    if not path.exists():
        raise MediaError("file not found", path=str(path), hint="check the path in the outline")
    if path.is_dir():
        raise MediaError("is a folder, not a media file", path=str(path))
    if not path.is_file():
        raise MediaError("is not a regular file (a device, pipe or socket)", path=str(path),
                         hint="give a video file")
    return path


@contextmanager
def open_container(path: str, problem: str = "not a readable media file",
                   hint: str | None = "re-export the clip as MP4/MOV, or check it is not truncated") -> Iterator[Any]:
    """The PyAV container of ``path``, closed after; MediaError ``problem (reason)`` when unreadable."""
    import av  # local import: keeps `import reelkit` light

    try:
        container = av.open(path)
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(f"{problem} ({_reason(exc)})", path=path, hint=hint) from None
    with container:
        yield container


def displayed_picture(container: Any, stream: Any, path: str, hint: str | None = None) -> tuple[int, int, int]:
    """(width, height, rotation) of ``stream`` as displayed (rotation applied), from its first frame."""
    import av  # local import: keeps `import reelkit` light

    try:
        frame = next(container.decode(stream))
    except (StopIteration, av.error.FFmpegError) as exc:
        raise MediaError(f"video stream cannot be decoded ({_reason(exc)})", path=path, hint=hint) from None
    rotation = int(getattr(frame, "rotation", 0) or 0) % 360
    width, height = frame.width, frame.height
    return (height, width, rotation) if rotation in (90, 270) else (width, height, rotation)


@functools.lru_cache(maxsize=256)
def _probe_cached(path: str, mtime_ns: int, size: int) -> MediaInfo:
    # mtime/size are part of the cache key so an edited file is probed again.
    with open_container(path) as container:
        vstreams = [s for s in container.streams.video if s.codec_context is not None]
        astreams = list(container.streams.audio)
        if not vstreams and not astreams:
            raise MediaError("has no video or audio stream", path=path)
        duration = media_duration(container, vstreams + astreams)
        info = dict(path=path, duration=duration, has_video=bool(vstreams), has_audio=bool(astreams))
        if vstreams:
            vs = vstreams[0]
            width, height, rotation = displayed_picture(container, vs, path,
                                                        hint="the file may be truncated; re-export it")
            rate = vs.average_rate or vs.guessed_rate or vs.base_rate or Fraction(30)
            info.update(width=width, height=height, rotation=rotation, fps=float(rate),
                        video_codec=vs.codec_context.name)
        if astreams:
            aus = astreams[0]
            info.update(audio_codec=aus.codec_context.name, audio_rate=aus.codec_context.sample_rate or 0,
                        audio_channels=aus.codec_context.channels if hasattr(aus.codec_context, "channels")
                        else aus.codec_context.layout.nb_channels)
    if duration <= 0 and info.get("video_codec") in _STILL_CODECS:
        raise MediaError(f"is a still image ({info['video_codec']}), not a video", path=path,
                         hint="give a video clip; put pictures in the brand preset (logo) instead")
    if duration <= 0:
        raise MediaError("has no duration (empty or truncated)", path=path)
    return MediaInfo(**info)


_STILL_CODECS = {"png", "mjpeg", "bmp", "tiff", "webp", "gif", "jpeg2000", "apng"}


def media_duration(container: Any, streams: Any) -> float:
    """Seconds: the container's duration, else the longest of ``streams``."""
    if container.duration:
        return container.duration / 1_000_000
    best = 0.0
    for stream in streams:
        if stream.duration and stream.time_base:
            best = max(best, float(stream.duration * stream.time_base))
    return best


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[-1].strip() or exc.__class__.__name__
