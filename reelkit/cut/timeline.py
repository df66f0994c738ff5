"""Cutting: outline segments -> sources and cuts on the output timeline (frame-exact)."""

from __future__ import annotations

from fractions import Fraction

from reelkit.plan.frames import exact_rate, frame_seconds, length_frames, start_frame
from reelkit.plan.model import Crop, Cut, Source
from reelkit.plan.outline import Outline


def frames(seconds: float, fps: float | Fraction) -> int:
    """Whole frames covering ``seconds`` at ``fps`` (at least one)."""
    return length_frames(seconds, exact_rate(fps))


def build_timeline(outline: Outline, fps: float | Fraction) -> tuple[tuple[Source, ...], tuple[Cut, ...]]:
    """Probe-backed sources (deduplicated by path) and cuts placed back to back.

    Each cut shows its whole source picture (``fit``) until reframing decides what part it
    shows (:func:`reelkit.reframe.crop.frame_cuts`): cutting decides time, reframing picture.

    Each cut starts on a frame of the plan's rate (the nearest to the outline's start) and
    lasts a whole number of frames, so video and audio of every segment have the same length
    and joins never drift; frames are kept exactly, seconds derived from them.
    """
    rate = exact_rate(fps)
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
                has_audio=media.has_audio, audio_rate=media.audio_rate,
                video_start=media.video_start, hdr=media.colour.hdr)
        src = sources[key]
        # The frame on screen at the outline's start, then whole frames up to its end.
        first = start_frame(seg.start, rate)
        n = length_frames(seg.end - float(first / rate), rate)
        cuts.append(Cut(
            source=src.id, src_start=frame_seconds(first, rate), src_end=frame_seconds(first + n, rate),
            out_start=frame_seconds(cursor_frames, rate), out_end=frame_seconds(cursor_frames + n, rate),
            reframe="fit", crop=Crop(0, 0, src.width, src.height),
            captions=seg.captions, src_start_frame=first, src_end_frame=first + n,
            out_start_frame=cursor_frames, out_end_frame=cursor_frames + n))
        cursor_frames += n
    return tuple(sources.values()), tuple(cuts)
