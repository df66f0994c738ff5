"""Work beside a CPU-bound encode, on the cores the encode leaves idle.

x264 on two cores keeps them about 93 % busy; a job started beside it at normal priority takes
its share of the CPU from the encode, and the render's wall time does not fall. At the lowest
priority (nice 19) the job only gets what the encode leaves, and what remains of it runs after
the encode, at full speed, as it would have anyway.
"""

from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

IDLE_NICE = 19
"""The niceness of the worker (and of every process and thread it starts)."""


def idle_executor() -> ThreadPoolExecutor:
    """One worker thread at the lowest CPU priority; jobs run one after another, in order.

    On Linux niceness belongs to a thread, so the rest of the process keeps its priority; the
    processes and threads the worker starts (ffmpeg, a model's thread pool) inherit it.
    Elsewhere the worker runs at normal priority."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="reelkit-idle", initializer=_lower_priority)


def _lower_priority() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), IDLE_NICE)
    except OSError:  # a sandbox that refuses it: the job still runs, at normal priority
        pass


__all__ = ["IDLE_NICE", "idle_executor"]
