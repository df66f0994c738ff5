"""A watchdog for child processes that stop making progress.

An unattended batch must never wait forever: an input that never delivers data (a FIFO
nobody writes to, a device, a network drive that stopped answering) leaves ffmpeg blocked
with no error. A working ffmpeg always uses CPU time or moves bytes, so the watchdog reads
both from ``/proc/<pid>/stat`` and ``/proc/<pid>/io`` once a second and stops the child when
neither has changed for ``stall_seconds``. Where /proc is missing (macOS) it does nothing.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

DEFAULT_STALL_SECONDS = 300.0
"""No CPU time and no bytes read or written for this long: the child is stuck."""
PROGRESS_STALL_SECONDS = 120.0
"""For a child that reports its progress: no progress (and next to no CPU) for this long."""
BUSY_SHARE = 0.1
"""A child reporting progress that used at least this share of one core between two looks is
working (a slow first frame), even if its progress has not moved yet."""
POLL_SECONDS = 1.0


def stall_seconds(default: float = DEFAULT_STALL_SECONDS) -> float:
    """The stall limit: $REELKIT_STALL_SECONDS when set (0 turns the watchdog off), else ``default``."""
    raw = os.environ.get("REELKIT_STALL_SECONDS", "").strip()
    try:
        return max(0.0, float(raw)) if raw else default
    except ValueError:
        return default


def activity(pid: int) -> tuple[int, ...] | None:
    """CPU ticks and bytes read/written of process ``pid`` so far; None when unreadable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        # Fields after the command name (which may hold spaces and brackets): utime, stime
        # are fields 14 and 15 of the whole line, 12 and 13 after the closing bracket.
        fields = stat[stat.rindex(")") + 2:].split()
        ticks = int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        return None
    moved: list[int] = []
    try:
        for line in Path(f"/proc/{pid}/io").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("rchar", "wchar"):
                moved.append(int(value))
    except (OSError, ValueError):
        pass  # some kernels hide io; CPU time alone still tells
    return (ticks, *moved)


class StallWatch:
    """Watch ``proc`` from a daemon thread; call ``on_stall`` (from that thread) once when it
    has shown no activity for ``limit`` seconds. ``stalled`` tells afterwards.

    Activity is CPU time or bytes moved; with ``progress`` (a function returning the child's
    latest progress report, e.g. ffmpeg's frame count and output time) it is that report
    changing, or at least :data:`BUSY_SHARE` of a core used. That catches a deadlocked ffmpeg:
    its threads wait on each other, yet it keeps printing (the same) progress twice a second,
    so its CPU ticks and bytes written never quite stop.
    """

    def __init__(self, proc: subprocess.Popen, on_stall: Callable[[], None],  # type: ignore[type-arg]
                 limit: float | None = None, progress: Callable[[], object] | None = None) -> None:
        self.proc = proc
        self.on_stall = on_stall
        default = DEFAULT_STALL_SECONDS if progress is None else PROGRESS_STALL_SECONDS
        self.limit = stall_seconds(default) if limit is None else limit
        self.progress = progress
        self.stalled = False
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> StallWatch:
        if self.limit > 0 and activity(self.proc.pid) is not None:
            self._thread = threading.Thread(target=self._watch, daemon=True, name="reelkit-stall-watch")
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _watch(self) -> None:
        last = self._look()
        since = looked = time.monotonic()
        while not self._done.wait(min(POLL_SECONDS, self.limit / 4)):
            if self.proc.poll() is not None:
                return
            now = self._look()
            if now is None:
                return
            at = time.monotonic()
            if self._moved(last, now, at - looked):
                since = at
            last, looked = now, at
            if at - since >= self.limit:
                self.stalled = True
                self.on_stall()
                return

    def _look(self) -> tuple[object, ...] | None:
        seen = activity(self.proc.pid)
        if seen is None or self.progress is None:
            return seen
        return (self.progress(), seen[0])

    def _moved(self, last: tuple[object, ...] | None, now: tuple[object, ...], seconds: float) -> bool:
        if self.progress is None or last is None:
            return now != last
        ticks = int(now[1]) - int(last[1])  # type: ignore[call-overload]
        return now[0] != last[0] or ticks >= BUSY_SHARE * seconds * os.sysconf("SC_CLK_TCK")
