"""Large blocks straight from the system, so a long input's freed buffers do not stay resident.

glibc's malloc serves a block above its mmap threshold with a mapping of its own, returned to
the system when freed; but the threshold moves up to the largest such block freed so far (up
to 32 MiB), and from then on blocks of that size come from the heap, where freed memory stays
resident and fragments. A stage that reads a long voice window by window (120 s: 7.7 MB at
16 kHz) then grows with the number of windows: the render's speech regions of a 12-minute
voice kept 112 MiB against 76 at 3 minutes; with the threshold fixed at 1 MiB, 51 and 52.
"""

from __future__ import annotations

import ctypes

MMAP_THRESHOLD = 1 << 20
"""Blocks of this many bytes and more are mapped on their own (glibc's ``M_MMAP_THRESHOLD``)."""
_M_MMAP_THRESHOLD = -3  # glibc's malloc.h


def map_large_blocks(threshold: int = MMAP_THRESHOLD) -> bool:
    """Fix this process's mmap threshold at ``threshold`` bytes (glibc; which also stops it
    moving). False where the C library has no ``mallopt`` (musl, macOS): nothing changes."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(_M_MMAP_THRESHOLD, threshold))


def env_for_children(env: dict[str, str], threshold: int = MMAP_THRESHOLD) -> dict[str, str]:
    """``env`` with the same threshold for a child process (glibc reads it at start); a value
    the user set wins."""
    env.setdefault("MALLOC_MMAP_THRESHOLD_", str(threshold))
    return env
