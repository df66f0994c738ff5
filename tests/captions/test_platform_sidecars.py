"""A platform's `sidecars` decides which caption files an episode gets (it was validated and
then ignored: every run wrote SRT and VTT)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from reelkit.cli.main import main
from reelkit.plan.planfile import read_plan_file


def test_sidecars_follow_the_selected_platforms(tmp_path: Path, landscape_clip: Path) -> None:
    platforms = tmp_path / "platforms.yaml"
    platforms.write_text("platforms:\n  shorts:\n    sidecars: [vtt]\n  tiktok:\n    sidecars: []\n",
                         encoding="utf-8")
    outline = tmp_path / "ep.yaml"
    outline.write_text(json.dumps({"title": "Side", "segments": [{"clip": str(landscape_clip), "end": 1}]}),
                       encoding="utf-8")
    out = tmp_path / "out"
    args = ["render", str(outline), "--out", str(out), "--platforms-file", str(platforms), "--preset", "ultrafast"]
    result = CliRunner().invoke(main, [*args, "--platform", "shorts", "--platform", "tiktok"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    folder = out / "side"
    assert (folder / "side.vtt").read_text(encoding="utf-8").startswith("WEBVTT")
    assert not (folder / "side.srt").exists()
    plan = read_plan_file(folder / "plan.json")[0]
    assert {o.platform: o.sidecars for o in plan.outputs} == {"shorts": ("vtt",), "tiktok": ()}
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    assert meta["captions"] == {"vtt": "side.vtt"}
    assert meta["platforms"]["shorts"]["captions"] == ["side.vtt"]
    assert meta["platforms"]["tiktok"]["captions"] == []
    assert "side.vtt" in result.stdout


def test_a_caption_file_no_longer_asked_for_is_removed_but_other_videos_stay(tmp_path: Path,
                                                                             landscape_clip: Path) -> None:
    """First SRT and VTT for two platforms, then again for one platform that asks for VTT only:
    the earlier run's SRT goes (it would contradict metadata.json), the other platform's video
    and a file reelkit never wrote stay."""
    outline = tmp_path / "ep.yaml"
    outline.write_text(json.dumps({"title": "Side", "segments": [{"clip": str(landscape_clip), "end": 1}]}),
                       encoding="utf-8")
    out = tmp_path / "out"
    base = ["render", str(outline), "--out", str(out), "--preset", "ultrafast", "--quiet"]
    first = CliRunner().invoke(main, [*base, "--platform", "shorts", "--platform", "tiktok"], catch_exceptions=False)
    assert first.exit_code == 0, first.stderr
    folder = out / "side"
    assert (folder / "side.srt").is_file() and (folder / "tiktok.mp4").is_file()
    tiktok_before = (folder / "tiktok.mp4").read_bytes()
    (folder / "notes.srt").write_text("the producer's own file\n", encoding="utf-8")
    platforms = tmp_path / "platforms.yaml"
    platforms.write_text("platforms:\n  shorts:\n    sidecars: [vtt]\n", encoding="utf-8")
    second = CliRunner().invoke(main, [*base, "--platforms-file", str(platforms), "--platform", "shorts"],
                                catch_exceptions=False)
    assert second.exit_code == 0, second.stderr
    assert not (folder / "side.srt").exists()
    assert (folder / "side.vtt").read_text(encoding="utf-8").startswith("WEBVTT")
    assert (folder / "tiktok.mp4").read_bytes() == tiktok_before
    assert (folder / "notes.srt").read_text(encoding="utf-8") == "the producer's own file\n"
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    assert meta["captions"] == {"vtt": "side.vtt"}
