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


# libavutil's colour enums (pixfmt.h) by number, as PyAV reports them, to ffmpeg's names.
_PRIMARIES = {1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "film", 9: "bt2020",
              10: "smpte428", 11: "smpte431", 12: "smpte432"}
_TRANSFERS = {1: "bt709", 4: "gamma22", 5: "gamma28", 6: "smpte170m", 7: "smpte240m", 8: "linear",
              13: "iec61966-2-1", 14: "bt2020-10", 15: "bt2020-12", 16: "smpte2084", 18: "arib-std-b67"}
_MATRICES = {0: "gbr", 1: "bt709", 4: "fcc", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 9: "bt2020nc",
             10: "bt2020c", 14: "ictcp"}
_RANGES = {1: "tv", 2: "pc"}
HDR_TRANSFERS = {"arib-std-b67": "hlg", "smpte2084": "pq"}
"""Transfer characteristics of HDR video: HLG and PQ (HDR10, and Dolby Vision 8.1/8.4 bases)."""


@dataclass(frozen=True)
class ColourInfo:
    """A video stream's colour tags (ffmpeg's names; "" untagged) and its bit depth."""

    primaries: str = ""
    transfer: str = ""
    matrix: str = ""
    range: str = ""
    bit_depth: int = 8
    dolby_vision: bool = False

    @property
    def hdr(self) -> str:
        """"hlg", "pq", or "" for SDR (or untagged)."""
        return HDR_TRANSFERS.get(self.transfer, "")


def colour_info(stream, frame) -> ColourInfo:  # type: ignore[no-untyped-def]
    """The colour tags of a PyAV video ``stream`` (its first decoded ``frame`` when the stream
    header has none) and the bit depth of its pixel format."""
    cc = stream.codec_context

    def tag(names: dict[int, str], attr: str) -> str:
        value = int(getattr(cc, attr, 0) or 0) or int(getattr(frame, attr, 0) or 0)
        return names.get(value, "")

    try:
        depth = int(frame.format.components[0].bits)
    except (AttributeError, IndexError):
        depth = 8
    # Dolby Vision: a DV codec tag, or the RPU/metadata the decoder attaches to each frame
    # (profile 8.4 is tagged hvc1 with an HLG base layer; the base layer is what is mapped).
    tag_text = str(getattr(cc, "codec_tag", "") or "")
    side = [str(getattr(sd, "type", "")).upper() for sd in (getattr(frame, "side_data", None) or ())]
    dovi = tag_text in ("dvh1", "dvhe", "dva1", "dvav") or any("DOVI" in t for t in side)
    return ColourInfo(primaries=tag(_PRIMARIES, "color_primaries"), transfer=tag(_TRANSFERS, "color_trc"),
                      matrix=tag(_MATRICES, "colorspace"), range=tag(_RANGES, "color_range"),
                      bit_depth=depth, dolby_vision=dovi)


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
    colour: ColourInfo = ColourInfo()
    video_start: float = 0.0
    """Seconds from the file's start (ffmpeg's seek origin: the earliest stream's first
    timestamp) to the first video frame: the picture's offset against the audio clock."""


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
    return picture_and_colour(container, stream, path, hint)[:3]  # type: ignore[return-value]


def picture_and_colour(container: Any, stream: Any, path: str,
                       hint: str | None = None) -> tuple[int, int, int, ColourInfo]:
    """(width, height, rotation, colour tags) of ``stream`` as displayed, from its first frame."""
    import av  # local import: keeps `import reelkit` light

    try:
        frame = next(container.decode(stream))
    except (StopIteration, av.error.FFmpegError) as exc:
        raise MediaError(f"video stream cannot be decoded ({_reason(exc)})", path=path, hint=hint) from None
    rotation = int(getattr(frame, "rotation", 0) or 0) % 360
    width, height = frame.width, frame.height
    if rotation in (90, 270):
        width, height = height, width
    return width, height, rotation, colour_info(stream, frame)


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
            info.update(_video_facts(container, vstreams[0], path))
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


def _video_facts(container, vs, path: str) -> dict:  # type: ignore[no-untyped-def]
    """Size as displayed, rotation, rate, codec and picture start of video stream ``vs``."""
    import av  # local import: keeps `import reelkit` light

    times: list[float] = []
    frame = None
    try:
        # The first packets' times (no decoding beyond the first frame) place the frame grid.
        for packet in container.demux(vs):
            if packet.pts is not None and packet.size:
                times.append(float(packet.pts * vs.time_base))
            if frame is None:
                frame = next(iter(packet.decode()), None)
            if frame is not None and len(times) >= _GRID_PACKETS:
                break
    except av.error.FFmpegError as exc:
        raise MediaError(f"video stream cannot be decoded ({_reason(exc)})", path=path,
                         hint="the file may be truncated; re-export it") from None
    if frame is None:
        raise MediaError("video stream cannot be decoded (no frame)", path=path,
                         hint="the file may be truncated; re-export it")
    rotation = int(getattr(frame, "rotation", 0) or 0) % 360
    width, height = frame.width, frame.height
    if rotation in (90, 270):
        width, height = height, width
    rate = vs.average_rate or vs.guessed_rate or vs.base_rate or Fraction(30)
    start = _grid_start(sorted(times)) - (container.start_time or 0) / 1_000_000
    return dict(width=width, height=height, rotation=rotation, fps=float(rate),
                video_codec=vs.codec_context.name, video_start=max(0.0, round(start, 6)),
                colour=colour_info(vs, frame))


_GRID_PACKETS = 16


def _grid_start(times: list[float]) -> float:
    """Where frame 0 of the stream's frame grid lies: the median of (time - index * interval)
    over ``times`` (sorted presentation times), the interval measured from the second time to
    the last (millisecond timestamps, as in Matroska, round single gaps by up to 3 %).

    Usually the first frame's time. A muxer that writes no edit list may instead lengthen the
    first frame by the audio's priming (ffmpeg's ``-use_editlist 0``): every later frame is then
    late by that much, and so is the audio it was recorded with.
    """
    if len(times) < 3:
        return times[0] if times else 0.0
    interval = (times[-1] - times[1]) / (len(times) - 2)
    phases = sorted(t - i * interval for i, t in enumerate(times))
    return phases[len(phases) // 2]


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
