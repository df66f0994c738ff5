"""Subject tracking for the cuts that ask for it (``reframe: track``, and ``auto`` on
landscape clips): analyse each cut, give it a crop path, or leave it exactly as it was.

Detector trouble never breaks a plan: when OpenCV is missing or a clip cannot be analysed,
the cut keeps its static crop and one warning line says why.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from reelkit.errors import MediaError
from reelkit.plan.model import Cut, LayoutBox, Source
from reelkit.reframe import camera_path
from reelkit.vision import faces
from reelkit.vision.analysis import DetectSettings

log = logging.getLogger(__name__)

TRACKING_MODES = ("auto", "track")


@dataclass(frozen=True)
class TrackingResult:
    cuts: tuple[Cut, ...]
    faces: tuple[LayoutBox, ...]


def _detector_error_types() -> tuple[type[BaseException], ...]:
    types: list[type[BaseException]] = [OSError, ValueError, RuntimeError]
    try:
        import cv2  # lazy: a broken or missing OpenCV only disables tracking

        types.append(cv2.error)
    except Exception:  # noqa: BLE001 - whatever stops OpenCV importing disables tracking
        pass
    return tuple(types)


def track_cuts(cuts: Sequence[Cut], modes: Sequence[str], sources: Sequence[Source], width: int, height: int,
               fps: float, caption_top: int | None, *, use_cache: bool = True,
               analyses: dict[tuple, Any] | None = None) -> TrackingResult:
    """Cuts with crop paths where a face was found; every other cut unchanged.

    ``analyses`` memoises face analyses by source span, so the frame sizes of one run decode
    and detect each span once (the analysis does not depend on the output size).

    ``modes`` are the outline's reframe values, one per cut; ``caption_top`` the top of the
    caption block in output px (None when captions are not burned).
    """
    wanted = [i for i, (cut, mode) in enumerate(zip(cuts, modes)) if mode in TRACKING_MODES and cut.reframe == "crop"]
    if not wanted:
        return TrackingResult(tuple(cuts), ())
    try:
        import cv2  # noqa: F401 - probe it once, here, for the one warning
    except Exception as exc:  # noqa: BLE001 - a broken OpenCV install must not break planning
        log.warning("subject tracking is off: OpenCV cannot be imported (%s); crops stay static "
                    "(pip install 'opencv-python-headless>=4.8,<5')", exc)
        return TrackingResult(tuple(cuts), ())
    errors = (MediaError, *_detector_error_types())
    by_id = {s.id: s for s in sources}
    out = list(cuts)
    boxes: list[LayoutBox] = []
    settings = DetectSettings()
    for i in wanted:
        cut, src = cuts[i], by_id[cuts[i].source]
        try:
            key = (src.path, cut.src_start, cut.duration, src.width, src.height)
            analysis = analyses.get(key) if analyses is not None else None
            if analysis is None:
                analysis = faces.analyse(src.path, cut.src_start, cut.duration, src.width, src.height, settings,
                                         cache=use_cache)
                if analyses is not None:
                    analyses[key] = analysis
            framing = camera_path.frame_cut(analysis, cut.crop, cut.out_start, fps, width, height,
                                            caption_top if cut.captions else None,
                                            sample_fps=settings.sample_fps)
        except errors as exc:
            log.warning("%s: face detection failed (%s); segment %d keeps the static crop", src.path,
                        str(exc).splitlines()[0] if str(exc) else type(exc).__name__, i + 1)
            continue
        if not framing.tracked:
            if modes[i] == "track":
                log.warning("%s: no face found in segment %d; it keeps the static crop", src.path, i + 1)
            continue
        for problem in framing.problems:
            log.warning("%s: segment %d: %s", src.path, i + 1, problem)
        out[i] = replace(cut, crop=framing.crop, crop_path=framing.keys)
        boxes += framing.faces
    return TrackingResult(tuple(out), tuple(boxes))
