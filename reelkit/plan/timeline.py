"""Cutting: outline segments -> sources and cuts on the output timeline (frame-exact)."""

from __future__ import annotations

from reelkit.plan.outline import Outline
from reelkit.plan.model import Cut, Source
from reelkit.plan.reframe import crop_region, resolve_mode


def frames(seconds: float, fps: float) -> int:
    """Whole frames covering ``seconds`` at ``fps`` (at least one)."""
    # Floor (with a hair of tolerance): a cut never runs past the end the outline asked for.
    return max(1, int(seconds * fps + 1e-6))


def build_timeline(outline: Outline, width: int, height: int, fps: float) -> tuple[tuple[Source, ...], tuple[Cut, ...]]:
    """Probe-backed sources (deduplicated by path) and cuts placed back to back.

    Each cut's output length is a whole number of frames, so video and audio of every
    segment have the same length and joins never drift.
    """
    sources: dict[str, Source] = {}
    cuts: list[Cut] = []
    cursor_frames = 0
    for seg in outline.segments:
        media = seg.media
        assert media is not None, "outline must be loaded with check_media=True"
        key = str(seg.clip)
        if key not in sources:
            sources[key] = Source(
                id=f"s{len(sources)}", path=key, duration=media.duration, width=media.width,
                height=media.height, rotation=media.rotation, fps=media.fps, has_video=media.has_video,
                has_audio=media.has_audio, audio_rate=media.audio_rate)
        src = sources[key]
        n = frames(seg.end - seg.start, fps)
        mode = resolve_mode(seg.reframe, src.width, src.height)
        cuts.append(Cut(
            source=src.id, src_start=round(seg.start, 6), src_end=round(seg.start + n / fps, 6),
            out_start=round(cursor_frames / fps, 6), out_end=round((cursor_frames + n) / fps, 6),
            reframe=mode, crop=crop_region(mode, src.width, src.height, width, height, seg.focus),
            captions=seg.captions))
        cursor_frames += n
    return tuple(sources.values()), tuple(cuts)
