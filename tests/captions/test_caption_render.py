"""Text beyond ASCII through the whole render: colour emoji, accents, right-to-left."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from reelkit.captions import split_pillow_pages
from reelkit.cli.main import main
from reelkit.io.paths import assets_dir
from reelkit.plan.planfile import read_plan_file

from conftest import frame_at

EMOJI_FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")


@pytest.mark.slow
def test_emoji_accents_and_rtl_are_burned(tmp_path: Path, landscape_clip: Path) -> None:
    grey = tmp_path / "grey.mp4"
    from reelkit.io.ffmpeg import run_ffmpeg

    run_ffmpeg(["-f", "lavfi", "-i", "color=c=0x808080:s=640x360:r=25:d=4.5", "-f", "lavfi", "-i",
                "anullsrc=r=48000:cl=stereo", "-t", "4.5", "-c:v", "libx264", "-preset", "ultrafast",
                "-c:a", "aac", str(grey)], stage="make grey clip")
    srt = tmp_path / "fixed.srt"
    srt.write_text("1\n00:00:00,200 --> 00:00:01,300\nSafe water 💧\n\n"
                   "2\n00:00:01,500 --> 00:00:02,700\nCafé, crème, déjà vu\n\n"
                   "3\n00:00:02,900 --> 00:00:04,000\nالمياه آمنة\n\n", encoding="utf-8")
    outline = tmp_path / "ep.yaml"
    outline.write_text(json.dumps({"title": "Intl", "platforms": ["tiktok"],
                                   "segments": [{"clip": str(grey), "reframe": "crop"}]}), encoding="utf-8")
    result = CliRunner().invoke(main, ["render", str(outline), "--out", str(tmp_path / "out"), "--captions", str(srt),
                                       "--quiet", "--preset", "ultrafast"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    folder = tmp_path / "out" / "intl"
    plan = read_plan_file(folder / "plan.json")[0]
    assert [p.text for p in plan.pages] == ["Safe water 💧", "Café, crème, déjà vu", "المياه آمنة"]
    video = folder / "tiktok.mp4"
    band = slice(plan.caption_style.position_y - 120, plan.caption_style.position_y + 120)

    def saturated(frame: np.ndarray) -> int:
        f = frame[band].astype(int)
        return int(np.sum((f.max(axis=2) - f.min(axis=2)) > 80))

    def glyph_pixels(frame: np.ndarray) -> int:
        return int(np.sum(np.all(frame[band].astype(int) > 230, axis=2)))

    emoji_frame, accent_frame, rtl_frame = (frame_at(video, t) for t in (0.8, 2.1, 3.5))
    if EMOJI_FONT.exists():
        assert saturated(emoji_frame) > 200  # the droplet is drawn in colour, the grey clip has none
        _, overlays = split_pillow_pages(plan.pages[:1], plan.caption_style, 1080, 1920, assets_dir())
        assert overlays and overlays[0].start == pytest.approx(0.2, abs=0.01)
    assert saturated(accent_frame) < 50  # white text with dark outline: no colour
    assert glyph_pixels(accent_frame) > 500 and glyph_pixels(rtl_frame) > 300
    # Right to left: the first word (المياه) is drawn to the right of the second.
    cols = np.nonzero(np.all(rtl_frame[band].astype(int) > 230, axis=2))[1]
    assert cols.size and cols.max() > 540 and cols.min() < 540
