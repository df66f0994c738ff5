"""Hand the edit to editors' tools: a plan as an OpenTimelineIO timeline (``.otio``) or as
Final Cut Pro 7 XML (``.xml``, through the ``fcp_xml`` OTIO adapter; Premiere and Resolve
import it).

The timeline, at the plan's exact frame rate, holds:

- ``Video``: one clip per cut, referencing its source file with the cut's source range in
  frames (``src_start_frame`` .. ``src_end_frame``); reframing is kept in each clip's metadata
  (``reelkit.crop``, ``reelkit.reframe``), since OTIO has no crop of its own;
- ``Audio``: the same clips for the sound;
- ``Overlays 1..n``: the drawn overlay PNGs as still-image clips at their output times (as
  many tracks as overlays overlap in time; later tracks are drawn on top);
- the caption pages as markers on the timeline (text as the marker name), and as an SRT
  file written beside the export (``edit.srt`` for ``edit.otio``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from reelkit.captions import write_srt
from reelkit.errors import InputError
from reelkit.io.atomic import atomic_path
from reelkit.plan.frames import to_frames
from reelkit.plan.model import Overlay, Plan, cut_frames

FORMATS = {".otio": "otio_json", ".xml": "fcp_xml"}


def _url(path: str) -> str:
    return Path(path).resolve().as_uri()


def _range(start: int, frames: int, rate: float) -> Any:
    import opentimelineio as otio  # lazy: OpenTimelineIO loads only for `reelkit export`

    return otio.opentime.TimeRange(otio.opentime.RationalTime(start, rate), otio.opentime.RationalTime(frames, rate))


def _overlay_lanes(overlays: tuple[Overlay, ...], rate: Any) -> list[list[tuple[int, int, Overlay]]]:
    """Overlays as (first frame, end frame, overlay) packed into lanes that never overlap,
    keeping drawing order: an overlay goes into the first lane above every lane it overlaps."""
    lanes: list[list[tuple[int, int, Overlay]]] = []
    for ov in overlays:
        start, end = to_frames(ov.start, rate), to_frames(ov.end, rate)
        if end <= start:
            continue
        # Above the highest lane holding an overlapping (earlier drawn) overlay.
        level = 0
        for i, lane in enumerate(lanes):
            if any(s < end and start < e for s, e, _ in lane):
                level = i + 1
        if level == len(lanes):
            lanes.append([])
        lanes[level].append((start, end, ov))
    return lanes


def build_timeline(plan: Plan) -> Any:
    """The plan as an ``opentimelineio.schema.Timeline``."""
    import opentimelineio as otio  # lazy: OpenTimelineIO loads only for `reelkit export`

    rate = plan.rate
    r = float(rate)
    timeline = otio.schema.Timeline(name=plan.title, global_start_time=otio.opentime.RationalTime(0, r))
    timeline.metadata["reelkit"] = {"slug": plan.slug, "width": plan.width, "height": plan.height,
                                    "frame_rate": plan.frame_rate or str(rate)}
    video = otio.schema.Track(name="Video", kind=otio.schema.TrackKind.Video)
    audio = otio.schema.Track(name="Audio", kind=otio.schema.TrackKind.Audio)
    for i, cut in enumerate(plan.cuts):
        src = plan.source(cut.source)
        ss, se, _, _ = cut_frames(cut, rate)
        available = _range(0, max(se, to_frames(src.duration, rate)), r)
        for track, has in ((video, src.has_video), (audio, src.has_audio)):
            if not has and track is audio:
                track.append(otio.schema.Gap(source_range=_range(0, se - ss, r)))
                continue
            ref = otio.schema.ExternalReference(target_url=_url(src.path), available_range=available)
            clip = otio.schema.Clip(name=f"cut {i + 1:02d} {Path(src.path).name}", media_reference=ref,
                                    source_range=_range(ss, se - ss, r))
            clip.metadata["reelkit"] = {"source": cut.source, "reframe": cut.reframe,
                                        "crop": {"x": cut.crop.x, "y": cut.crop.y, "w": cut.crop.w, "h": cut.crop.h}}
            track.append(clip)
    timeline.tracks.append(video)
    timeline.tracks.append(audio)
    for n, lane in enumerate(_overlay_lanes(plan.overlays, rate), start=1):
        track = otio.schema.Track(name=f"Overlays {n}", kind=otio.schema.TrackKind.Video)
        cursor = 0
        for start, end, ov in sorted(lane, key=lambda item: item[0]):
            if start > cursor:
                track.append(otio.schema.Gap(source_range=_range(0, start - cursor, r)))
            ref = otio.schema.ExternalReference(target_url=_url(ov.image), available_range=_range(0, end - start, r))
            clip = otio.schema.Clip(name=f"{ov.kind} {Path(ov.image).name}", media_reference=ref,
                                    source_range=_range(0, end - start, r))
            clip.metadata["reelkit"] = {"kind": ov.kind, "x": ov.x, "y": ov.y, "fade_in": ov.fade_in,
                                        "fade_out": ov.fade_out, "motion": ov.motion, "still": True}
            track.append(clip)
            cursor = end
        timeline.tracks.append(track)
    for page in plan.pages:
        start, end = to_frames(page.start, rate), to_frames(page.end, rate)
        marker = otio.schema.Marker(name=page.text.replace("\n", " "), marked_range=_range(start, max(1, end - start), r),
                                    color=otio.schema.MarkerColor.YELLOW)
        marker.metadata["reelkit"] = {"caption": page.text}
        timeline.tracks.markers.append(marker)
    return timeline


def export_plan(plan: Plan, out: Path) -> tuple[Path, Path]:
    """Write ``plan`` as ``out`` (.otio or .xml) plus the captions as an SRT beside it.

    Returns (timeline file, SRT file); both are written under temporary names and renamed.
    """
    import opentimelineio as otio  # lazy: OpenTimelineIO loads only for `reelkit export`

    out = Path(out)
    adapter = FORMATS.get(out.suffix.lower())
    if adapter is None:
        raise InputError(f"unknown export format '{out.suffix}'", path=str(out), hint="use .otio or .xml (FCP7 XML)")
    missing = [s.path for s in plan.sources if not os.path.exists(s.path)]
    if missing:
        raise InputError("source clip not found", path=missing[0], hint="the plan refers to it")
    out.parent.mkdir(parents=True, exist_ok=True)
    srt = out.with_suffix(".srt")
    timeline = build_timeline(plan)
    with atomic_path(out) as tmp:
        otio.adapters.write_to_file(timeline, str(tmp), adapter_name=adapter)
        write_srt(plan.pages, srt)
    return out, srt
