"""metadata.json: contents, relative paths, UTC time, atomic write."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from reelkit import __version__
from reelkit.errors import MediaError
from reelkit.deliver.metadata import write_metadata
from reelkit.plan.model import Plan


def plan() -> Plan:
    return Plan(title="Harbour rescue", slug="harbour-rescue", width=1080, height=1920, fps=30.0,
                duration=42.1234, sources=(), cuts=(), description="How crews pull out a boat.",
                hashtags=("#harbour", "rescue", " "))


@pytest.fixture
def out(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "export" / "captions").mkdir(parents=True)
    files = {"tiktok": tmp_path / "export" / "harbour-tiktok.mp4",
             "reels": tmp_path / "export" / "harbour-reels.mp4",
             "shorts": tmp_path / "export" / "harbour-shorts.mp4",
             "srt": tmp_path / "export" / "captions" / "harbour.srt",
             "cover": tmp_path / "cover.png"}
    for i, p in enumerate(files.values()):
        p.write_bytes(b"x" * (100 + i))
    return files


def test_metadata_contents(out: dict[str, Path]) -> None:
    meta = out["tiktok"].parent / "metadata.json"
    before = datetime.now(timezone.utc).replace(microsecond=0)
    returned = write_metadata(
        meta, plan=plan(),
        files={"tiktok": out["tiktok"], "reels": out["reels"], "shorts": out["shorts"]},
        captions={"srt": out["srt"]}, cover=out["cover"],
        checks={"tiktok": [], "reels": ["loudness -9.0 LUFS, expected -14.0 ± 1 LU"]})
    data = json.loads(meta.read_text(encoding="utf-8"))
    assert data == returned
    assert (data["title"], data["description"], data["duration"]) == (
        "Harbour rescue", "How crews pull out a boat.", 42.123)
    assert data["hashtags"] == ["#harbour", "#rescue"]
    assert data["platforms"]["tiktok"] == {"file": "harbour-tiktok.mp4", "size_bytes": 100,
                                           "checks_passed": True, "failures": [],
                                           "captions": []}  # the plan names no outputs
    assert data["platforms"]["reels"]["checks_passed"] is False
    assert data["platforms"]["reels"]["failures"] == ["loudness -9.0 LUFS, expected -14.0 ± 1 LU"]
    assert data["platforms"]["shorts"]["checks_passed"] is None  # not checked
    assert data["captions"] == {"srt": "captions/harbour.srt"}
    assert data["cover"] == "../cover.png"
    assert data["reelkit_version"] == __version__
    assert data["created"].endswith("Z")
    created = datetime.fromisoformat(data["created"].replace("Z", "+00:00"))
    assert created.utcoffset() == timedelta(0)
    assert before <= created <= datetime.now(timezone.utc)
    assert "±" in meta.read_text(encoding="utf-8")  # UTF-8, not \u escapes
    assert sorted(p.name for p in meta.parent.iterdir() if p.name.startswith(".")) == []


def test_relative_paths_work_from_a_relative_metadata_path(out: dict[str, Path],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(out["tiktok"].parent)
    data = write_metadata(Path("metadata.json"), plan=plan(), files={"tiktok": out["tiktok"]},
                          captions={}, cover=None, checks={})
    assert data["platforms"]["tiktok"]["file"] == "harbour-tiktok.mp4"
    assert data["cover"] is None and data["captions"] == {}


def test_missing_output_is_a_media_error(out: dict[str, Path]) -> None:
    meta = out["tiktok"].parent / "metadata.json"
    with pytest.raises(MediaError, match="output for snapchat is missing"):
        write_metadata(meta, plan=plan(), files={"snapchat": meta.parent / "none.mp4"},
                       captions={}, cover=None, checks={})
    assert not meta.exists()
