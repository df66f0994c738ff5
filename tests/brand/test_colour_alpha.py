"""``#RRGGBBAA`` caption colours: accepted by brand validate, so they must render too
(one colour parser, reelkit.plan.colours, for presets, ASS and Pillow pages)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelkit.brand import load_brand, validate_brand
from reelkit.brand.look import caption_style
from reelkit.captions.ass import ass_filter, write_ass
from reelkit.captions.look import ass_colour
from reelkit.captions.pillow_pages import _Painter
from reelkit.errors import CaptionError
from reelkit.io.ffmpeg import run_ffmpeg
from reelkit.plan.model import CaptionPage, CaptionStyle, Word

REPO_BRAND = Path(__file__).resolve().parents[2] / "brand"
FONTS = REPO_BRAND / "default" / "fonts"


def _style_fields(path: Path) -> dict[str, list[str]]:
    return {ln[7:].split(",")[0]: ln[7:].split(",") for ln in path.read_text().splitlines()
            if ln.startswith("Style: ")}


def test_alpha_colour_validates_and_writes_ass(tmp_path: Path) -> None:
    folder = tmp_path / "child"
    folder.mkdir()
    (folder / "brand.yaml").write_text(
        f"extends: {REPO_BRAND / 'default'}\ncaptions:\n  text_colour: \"#FFFFFFCC\"\n"
        "  box_colour: \"#000000C0\"\n  box_opacity: 0.9\n", encoding="utf-8")
    assert validate_brand(folder) == []
    style = caption_style(load_brand(folder), (65, 270, 930, 1248))
    out = tmp_path / "c.ass"
    page = CaptionPage(0.0, 1.0, ((Word("Hello", 0.0, 0.5), Word("there", 0.5, 0.9)),))
    write_ass([page], style, 1080, 1920, out)
    fields = _style_fields(out)
    # ASS alpha is transparency: 0xCC opaque -> 0x33; the box: 192/255 * 0.9 opaque -> 0x52.
    assert fields["Text"][3] == "&H33FFFFFF"
    assert fields["Box"][6] == "&H52000000"


def test_alpha_in_override_tags_and_errors() -> None:
    assert ass_colour("#FFD40080") == "&H7F00D4FF"
    assert ass_colour("#FFF") == "&H00FFFFFF"
    with pytest.raises(CaptionError, match="accent_colour"):
        ass_colour("#FFD4", what="accent_colour")


def test_translucent_caption_text_renders_blended(tmp_path: Path) -> None:
    """libass draws the text at its alpha: white at 50 % over black footage is mid grey."""
    style = CaptionStyle(font_file=str(FONTS / "DejaVuSans-Bold.ttf"), font_size=200, text_colour="#FFFFFF80",
                         outline=0, shadow=0, box_opacity=0.0, position_y=100, margin_x=10)
    ass = tmp_path / "c.ass"
    write_ass([CaptionPage(0.0, 2.0, ((Word("III", 0.0, 1.5),),))], style, 400, 200, ass)
    frame = tmp_path / "f.png"
    run_ffmpeg(["-f", "lavfi", "-i", "color=black:s=400x200:d=1", "-vf", ass_filter(ass, FONTS),
                "-frames:v", "1", str(frame)], stage="test")
    from PIL import Image

    grey = np.asarray(Image.open(frame).convert("L"))
    assert 110 <= int(grey.max()) <= 145


def test_pillow_page_uses_colour_alpha(tmp_path: Path) -> None:
    style = CaptionStyle(font_file=str(FONTS / "DejaVuSans-Bold.ttf"), font_size=80, text_colour="#FFFFFF80",
                         outline=0, shadow=0, box_opacity=0.0, position_y=100, margin_x=10)
    from PIL import Image

    overlay = _Painter(style, 400, 200, None).state(tmp_path, ["III"], [[0]], None, 0.0, 1.0)
    alpha = np.asarray(Image.open(overlay.image).convert("RGBA"))[..., 3]
    assert 120 <= int(alpha.max()) <= 135
