"""Typed errors raised by the reelkit library.

The CLI turns every :class:`ReelkitError` into one readable line and a non-zero exit;
library code never calls ``sys.exit``.
"""

from __future__ import annotations

import shutil
import signal
from collections.abc import Sequence
from pathlib import Path


class ReelkitError(Exception):
    """Base class of every error reelkit reports to a user."""

    def one_line(self) -> str:
        """The message as a single line, as the CLI prints it."""
        return " ".join(str(self).split("\n")[0:1]) or self.__class__.__name__


class InputError(ReelkitError):
    """A user-supplied file or value is wrong: names the file, the key or line, and the fix."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 key: str | None = None, hint: str | None = None) -> None:
        self.path = path
        self.line = line
        self.key = key
        self.hint = hint
        where = ""
        if path:
            where = str(path)
            if line:
                where += f":{line}"
            where += ": "
        if key:
            where += f"{key}: "
        text = where + message
        if hint:
            text += f" ({hint})"
        super().__init__(text)


class OutlineError(InputError):
    """The outline YAML is malformed or inconsistent with its media."""


class MediaError(InputError):
    """A media file is missing, unreadable, truncated or lacks a required stream."""


class BrandError(InputError):
    """A brand preset is malformed or refers to missing assets."""


class ModelError(ReelkitError):
    """A speech model cannot be found or does not fit the request."""


class CaptionError(InputError):
    """A caption file (SRT/VTT) given by the user is malformed, or captions cannot be made."""


class RenderError(ReelkitError):
    """An external encode failed: carries the stage, the argv and the tail of stderr."""

    def __init__(self, stage: str, argv: Sequence[str], stderr_tail: str, returncode: int | None = None) -> None:
        self.stage = stage
        self.argv = list(argv)
        self.stderr_tail = stderr_tail
        self.returncode = returncode
        last = [ln for ln in stderr_tail.strip().splitlines() if ln.strip()][-3:]
        detail = " | ".join(s.strip() for s in last) or "no output"
        if returncode is not None and returncode < 0:
            # Killed from outside (out of memory, an administrator, a scheduler): say by what.
            try:
                name = signal.Signals(-returncode).name
            except ValueError:
                name = f"signal {-returncode}"
            super().__init__(f"ffmpeg was killed by {name} in stage '{stage}' "
                             f"(run again; if it recurs, check memory and what stops processes)")
            return
        super().__init__(f"ffmpeg failed in stage '{stage}' (exit {returncode}): {detail}")

    def one_line(self) -> str:
        return str(self)


class StalledError(RenderError):
    """ffmpeg made no progress (no CPU time, no bytes moved) for too long and was stopped."""

    def __init__(self, stage: str, argv: Sequence[str], seconds: float) -> None:
        self.stage = stage
        self.argv = list(argv)
        self.stderr_tail = ""
        self.returncode = None
        ReelkitError.__init__(self, f"ffmpeg made no progress for {seconds:.0f} s in stage '{stage}' and was stopped "
                              "(an input that delivers no data: a pipe, a device or a stalled network drive?); "
                              "check the inputs, or set REELKIT_STALL_SECONDS for a slower one")


class Interrupted(ReelkitError):
    """The user interrupted a render; temporary files were removed."""


class BusyError(ReelkitError):
    """Another reelkit process holds the lock on an output folder."""


class NoSpaceError(ReelkitError):
    """The disk holding an output filled up; temporaries were removed, earlier outputs kept."""

    def __init__(self, path: object) -> None:
        self.path = Path(str(path))
        free = ""
        probe = self.path
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        try:
            free = f" ({shutil.disk_usage(probe).free // 1024} KB free)"
        except OSError:
            pass
        super().__init__(f"no space left on {self.path}{free}; free some space or choose another --out "
                         "(earlier outputs are unchanged)")
