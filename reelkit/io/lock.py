"""An exclusive lock on an output folder, so two runs never write one episode or batch at once.

The lock is an ``flock`` on a small file in the folder; the kernel releases it when the
holder exits in any way (``kill -9`` included), so a stale lock cannot block the next run.
The file records the holder's pid, host and start time for the error message.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path
from types import TracebackType

from reelkit.errors import BusyError

LOCK_NAME = ".reelkit.lock"


class FolderLock:
    """``with FolderLock(folder, what="render"):`` holds the folder or raises BusyError at once."""

    def __init__(self, folder: Path, *, what: str = "render", name: str = LOCK_NAME) -> None:
        self.folder = Path(folder)
        self.path = self.folder / name
        self.what = what
        self._fd: int | None = None

    def acquire(self) -> FolderLock:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = _read_owner(fd)
            os.close(fd)
            raise BusyError(f"{self.folder}: another reelkit {owner.get('what', 'run')} is writing this folder "
                            f"(pid {owner.get('pid', '?')} on {owner.get('host', '?')}, since "
                            f"{owner.get('since', '?')}); wait for it to finish or choose another --out") from None
        info = {"pid": os.getpid(), "host": socket.gethostname(), "what": self.what,
                "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(info).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


def _read_owner(fd: int) -> dict[str, object]:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        data = json.loads(os.read(fd, 4096) or b"{}")
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}
