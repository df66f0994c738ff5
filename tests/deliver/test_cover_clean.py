"""The cover comes from the clean picture (reframed source, no overlays or captions), its
title inside the selected platform's safe zone, with runners-up written beside it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from reelkit.cli.main import main
from reelkit.deliver.cover import cut_at, spread
from reelkit.io.ffmpeg import run_ffmpeg
from reelkit.plan.planfile import read_plan_file
from reelkit.plan.platforms import get_platform, load_platforms

BLUE = np.array([32, 64, 192])


@pytest.fixture(scope="module")
def episode(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 4 s uniform blue clip rendered for Shorts with the default brand's hook band, lower
    third, logo, progress bar and burned captions (from an SRT: no transcription)."""
    tmp = tmp_path_factory.mktemp("cover")
    clip = tmp / "blue.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "color=c=0x2040C0:s=640x360:r=30:d=4", "-f", "lavfi", "-i",
                "sine=f=440:r=48000:d=4", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-shortest", str(clip)], stage="test clip")
    srt = tmp / "fixed.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:04,000\nCAPTIONS EVERYWHERE\n", encoding="utf-8")
    outline = tmp / "ep.yaml"
    outline.write_text(json.dumps({"title": "Clean cover: harbour street water mains replacement works explained", "hook": "Hook text here", "platforms": ["shorts"],
                                   "segments": [{"clip": str(clip), "reframe": "crop",
                                                 "lower_third": {"name": "Anna", "role": "Engineer"}}]}),
                       encoding="utf-8")
    result = CliRunner().invoke(main, ["render", str(outline), "--out", str(tmp / "out"), "--captions", str(srt),
                                       "--preset", "ultrafast", "--quiet"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return next((tmp / "out").iterdir())


def _title_mask(image: np.ndarray) -> np.ndarray:
    return np.abs(image.astype(int) - BLUE).max(axis=2) > 24


def test_no_overlay_or_caption_behind_the_title(episode: Path) -> None:
    plan = read_plan_file(episode / "plan.json")[0]
    assert plan.overlays and plan.pages  # the video has overlays and captions ...
    for name in ("cover.png", "cover-2.png", "cover-3.png"):
        image = np.asarray(Image.open(episode / name).convert("RGB"))
        assert image.shape == (1920, 1080, 3)
        changed = _title_mask(image)
        ys, xs = np.nonzero(changed)
        # ... the cover only the blue picture and the title block, which lies inside Shorts' safe box.
        x0, y0, x1, y1 = get_platform("shorts", load_platforms()).safe_box()
        assert xs.min() >= x0 and xs.max() < x1 and ys.min() >= y0 and ys.max() < y1, name
        block = image[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(int)
        # Inside the block: white text, the translucent black box over blue, and their blend;
        # never the accent yellow, the plates' charcoal or a red/green channel above blue's.
        r, g, b = block[..., 0], block[..., 1], block[..., 2]
        text_or_box = (np.abs(r - g) <= 40) & (b >= g - 8)
        assert text_or_box.mean() > 0.99, name
        outside = image.copy()
        outside[ys.min():ys.max() + 1, xs.min():xs.max() + 1] = BLUE
        assert not _title_mask(outside).any(), name


def test_title_respects_shorts_right_margin(episode: Path) -> None:
    image = np.asarray(Image.open(episode / "cover.png").convert("RGB"))
    xs = np.nonzero(_title_mask(image))[1]
    shorts = get_platform("shorts", load_platforms())
    assert xs.max() < shorts.width - shorts.safe_zone.right
    # The common four-platform box (x up to 930) would put it 40 px into Shorts' buttons.
    assert (shorts.width - shorts.safe_zone.right) == 890


def test_cut_lookup_and_spread(episode: Path) -> None:
    plan = read_plan_file(episode / "plan.json")[0]
    cut, src = cut_at(plan, 1.25)
    assert src == pytest.approx(cut.src_start + 1.25 - cut.out_start)
    assert spread([1.0, 1.1, 3.0, 2.0], (0.0, 4.0)) == [1.0, 3.0, 2.0]
