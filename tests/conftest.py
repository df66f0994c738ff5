"""Shared fixtures: tiny generated media and an isolated cache per test session."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from media import broll_clip, have_espeak, speak_sentences, talking_clip
from reelkit.io.ffmpeg import ffmpeg_exe, run_ffmpeg

needs_espeak = pytest.mark.skipif(not have_espeak(), reason="espeak-ng not installed")

SPEECH_SENTENCES = ["Crews replace the water mains on Harbour Street.", "The work takes six weeks."]
SPEECH_SCRIPT = " ".join(SPEECH_SENTENCES)


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Transcripts and drawn assets go to a per-session folder; converted models are shared
    with the user's cache (converting is deterministic and slow enough to keep)."""
    os.environ["REELKIT_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    os.environ.setdefault("REELKIT_MODEL_DIR", str(Path.home() / ".cache" / "reelkit" / "models"))


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def speech_clip(media_dir: Path) -> Path:
    """A 640x360 landscape 'talking head' clip with ~4 s of espeak-ng speech."""
    if not have_espeak():
        pytest.skip("espeak-ng not installed")
    wav = media_dir / "speech.wav"
    speak_sentences(SPEECH_SENTENCES, wav, gap=0.4)
    return talking_clip(media_dir / "talking clip.mp4", wav, size="640x360", fps=25, crf=30)


@pytest.fixture(scope="session")
def broll(media_dir: Path) -> Path:
    """A 2 s 320x180 clip with no audio stream."""
    return broll_clip(media_dir / "broll.mp4", size="320x180", duration=2.0)


def _two_colour_clip(out: Path, size: str, first: str, second: str, stack: str, extra_in: list[str] | None = None,
                     audio: bool = True) -> Path:
    """A clip split in two colours (left/right with hstack, top/bottom with vstack) plus a tone."""
    w, h = (int(v) for v in size.split("x"))
    half = f"{w // 2}x{h}" if stack == "hstack" else f"{w}x{h // 2}"
    graph = f"color={first}:s={half}:r=25[a];color={second}:s={half}:r=25[b];[a][b]{stack},format=yuv420p[v]"
    args = ["-f", "lavfi", "-i", "sine=f=300:d=2:r=44100", "-filter_complex", graph, "-map", "[v]"]
    if audio:
        args += ["-map", "0:a", "-c:a", "aac"]
    args += ["-t", "2", "-c:v", "libx264", "-preset", "ultrafast", str(out)]
    run_ffmpeg(args, stage="make test clip")
    return out


@pytest.fixture(scope="session")
def portrait_clip(media_dir: Path) -> Path:
    """360x640 portrait: red top half, blue bottom half."""
    return _two_colour_clip(media_dir / "portrait.mp4", "360x640", "red", "blue", "vstack")


@pytest.fixture(scope="session")
def rotated_clip(media_dir: Path) -> Path:
    """Phone-style: stored 640x360 (left red, right blue) with a 90 degree display rotation,
    so it displays as 360x640 with blue on top and red at the bottom."""
    stored = _two_colour_clip(media_dir / "stored.mp4", "640x360", "red", "blue", "hstack")
    out = media_dir / "phone.mp4"
    run_ffmpeg(["-display_rotation", "90", "-i", str(stored), "-c", "copy", str(out)], stage="rotate")
    return out


@pytest.fixture(scope="session")
def landscape_clip(media_dir: Path) -> Path:
    """640x360 landscape: left red, right blue."""
    return _two_colour_clip(media_dir / "landscape.mp4", "640x360", "red", "blue", "hstack")


def frame_at(path: Path, t: float, size: tuple[int, int] = (1080, 1920)) -> np.ndarray:
    """Decode one RGB frame at ``t`` seconds as an (h, w, 3) uint8 array."""
    w, h = size
    proc = subprocess.run([ffmpeg_exe(), "-v", "error", "-ss", f"{t:.3f}", "-i", str(path), "-frames:v", "1",
                           "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-"],
                          capture_output=True, check=True)
    return np.frombuffer(proc.stdout, dtype=np.uint8).reshape(h, w, 3)


def stream_facts(path: Path) -> dict:
    """Codec facts of a rendered file via PyAV."""
    import av

    with av.open(str(path)) as c:
        v = c.streams.video[0]
        a = c.streams.audio[0] if c.streams.audio else None
        return {
            "width": v.codec_context.width, "height": v.codec_context.height, "vcodec": v.codec_context.name,
            "profile": v.profile, "pix_fmt": v.codec_context.pix_fmt, "fps": float(v.average_rate),
            "duration": c.duration / 1e6 if c.duration else 0.0,
            "acodec": a.codec_context.name if a else None, "arate": a.codec_context.sample_rate if a else None,
            "achannels": a.codec_context.channels if a else None,
        }


@pytest.fixture()
def ffmpeg() -> str:
    return ffmpeg_exe()


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst
