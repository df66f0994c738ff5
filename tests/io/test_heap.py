"""reelkit.io.heap: freed large blocks go back to the system (Linux, glibc)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from reelkit.io.heap import MMAP_THRESHOLD, env_for_children

_PROBE = textwrap.dedent("""
    import os, sys
    import numpy as np
    from reelkit.io.heap import map_large_blocks
    page = os.sysconf("SC_PAGE_SIZE")
    rss = lambda: int(open("/proc/self/statm").read().split()[1]) * page
    fixed = map_large_blocks() if sys.argv[1] == "fixed" else False
    before = rss()
    for size in (8, 8, 6, 4):  # windows of a long voice, each freed before the next
        block = np.ones(size << 20, dtype=np.uint8)
        del block
    print(fixed, rss() - before)
""")


def _kept(mode: str) -> tuple[bool, int]:
    out = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, check=True)
    fixed, kept = out.stdout.split()
    return fixed == "True", int(kept)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and glibc's mallopt")
def test_freed_large_blocks_do_not_stay_resident() -> None:
    fixed, kept = _kept("fixed")
    if not fixed:
        pytest.skip("this C library has no mallopt (not glibc)")
    assert kept < 2 << 20, kept
    # glibc's own moving threshold keeps the later blocks in the heap: the fix changes that.
    assert _kept("default")[1] > kept + (4 << 20)


def test_children_get_the_threshold_unless_the_user_set_one() -> None:
    assert env_for_children({})["MALLOC_MMAP_THRESHOLD_"] == str(MMAP_THRESHOLD)
    assert env_for_children({"MALLOC_MMAP_THRESHOLD_": "65536"})["MALLOC_MMAP_THRESHOLD_"] == "65536"
