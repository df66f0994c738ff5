"""The virtual camera: a crop path that keeps a cut's subject framed, decided per shot.

Per shot: a subject that moves little gets one steady crop centred on it (no motion at all,
which is most talking heads); a subject that moves is followed with a dead zone, a maximum
pan speed and easing, computed offline so the path never overshoots or oscillates: smoothing
with a positive kernel, the dead-zone follow and the speed clamp all keep a one-way movement
one-way. A single stray detection never moves the camera: positions are median-filtered, so a
jump has to be confirmed by several detections. The crop never leaves the source frame; it
may jump only at a shot change. Shots without a face keep the cut's static crop.

Vertically the crop uses the full source height unless the face would cover the caption
block; then it zooms in (up to :data:`MAX_ZOOM`) and moves so the face sits clear above it.

:func:`crop_at` evaluates a path; both render engines and the tests use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reelkit.vision.analysis import Analysis
from reelkit.vision.faces import subject_track
from reelkit.plan.model import Crop, CropKey, LayoutBox
from reelkit.reframe.crop import crop_x_for_centre
from reelkit.vision.shots import shot_spans

MAX_ZOOM = 1.5
"""The most a crop zooms in to keep a face clear of the captions (resolution is lost)."""


@dataclass(frozen=True)
class PathSettings:
    """How the camera moves; fractions are of the crop width unless said otherwise."""

    still: float = 0.5  # a subject whose centre moves less than this many face widths is still
    dead_zone: float = 0.06  # the subject may drift this far from the crop centre unfollowed
    max_speed: float = 1.2  # crop widths per second
    smooth: float = 0.4  # seconds: zero-phase smoothing of the subject's path
    ease: float = 0.25  # seconds: smoothing of the camera's own path (ease in and out)
    confirm: int = 5  # samples in the median filter (a jump needs more than half of them)
    caption_margin: int = 24  # px kept between the face and the caption block


@dataclass(frozen=True)
class CutFraming:
    """The result for one cut: its crop (size and first position), keys and face boxes."""

    crop: Crop
    keys: tuple[CropKey, ...]
    faces: tuple[LayoutBox, ...]
    tracked: bool  # False: no face in any shot, the cut keeps its static crop
    problems: tuple[str, ...] = ()


def crop_at(keys: Sequence[CropKey], t: float) -> tuple[float, float]:
    """Crop (x, y) at output time ``t``: linear between keys, held outside them."""
    if not keys:
        raise ValueError("empty crop path")
    ts = [k.t for k in keys]
    return float(np.interp(t, ts, [k.x for k in keys])), float(np.interp(t, ts, [k.y for k in keys]))


def crop_px(keys: Sequence[CropKey], t: float) -> tuple[int, int]:
    """The crop's top-left pixel at output time ``t`` as both engines place it: the path
    rounded to the nearest pixel, then down to even (ffmpeg's crop on 4:2:0 pictures)."""
    x, y = crop_at(keys, t)
    return int(np.floor(x + 0.5)) & ~1, int(np.floor(y + 0.5)) & ~1


# --- signal helpers -------------------------------------------------------------------------

def _median(values: np.ndarray, window: int) -> np.ndarray:
    if window <= 1 or len(values) < 3:
        return values.copy()
    half = min(window // 2, (len(values) - 1) // 2)
    padded = np.pad(values, half, mode="edge")
    return np.array([np.median(padded[i:i + 2 * half + 1]) for i in range(len(values))])


def _gauss(values: np.ndarray, sigma_samples: float) -> np.ndarray:
    """Zero-phase Gaussian smoothing. The ends are extended by odd reflection, which keeps a
    steady movement steady up to the last sample (holding the end value would make the
    camera lag behind a subject that is still walking) and a monotonic series monotonic."""
    if sigma_samples <= 0 or len(values) < 3:
        return values.copy()
    radius = min(max(1, int(round(3 * sigma_samples))), len(values) - 1)
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma_samples) ** 2)
    k /= k.sum()
    return np.convolve(np.pad(values, radius, mode="reflect", reflect_type="odd"), k, mode="valid")


def follow(target: np.ndarray, dt: float, dead_zone: float, max_step: float) -> np.ndarray:
    """Camera centres that follow ``target`` lazily: they move only when the target is more
    than ``dead_zone`` away, just enough to bring it back to the zone's edge, and by at most
    ``max_step`` per sample. Both operations are monotone, so no reversal is added."""
    out = np.empty_like(target)
    p = float(target[0])
    for i, c in enumerate(target):
        err = c - p
        want = err - dead_zone if err > dead_zone else err + dead_zone if err < -dead_zone else 0.0
        p += float(np.clip(want, -max_step, max_step))
        out[i] = p
    return out


# --- per shot -------------------------------------------------------------------------------

def _shot_centres(analysis: Analysis, span: tuple[float, float], crop_w: int,
                  settings: PathSettings, sample_fps: float) -> tuple[np.ndarray, np.ndarray, list] | None:
    """Sample times and camera centres (source px) for one shot, or None without a subject."""
    track = subject_track(analysis, span)
    if track is None:
        return None
    times = np.array([t for t in analysis.times if span[0] <= t < span[1]])
    ft = np.array([f.t for f in track.faces])
    # Between detections the head is bridged linearly; before the first and after the last
    # detection it is held where it was seen.
    cx = np.interp(times, ft, [f.cx for f in track.faces])
    cx = _median(cx, settings.confirm)
    if np.ptp(cx) <= settings.still * track.median_size():
        centres = np.full_like(cx, float(np.median(cx)))
    else:
        dt = 1.0 / sample_fps
        smooth = _gauss(cx, settings.smooth * sample_fps)
        cam = follow(smooth, dt, settings.dead_zone * crop_w, settings.max_speed * crop_w * dt)
        centres = _gauss(cam, settings.ease * sample_fps)
    return times, centres, track.faces


def _vertical(faces_per_shot: list[list], src_h: int, out_w: int, out_h: int, crop: Crop,
              caption_top: int | None, settings: PathSettings) -> tuple[int, int, list[int]] | None:
    """(crop w, crop h, y per shot) keeping every shot's face above ``caption_top``.

    None when no zoom up to MAX_ZOOM can (the caller keeps the full-height crop and says so).
    """
    boxes = [(min(f.y for f in fs), max(f.y + f.h for f in fs)) for fs in faces_per_shot]
    if caption_top is None:
        return crop.w, crop.h, [crop.y] * len(boxes)
    limit = caption_top - settings.caption_margin
    for zoom in np.arange(1.0, MAX_ZOOM + 1e-9, 0.05):
        h = min(crop.h, int(crop.h / zoom) // 2 * 2)
        w = max(2, int(round(h * out_w / out_h)) // 2 * 2)
        ys = []
        for top, bottom in boxes:
            lo = bottom - limit * h / out_h  # y0 at least this: face bottom above the captions
            hi = top  # y0 at most this: the head is not cut at the top
            lo, hi = max(lo, 0.0), min(hi, float(src_h - h))
            if lo > hi:
                break
            # Eyes (about 40 % down the face box) near the upper third when there is room.
            eyes = top + 0.4 * (bottom - top)
            ys.append(int(min(max(eyes - h / 3, lo), hi)) // 2 * 2 if zoom > 1.0 else crop.y)
            if zoom == 1.0 and not lo <= crop.y <= hi:
                break
        else:
            return w, h, ys
    return None


def frame_cut(analysis: Analysis, crop: Crop, out_start: float, fps: float, out_w: int, out_h: int,
              caption_top: int | None = None, settings: PathSettings = PathSettings(),
              sample_fps: float = 5.0) -> CutFraming:
    """The crop path of one cut from its analysis.

    ``crop`` is the cut's static crop (today's behaviour, kept for shots without a face);
    ``caption_top`` the top of the caption block in output px (None: no captions to clear).
    Keys are on the output frame grid of the plan (``fps``), in output seconds.
    """
    spans = shot_spans(analysis.cuts, analysis.duration)
    shots = [(span, _shot_centres(analysis, span, crop.w, settings, sample_fps)) for span in spans]
    found = [s for s in shots if s[1] is not None]
    if not found:
        return CutFraming(crop=crop, keys=(), faces=(), tracked=False)
    problems: list[str] = []
    vertical = _vertical([s[1][2] for s in found], analysis.src_h, out_w, out_h, crop, caption_top, settings)
    if vertical is None:
        problems.append(f"the face stays over the caption block even zoomed in {MAX_ZOOM:g}x")
        vertical = (crop.w, crop.h, [crop.y] * len(found))
    w, h, ys = vertical
    zoomed = (w, h) != (crop.w, crop.h)
    static_x = crop_x_for_centre(crop.x + crop.w / 2, analysis.src_w, w) if zoomed else crop.x
    static_y = (analysis.src_h - h) // 4 * 2 if zoomed else crop.y
    keys: list[CropKey] = []
    faces: list[LayoutBox] = []
    y_of = iter(ys)
    n_frames = max(1, int(round(analysis.duration * fps)))
    for span, res in shots:
        first = int(round(span[0] * fps))
        last = max(first, min(n_frames, int(round(span[1] * fps))) - 1)
        if res is None:
            xs_t, xs, y = [first, last], [static_x, static_x], static_y
        else:
            times, centres, track_faces = res
            y = next(y_of)
            frames_at = np.clip(np.round(times * fps).astype(int), first, last)
            xs_t = [first, *frames_at.tolist(), last]
            xs = [crop_x_for_centre(c, analysis.src_w, w) for c in [centres[0], *centres, centres[-1]]]
            faces += _face_boxes(track_faces, times, centres, span, w, h, y, analysis.src_w, out_w, out_h,
                                 out_start)
        keys += [CropKey(round(out_start + f / fps, 6), int(x), int(y)) for f, x in zip(xs_t, xs)]
    keys = simplify(keys)
    return CutFraming(crop=Crop(keys[0].x, keys[0].y, w, h), keys=tuple(keys), faces=tuple(faces), tracked=True,
                      problems=tuple(problems))


def simplify(keys: Sequence[CropKey], tolerance: float = 0.5) -> list[CropKey]:
    """Drop keys that the line between their neighbours reproduces within ``tolerance`` px,
    and keys at the same time as the previous one."""
    unique: list[CropKey] = []
    for k in keys:
        if unique and abs(k.t - unique[-1].t) < 1e-9:
            unique[-1] = k
        else:
            unique.append(k)
    if len(unique) <= 2:
        return unique
    out = [unique[0]]
    for i in range(1, len(unique) - 1):
        a, b, c = out[-1], unique[i], unique[i + 1]
        f = (b.t - a.t) / (c.t - a.t)
        if abs(a.x + f * (c.x - a.x) - b.x) > tolerance or abs(a.y + f * (c.y - a.y) - b.y) > tolerance:
            out.append(b)
    out.append(unique[-1])
    if len(out) == 2 and (out[0].x, out[0].y) == (out[1].x, out[1].y):
        return out  # a steady crop: two equal keys say so explicitly
    return out


def _face_boxes(track_faces: list, times: np.ndarray, centres: np.ndarray, span: tuple[float, float], w: int, h: int,
                y0: int, src_w: int, out_w: int, out_h: int, out_start: float, window: float = 1.0) -> list[LayoutBox]:
    """The face as the crop shows it (output px), united over ``window`` seconds."""
    sx, sy = out_w / w, out_h / h
    ft = np.array([f.t for f in track_faces])
    boxes: list[LayoutBox] = []
    start = span[0]
    while start < span[1] - 1e-9:
        end = min(span[1], start + window)
        sel = (times >= start) & (times < end)
        if sel.any():
            tt = times[sel]
            cam = centres[sel]
            fx = np.interp(tt, ft, [f.x for f in track_faces])
            fy = np.interp(tt, ft, [f.y for f in track_faces])
            fw = np.interp(tt, ft, [f.w for f in track_faces])
            fh = np.interp(tt, ft, [f.h for f in track_faces])
            left = np.array([crop_x_for_centre(c, src_w, w) for c in cam])
            boxes.append(LayoutBox("face", int(np.floor(((fx - left) * sx).min())), int(np.floor(((fy - y0) * sy).min())),
                                   int(np.ceil(((fx + fw - left) * sx).max())), int(np.ceil(((fy + fh - y0) * sy).max())),
                                   round(out_start + start, 6), round(out_start + end, 6)))
        start = end
    return boxes
