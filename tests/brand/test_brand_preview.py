"""Brand previews: one ffmpeg call per PNG; preset edits show up in the right region."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from PIL import Image

from reelkit.brand import caption_style, load_brand
from reelkit.render.brand_preview import render_preview
from reelkit.plan.colours import parse_colour
from reelkit.render.brand_preview import preview_args
from reelkit.io.ffmpeg import run_ffmpeg
from reelkit.plan.model import Overlay
from reelkit.plan.platforms import load_platforms

REPO_BRAND = Path(__file__).resolve().parents[2] / "brand"
PLATFORMS = load_platforms()
TIKTOK = PLATFORMS["tiktok"]
TT_BOX = TIKTOK.safe_zone.box(1080, 1920)
# Captions in pure green (nothing else in the frame is), no hook band or callout over them.
BASE = {"captions": {"text_colour": "#00FF00"}, "hook": {"enabled": False}, "callouts": {"enabled": False}}


def preview_of(tmp_path: Path, name: str, extra: dict | None = None, platform: str = "tiktok") -> np.ndarray:
    folder = tmp_path / name
    folder.mkdir()
    settings = {"extends": str(REPO_BRAND / "default"), **{k: dict(v) for k, v in BASE.items()}}
    for section, values in (extra or {}).items():
        settings.setdefault(section, {}).update(values)
    (folder / "brand.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    out = tmp_path / f"{name}.png"
    render_preview(load_brand(folder), PLATFORMS[platform], out)
    with Image.open(out) as im:
        assert im.size == (1080, 1920)
        return np.asarray(im.convert("RGB")).astype(np.int16)


def mask_of(image: np.ndarray, colour: tuple[int, int, int], tol: int = 40) -> np.ndarray:
    return (np.abs(image - np.array(colour)).max(axis=2) <= tol)


def rows_of(mask: np.ndarray) -> tuple[int, int]:
    ys = np.nonzero(mask.any(axis=1))[0]
    assert ys.size, "colour not found"
    return int(ys[0]), int(ys[-1])


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    return preview_of(tmp_path_factory.mktemp("base"), "base")


GREEN = (0, 255, 0)


def test_base_caption_sits_at_its_position(base: np.ndarray) -> None:
    top, bottom = rows_of(mask_of(base, GREEN))
    y = caption_style(load_brand("default"), TT_BOX).position_y
    assert top < y < bottom and bottom - top < 200
    assert TT_BOX[1] < top and bottom < TT_BOX[3]


def test_caption_colour_change(base: np.ndarray, tmp_path: Path) -> None:
    magenta = preview_of(tmp_path, "magenta", {"captions": {"text_colour": "#FF00FF"}})
    assert mask_of(magenta, (255, 0, 255)).sum() > 2000
    assert mask_of(magenta, GREEN).sum() == 0
    assert rows_of(mask_of(magenta, (255, 0, 255))) == rows_of(mask_of(base, GREEN))


def test_caption_position_change(base: np.ndarray, tmp_path: Path) -> None:
    moved = preview_of(tmp_path, "upper", {"captions": {"position": "upper"}})
    top, bottom = rows_of(mask_of(moved, GREEN))
    base_top, _ = rows_of(mask_of(base, GREEN))
    assert bottom < base_top - 300
    assert TT_BOX[1] < top


def test_caption_size_change(base: np.ndarray, tmp_path: Path) -> None:
    bigger = preview_of(tmp_path, "big", {"captions": {"size": 84}})
    top, bottom = rows_of(mask_of(bigger, GREEN))
    base_top, base_bottom = rows_of(mask_of(base, GREEN))
    assert (bottom - top) > 1.25 * (base_bottom - base_top)


def test_caption_font_change(base: np.ndarray, tmp_path: Path) -> None:
    inter = preview_of(tmp_path, "inter", {"fonts": {"caption": str(REPO_BRAND / "civic/fonts/Inter-Bold.otf")}})
    band = slice(*rows_of(mask_of(base, GREEN)))
    changed = mask_of(inter, GREEN)[band] ^ mask_of(base, GREEN)[band]
    assert changed.sum() > 0.2 * mask_of(base, GREEN).sum()
    # Everything outside the caption band (logo, lower third, progress bar) is identical.
    outside = np.ones(base.shape[0], bool)
    outside[band.start - 20:band.stop + 20] = False
    assert np.array_equal(inter[outside], base[outside])


def test_brand_colour_change_shows_in_bar_and_plate(base: np.ndarray, tmp_path: Path) -> None:
    recoloured = preview_of(tmp_path, "accent", {"colours": {"accent": "#00C8FF", "primary": "#800000"}})
    y_bar = TT_BOX[3] - 5  # progress bar on the safe box's bottom edge, 40 % grown
    assert tuple(recoloured[y_bar, 300]) == (0, 200, 255)
    assert tuple(base[y_bar, 300]) == parse_colour(load_brand("default").colours.accent)[:3]
    assert tuple(recoloured[y_bar, 800]) == tuple(base[y_bar, 800])  # not grown that far yet
    # Lower-third plate: primary at 92 % over the background.
    inside = np.zeros(base.shape[:2], bool)
    inside[TT_BOX[1]:TT_BOX[3], 300] = True  # one column through the safe box, left half
    plate_y = rows_of(mask_of(base, parse_colour(load_brand("default").colours.primary)[:3], tol=12) & inside)[1] - 10
    r, g, b = recoloured[plate_y, 300]
    assert r > 100 and g < 90 and b < 90


@pytest.mark.parametrize("name", ["default", "civic"])
def test_shipped_presets_on_all_platforms(name: str, tmp_path: Path) -> None:
    brand = load_brand(name)
    for platform in ("tiktok", "reels", "shorts", "snapchat"):
        out = tmp_path / f"{platform}.png"
        render_preview(brand, PLATFORMS[platform], out)
        with Image.open(out) as im:
            assert im.size == (1080, 1920) and im.mode == "RGB"
            image = np.asarray(im).astype(int)
        x0, y0, x1, y1 = PLATFORMS[platform].safe_zone.box(1080, 1920)
        # The UI zone is shaded red: above the safe box red wins over the cool-grey gradient.
        r, g, b = image[y0 // 2, 540]
        assert r > b + 30
        # Full-frame cards appear as thumbnails in the bottom-right corner.
        end_colour = parse_colour(brand.end_card.background)[:3]
        assert tuple(image[1920 - 12 - 20, 1080 - 12 - 90]) == end_colour


def test_preview_from_clip_frame(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "color=c=0x2040C0:s=320x240:r=10:d=2", "-c:v", "libx264", "-pix_fmt",
                "yuv444p", "-qp", "0", str(clip)], stage="test-clip")
    from reelkit.cli.main import main as group

    out = tmp_path / "frame.png"
    result = CliRunner().invoke(group, ["brand", "preview", "default", "--platform", "reels", "-o", str(out),
                                        "--frame", f"{clip}@1.5"])
    assert result.exit_code == 0, result.output
    with Image.open(out) as im:
        assert im.size == (1080, 1920)
        r, g, b = im.convert("RGB").getpixel((900, 350))  # empty part of the safe box
    assert abs(r - 0x20) < 12 and abs(g - 0x40) < 12 and abs(b - 0xC0) < 12


def test_preview_args_are_one_call_with_every_overlay(tmp_path: Path) -> None:
    overlays = [Overlay("progress", "/x/p.png", 0, 1470, 0, 10, motion="progress"),
                Overlay("logo", "/x/logo.png", 88, 174, 0, 10),
                Overlay("end_card", "/x/end.png", 0, 0, 8, 10)]
    args = preview_args(overlays, [False, False, True], "ass=filename=a.ass", TT_BOX, 1080, 1920, tmp_path / "o.png")
    assert args.count("-i") == 4 and args[-1] == str(tmp_path / "o.png")
    graph = args[args.index("-filter_complex") + 1]
    assert "overlay=x=-648:y=1470" in graph  # progress at 40 %
    assert "overlay=x=88:y=174" in graph and "ass=filename=a.ass" in graph
    assert graph.index("ass=") < graph.index("drawbox") < graph.index("[3:v]scale=180:320")
