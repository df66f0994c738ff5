"""The checks after a render read the tapped picture streamed: memory flat in the render's length.

The flash check reads every frame the encode tapped (48 px wide RGB, 12 KB a frame at
1080x1920: 267 MB for 12 minutes). Read through a memory map, every page it touched stayed
resident; read a batch at a time, 4x the frames cost about the same memory. Measured two
ways on generated tap files of N and 4N frames: the Python allocations' peak (tracemalloc)
and the process's resident high-water mark (Linux: ``/proc/self/clear_refs`` resets it),
which is what a memory map shows in.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from reelkit.deliver.flash import READ_BYTES, analysis_size, flashes_in, read_frames

W, H, FPS = 1080, 1920, 30.0


def _tap(path: Path, frames: int) -> Path:
    """A tap file of ``frames`` small frames: a grey ramp that changes slowly (no flash)."""
    w, h = analysis_size(W, H)
    with path.open("wb") as fh:
        for i in range(frames):
            fh.write(np.full((h, w, 3), 60 + (i // 30) % 100, dtype=np.uint8).tobytes())
    return path


def _resident_peak_kib() -> int | None:
    """VmHWM of this process (KiB), or None where /proc does not report it."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM"))
    except (OSError, StopIteration):
        return None


def _reset_resident_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")  # 5: reset the peak resident set size to the current one (Linux 4.0+)
        return True
    except OSError:
        return False


def test_read_frames_gives_every_whole_frame_in_order_across_batches(tmp_path: Path) -> None:
    shape = (4, 6, 3)
    data = np.arange(7 * 72, dtype=np.uint32).astype(np.uint8).reshape(7, *shape)
    raw = tmp_path / "frames.rgb"
    raw.write_bytes(data.tobytes() + b"\x01" * 10)  # a torn last frame is not a frame
    for batch in (0, 72, 100, 3 * 72, 1 << 20):
        frames = list(read_frames(raw, shape, batch_bytes=batch))
        assert len(frames) == 7
        assert all(np.array_equal(a, b) for a, b in zip(frames, data))


def test_flash_check_memory_does_not_grow_with_the_number_of_frames(tmp_path: Path) -> None:
    n = 2 * READ_BYTES // (np.prod(analysis_size(W, H)) * 3) + 1  # 2 batches and a bit: 8.4 MB
    traced: dict[int, int] = {}
    resident: dict[int, int] = {}
    for count in (n, 4 * n):
        raw = _tap(tmp_path / f"tap-{count}.rgb", count)
        tracemalloc.start()
        result = flashes_in(raw, width=W, height=H, fps=FPS)
        traced[count] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert result.frames == count and result.passed
        before = _resident_peak_kib()
        if before is not None and _reset_resident_peak():
            now = _resident_peak_kib()
            flashes_in(raw, width=W, height=H, fps=FPS)
            resident[count] = (_resident_peak_kib() or 0) - (now or 0)
        raw.unlink()
    file_n = n * int(np.prod(analysis_size(W, H))) * 3
    # Streaming holds one batch (4 MiB) and a frame's float arrays; the extra 3N frames are
    # 25 MB of file, which a memory map (or a whole read) would add.
    assert traced[4 * n] - traced[n] < file_n // 8, traced
    assert traced[4 * n] / traced[n] < 1.5, traced
    if not resident:
        pytest.skip("no resident-peak reset here (/proc/self/clear_refs): the tracemalloc part passed")
    # A freed batch may stay in the heap (glibc): up to one batch more, a third of what a
    # memory map of the extra frames adds.
    assert resident[4 * n] * 1024 - resident[n] * 1024 < file_n, resident
