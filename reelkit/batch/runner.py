"""Unattended rendering of a series: preflight, then every episode that is not up to date,
locally or on a Dask cluster; one failure never stops the rest; safe to kill at any moment.

Crash safety. State lives in ``OUT/batch-state.json``: per episode (keyed by its output
folder), a fingerprint of everything that shapes its output (the outline as rendered, clip
files, brand files, options, reelkit version) and the files it produced. It is rewritten
atomically (and flushed to disk) after every episode. Every file reaches its final path by
an atomic rename, so after ``kill -9`` a re-run finds either a finished episode (skipped)
or one that did not finish (rendered again); temporaries of dead processes are removed.
An episode whose fingerprint changed or whose files were deleted is rendered again.

One batch per output folder: a second one refuses at once (``OUT/.reelkit-batch.lock``).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import yaml

from reelkit import __version__
from reelkit.batch import executors
from reelkit.brand import find_brand
from reelkit.batch.cluster import TlsFiles, open_client, parse_cluster, security_for
from reelkit.batch.preflight import Checked, preflight
from reelkit.batch.report import BatchResult, write_reports
from reelkit.batch.series import Series, merged_outline_data
from reelkit.batch.work import EpisodeJob, EpisodeOutcome
from reelkit.errors import InputError, Interrupted, ReelkitError
from reelkit.io.atomic import clean_stale_partials, write_json_atomic, write_text_atomic
from reelkit.io.lock import FolderLock
from reelkit.pipeline import RenderRequest

STATE_FILE = "batch-state.json"
LOCK_FILE = ".reelkit-batch.lock"
MERGED_DIR = ".reelkit-series"
STATE_VERSION = 2


@dataclass
class BatchEvents:
    """Callbacks the CLI uses for progress; all optional."""

    problem: Callable[[str], None] | None = None
    planned: Callable[[list[Checked]], None] | None = None
    started: Callable[[str], None] | None = None
    episode: Callable[[EpisodeOutcome], None] | None = None
    stage: Callable[[str, str, float | None], None] | None = None


def default_jobs() -> int:
    """Episodes at once on this machine: ``min(cores // 2, available memory // 2 GiB)``, at least 1.

    Why: x264 at 1080x1920 keeps about two cores busy per encode (more episodes than
    cores / 2 only share the same cores), and one render (decode, filtergraph, x264
    look-ahead, Whisper tiny) stays under about 1.5 GB resident; 2 GiB leaves headroom.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    available = _available_memory()
    by_memory = available // (2 << 30) if available else cores
    return max(1, min(cores // 2, by_memory))


def _available_memory() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _file_stamp(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return f"{path}:missing"
    return f"{path}:{st.st_size}:{st.st_mtime_ns}"


def fingerprint(outline_file: Path, checked: Checked, request: RenderRequest) -> str:
    """Hash of the outline text as rendered, its clips and brand files (size + mtime), and the options."""
    outline = checked.outline
    assert outline is not None
    digest = hashlib.sha256()
    digest.update(__version__.encode())
    digest.update(Path(outline_file).read_bytes())
    for seg in outline.segments:
        digest.update(_file_stamp(seg.clip).encode())
    try:
        brand_file = find_brand(outline.brand_ref(request.brand))
        for path in sorted(Path(brand_file).parent.rglob("*")):
            if path.is_file():
                digest.update(_file_stamp(path).encode())
    except ReelkitError:
        pass  # the render itself reports a bad brand
    options = {k: str(v) for k, v in asdict(replace(request, inputs=(), out_dir=Path("."))).items()}
    digest.update(json.dumps(options, sort_keys=True).encode())
    return digest.hexdigest()


def load_state(path: Path) -> dict[str, dict]:
    """The state file's episodes; an unreadable or old file counts as empty (everything renders)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("state_version") != STATE_VERSION:
        return {}
    episodes = data.get("episodes")
    return episodes if isinstance(episodes, dict) else {}


def _save_state(path: Path, episodes: dict[str, dict]) -> None:
    write_json_atomic(path, {"state_version": STATE_VERSION, "reelkit": __version__, "episodes": episodes},
                      fsync=True)


def _outline_file(checked: Checked, out_dir: Path) -> Path:
    """The file the episode renders from: its own outline, or the merged copy under OUT/.reelkit-series/."""
    episode = checked.episode
    if not episode.needs_merged_file:
        return episode.doc.path  # type: ignore[union-attr]
    assert checked.outline is not None
    path = out_dir / MERGED_DIR / f"{checked.outline.slug}.yaml"
    text = ("# Written by reelkit batch: the episode with the series settings merged in.\n"
            f"# Source: {episode.label}\n"
            + yaml.safe_dump(merged_outline_data(episode), sort_keys=False, allow_unicode=True))
    try:
        if path.read_text(encoding="utf-8") == text:
            return path  # unchanged: keep its mtime
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, text, fsync=True)
    return path


def _up_to_date(entry: dict | None, stamp: str) -> bool:
    if not entry or entry.get("fingerprint") != stamp or not isinstance(entry.get("outcome"), dict):
        return False
    files = list(entry.get("files", {}).values()) + list(entry.get("extras", {}).values())
    return bool(files) and all(Path(f).is_file() for f in files)


def run_batch(series: Series, request: RenderRequest, *, jobs: int = 1, cluster: str | None = None,
              tls: TlsFiles = TlsFiles(), force: bool = False, dry_run: bool = False,
              events: BatchEvents | None = None) -> BatchResult:
    """Preflight every episode, then render those not up to date into ``request.out_dir``.

    ``jobs`` > 1 renders that many episodes at once in separate processes; ``cluster``
    (``local:N``, ``tcp://127.0.0.1:PORT``, ``tls://HOST:PORT``) runs them as Dask tasks.
    ``dry_run`` stops after the preflight and writes nothing. Writes ``report.json`` and
    ``report.html`` at the end, also after Ctrl-C (then re-raised as Interrupted).
    """
    events = events or BatchEvents()
    t0 = time.perf_counter()
    if jobs < 1:
        raise InputError(f"--jobs {jobs}: must be at least 1", key="--jobs")
    if cluster:
        if parse_cluster(cluster)[0] != "local":
            security_for(cluster, tls)  # refuse an unsafe address before any work
    checked = preflight(series, brand=request.brand, platforms=request.platforms,
                        platforms_file=request.platforms_file)
    problems = [f"episode {c.episode.index} ({c.title}): {p}" for c in checked for p in c.problems]
    for line in problems:
        if events.problem:
            events.problem(line)
    if dry_run:
        outcomes = [_outcome_of(c, "ok" if c.ok else "failed") for c in checked]
        return BatchResult(series, outcomes, problems, time.perf_counter() - t0,
                           counts=_counts(outcomes))
    with FolderLock(request.out_dir, what="batch", name=LOCK_FILE):
        result = _render_checked(series, request, checked, problems, t0, jobs=jobs, cluster=cluster, tls=tls,
                                 force=force, events=events)
    if result.interrupted:
        raise Interrupted("batch interrupted; finished episodes are kept and a re-run renders the rest")
    return result


def _outcome_of(c: Checked, status: str = "failed", error: str = "") -> EpisodeOutcome:
    return EpisodeOutcome(key=c.outline.slug if c.outline else f"episode-{c.episode.index}", title=c.title,
                          status=status, index=c.episode.index, source=c.episode.label, duration=c.duration,
                          problems=c.problems, error=error or (c.problems[0] if c.problems else ""))


def _render_checked(series: Series, request: RenderRequest, checked: list[Checked], problems: list[str],
                    t0: float, *, jobs: int, cluster: str | None, tls: TlsFiles, force: bool,
                    events: BatchEvents) -> BatchResult:
    """Under the batch lock: skip what is up to date, render the rest, write the reports."""
    out_dir = request.out_dir
    clean_stale_partials(out_dir)
    clean_stale_partials(out_dir / MERGED_DIR)
    state_path = out_dir / STATE_FILE
    state = load_state(state_path)
    if events.planned:
        events.planned(checked)
    outcomes, todo, stamps = _sort_out(checked, request, state, force, events)
    by_key = {job.key: (job, c) for job, c in todo}

    def done(outcome: EpisodeOutcome) -> None:
        job, c = by_key[outcome.key]
        outcome.index, outcome.source, outcome.title = c.episode.index, c.episode.label, c.title
        outcome.duration = outcome.duration or c.duration
        outcomes[c.episode.index] = outcome
        if outcome.status == "rendered":
            state[outcome.key] = {"fingerprint": stamps[outcome.key], "files": outcome.files,
                                  "extras": outcome.extras, "outcome": asdict(outcome),
                                  "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        else:
            state.pop(outcome.key, None)
        _save_state(state_path, state)
        if events.episode:
            events.episode(outcome)

    interrupted = False
    try:
        _execute([job for job, _ in todo], done, jobs=jobs, cluster=cluster, tls=tls, events=events)
    except (Interrupted, KeyboardInterrupt):
        interrupted = True
    for c in checked:
        if c.episode.index not in outcomes:
            outcomes[c.episode.index] = _outcome_of(c, "interrupted", "not finished: the batch was interrupted")
    ordered = [outcomes[i] for i in sorted(outcomes)]
    result = BatchResult(series, ordered, problems, time.perf_counter() - t0, interrupted=interrupted,
                         counts=_counts(ordered))
    result.report_html, result.report_json = write_reports(result, out_dir)
    return result


def _sort_out(checked: list[Checked], request: RenderRequest, state: dict[str, dict], force: bool,
              events: BatchEvents) -> tuple[dict[int, EpisodeOutcome], list[tuple[EpisodeJob, Checked]], dict[str, str]]:
    """Outcomes of episodes that failed preflight or are up to date, and the jobs to render."""
    out_dir = request.out_dir
    outcomes: dict[int, EpisodeOutcome] = {}
    todo: list[tuple[EpisodeJob, Checked]] = []
    stamps: dict[str, str] = {}
    for c in checked:
        if not c.ok:
            outcomes[c.episode.index] = _outcome_of(c)
            continue
        slug = c.outline.slug  # type: ignore[union-attr]
        outline_file = _outline_file(c, out_dir)
        stamp = fingerprint(outline_file, c, request)
        entry = state.get(slug)
        if not force and _up_to_date(entry, stamp):
            known = {f.name for f in fields(EpisodeOutcome)}
            saved = {k: v for k, v in entry["outcome"].items() if k in known}  # type: ignore[index]
            base = dict(index=c.episode.index, source=c.episode.label, duration=c.duration)
            outcome = EpisodeOutcome(**{**saved, "status": "skipped", "seconds": 0.0, **base})
            outcomes[c.episode.index] = outcome
            if events.episode:
                events.episode(outcome)
            continue
        job = EpisodeJob(key=slug, outline=outline_file.resolve(),
                         request=replace(request, inputs=(), out_dir=out_dir.resolve()), duration=c.duration)
        todo.append((job, c))
        stamps[slug] = stamp
    return outcomes, todo, stamps


def _counts(outcomes: list[EpisodeOutcome]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    return counts


def _execute(todo: list[EpisodeJob], done: Callable[[EpisodeOutcome], None], *, jobs: int,
             cluster: str | None, tls: TlsFiles, events: BatchEvents) -> None:
    if not todo:
        return
    if cluster:
        with open_client(cluster, tls) as client:
            executors.run_dask(todo, client, done)
    elif jobs == 1 or len(todo) == 1:
        executors.run_inline(todo, done, events.stage)
    else:
        executors.run_processes(todo, min(jobs, len(todo)), done, events.stage)
