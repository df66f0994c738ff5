"""The piped sibling of run_ffmpeg: frames fed in or read out, the same errors."""

from __future__ import annotations

import numpy as np
import pytest

from reelkit.errors import RenderError
from reelkit.io.ffmpeg import ffmpeg_pipe, ffmpeg_text


def test_frames_read_from_ffmpeg_are_exact() -> None:
    args = ["-f", "lavfi", "-i", "color=c=red:s=8x4:r=5:d=1", "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"]
    with ffmpeg_pipe(args, stage="read", stdout=True) as pipe:
        data = pipe.stdout.read()
    frames = np.frombuffer(data, dtype=np.uint8).reshape(-1, 4, 8)
    assert frames.shape[0] == 5 and pipe.returncode == 0


def test_a_failed_piped_encode_raises_with_ffmpegs_last_lines() -> None:
    args = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "4x4", "-i", "pipe:0", "-c:v", "no-such-codec", "-f", "null", "-"]
    with pytest.raises(RenderError) as info:
        with ffmpeg_pipe(args, stage="encode", stdin=True) as pipe:
            for _ in range(50):
                pipe.stdin.write(bytes(48))
    assert info.value.stage == "encode" and "no-such-codec" in info.value.stderr_tail


def test_unchecked_pipe_reports_instead_of_raising() -> None:
    with ffmpeg_pipe(["-i", "/nonexistent/clip.mp4", "-f", "null", "-"], stage="probe", check=False) as pipe:
        pass
    assert pipe.returncode != 0 and "nonexistent" in pipe.stderr_text()


def test_ffmpeg_text_returns_stdout() -> None:
    assert ffmpeg_text(["-version"], stage="version").startswith("ffmpeg version")
