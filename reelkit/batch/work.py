"""One episode's render as a self-contained task: what a local process or a Dask worker runs.

A task gets only paths and plain options (it pickles small), renders into its episode folder,
measures what the morning report needs, and returns plain data. A problem of the episode
comes back as a ``failed`` outcome rather than an exception, so Dask retries only what is
worth retrying (a lost worker), not a bad input.
"""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from reelkit.deliver.contact_sheet import make_contact_sheet
from reelkit.errors import BusyError, Interrupted, ReelkitError
from reelkit.io.atomic import clean_stale_partials
from reelkit.io.lock import FolderLock
from reelkit.pipeline import RenderRequest, render_episode
from reelkit.render.loudness import measure_loudness

CONTACT_SHEET = "contact-sheet.jpg"
# Temporary folders the renderers make beside their outputs (pid-free names).
_TEMP_DIR_PREFIXES = (".reelkit-",)


@dataclass(frozen=True)
class EpisodeJob:
    """Render ``outline`` (a file on a filesystem every worker sees) with ``request``."""

    key: str
    outline: Path
    request: RenderRequest
    duration: float = 0.0


@dataclass
class EpisodeOutcome:
    """What happened to one episode; the same facts go to the state file and the report."""

    key: str
    title: str
    status: str  # rendered | skipped | failed | interrupted
    index: int = 0
    source: str = ""
    seconds: float = 0.0
    duration: float = 0.0
    folder: str = ""
    files: dict[str, str] = field(default_factory=dict)
    extras: dict[str, str] = field(default_factory=dict)
    checks: dict[str, list[str]] = field(default_factory=dict)
    loudness: dict[str, dict[str, float]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    error: str = ""
    worker: str = ""

    @property
    def all_files(self) -> list[str]:
        return list(self.files.values()) + list(self.extras.values())


def clean_episode_temporaries(folder: Path) -> list[Path]:
    """Remove what a killed render left in ``folder``: partial files of dead processes and the
    renderers' temporary folders. Done under the folder's render lock, so a live render's
    temporaries are never touched."""
    if not folder.is_dir():
        return []
    try:
        with FolderLock(folder, what="render"):
            removed = clean_stale_partials(folder)
            for entry in folder.iterdir():
                if entry.is_dir() and entry.name.startswith(_TEMP_DIR_PREFIXES):
                    shutil.rmtree(entry, ignore_errors=True)
                    removed.append(entry)
    except BusyError:
        return []
    return removed


def _loudness(files: dict[str, Path]) -> dict[str, dict[str, float]]:
    out = {}
    for platform, path in files.items():
        try:
            ld = measure_loudness(path)
        except ReelkitError:
            continue  # no audio stream: nothing to show
        out[platform] = {"integrated_lufs": ld.integrated_lufs, "true_peak_db": ld.true_peak_db, "lra": ld.lra}
    return out


def run_job(job: EpisodeJob, on_stage: Callable[..., Any] | None = None) -> EpisodeOutcome:
    """Render one episode; returns its outcome (status ``rendered`` or ``failed``).

    Interrupted (Ctrl-C, SIGTERM) propagates: the batch stops instead of marking it failed.
    """
    t0 = time.perf_counter()
    folder = job.request.out_dir / job.key
    try:
        clean_episode_temporaries(folder)
        result = render_episode(replace(job.request, inputs=(job.outline,)), on_stage=on_stage)
        first = result.files[result.plan.outputs[0].platform]
        sheet = make_contact_sheet(first, result.folder / CONTACT_SHEET, result.plan.duration)
        extras = {"plan": result.folder / "plan.json", "contact_sheet": sheet, **result.sidecars}
        if result.cover is not None:
            extras["cover"] = result.cover
        if result.metadata is not None:
            extras["metadata"] = result.metadata
        return EpisodeOutcome(
            key=job.key, title=result.plan.title, status="rendered", seconds=time.perf_counter() - t0,
            duration=result.plan.duration, folder=str(result.folder),
            files={k: str(v) for k, v in result.files.items()}, extras={k: str(v) for k, v in extras.items()},
            checks={k: list(v) for k, v in result.checks.items()}, loudness=_loudness(result.files),
            worker=socket.gethostname())
    except Interrupted:
        raise
    except ReelkitError as exc:
        return EpisodeOutcome(key=job.key, title=job.key, status="failed", seconds=time.perf_counter() - t0,
                              duration=job.duration, folder=str(folder), error=exc.one_line(),
                              worker=socket.gethostname())
