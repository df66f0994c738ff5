"""A platform's `sidecars` decides which caption files an episode gets (it was validated and
then ignored: every run wrote SRT and VTT)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from reelkit.cli.main import main
from reelkit.plan.model import load_plan


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
    plan = load_plan((folder / "plan.json").read_text(encoding="utf-8"))
    assert {o.platform: o.sidecars for o in plan.outputs} == {"shorts": ("vtt",), "tiktok": ()}
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    assert meta["captions"] == {"vtt": "side.vtt"}
    assert meta["platforms"]["shorts"]["captions"] == ["side.vtt"]
    assert meta["platforms"]["tiktok"]["captions"] == []
    assert "side.vtt" in result.stdout
