"""Where episode tasks run: in this process, in N local processes, or on a Dask cluster.

Each executor takes the jobs and calls ``on_done`` in this (the batch) process as each one
finishes, so the state file is written by one process only, after every episode.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue as queue_mod
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from reelkit.batch.work import EpisodeJob, EpisodeOutcome, run_job
from reelkit.errors import Interrupted

DoneCallback = Callable[[EpisodeOutcome], None]
StageEvent = Callable[[str, str, float | None], None]
"""Called with (episode key, stage name, fraction done or None) while an episode renders."""

RENDER_RESOURCE = "render"
"""Dask worker resource: a worker started with ``--resources render=1`` runs one render at a time."""


def _stage_adapter(key: str, emit: StageEvent) -> Callable[[str, float | None], Any]:
    """A pipeline StageCallback that turns stage starts and ffmpeg progress into events."""

    def on_stage(stage: str, seconds: float | None):  # type: ignore[no-untyped-def]
        emit(key, stage, 0.0 if seconds else None)
        if not seconds:
            return None

        def progress(done: float) -> None:
            emit(key, stage, min(1.0, done / seconds))

        return progress

    return on_stage


def _guarded(job: EpisodeJob, on_stage: Callable[[str, float | None], Any] | None) -> EpisodeOutcome:
    """run_job, with an unexpected exception (a bug, a full disk) turned into a failed episode so
    the rest of the batch goes on; with --debug the traceback is logged."""
    try:
        return run_job(job, on_stage)
    except (Interrupted, KeyboardInterrupt):
        raise
    except Exception as exc:
        logging.getLogger("reelkit").debug("episode %s crashed", job.key, exc_info=True)
        return EpisodeOutcome(key=job.key, title=job.key, status="failed", duration=job.duration,
                              folder=str(job.request.out_dir / job.key),
                              error=f"internal error: {type(exc).__name__}: {exc}".splitlines()[0])


def run_inline(jobs: Sequence[EpisodeJob], on_done: DoneCallback, on_stage: StageEvent | None = None) -> None:
    """One episode after another in this process (``--jobs 1``)."""
    for job in jobs:
        on_done(_guarded(job, _stage_adapter(job.key, on_stage) if on_stage else None))


# --- local processes -----------------------------------------------------------------------

_events: Any = None


def _init_worker(events: Any) -> None:
    """In each pool process: SIGTERM cleans up like Ctrl-C (ffmpeg stopped, temporaries removed)."""
    global _events
    _events = events

    def _raise(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _raise)


def _emit(key: str, stage: str, fraction: float | None) -> None:
    if _events is not None:
        try:
            _events.put_nowait((key, stage, fraction))
        except (queue_mod.Full, OSError, ValueError):
            pass  # progress is best effort


_last_emit: dict[tuple[str, str], float] = {}


def _throttled_emit(key: str, stage: str, fraction: float | None) -> None:
    now = time.monotonic()
    if fraction not in (None, 0.0, 1.0) and now - _last_emit.get((key, stage), 0.0) < 0.25:
        return
    _last_emit[(key, stage)] = now
    _emit(key, stage, fraction)


def _pool_task(job: EpisodeJob) -> EpisodeOutcome:
    return _guarded(job, _stage_adapter(job.key, _throttled_emit))


def run_processes(jobs: Sequence[EpisodeJob], workers: int, on_done: DoneCallback,
                  on_stage: StageEvent | None = None) -> None:
    """Up to ``workers`` episodes at once, each in its own (spawned) process."""
    ctx = multiprocessing.get_context("spawn")  # no fork of a threaded parent
    events = ctx.Queue(maxsize=10000)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(events,))
    pending: set[Future[EpisodeOutcome]] = set()
    try:
        pending = {pool.submit(_pool_task, job) for job in jobs}
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            _drain(events, on_stage)
            for fut in done:
                on_done(fut.result())
        _drain(events, on_stage)
    except BaseException:
        for fut in pending:
            fut.cancel()
        _stop_pool(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        events.close()


def _drain(events: Any, on_stage: StageEvent | None) -> None:
    while True:
        try:
            item = events.get_nowait()
        except (queue_mod.Empty, OSError, ValueError):
            return
        if on_stage:
            on_stage(*item)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Ask every pool process to stop (each removes its own temporaries) before we exit."""
    for proc in list(getattr(pool, "_processes", {}).values()):
        try:
            os.kill(proc.pid, signal.SIGTERM)
        except (ProcessLookupError, OSError):
            pass
    for proc in list(getattr(pool, "_processes", {}).values()):
        proc.join(timeout=15)


# --- Dask ----------------------------------------------------------------------------------

def run_dask(jobs: Sequence[EpisodeJob], client: Any, on_done: DoneCallback, *, retries: int = 2) -> None:
    """Each episode is a Dask task; ``retries`` re-runs a task whose worker died.

    When the workers advertise the ``render`` resource each task takes one unit, so a worker
    runs one render at a time however many threads it has.
    """
    from distributed import as_completed  # lazy: Dask loads (about 1 s) only for a --cluster run

    workers = client.scheduler_info().get("workers", {})
    has_resource = any(RENDER_RESOURCE in (w.get("resources") or {}) for w in workers.values())
    resources = {RENDER_RESOURCE: 1} if has_resource else None
    futures = {}
    for job in jobs:
        fut = client.submit(run_job, job, key=f"reelkit-episode-{job.key}-{os.getpid()}-{id(job):x}",
                            resources=resources, retries=retries, pure=False)
        futures[fut] = job
    try:
        for fut in as_completed(list(futures)):
            job = futures[fut]
            try:
                outcome = fut.result()
            except Interrupted:
                raise
            except Exception as exc:  # a task that kept failing (lost worker, crash): one line
                outcome = EpisodeOutcome(key=job.key, title=job.key, status="failed", duration=job.duration,
                                         folder=str(job.request.out_dir / job.key),
                                         error=f"task failed on the cluster after {retries} retries: "
                                               f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
            on_done(outcome)
    except BaseException:
        client.cancel(list(futures), force=True)
        raise
