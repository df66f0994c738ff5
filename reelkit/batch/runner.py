"""Unattended rendering of many episodes: resumable, one failure never stops the rest.

State lives in ``OUT/batch-state.json``: per outline, a fingerprint of everything that shapes
its output (outline text, clip files, brand files, options, reelkit version) and the files it
produced. A re-run skips episodes whose fingerprint matches and whose files still exist, so an
interrupted weekly batch picks up where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from reelkit import __version__
from reelkit.errors import Interrupted, ReelkitError
from reelkit.io.atomic import write_json_atomic
from reelkit.pipeline import RenderRequest, render_episode

STATE_FILE = "batch-state.json"
REPORT_FILE = "batch-report.json"


@dataclass
class EpisodeOutcome:
    """What happened to one outline in a batch."""

    outline: str
    status: str  # rendered | skipped | failed
    seconds: float = 0.0
    folder: str = ""
    files: dict[str, str] = field(default_factory=dict)
    checks_failed: dict[str, list[str]] = field(default_factory=dict)
    error: str = ""


def _file_stamp(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return f"{path}:missing"
    return f"{path}:{st.st_size}:{st.st_mtime_ns}"


def fingerprint(outline: Path, request: RenderRequest) -> str:
    """Hash of the outline text, its clips and brand files (size + mtime), and the options."""
    from reelkit.brand import find_brand
    from reelkit.plan.outline import load_outline

    digest = hashlib.sha256()
    digest.update(__version__.encode())
    digest.update(outline.read_bytes())
    parsed = load_outline(outline)
    for seg in parsed.segments:
        digest.update(_file_stamp(seg.clip).encode())
    try:
        brand_file = find_brand(request.brand or parsed.brand)
        for path in sorted(Path(brand_file).parent.rglob("*")):
            if path.is_file():
                digest.update(_file_stamp(path).encode())
    except ReelkitError:
        pass  # the render itself reports a bad brand
    options = {k: str(v) for k, v in asdict(replace(request, inputs=(), out_dir=Path("."))).items()}
    digest.update(json.dumps(options, sort_keys=True).encode())
    return digest.hexdigest()


def _load_state(path: Path) -> dict[str, dict]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_json(path: Path, data: object) -> None:
    write_json_atomic(path, data, fsync=True)


def run_batch(outlines: Sequence[Path], request: RenderRequest, *, force: bool = False,
              on_episode: Callable[[EpisodeOutcome], None] | None = None) -> list[EpisodeOutcome]:
    """Render every outline into ``request.out_dir``; returns one outcome per outline.

    Writes the state after each episode (so a crash loses at most the episode in progress)
    and ``batch-report.json`` at the end. Ctrl-C stops the batch after clean-up.
    """
    request.out_dir.mkdir(parents=True, exist_ok=True)
    state_path = request.out_dir / STATE_FILE
    state = _load_state(state_path)
    outcomes: list[EpisodeOutcome] = []
    for outline in outlines:
        key = str(Path(outline).resolve())
        t0 = time.perf_counter()
        try:
            stamp = fingerprint(Path(outline), request)
            done = state.get(key)
            if (not force and done and done.get("fingerprint") == stamp
                    and all(Path(f).exists() for f in done.get("files", {}).values())):
                outcome = EpisodeOutcome(key, "skipped", folder=done.get("folder", ""), files=done["files"])
            else:
                result = render_episode(replace(request, inputs=(Path(outline),)))
                files = {k: str(v) for k, v in result.files.items()}
                outcome = EpisodeOutcome(key, "rendered", time.perf_counter() - t0, str(result.folder), files,
                                         {k: v for k, v in result.checks.items() if v})
                state[key] = {"fingerprint": stamp, "folder": str(result.folder), "files": files,
                              "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
                _write_json(state_path, state)
        except Interrupted:
            raise
        except ReelkitError as exc:
            outcome = EpisodeOutcome(key, "failed", time.perf_counter() - t0, error=exc.one_line())
        outcomes.append(outcome)
        if on_episode:
            on_episode(outcome)
    _write_json(request.out_dir / REPORT_FILE, {
        "reelkit": __version__, "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "rendered": sum(o.status == "rendered" for o in outcomes),
        "skipped": sum(o.status == "skipped" for o in outcomes),
        "failed": sum(o.status == "failed" for o in outcomes),
        "episodes": [asdict(o) for o in outcomes]})
    return outcomes
