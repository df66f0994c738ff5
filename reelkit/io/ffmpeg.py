"""Locating and running ffmpeg, and escaping values placed into filtergraphs.

Every ffmpeg invocation in reelkit goes through :func:`run_ffmpeg`: argument lists only
(never a shell string), progress read from ``-progress pipe:1``, and a failure raised as
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
import threading
from collections.abc import Callable, Sequence

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


def run_ffmpeg(args: Sequence[str], *, stage: str, duration: float | None = None,
               progress: ProgressCallback | None = None, cwd: str | os.PathLike[str] | None = None) -> str:
    """Run ffmpeg with ``args`` (without the binary) and return its stderr text.

    Raises RenderError on a non-zero exit, StalledError when ffmpeg shows no activity for
    $REELKIT_STALL_SECONDS (300 s; see :mod:`reelkit.io.watchdog`), Interrupted on Ctrl-C
    (after ffmpeg has stopped).
    """
    argv = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y"]
    if progress is not None:
        argv += ["-progress", "pipe:1", "-nostats"]
    argv += list(args)
    # Quoted for reading and pasting into a shell (the process itself gets the list).
    log.debug("%s: %s", stage, shlex.join(argv))
    tail: collections.deque[str] = collections.deque(maxlen=40)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE if progress else subprocess.DEVNULL,
                            stderr=subprocess.PIPE, cwd=cwd, text=True, errors="replace")
    stderr_lines: list[str] = []

    def _drain_stderr() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            tail.append(line.rstrip("\n"))
            stderr_lines.append(line)

    reader = threading.Thread(target=_drain_stderr, daemon=True)
    reader.start()
    watch = StallWatch(proc, lambda: stop_process(proc))
    try:
        with watch:
            if progress is not None and proc.stdout is not None:
                for line in proc.stdout:
                    key, _, val = line.strip().partition("=")
                    if key == "out_time_us" and val.isdigit():
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
