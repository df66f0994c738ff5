"""Locating and running ffmpeg, and escaping values placed into filtergraphs.

Every ffmpeg invocation in reelkit goes through :func:`run_ffmpeg` (or, when frames are fed
to it or read from it, its sibling :func:`ffmpeg_pipe`): argument lists only (never a shell
string), progress read from ``-progress pipe:1``, watched for stalls (no progress: stopped), and a failure raised as
:class:`~reelkit.errors.RenderError` carrying the stage, the argv and ffmpeg's last lines.
"""

from __future__ import annotations

import collections
import functools
import logging
import os
import shlex
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO

from reelkit.errors import Interrupted, NoSpaceError, RenderError, StalledError
from reelkit.io.watchdog import StallWatch

log = logging.getLogger("reelkit.ffmpeg")

ProgressCallback = Callable[[float], None]
"""Called with the seconds of output written so far."""


@functools.cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary: $REELKIT_FFMPEG, else imageio-ffmpeg's bundled static build.

    The bundled build carries libx264, libass, freetype, harfbuzz and fribidi, so no system
    ffmpeg is needed; looked up lazily (never at import time).
    """
    override = os.environ.get("REELKIT_FFMPEG")
    if override:
        return override
    try:
        import imageio_ffmpeg  # here: without the wheel, ffmpeg on PATH is used instead

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception:  # pragma: no cover - only without the wheel
        found = shutil.which("ffmpeg")
        if found:
            return found
        raise


def escape_filter_value(value: str) -> str:
    """Escape a value for use as an option value inside a filtergraph.

    Two levels apply: the filter-option level (``\\``, ``'`` and ``:`` are special) and the
    graph level (``[ ] , ;`` and quotes). We quote the option value with single quotes after
    escaping backslashes/quotes/colons, then escape graph-level specials.
    """
    # Level 1: option value inside a filter's argument list.
    level1 = value.replace("\\", "\\\\").replace("'", "\\'").replace(":", "\\:")
    # Level 2: the filtergraph parser treats these as separators unless escaped.
    out = []
    for ch in level1:
        if ch in "\\'[],;":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


PROGRESS_KEYS = ("frame", "total_size", "out_time_us")
"""The parts of ffmpeg's ``-progress`` report that move only while it makes output."""


LONG_OPTION = 32 * 1024
"""A filtergraph longer than this (characters) is handed to ffmpeg in a file: the kernel
refuses one argument over 128 KiB, and a long face-tracked crop path approaches that."""
_GRAPH_OPTIONS = ("-filter_complex", "-vf", "-af", "-filter:v", "-filter:a")


@contextmanager
def option_files(args: Sequence[str]) -> Iterator[list[str]]:
    """``args`` with each long filtergraph moved into a file that ffmpeg reads itself
    (``-/filter_complex FILE``: the same text, the same escaping); the files go afterwards."""
    long = [i for i, a in enumerate(args[:-1]) if a in _GRAPH_OPTIONS and len(args[i + 1]) > LONG_OPTION]
    if not long:
        yield list(args)
        return
    out = list(args)
    with tempfile.TemporaryDirectory(prefix="reelkit-graph-") as tmp:
        for n, i in enumerate(long):
            path = os.path.join(tmp, f"graph{n}.txt")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(out[i + 1])
            out[i], out[i + 1] = "-/" + out[i].lstrip("-"), path
        yield out


def run_ffmpeg(args: Sequence[str], *, stage: str, duration: float | None = None,
               progress: ProgressCallback | None = None, cwd: str | os.PathLike[str] | None = None) -> str:
    """Run ffmpeg with ``args`` (without the binary) and return its stderr text.

    Raises RenderError on a non-zero exit, StalledError when ffmpeg's ``-progress`` report
    has not moved (and it has used next to no CPU) for $REELKIT_STALL_SECONDS (120 s; see
    :mod:`reelkit.io.watchdog`), Interrupted on Ctrl-C (after ffmpeg has stopped).
    """
    with option_files(args) as short:
        return _run(short, stage, progress, cwd)


def _run(args: Sequence[str], stage: str, progress: ProgressCallback | None,
         cwd: str | os.PathLike[str] | None) -> str:
    # Progress is always read: it is what the stall watch looks at (a deadlocked ffmpeg keeps
    # printing the same report), and -nostats keeps the same lines out of stderr.
    argv = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-progress", "pipe:1", "-nostats", *args]
    # Quoted for reading and pasting into a shell (the process itself gets the list).
    log.debug("%s: %s", stage, shlex.join(argv))
    tail: collections.deque[str] = collections.deque(maxlen=40)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, text=True,
                            errors="replace")
    stderr_lines: list[str] = []

    def _drain_stderr() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            tail.append(line.rstrip("\n"))
            stderr_lines.append(line)

    reader = threading.Thread(target=_drain_stderr, daemon=True)
    reader.start()
    report: dict[str, str] = {}
    watch = StallWatch(proc, lambda: stop_process(proc), progress=lambda: tuple(map(report.get, PROGRESS_KEYS)))
    try:
        with watch:
            assert proc.stdout is not None
            for line in proc.stdout:
                key, _, val = line.strip().partition("=")
                if key in PROGRESS_KEYS:
                    report[key] = val
                if progress is not None and key == "out_time_us" and val.isdigit():
                    progress(int(val) / 1e6)
            proc.wait()
    except KeyboardInterrupt:
        stop_process(proc)
        raise Interrupted(f"interrupted during stage '{stage}'") from None
    reader.join(timeout=5)
    if watch.stalled:
        raise StalledError(stage, argv, watch.limit)
    if proc.returncode != 0:
        if any("No space left on device" in line for line in tail):
            raise NoSpaceError(_output_folder(argv, cwd))
        raise RenderError(stage, argv, "\n".join(tail), proc.returncode)
    return "".join(stderr_lines)


class FfmpegPipe:
    """A running ffmpeg whose stdin and/or stdout are pipes (see :func:`ffmpeg_pipe`)."""

    def __init__(self, proc: subprocess.Popen, argv: list[str], err: IO[bytes]) -> None:  # type: ignore[type-arg]
        self.proc = proc
        self.argv = argv
        self._err = err
        self._text: str | None = None
        self.stalled = False

    @property
    def stdin(self) -> IO[bytes]:
        assert self.proc.stdin is not None
        return self.proc.stdin

    @property
    def stdout(self) -> IO[bytes]:
        assert self.proc.stdout is not None
        return self.proc.stdout

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode

    def stderr_text(self) -> str:
        """What ffmpeg wrote to stderr (kept in a file: no pipe to fill and block); read once it
        has exited, also after the ``with`` block."""
        if self._text is None:
            self._err.seek(0)
            self._text = self._err.read().decode("utf-8", "replace")
        return self._text


@contextmanager
def ffmpeg_pipe(args: Sequence[str], *, stage: str, stdin: bool = False, stdout: bool = False,
                check: bool = True) -> Iterator[FfmpegPipe]:
    """Run ffmpeg with ``args`` (without the binary) while the caller feeds its stdin or reads
    its stdout; waits for it on leaving the block.

    Watched like :func:`run_ffmpeg` (a stall stops it). With ``check`` a stall raises
    StalledError and a non-zero exit RenderError with ffmpeg's last lines; without, the caller
    reads ``returncode``, ``stalled`` and :meth:`FfmpegPipe.stderr_text`. Ctrl-C stops ffmpeg
    and raises Interrupted; any other error in the block stops it and propagates.
    """
    with tempfile.TemporaryFile() as err, option_files(args) as short:
        argv = [ffmpeg_exe(), "-hide_banner", "-nostdin", *short]
        log.debug("%s: %s", stage, shlex.join(argv))
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                stdout=subprocess.PIPE if stdout else subprocess.DEVNULL, stderr=err)
        pipe = FfmpegPipe(proc, argv, err)
        watch = StallWatch(proc, lambda: stop_process(proc))
        try:
            with watch:
                try:
                    yield pipe
                except BrokenPipeError:
                    pass  # ffmpeg stopped reading early: its exit status and log say why
                for stream in (proc.stdin, proc.stdout):
                    if stream is not None and not stream.closed:
                        try:
                            stream.close()
                        except BrokenPipeError:
                            pass  # ffmpeg already gone: the exit status says why
                proc.wait()
        except KeyboardInterrupt:
            stop_process(proc)
            raise Interrupted(f"interrupted during stage '{stage}'") from None
        except BaseException:
            stop_process(proc)
            raise
        pipe.stalled = watch.stalled
        pipe.stderr_text()  # read before the file goes
        if check and watch.stalled:
            raise StalledError(stage, argv, watch.limit)
        if check and proc.returncode != 0:
            tail = "\n".join(pipe.stderr_text().splitlines()[-40:])
            raise RenderError(stage, argv, tail, proc.returncode)


def ffmpeg_text(args: Sequence[str], *, stage: str) -> str:
    """What ffmpeg prints on stdout for ``args`` (``-version``, ``-filters``, ...)."""
    with ffmpeg_pipe(args, stage=stage, stdout=True) as pipe:
        out = pipe.stdout.read()
    return out.decode("utf-8", "replace")


def _output_folder(argv: Sequence[str], cwd: str | os.PathLike[str] | None) -> str:
    """The folder of ffmpeg's output file (its last argument), for a disk-full message."""
    last = argv[-1] if argv else "."
    if last in ("-", "pipe:1") or last.startswith("pipe:"):
        return os.fspath(cwd or ".")
    return os.path.dirname(os.path.join(os.fspath(cwd or "."), last)) or "."


def stop_process(proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    """Stop a child ffmpeg: close its stdin (if we feed it), terminate, kill after 5 s."""
    if proc.stdin is not None and not proc.stdin.closed:
        try:
            proc.stdin.close()
        except OSError:
            pass
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
