"""An episode folder that changes as a whole: stage every file, then move them in together.

A render writes its videos, sidecars, plan.json, cover and metadata into a hidden staging
folder inside the episode folder (same file system, so moving is a rename). Only when all
of them are complete are they moved over the previous ones, one rename each. A failure or an
interrupt before that leaves the previous episode as it was, consistent; the staging folder
is removed.

The staging folder is named like every other temporary (``.reelkit-staging.partial-<pid>-<token>``)
so a folder left by ``kill -9`` is recognised as stale and removed at the start of the next
run. Before the renames begin, a ``.commit`` list is written into it: a run killed during the
renames themselves is completed by the next run (the remaining files moved in), so the folder
never stays half old, half new.

The whole change runs under the episode folder's lock: a second render of the same episode
into the same folder refuses at once (:class:`~reelkit.errors.BusyError`).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType

from reelkit.errors import InputError, NoSpaceError, ReelkitError
from reelkit.io.atomic import clean_stale_partials, partial_owner, partial_path, pid_alive, write_json_atomic
from reelkit.io.lock import FolderLock

STAGING = "reelkit-staging"
_COMMIT = ".commit"
OUTPUTS = ".reelkit-outputs.json"
"""The names the last committed run moved in: what the next run may call its own."""


def check_output_folder(folder: Path) -> None:
    """Make ``folder`` (and its parents) or raise InputError saying why it cannot be written.

    Called before any planning or transcription, so a wrong ``--out`` costs nothing.
    """
    folder = Path(folder)
    for probe in (folder, *folder.parents):
        if probe.exists() or probe.is_symlink():
            if not probe.is_dir():
                raise InputError("is a file, not a folder", path=str(probe),
                                 hint="choose another --out, or move the file away")
            break
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _folder_error(folder, exc) from None


def _folder_error(folder: Path, exc: OSError) -> ReelkitError:
    if exc.errno == errno.ENOSPC:
        return NoSpaceError(folder)
    reason = exc.strerror or str(exc)
    return InputError(f"cannot write to the output folder ({reason})", path=str(folder),
                      hint="choose a writable --out")


class EpisodeTransaction:
    """``with EpisodeTransaction(folder) as tx:`` write into ``tx.staging``, then ``tx.commit()``.

    Leaving the block without commit (an error, an interrupt) discards everything staged.
    """

    def __init__(self, folder: Path, *, what: str = "render") -> None:
        self.folder = Path(folder)
        self.what = what
        self.staging = self.folder  # set on entry
        self._lock: FolderLock | None = None
        self._committed = False

    def __enter__(self) -> EpisodeTransaction:
        check_output_folder(self.folder)
        try:
            self._lock = FolderLock(self.folder, what=self.what).acquire()
        except OSError as exc:
            raise _folder_error(self.folder, exc) from None
        try:
            recover(self.folder)
            clean_stale_partials(self.folder)
            self.staging = partial_path(self.folder / STAGING)
            self.staging.mkdir()
        except OSError as exc:
            self._release()
            raise _folder_error(self.folder, exc) from None
        except BaseException:
            self._release()
            raise
        return self

    def final(self, staged: Path) -> Path:
        """Where a file staged at ``staged`` ends up."""
        return self.folder / Path(staged).name

    def commit(self) -> list[Path]:
        """Move every staged file over its final path; returns the final paths."""
        names = sorted(p.name for p in self.staging.iterdir() if not p.name.startswith("."))
        try:
            marker = self.staging / _COMMIT
            marker.write_text(json.dumps(names), encoding="utf-8")
            with open(marker, "rb") as fh:
                os.fsync(fh.fileno())
        except OSError as exc:
            raise _folder_error(self.folder, exc) from None
        previous = _previous_outputs(self.folder)
        _move_in(self.staging, self.folder, names)
        self._committed = True
        _remove_stale(self.folder, previous, names)
        with contextlib.suppress(OSError):  # only housekeeping: the episode itself is complete
            write_json_atomic(self.folder / OUTPUTS, names, indent=None)
        return [self.folder / n for n in names]

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if self.staging != self.folder:
                shutil.rmtree(self.staging, ignore_errors=True)
        finally:
            self._release()
        if isinstance(exc, NoSpaceError) or (isinstance(exc, OSError) and exc.errno == errno.ENOSPC):
            raise NoSpaceError(self.folder) from None  # name the episode folder, not a temporary

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None


@contextlib.contextmanager
def staged_files(finals: Sequence[Path]) -> Iterator[list[Path]]:
    """Temporaries beside each of ``finals`` (files that belong together, possibly in several
    folders), moved over them together when the block completes; on any error none is moved
    and every temporary is removed, so no partial file and no half-new set is left."""
    temps = [partial_path(Path(f)) for f in finals]
    try:
        for final in finals:
            Path(final).parent.mkdir(parents=True, exist_ok=True)
        yield temps
        for tmp, final in zip(temps, finals):
            tmp.replace(final)
    except OSError as exc:
        raise _folder_error(Path(finals[0]).parent, exc) from None
    finally:
        for tmp in temps:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)


def _move_in(staging: Path, folder: Path, names: list[str]) -> None:
    for name in names:
        src, dst = staging / name, folder / name
        if not src.exists():
            continue  # moved before an interruption
        if src.is_dir() and dst.is_dir():
            # A folder cannot be renamed over a non-empty one: set the old one aside first.
            aside = partial_path(dst)
            os.replace(dst, aside)
            os.replace(src, dst)
            shutil.rmtree(aside, ignore_errors=True)
        else:
            os.replace(src, dst)


def _previous_outputs(folder: Path) -> list[str]:
    """The names the last committed run wrote (empty when unknown or unreadable)."""
    try:
        names = json.loads((folder / OUTPUTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [n for n in names if isinstance(n, str) and n and "/" not in n and not n.startswith(".")] \
        if isinstance(names, list) else []


def _remove_stale(folder: Path, previous: list[str], current: list[str]) -> None:
    """Remove what the last run wrote and this one did not (a caption file the platforms no
    longer ask for, a third cover candidate): left, it would contradict metadata.json.

    Videos stay: rendering one platform again must not delete another platform's file. Files
    reelkit never wrote are never touched.
    """
    for name in set(previous) - set(current):
        if name.endswith(".mp4"):
            continue
        path = folder / name
        with contextlib.suppress(OSError):
            if path.is_file() and not path.is_symlink():
                path.unlink()


def recover(folder: Path) -> list[Path]:
    """Finish the renames of staging folders whose run died after starting its commit.

    Staging folders without a commit list are left for :func:`clean_stale_partials`.
    """
    done: list[Path] = []
    for entry in Path(folder).iterdir():
        owner = partial_owner(entry.name)
        if owner is None or not entry.name.startswith(f".{STAGING}.") or not entry.is_dir():
            continue
        marker = entry / _COMMIT
        if pid_alive(owner) or not marker.is_file():
            continue
        with contextlib.suppress(OSError, ValueError):
            names = [n for n in json.loads(marker.read_text(encoding="utf-8")) if isinstance(n, str) and "/" not in n]
            _move_in(entry, Path(folder), names)
            done.append(entry)
    return done
