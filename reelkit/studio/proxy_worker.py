"""Rebuilding the proxy in the background: one build at a time, the newest request wins."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from pathlib import Path

from reelkit.errors import ReelkitError
from reelkit.plan.model import Plan
from reelkit.plan.planfile import dump_plans
from reelkit.studio.events import Events
from reelkit.studio.proxy import make_proxy_media, render_proxy

log = logging.getLogger(__name__)
DEBOUNCE = 0.15  # seconds
KEEP = 8  # proxies kept: the latest few states, for the player and for undo


class ProxyWorker:
    """Builds ``proxy-<plan hash>.mp4`` in ``state_dir/proxy`` for the latest plan version and
    announces each on ``events``."""

    def __init__(self, state_dir: Path, events: Events) -> None:
        self.events = events
        self.folder = state_dir / "proxy"
        self._cond = threading.Condition()
        self._wanted: tuple[int, Plan] | None = None
        self._stopped = False
        self.ready: tuple[int, Path] | None = None  # the newest finished proxy
        self.building: int | None = None
        self.timings: dict[int, float] = {}
        self._done: list[Path] = []
        threading.Thread(target=self._run, name="studio-proxy", daemon=True).start()

    def request(self, version: int, plan: Plan) -> None:
        with self._cond:
            self._wanted = (version, plan)
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._wanted is None and not self._stopped:
                    self._cond.wait()
                if self._stopped:
                    return
                # Edits come in bursts (a key held on a cut edge): let the burst end, and the
                # edit's own answer reach the page, before ffmpeg takes the cores.
                self._cond.wait(DEBOUNCE)
                if self._stopped or self._wanted is None:
                    continue
                version, plan = self._wanted
                self._wanted = None
                self.building = version
            self._build(version, plan)
            self._make_media(plan)

    def _make_media(self, plan: Plan) -> None:
        """After a proxy is shown: proxy media for the sources, so the next proxies decode less."""
        try:
            make_proxy_media(plan, self.folder / "work" / "overlays")
        except ReelkitError as exc:  # the proxies still work from the sources themselves
            log.warning("proxy media not made: %s", exc.one_line())

    def _build(self, version: int, plan: Plan) -> None:
        started = time.perf_counter()
        # Named by the plan it shows: an undo back to a plan already previewed costs nothing.
        digest = hashlib.sha256(dump_plans([plan]).encode("utf-8")).hexdigest()[:20]
        path = self.folder / f"proxy-{digest}.mp4"
        try:
            if not path.is_file():
                render_proxy(plan, path, self.folder / "work")
        except ReelkitError as exc:
            self.events.emit("proxy", {"version": version, "error": exc.one_line()})
            return
        finally:
            self.building = None
        seconds = time.perf_counter() - started
        self.timings[version] = seconds
        self.ready = (version, path)
        if path in self._done:
            self._done.remove(path)
        self._done.append(path)
        while len(self._done) > KEEP:  # the page may still be playing an earlier one
            self._done.pop(0).unlink(missing_ok=True)
        self.events.emit("proxy", {"version": version, "url": f"/files/cache/proxy/{path.name}",
                                           "seconds": round(seconds, 3), "duration": plan.duration})
