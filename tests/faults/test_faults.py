"""Faults and interruptions: full disk, killed ffmpeg, kill -9 then re-run, parallel renders,
a failure after the videos, corrupt caches. Earlier outputs stay whole; nothing partial remains."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hostile import can_mount, cli, listing, refused, tmpfs

EPISODE = ["cover-2.png", "cover-3.png", "cover.png", "metadata.json", "plan.json", "tiktok.mp4", "x.srt", "x.vtt"]


def _outline(folder: Path, clip: Path, segments: int = 1, end: float = 1.0, preset: str = "") -> Path:
    path = folder / "ep.yaml"
    seg = {"clip": str(clip), "end": end, "captions": False}
    doc = {"title": "X", "platforms": ["tiktok"], "segments": [seg] * segments}
    if preset:
        doc["brand"] = preset
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _render(outline: Path, out: Path, *extra: str) -> list[str]:
    return ["render", str(outline), "--out", str(out), "--quiet", "--preset", "ultrafast", *extra]


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()
            and p.name != ".reelkit.lock"}


def _long_render(tmp_path: Path, clip: Path) -> subprocess.Popen[str]:
    """A render that runs for a while (the clip repeated, a slow preset), in its own group."""
    outline = _outline(tmp_path, clip, segments=40, end=2.0)
    return subprocess.Popen([sys.executable, "-m", "reelkit", "render", str(outline), "--out", str(tmp_path / "out"),
                             "--quiet", "--preset", "medium"], start_new_session=True, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(predicate, proc: subprocess.Popen[str], what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"never saw {what}: {proc.communicate()}")


def _encoding(folder: Path) -> bool:
    return any(p.name == "master0.mp4" for p in folder.glob(".reelkit-staging.partial-*/.reelkit-work.partial-*/*"))


@pytest.mark.slow
def test_kill_9_then_rerun_and_parallel_render_refused(tmp_path: Path, landscape_clip: Path) -> None:
    folder = tmp_path / "out" / "x"
    assert cli(_render(_outline(tmp_path, landscape_clip), tmp_path / "out")).exit_code == 0
    before = _digests(folder)
    proc = _long_render(tmp_path, landscape_clip)
    try:
        _wait_for(lambda: _encoding(folder), proc, "the encode start")
        # A second render of the same episode into the same folder refuses at once.
        line = refused(_render(_outline(tmp_path, landscape_clip), tmp_path / "out"),
                       "another reelkit render is writing this folder", f"pid {proc.pid}")
        assert str(folder) in line
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    # The killed run left its staging folder (with a partial master) but no final file changed.
    stale = list(folder.glob(".reelkit-staging.partial-*"))
    assert len(stale) == 1 and any(stale[0].rglob("master0.mp4"))
    assert _digests(folder) == before
    # The re-run cleans the stale work and succeeds.
    assert cli(_render(_outline(tmp_path, landscape_clip, end=1.5), tmp_path / "out")).exit_code == 0
    assert listing(folder) == EPISODE
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    assert plan["duration"] == pytest.approx(1.5, abs=0.04)


@pytest.mark.slow
def test_ffmpeg_killed_by_a_signal_names_stage_and_signal(tmp_path: Path, landscape_clip: Path) -> None:
    proc = _long_render(tmp_path, landscape_clip)

    def encoder() -> int | None:
        for child in Path(f"/proc/{proc.pid}/task").glob("*/children"):
            try:  # the render's threads come and go (cover, checks): one may end between glob and read
                pids = child.read_text().split()
            except OSError:
                continue
            for pid in pids:
                try:
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                except OSError:
                    continue
                if b"libx264" in cmd:
                    return int(pid)
        return None

    _wait_for(lambda: encoder() is not None, proc, "the ffmpeg encoder")
    os.kill(encoder(), signal.SIGKILL)  # type: ignore[arg-type]
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "ffmpeg was killed by SIGKILL in stage 'render tiktok'" in lines[0], err
    assert listing(tmp_path / "out" / "x") == []


@pytest.mark.skipif(not can_mount(), reason="needs root to mount a small file system")
def test_full_disk_mid_encode(tmp_path: Path, landscape_clip: Path) -> None:
    with tmpfs(tmp_path / "small", "3m") as small:
        assert cli(_render(_outline(tmp_path, landscape_clip), small)).exit_code == 0
        folder = small / "x"
        before = _digests(folder)
        # Leave about 60 KB free: the next encode runs out of space part-way.
        free = os.statvfs(small).f_bavail * os.statvfs(small).f_frsize
        (small / "filler").write_bytes(b"\0" * max(0, free - 60_000))
        line = refused(_render(_outline(tmp_path, landscape_clip, end=2.0), small), f"no space left on {folder}",
                       "KB free", "earlier outputs are unchanged")
        assert "Conversion failed" not in line
        assert _digests(folder) == before
        assert listing(folder) == EPISODE  # no staging folder, no partial file


def test_failure_after_the_videos_keeps_the_previous_episode(tmp_path: Path, landscape_clip: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The cover fails after the new MP4s were made: old videos and old metadata stay together."""
    assert cli(_render(_outline(tmp_path, landscape_clip), tmp_path / "out")).exit_code == 0
    folder = tmp_path / "out" / "x"
    before = _digests(folder)
    from reelkit import pipeline
    from reelkit.errors import MediaError

    def broken(*args: object, **kwargs: object) -> float:
        raise MediaError("cover frame cannot be decoded", path="tiktok.mp4")

    monkeypatch.setattr(pipeline, "make_cover", broken)  # where the pipeline calls it
    refused(_render(_outline(tmp_path, landscape_clip, end=1.5), tmp_path / "out"), "cover frame cannot be decoded")
    assert _digests(folder) == before
    assert listing(folder) == EPISODE


def test_commit_interrupted_by_kill_is_finished_by_next_run(tmp_path: Path) -> None:
    """A run killed between its renames: the next run moves the rest in (never half old, half new)."""
    from reelkit.io.transaction import EpisodeTransaction

    folder = tmp_path / "ep"
    folder.mkdir()
    (folder / "a.mp4").write_text("old a")
    (folder / "metadata.json").write_text("old meta")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    staging = folder / f".reelkit-staging.partial-{dead.pid}-0123abcd"
    staging.mkdir()
    (staging / "metadata.json").write_text("new meta")  # a.mp4 was already moved in
    (staging / ".commit").write_text(json.dumps(["a.mp4", "metadata.json"]))
    (folder / "a.mp4").write_text("new a")
    with EpisodeTransaction(folder):
        pass
    assert (folder / "metadata.json").read_text() == "new meta"
    assert listing(folder) == ["a.mp4", "metadata.json"]


def test_corrupt_transcript_cache_entries_are_rebuilt(tmp_path: Path, speech_clip: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REELKIT_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "words.json"
    assert cli(["transcribe", str(speech_clip), "-o", str(out)]).exit_code == 0
    first = json.loads(out.read_text(encoding="utf-8"))
    [entry] = list((tmp_path / "cache").rglob("*.json"))
    good = entry.read_text(encoding="utf-8")
    key = json.loads(good)["key"]
    for damaged in (good[: len(good) // 2], json.dumps({"key": key, "code": "asr-0", "transcript": {"old": 1}})):
        entry.write_text(damaged, encoding="utf-8")
        assert cli(["transcribe", str(speech_clip), "-o", str(out)]).exit_code == 0
        assert json.loads(out.read_text(encoding="utf-8")) == first
        assert json.loads(entry.read_text(encoding="utf-8"))["key"] == key  # rewritten whole


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("REELKIT_LONG_TESTS"), reason="converts the model again (~1 min): make test-long")
def test_converted_model_cut_short_is_rebuilt(tmp_path: Path, speech_clip: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from reelkit.speech.backends import unload_models
    from reelkit.speech.convert import converted_checkpoint_path
    from reelkit.speech.models import resolve_model

    resolved = resolve_model("openai-whisper")
    if resolved.format != "ct2":
        pytest.skip("the offline model is not a CTranslate2 folder here")
    monkeypatch.setenv("REELKIT_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("REELKIT_CACHE_DIR", str(tmp_path / "cache"))
    dest = converted_checkpoint_path(resolved.path, resolved.name)  # type: ignore[arg-type]
    dest.parent.mkdir(parents=True)
    dest.write_bytes(b"PK\x03\x04 cut short")
    unload_models()
    try:
        result = cli(["transcribe", str(speech_clip), "-o", str(tmp_path / "w.json"), "--asr", "openai-whisper"])
    finally:
        unload_models()
    assert result.exit_code == 0, result.output
    assert dest.stat().st_size > 10_000_000  # converted again, whole
    words = json.loads((tmp_path / "w.json").read_text(encoding="utf-8"))
    assert "six weeks" in json.dumps(words).lower()
