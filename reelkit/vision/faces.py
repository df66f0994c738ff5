"""Finding the subject of a shot: faces detected on small frames, merged into tracks.

One ffmpeg process decodes the segment once, small (about 320 px wide, grey) and at a few
frames per second, and scores shot changes on the way (:mod:`reelkit.vision.shots`). OpenCV's
Haar cascades (frontal, then profile in both directions when no frontal face is found) run
on each small frame; detections are merged into tracks by overlap and distance, and short
lived ones (false positives on texture) are dropped later, when a shot's subject is chosen.

Nothing here is needed to render: the result feeds :mod:`reelkit.reframe.camera_path`, and
the plan carries the path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import numpy as np

from reelkit.errors import MediaError
from reelkit.io.ffmpeg import ffmpeg_pipe
from reelkit.vision import shots, track_cache
from reelkit.vision.analysis import Analysis, DetectSettings, Face, Track

# --- decoding -------------------------------------------------------------------------------

def decoded_size(src_w: int, src_h: int, width: int) -> tuple[int, int]:
    """Size of the small analysis frames: ``width`` wide (never upscaled), even sides."""
    w = min(width, src_w) // 2 * 2
    h = max(2, int(round(src_h * w / src_w / 2)) * 2)
    return w, h


def analysis_args(path: str, start: float, duration: float, size: tuple[int, int], settings: DetectSettings,
                  ) -> list[str]:
    """ffmpeg argv (without the binary): grey frames at ``sample_fps`` on stdout, and the
    shot-change scores of every decoded frame logged to stderr."""
    w, h = size
    # Non-reference frames and the deblocking filter are skipped: detection on a 640 px grey
    # frame does not need them and decoding 1080p costs about half as much.
    graph = (f"[0:v]scale={w}:{h}:flags=fast_bilinear,format=gray,split=2[d][s];"
             f"[d]fps={settings.sample_fps:g}[det];"
             f"[s]{shots.scene_filter(settings.scene_threshold)}[sc]")
    return ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "info", "-threads", "2",
            "-skip_frame", "noref", "-skip_loop_filter", "all",
            "-ss", f"{start:.6f}", "-t", f"{duration:.6f}", "-i", path, "-an", "-sn",
            "-filter_complex", graph,
            "-map", "[det]", "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1",
            "-map", "[sc]", "-f", "null", "-"]


def _frames(stream: IO[bytes], frame_bytes: int) -> Iterator[np.ndarray]:
    while True:
        buf = stream.read(frame_bytes)
        if len(buf) < frame_bytes:
            return
        yield np.frombuffer(buf, dtype=np.uint8)


# --- detection ------------------------------------------------------------------------------

class Detector:
    """The Haar cascades shipped with opencv-python-headless 4.x (``cv2.data``)."""

    def __init__(self, settings: DetectSettings) -> None:
        import cv2  # imported here: a broken or missing OpenCV only disables tracking

        self.cv2 = cv2
        # One detector thread: ffmpeg decodes the next frames on the other cores meanwhile, and
        # OpenCV's worker threads on these small frames cost a fifth more CPU for no gain in
        # wall time on two cores (same boxes; this detector is the process's only OpenCV user).
        cv2.setNumThreads(1)
        self.settings = settings
        base = Path(cv2.data.haarcascades)
        self.frontal = cv2.CascadeClassifier(str(base / "haarcascade_frontalface_default.xml"))
        self.profile = cv2.CascadeClassifier(str(base / "haarcascade_profileface.xml")) if settings.profile else None
        if self.frontal.empty() or (self.profile is not None and self.profile.empty()):
            raise MediaError(f"OpenCV's Haar cascades are missing under {base}",
                             hint="install opencv-python-headless>=4.8,<5 (5.x wheels no longer ship them)")

    def detect(self, grey: np.ndarray, profile: bool = True) -> list[tuple[float, float, float, float]]:
        """Face boxes (x, y, w, h) in the small frame's pixels; ``profile=False`` skips the
        two profile searches (two thirds of the cost on a frame without a frontal face)."""
        s = self.settings
        side = max(12, int(grey.shape[1] * s.min_face))
        img = grey
        found = self.frontal.detectMultiScale(img, scaleFactor=s.scale_factor, minNeighbors=s.min_neighbors,
                                              minSize=(side, side))
        boxes = [tuple(float(v) for v in b) for b in found]
        if not boxes and profile and self.profile is not None:
            # The profile cascade knows faces turned one way; the mirrored frame finds the other.
            for flipped in (False, True):
                frame = img[:, ::-1] if flipped else img
                hits = self.profile.detectMultiScale(np.ascontiguousarray(frame), scaleFactor=s.scale_factor,
                                                     minNeighbors=s.min_neighbors, minSize=(side, side))
                for x, y, w, h in hits:
                    x = grey.shape[1] - x - w if flipped else x
                    boxes.append((float(x), float(y), float(w), float(h)))
                if boxes:
                    break
        return boxes  # type: ignore[return-value]


def input_fingerprint(path: str, start: float, duration: float) -> str:
    """sha256 of what an analysis reads: the file's identity (resolved path, size, mtime),
    its first and last MiB, and the span. Known before decoding, so a cache hit decodes
    nothing, and a replaced or edited file is a miss."""
    file = Path(path)
    st = file.stat()
    digest = hashlib.sha256(repr((str(file.resolve()), st.st_size, st.st_mtime_ns, round(start, 6),
                                  round(duration, 6))).encode())
    with open(file, "rb") as fh:
        digest.update(fh.read(1 << 20))
        if st.st_size > 2 << 20:
            fh.seek(-(1 << 20), 2)
            digest.update(fh.read(1 << 20))
    return digest.hexdigest()


def analyse(path: str, start: float, duration: float, src_w: int, src_h: int,
            settings: DetectSettings = DetectSettings(), *, cache: bool = True) -> Analysis:
    """Decode ``[start, start + duration)`` of ``path`` small and find its faces and shot changes.

    Frames are streamed: each small frame is searched as it arrives and dropped, so memory
    does not grow with the span's length (a 12-minute clip held 830 MB of frames before).
    Raises MediaError when the clip cannot be decoded, ImportError/cv2.error when OpenCV
    cannot run: callers fall back to the static crop.
    """
    try:
        fingerprint = input_fingerprint(path, start, duration)
    except OSError as exc:
        raise MediaError(f"cannot read the clip for face detection ({exc.strerror or exc})", path=path) from None
    key = track_cache.key(fingerprint, settings, (src_w, src_h))
    if cache:
        hit = track_cache.load(key)
        if hit is not None:
            return hit
    detector = Detector(settings)
    w, h = size = decoded_size(src_w, src_h, settings.width)
    scale = src_w / w
    times: list[float] = []
    per_frame: list[tuple[Face, ...]] = []
    # check=False: a clip that cannot be decoded, or delivers nothing until the watchdog stops
    # it, is a MediaError here, so the caller keeps the static crop.
    with ffmpeg_pipe(analysis_args(path, start, duration, size, settings), stage="face analysis",
                     stdout=True, check=False) as pipe:
        for i, flat in enumerate(_frames(pipe.stdout, w * h)):
            t = i / settings.sample_fps
            if t >= duration:
                continue  # drain the pipe; ffmpeg stops at -t
            # Profiles on every other sample: a track bridges gaps of 1.5 s, and a frame
            # without a frontal face costs a third as much.
            boxes = detector.detect(flat.reshape(h, w), profile=i % 2 == 0)
            times.append(t)
            per_frame.append(tuple(Face(t, x * scale, y * scale, bw * scale, bh * scale) for x, y, bw, bh in boxes))
    log = pipe.stderr_text()
    if pipe.returncode != 0 or not times:
        tail = "; ".join(log.strip().splitlines()[-2:])
        raise MediaError(f"cannot decode frames for face detection ({tail or 'no frames'})", path=path)
    # frames_hash (the field's old name) now holds the fingerprint of the source span.
    result = Analysis(duration=duration, src_w=src_w, src_h=src_h, times=tuple(times), faces=tuple(per_frame),
                      cuts=shots.parse_scene_log(log, duration), frames_hash=fingerprint)
    if cache:
        track_cache.store(key, result)
    return result


# --- tracks ---------------------------------------------------------------------------------

def _iou(a: Face, b: Face) -> float:
    x0, y0 = max(a.x, b.x), max(a.y, b.y)
    x1, y1 = min(a.x + a.w, b.x + b.w), min(a.y + a.h, b.y + b.h)
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    union = a.w * a.h + b.w * b.h - inter
    return inter / union if union > 0 else 0.0


def _matches(track: Track, face: Face, max_gap: float) -> float | None:
    """A match cost (lower is better) of ``face`` continuing ``track``, or None."""
    last = track.last
    if face.t - last.t > max_gap:
        return None
    ratio = face.w / last.w
    if not 0.6 <= ratio <= 1.67:
        return None
    dist = float(np.hypot(face.cx - last.cx, face.cy - last.cy))
    # Near in proportion to the face size and the time since it was last seen: a walking
    # head moves about one face width a second at most at these sizes.
    reach = last.w * (0.6 + 1.2 * (face.t - last.t))
    if dist > reach and _iou(track.last, face) < 0.2:
        return None
    return dist / max(last.w, 1.0)


def build_tracks(analysis: Analysis, span: tuple[float, float], max_gap: float = 1.5) -> list[Track]:
    """Detections in the time ``span`` (one shot) merged into tracks, greedily by distance."""
    tracks: list[Track] = []
    for faces in analysis.faces:
        inside = [f for f in faces if span[0] <= f.t < span[1]]
        taken: set[int] = set()
        # Largest faces pick first: the subject is seldom the smaller of two overlapping boxes.
        for face in sorted(inside, key=lambda f: -f.w):
            best, best_cost = None, None
            for k, track in enumerate(tracks):
                if k in taken or track.last.t >= face.t:
                    continue
                cost = _matches(track, face, max_gap)
                if cost is not None and (best_cost is None or cost < best_cost):
                    best, best_cost = k, cost
            if best is None:
                tracks.append(Track([face]))
                taken.add(len(tracks) - 1)
            else:
                tracks[best].faces.append(face)
                taken.add(best)
    return tracks


def subject_track(analysis: Analysis, span: tuple[float, float], min_share: float = 0.3) -> Track | None:
    """The shot's subject: the largest, most persistent face, or None (no face in the shot).

    A track must be seen in at least ``min_share`` of the shot's samples (and three of them),
    which drops short-lived false positives on texture and passers-by.
    """
    n = sum(1 for t in analysis.times if span[0] <= t < span[1])
    if n == 0:
        return None
    need = max(3, int(np.ceil(min_share * n))) if n >= 3 else n
    candidates = [t for t in build_tracks(analysis, span) if len(t.faces) >= need]
    if not candidates:
        return None
    return max(candidates, key=lambda t: len(t.faces) * t.median_size() ** 2)
