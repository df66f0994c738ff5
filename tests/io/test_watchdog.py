"""A child ffmpeg that stops making progress is stopped with one clear error, never waited
on forever; one that works (CPU time, bytes moved) is left alone however long it runs."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from reelkit.errors import RenderError, StalledError
from reelkit.io.ffmpeg import run_ffmpeg
from reelkit.io.watchdog import activity

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")


def test_ffmpeg_blocked_on_an_input_that_never_delivers_is_stopped(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    fifo = tmp_path / "never.mp4"
    os.mkfifo(fifo)  # nobody ever writes: ffmpeg blocks opening it, using no CPU
    monkeypatch.setenv("REELKIT_STALL_SECONDS", "2")
    started = time.monotonic()
    with pytest.raises(StalledError) as info:
        run_ffmpeg(["-i", str(fifo), "-f", "null", "-"], stage="decode audio")
    assert time.monotonic() - started < 30
    message = info.value.one_line()
    assert "no progress for 2 s in stage 'decode audio'" in message and "REELKIT_STALL_SECONDS" in message
    assert "\n" not in message
    assert isinstance(info.value, RenderError)  # the CLI's error handler treats it as a failed stage


def test_ffmpeg_that_works_longer_than_the_limit_is_left_alone(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # The limit is a quarter of what the same encode takes here (a fast machine encodes in
    # well under a second): a busy ffmpeg that outlives the limit is never stopped.
    args = ["-f", "lavfi", "-i", "testsrc2=s=640x360:r=30:d=6", "-c:v", "libx264", "-preset", "medium"]
    started = time.monotonic()
    run_ffmpeg(args + [str(tmp_path / "probe.mp4")], stage="encode")
    limit = max(0.05, (time.monotonic() - started) / 4)
    monkeypatch.setenv("REELKIT_STALL_SECONDS", f"{limit:.3f}")
    out = tmp_path / "busy.mp4"
    started = time.monotonic()
    run_ffmpeg(args + [str(out)], stage="encode")
    assert time.monotonic() - started > limit  # it ran past the limit, and finished
    assert out.stat().st_size > 10_000


def test_activity_reads_cpu_and_bytes_of_a_process() -> None:
    before = activity(os.getpid())
    assert before is not None and len(before) >= 1
    sum(i * i for i in range(2_000_000))  # spend CPU time
    assert activity(os.getpid()) != before
    assert activity(2 ** 22 + 12345) is None  # no such process


def test_ffmpeg_that_keeps_reporting_but_makes_no_progress_is_stopped(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # A few frames arrive, then the input goes quiet but stays open: ffmpeg keeps printing the
    # same progress report twice a second (bytes written, a CPU tick now and then), as the
    # deadlocked tapped encode did; the watch looks at the report itself.
    import threading

    fifo = tmp_path / "frames.raw"
    os.mkfifo(fifo)
    release = threading.Event()

    def feed() -> None:
        with open(fifo, "wb") as sink:
            sink.write(bytes(16 * 16 * 3 * 5))
            sink.flush()
            release.wait(60)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    monkeypatch.setenv("REELKIT_STALL_SECONDS", "3")
    started = time.monotonic()
    try:
        with pytest.raises(StalledError) as info:
            run_ffmpeg(["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "16x16", "-r", "25", "-i", str(fifo),
                        "-c:v", "rawvideo", "-f", "nut", str(tmp_path / "out.nut")], stage="render tiktok")
    finally:
        release.set()
        feeder.join(10)
    assert 3 <= time.monotonic() - started < 30
    assert "no progress for 3 s in stage 'render tiktok'" in info.value.one_line()
