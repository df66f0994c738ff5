"""The idle-priority worker: its jobs, and the processes they start, run at nice 19; the
rest of the process keeps its priority."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from reelkit.io.idle import IDLE_NICE, idle_executor

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="thread niceness is Linux's")


def _thread_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def _child_nice() -> int:
    out = subprocess.run([sys.executable, "-c", "import os; print(os.nice(0))"], capture_output=True, text=True,
                         check=True)
    return int(out.stdout)


def test_jobs_and_their_children_run_at_idle_priority_and_the_caller_does_not() -> None:
    before = _thread_nice()
    if before >= IDLE_NICE:
        pytest.skip("this test already runs at the lowest priority")
    with idle_executor() as pool:
        job_nice = pool.submit(_thread_nice).result()
        child_nice = pool.submit(_child_nice).result()
    assert job_nice == IDLE_NICE
    assert child_nice == IDLE_NICE
    assert _thread_nice() == before  # only the worker thread was lowered
    assert _child_nice() == before
