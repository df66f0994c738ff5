"""Wall time and peak memory of one command and all the processes it starts (Linux).

Used by the benchmarks under scripts/. Two memory figures per run:

* ``peak_tree_rss``: the largest sum of RSS over the command's whole process tree, sampled
  from /proc every ``interval`` seconds (a render is Python plus one or more ffmpeg children
  running at the same time; shared pages count once per process, so this errs high);
* ``peak_process_rss``: the kernel's exact high-water mark of the largest single process in
  the tree (``ru_maxrss`` from ``wait4``, which covers every descendant that was waited for);
* ``peak_by_name``: the sampled peak RSS of each program in the tree (python, ffmpeg ...).

``cpu_seconds`` (user + system time of the whole tree, from ``wait4``) is steadier than wall
time on a machine shared with other jobs: compare ratios of both.

Every command runs as a fresh child process, so one run's memory never shows in another's.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Measurement:
    """One command's result: seconds, memory peaks (bytes), exit status and its output."""

    seconds: float
    cpu_seconds: float
    peak_tree_rss: int
    peak_process_rss: int
    peak_by_name: dict[str, int]
    returncode: int
    stdout: str
    stderr: str
    peak_parts: dict[str, int] = field(default_factory=dict)
    """At the moment of ``peak_tree_rss``: the largest RSS per program name, as ``peak_by_name``."""

    def check(self, what: str) -> Measurement:
        """Raise with the command's last output lines when it failed."""
        if self.returncode != 0:
            tail = "\n".join((self.stdout + self.stderr).strip().splitlines()[-15:])
            raise RuntimeError(f"{what} failed (exit {self.returncode}):\n{tail}")
        return self


# The talking-clip script and platform set every benchmark uses.
SENTENCES = [
    "Next month, our crews replace the old water mains on Harbour Street.",
    "The work takes six weeks.",
    "Your tap water stays safe to drink the whole time.",
    "Short interruptions are announced two days ahead.",
    "Parking on the east side is closed while the trench is open.",
    "Buses keep their usual stops.",
    "The new pipes are made of tough plastic and last a hundred years.",
    "Questions? Call the Water Board on 0800 1234.",
]
PLATFORMS = ("tiktok", "reels", "shorts", "snapchat")

def _children_map() -> tuple[dict[int, list[int]], dict[int, str]]:
    """(parent pid -> child pids, pid -> program name) for every process visible in /proc."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue  # the process ended while we looked
        # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
        close = stat.rfind(b")")
        fields = stat[close + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
        names[int(entry)] = stat[stat.find(b"(") + 1:close].decode("utf-8", "replace").split("-")[0]
    return children, names


def tree_rss(root: int) -> tuple[int, dict[str, int]]:
    """Current RSS in bytes of ``root`` and all its descendants (0 when it has ended), and the
    largest RSS per program name among them (``root`` itself named ``"<program> (main)"``).

    A child whose memory figures (``statm``) are exactly its parent's and that runs the same
    program is one forked but not yet exec'd (Python's subprocess vforks: the child runs in
    the parent's own address space for the moment before ``exec``); it counts once, as the
    parent. Counting it twice made a render that starts many ffmpeg processes (the cover's)
    look 100+ MiB bigger whenever a sample fell in that moment."""
    children, names = _children_map()
    total, by_name, todo = 0, {}, [(root, None)]
    while todo:
        pid, parent = todo.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                statm = fh.read()
            rss = int(statm.split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            continue
        todo.extend((child, (statm, names.get(pid))) for child in children.get(pid, ()))
        if parent is not None and parent == (statm, names.get(pid)):
            continue  # the parent's own pages, before exec
        total += rss
        # The command itself apart from its children of the same program (Python's workers).
        name = names.get(pid, "?") + (" (main)" if pid == root else "")
        by_name[name] = max(by_name.get(name, 0), rss)
    return total, by_name


def measure(argv: Sequence[str], *, cwd: str | os.PathLike[str] | None = None,
            env: Mapping[str, str] | None = None, interval: float = 0.05) -> Measurement:
    """Run ``argv`` (a list, never a shell string) and measure it until it exits."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(argv), cwd=cwd, env=dict(env) if env is not None else None,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        peak = 0
        peak_by_name: dict[str, int] = {}
        peak_parts: dict[str, int] = {}
        try:
            while True:
                # wait4 with WNOHANG instead of proc.poll(): it also hands back ru_maxrss.
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                total, by_name = tree_rss(proc.pid)
                if total > peak:
                    peak, peak_parts = total, by_name
                for name, rss in by_name.items():
                    peak_by_name[name] = max(peak_by_name.get(name, 0), rss)
                time.sleep(interval)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # tell Popen it has been reaped
        out.seek(0)
        err.seek(0)
        return Measurement(seconds=seconds, cpu_seconds=usage.ru_utime + usage.ru_stime, peak_tree_rss=peak,
                           peak_process_rss=usage.ru_maxrss * 1024, peak_by_name=peak_by_name, peak_parts=peak_parts,
                           returncode=proc.returncode, stdout=out.read().decode("utf-8", "replace"),
                           stderr=err.read().decode("utf-8", "replace"))


def mib(n_bytes: int) -> str:
    """Bytes as a short MiB figure."""
    return f"{n_bytes / 2**20:,.0f} MiB"


def fresh_dir(path: Path) -> Path:
    """An empty folder at ``path`` (an earlier run's files removed)."""
    import shutil

    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path
