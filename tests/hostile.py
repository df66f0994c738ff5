"""Helpers for the hostile-input and fault tests: run the CLI, expect one clear error line."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

from click.testing import CliRunner, Result

from reelkit.cli.main import main


def cli(args: list[str]) -> Result:
    """Run ``reelkit ARGS`` in this process; any exception but a clean exit fails the test."""
    result = CliRunner().invoke(main, args)
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), f"uncaught {exc!r}\n{result.output}"
    return result


def refused(args: list[str], *expect: str) -> str:
    """``reelkit ARGS`` exits 1 with exactly one ``error:`` line holding every ``expect``."""
    result = cli(args)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for text in expect:
        assert text in lines[0], lines[0]
    assert "Traceback" not in result.output
    return lines[0]


def listing(folder: Path) -> list[str]:
    """Every path under ``folder`` (relative, sorted), the episode's lock file and list of its
    last run's outputs (housekeeping, not temporaries) left out."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.name not in (".reelkit.lock", ".reelkit-outputs.json"))


def can_mount() -> bool:
    return os.geteuid() == 0


@contextlib.contextmanager
def tmpfs(folder: Path, size: str, *, read_only: bool = False) -> Iterator[Path]:
    """A small tmpfs mounted on ``folder`` (root only; the caller skips otherwise)."""
    folder.mkdir(parents=True, exist_ok=True)
    opts = f"size={size}" + (",ro" if read_only else "")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        import pytest

        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)
