"""One episode open in the studio: its plan.json, the edit history, the proxy and the render.

Every edit goes through the plan contract: the edited plans are written as plan.json text
(:func:`reelkit.plan.planfile.dump_plans`), that text is read back with
:func:`reelkit.plan.planfile.read_plan_file` (the checks ``reelkit render plan.json`` makes:
types, unknown keys, referenced files, frame fields) and only then replaces plan.json. The
proxy is rebuilt in the background after each change (a newer edit supersedes a build in
flight); Render runs the real render of plan.json into the episode folder.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reelkit.deliver.check import check_file
from reelkit.errors import InputError, ReelkitError
from reelkit.io.atomic import write_bytes_atomic, write_text_atomic
from reelkit.io.transaction import EpisodeTransaction
from reelkit.pipeline import RenderRequest, render_planned, retarget
from reelkit.plan.model import Plan
from reelkit.plan.planfile import dump_plans, read_plan_file
from reelkit.plan.platforms import plan_presets
from reelkit.render.engine import RenderOptions
from reelkit.studio import edits, page_edits
from reelkit.studio.events import Events
from reelkit.studio.history import History, State
from reelkit.studio.proxy_worker import ProxyWorker

log = logging.getLogger(__name__)

COVER_NAMES = ("cover.png", "cover-2.png", "cover-3.png")

_OPS: dict[str, Callable[[Plan, dict[str, Any]], Plan]] = {
    "restore_take": lambda p, a: edits.restore_take(p, _int(a, "line"), _int(a, "take")),
    "keep_take": lambda p, a: edits.keep_take(p, _int(a, "line"), _int(a, "take")),
    "span": lambda p, a: edits.set_span(p, _int(a, "source"), _num(a, "start"), _num(a, "end"), bool(a.get("keep"))),
    "move_edge": lambda p, a: edits.move_edge(p, _int(a, "cut"), str(a.get("edge")), _int(a, "frames")),
    "fix_word": lambda p, a: page_edits.fix_word(p, _int(a, "page"), _int(a, "word"), a.get("text")),
    "rebreak": lambda p, a: page_edits.rebreak_page(p, _int(a, "page"), str(a.get("how")), _int(a, "at", 0)),
    "move_overlay": lambda p, a: page_edits.move_overlay(p, _int(a, "overlay"), _int(a, "x"), _int(a, "y")),
    "delete_overlay": lambda p, a: page_edits.delete_overlay(p, _int(a, "overlay")),
    "metadata": lambda p, a: page_edits.set_metadata(p, a.get("description"), a.get("hashtags")),
}


def _int(args: dict[str, Any], key: str, default: int | None = None) -> int:
    value = args.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError("expected a whole number", key=key)
    return value


def _num(args: dict[str, Any], key: str) -> float:
    value = args.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError("expected a number", key=key)
    return float(value)


class Session:
    """The studio's server-side state for one episode folder (plan.json and its outputs)."""

    def __init__(self, plan_file: Path, state_dir: Path, *, preset: str = "veryfast", proxy: bool = True) -> None:
        self.plan_file = Path(plan_file).resolve()
        self.folder = self.plan_file.parent
        self.state_dir = state_dir
        self.preset = preset
        self.plans = read_plan_file(self.plan_file)
        self.lock = threading.RLock()
        self.events = Events()
        self.history = History(state_dir / "history.json", State(self.plan_file.read_bytes().decode("utf-8")))
        self.version = 1
        self.render_running = False
        self.checks: dict[str, dict[str, Any]] = {}
        self.proxy = ProxyWorker(self.state_dir, self.events) if proxy else None
        if self.proxy:
            self.proxy.request(self.version, self.plans[0])
        threading.Thread(target=self._check_files, name="studio-checks", daemon=True).start()

    # --- edits -----------------------------------------------------------------------------

    def apply(self, op: dict[str, Any]) -> None:
        """Apply one edit from the page; InputError (nothing written) when it is refused."""
        name = op.get("op")
        with self.lock:
            if name == "cover":
                return self._pick_cover(_int(op, "candidate"))
            if name not in _OPS:
                raise InputError(f"unknown edit {str(name)[:30]!r}", key="op", hint=f"use one of {', '.join(_OPS)}")
            plans = tuple(_OPS[name](p, op) for p in self.plans)
            self._commit(State(plan=self._validated(dump_plans(plans)), cover=self.history.current.cover,
                               cover_file=self.history.current.cover_file))

    def _validated(self, text: str) -> str:
        """``text`` if it reads back as a plan ``reelkit render`` accepts; InputError otherwise."""
        with tempfile.TemporaryDirectory(prefix="check-", dir=self.state_dir) as tmp:
            probe = Path(tmp) / "plan.json"
            probe.write_text(text, encoding="utf-8")
            try:
                read_plan_file(probe)
            except InputError as exc:
                raise InputError(f"the edit makes an invalid plan: {exc.one_line()}", key="plan") from None
        return text

    def _commit(self, state: State) -> None:
        self.history.push(state)
        self._enter(self.history.current)

    def _enter(self, state: State) -> None:
        """Make ``state`` the one on disk and on screen."""
        if self.plan_file.read_bytes() != state.plan.encode("utf-8"):
            write_text_atomic(self.plan_file, state.plan)
        self.plans = read_plan_file(self.plan_file)
        self.version += 1
        if self.proxy:
            self.proxy.request(self.version, self.plans[0])
        self.events.emit("plan", {"version": self.version})

    def undo(self) -> bool:
        """Step back one edit (plan.json byte-equal to before it); False when none."""
        return self._step(self.history.undo)

    def redo(self) -> bool:
        """Step forward again after an undo; False when none."""
        return self._step(self.history.redo)

    def _step(self, move: Callable[[], State | None]) -> bool:
        with self.lock:
            state = move()
            if state is not None:
                self._enter(state)
            return state is not None

    def _pick_cover(self, candidate: int) -> None:
        names = self.cover_names()
        if not 1 <= candidate <= len(names):
            raise InputError(f"no cover candidate {candidate} ({len(names)} in the folder)", key="candidate")
        data = (self.folder / names[candidate - 1]).read_bytes()
        keep = self.state_dir / f"cover-{hashlib.sha256(data).hexdigest()[:20]}.png"
        if not keep.is_file():
            write_bytes_atomic(keep, data)
        self._commit(State(plan=self.history.current.plan, cover=candidate, cover_file=keep.name))

    def cover_names(self) -> list[str]:
        """The cover candidates in the episode folder, best first."""
        return [n for n in COVER_NAMES if (self.folder / n).is_file()]

    # --- render and checks -----------------------------------------------------------------

    def start_render(self) -> bool:
        """Start the real render of plan.json in the background; False if one is running."""
        with self.lock:
            if self.render_running:
                return False
            self.render_running = True
        threading.Thread(target=self._render, name="studio-render", daemon=True).start()
        return True

    def _render(self) -> None:
        started = time.perf_counter()
        try:
            with self.lock:
                plans = tuple(retarget(p, self.folder) for p in self.plans)
                state = self.history.current
            request = RenderRequest(inputs=(self.plan_file,), out_dir=self.folder.parent,
                                    options=RenderOptions(x264_preset=self.preset))
            with EpisodeTransaction(self.folder) as tx:  # staged: a failed render keeps the last good files
                result = render_planned(plans, self.folder, request, self._on_stage, {}, tx)
            with self.lock:  # the render wrote plan.json again (its outputs in this folder)
                written = self.plan_file.read_bytes().decode("utf-8")
                if self.history.current == state and written != state.plan:
                    self.history.replace_current(State(written, state.cover, state.cover_file))
                    self.plans = read_plan_file(self.plan_file)
                elif self.history.current != state:  # edited while rendering: the edit stays
                    write_text_atomic(self.plan_file, self.history.current.plan)
            if state.cover_file:  # the candidate the producer picked, as they saw it
                write_bytes_atomic(self.folder / "cover.png", (self.state_dir / state.cover_file).read_bytes())
            files = {k: str(v) for k, v in result.files.items()}
            self.checks = {k: {"failures": v, "warnings": []} for k, v in result.checks.items()}
            self.events.emit("render", {"state": "done", "files": files, "seconds": time.perf_counter() - started})
            self._check_files()
        except ReelkitError as exc:
            self.events.emit("render", {"state": "failed", "error": exc.one_line()})
        except Exception as exc:  # a bug: still one line in the page, the traceback in the log
            log.exception("studio render failed")
            self.events.emit("render", {"state": "failed", "error": f"unexpected {type(exc).__name__}: {exc}"})
        finally:
            self.render_running = False

    def _on_stage(self, name: str, seconds: float | None) -> Callable[[float], None]:
        self.events.emit("render", {"state": "stage", "stage": name, "fraction": 0.0})
        last = [0.0]

        def progress(done: float) -> None:
            now = time.monotonic()
            if seconds and now - last[0] > 0.2:
                last[0] = now
                self.events.emit("render", {"state": "stage", "stage": name, "fraction": min(1.0, done / seconds)})
        return progress

    def _check_files(self) -> None:
        """The delivered files checked against their platforms (as `reelkit check` does)."""
        plan = self.plans[0]
        presets = plan_presets(plan)
        out: dict[str, dict[str, Any]] = {}
        for spec in plan.outputs:
            path = self.folder / Path(spec.path).name
            if spec.platform in presets and path.is_file():
                try:
                    report = check_file(path, presets[spec.platform])
                    out[spec.platform] = {"failures": report.failures, "warnings": report.warnings,
                                          "summary": report.summary}
                except ReelkitError as exc:
                    out[spec.platform] = {"failures": [exc.one_line()], "warnings": [], "summary": ""}
        self.checks = out
        self.events.emit("checks", {"version": self.version})

    def close(self) -> None:
        if self.proxy:
            self.proxy.stop()

