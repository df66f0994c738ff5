"""The one atomic write and the output-folder lock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reelkit.errors import BusyError
from reelkit.io.atomic import atomic_path, clean_stale_partials, partial_path, write_json_atomic, write_text_atomic
from reelkit.io.lock import FolderLock


def test_atomic_write_replaces_whole_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    target.write_text("old", encoding="utf-8")
    write_json_atomic(target, {"a": "é"})
    assert json.loads(target.read_text(encoding="utf-8")) == {"a": "é"}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_text_atomic(target, "good")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("disk on fire")
    assert target.read_text(encoding="utf-8") == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_temporary_names_are_unique_and_keep_the_suffix(tmp_path: Path) -> None:
    names = {partial_path(tmp_path / "tiktok.mp4").name for _ in range(50)}
    assert len(names) == 50
    assert all(n.startswith(".tiktok.partial-") and n.endswith(".mp4") for n in names)


def test_stale_partials_of_dead_processes_are_cleaned_live_ones_kept(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    stale_file = tmp_path / f".tiktok.partial-{dead_pid}-0a1b2c3d.mp4"
    stale_file.write_bytes(b"x")
    stale_dir = tmp_path / f".captions.partial-{dead_pid}-deadbeef"
    stale_dir.mkdir()
    live = tmp_path / f".reels.partial-{os.getpid()}-00ff00ff.mp4"
    live.write_bytes(b"y")
    removed = clean_stale_partials(tmp_path)
    assert sorted(p.name for p in removed) == sorted([stale_file.name, stale_dir.name])
    assert live.exists() and not stale_file.exists() and not stale_dir.exists()


def test_second_lock_refuses_with_owner_and_lock_dies_with_its_holder(tmp_path: Path) -> None:
    with FolderLock(tmp_path, what="render"):
        with pytest.raises(BusyError, match=rf"pid {os.getpid()}"):
            FolderLock(tmp_path).acquire()
    # A holder killed with SIGKILL leaves the file but not the lock.
    code = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        from reelkit.io.lock import FolderLock
        FolderLock({str(tmp_path)!r}).acquire()
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", code])
    assert proc.returncode == -9
    assert (tmp_path / ".reelkit.lock").exists()
    with FolderLock(tmp_path):
        pass
