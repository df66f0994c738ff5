"""reelkit.io.heap: freed large blocks go back to the system (Linux, glibc)."""

from __future__ import annotations

import os
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
    # The C library's own settings out of the way: the probe measures glibc's defaults and the fix.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES", "LD_PRELOAD"))}
    out = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, check=True, env=env)
    fixed, kept = out.stdout.split()
    return fixed == "True", int(kept)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and glibc's mallopt")
def test_freed_large_blocks_do_not_stay_resident() -> None:
    fixed, kept = _kept("fixed")
    if not fixed:
        pytest.skip("this C library has no mallopt (not glibc)")
    # Without the fix glibc's moving threshold keeps the later blocks in the heap (8 MiB here,
    # standalone); once, inside the full suite, the default probe kept nothing, so the figure
    # that must hold is the fixed one's.
    assert kept < 2 << 20, (kept, _kept("default")[1])


def test_children_get_the_threshold_unless_the_user_set_one() -> None:
    assert env_for_children({})["MALLOC_MMAP_THRESHOLD_"] == str(MMAP_THRESHOLD)
    assert env_for_children({"MALLOC_MMAP_THRESHOLD_": "65536"})["MALLOC_MMAP_THRESHOLD_"] == "65536"
