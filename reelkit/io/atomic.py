"""Atomic writes: the one way reelkit puts a file at a final path.

A file is written under a unique temporary name in the same folder (so the final rename is
atomic on every local file system) and renamed over the final path only when complete. A
crash, a kill or an error leaves the final path as it was: the old file or nothing. Several
processes writing the same path at once each use their own temporary name; the last rename
wins and every reader sees one whole file.

Temporary names look like ``.<stem>.partial-<pid>-<token><suffix>``; the suffix is kept so
ffmpeg picks the right muxer. :func:`clean_stale_partials` removes those left behind by a
process that no longer runs (``kill -9``, power loss).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_PARTIAL = re.compile(r"^\..+\.partial-(\d+)-[0-9a-f]{8}")


def partial_path(final: Path) -> Path:
    """A unique temporary path beside ``final`` (same folder, same suffix)."""
    final = Path(final)
    return final.with_name(f".{final.stem}.partial-{os.getpid()}-{secrets.token_hex(4)}{final.suffix}")


# The historical name, used by the encoders: a temporary path the caller renames itself.
atomic_output = partial_path


@contextlib.contextmanager
def atomic_path(final: Path, *, fsync: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write; on success rename it over ``final``, on error remove it.

    ``fsync`` flushes the file to disk before the rename (small state files that must survive
    a reboot); large media are not flushed, a crash there only costs the episode in progress.
    """
    final = Path(final)
    tmp = partial_path(final)
    try:
        yield tmp
        if fsync and tmp.is_file():
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, final)
    finally:
        _remove(tmp)


def write_bytes_atomic(path: Path, data: bytes, *, fsync: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path."""
    with atomic_path(path, fsync=fsync) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text_atomic(path: Path, text: str, *, fsync: bool = False) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically; returns the path."""
    return write_bytes_atomic(path, text.encode("utf-8"), fsync=fsync)


def write_json_atomic(path: Path, data: Any, *, indent: int | None = 2, fsync: bool = False) -> Path:
    """Write ``data`` as UTF-8 JSON (non-ASCII kept, trailing newline) atomically."""
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    return write_text_atomic(path, text + "\n", fsync=fsync)


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this machine (a zombie counts as gone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def partial_owner(name: str) -> int | None:
    """The pid that made the temporary called ``name``; None when ``name`` is no temporary."""
    match = _PARTIAL.match(name)
    return int(match.group(1)) if match else None


def clean_stale_partials(folder: Path) -> list[Path]:
    """Remove temporaries (files or folders) in ``folder`` whose writing process is gone.

    Returns what was removed. Temporaries of live processes (a parallel run) are left alone.
    """
    removed: list[Path] = []
    folder = Path(folder)
    if not folder.is_dir():
        return removed
    for entry in folder.iterdir():
        match = _PARTIAL.match(entry.name)
        if match and not pid_alive(int(match.group(1))):
            _remove(entry)
            removed.append(entry)
    return removed


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
