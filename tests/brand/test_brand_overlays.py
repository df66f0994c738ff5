"""Overlay PNGs drawn from a preset: sizes, colours, positions, times, content addressing."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from reelkit.brand import Callout, LowerThirdCue, OverlayContext, build_overlays, load_brand
from reelkit.plan.colours import parse_colour
from reelkit.plan.model import Overlay

REPO_BRAND = Path(__file__).resolve().parents[2] / "brand"
BOX = (65, 270, 930, 1248)


def ctx(**changes: object) -> OverlayContext:
    base = dict(width=1080, height=1920, duration=20.0, title="T", hook="Why did the main burst?",
                cta="Follow for updates", lower_thirds=(LowerThirdCue("Alex Morgan", "Engineer", 2.0, 6.0),),
                callouts=(Callout("42 km of pipe", 8.0, 11.0),), safe_box=BOX)
    base.update(changes)
    return OverlayContext(**base)  # type: ignore[arg-type]


def child(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "child"
    folder.mkdir(exist_ok=True)
    (folder / "brand.yaml").write_text(f"extends: {REPO_BRAND / 'default'}\n{body}", encoding="utf-8")
    return folder


def by_kind(overlays: tuple[Overlay, ...]) -> dict[str, Overlay]:
    return {ov.kind: ov for ov in overlays}


def rgb(image: Image.Image, xy: tuple[int, int]) -> tuple[int, int, int]:
    return image.convert("RGBA").getpixel(xy)[:3]  # type: ignore[index]


@pytest.fixture(scope="module")
def default_overlays(tmp_path_factory: pytest.TempPathFactory) -> tuple[Overlay, ...]:
    return build_overlays(load_brand("default"), ctx(), tmp_path_factory.mktemp("ov"))


def test_every_kind_is_drawn_in_order(default_overlays: tuple[Overlay, ...]) -> None:
    assert [ov.kind for ov in default_overlays] == ["progress", "logo", "lower_third", "callout", "hook", "end_card"]
    for ov in default_overlays:
        assert Path(ov.image).is_file()


def test_positions_inside_safe_box(default_overlays: tuple[Overlay, ...]) -> None:
    x0, y0, x1, y1 = BOX
    for ov in default_overlays:
        with Image.open(ov.image) as im:
            w, h = im.size
        if ov.kind == "end_card":
            assert (ov.x, ov.y, w, h) == (0, 0, 1080, 1920)
        elif ov.kind == "progress":
            assert w == 1080 and y0 <= ov.y and ov.y + h <= y1
        else:
            assert x0 <= ov.x and ov.x + w <= x1 and y0 <= ov.y and ov.y + h <= y1, ov


def test_times(default_overlays: tuple[Overlay, ...]) -> None:
    k = by_kind(default_overlays)
    assert (k["logo"].start, k["logo"].end) == (0.0, 20.0)
    assert k["progress"].motion == "progress" and (k["progress"].start, k["progress"].end) == (0.0, 20.0)
    assert (k["lower_third"].start, k["lower_third"].end) == (2.0, 6.0) and k["lower_third"].fade_in == 0.35
    assert (k["callout"].start, k["callout"].end) == (8.0, 11.0)
    assert (k["hook"].start, k["hook"].end) == (0.0, 2.5)
    assert (k["end_card"].start, k["end_card"].end) == (17.5, 20.0) and k["end_card"].fade_in == 0.4


def test_progress_bar_size_and_colour(default_overlays: tuple[Overlay, ...]) -> None:
    bar = by_kind(default_overlays)["progress"]
    brand = load_brand("default")
    with Image.open(bar.image) as im:
        assert im.size == (1080, brand.progress_bar.thickness)
        assert im.convert("RGBA").getpixel((500, 5)) == parse_colour(brand.colours.accent)
    assert bar.y + brand.progress_bar.thickness == BOX[3]  # on the safe box's bottom edge


def test_end_card_is_opaque_brand_colour_with_text(default_overlays: tuple[Overlay, ...]) -> None:
    brand = load_brand("default")
    with Image.open(by_kind(default_overlays)["end_card"].image) as im:
        card = im.convert("RGBA")
    primary = parse_colour(brand.colours.primary)
    assert card.getpixel((5, 5)) == primary and card.getpixel((1075, 1915)) == primary
    # The cta is drawn in the text colour (white) around the safe box centre, the handle in accent.
    middle = card.crop((BOX[0], 600, BOX[2], 1000)).convert("RGB")
    colours = {c for _, c in middle.getcolors(1 << 20)}
    assert (255, 255, 255) in colours and parse_colour(brand.colours.accent)[:3] in colours


def test_lower_third_plate_and_stripe(default_overlays: tuple[Overlay, ...]) -> None:
    brand = load_brand("default")
    with Image.open(by_kind(default_overlays)["lower_third"].image) as im:
        plate = im.convert("RGBA")
    w, h = plate.size
    assert 200 < w < BOX[2] - BOX[0] and 80 < h < 250
    r, g, b = parse_colour(brand.colours.primary)[:3]
    assert plate.getpixel((w - 3, 3)) == (r, g, b, round(255 * 0.92))
    assert plate.getpixel((2, h // 2))[:3] == parse_colour(brand.colours.accent)[:3]  # the bar's stripe


def test_logo_scale_opacity(tmp_path: Path) -> None:
    brand = load_brand(child(tmp_path, "logo:\n  scale: 0.2\n  opacity: 0.5\n  corner: bottom-right\n"))
    logo = by_kind(build_overlays(brand, ctx(), tmp_path / "ov"))["logo"]
    with Image.open(logo.image) as im:
        assert im.width == 216 and im.height == 216
        centre_alpha = im.convert("RGBA").getpixel((108, 108))[3]
    assert centre_alpha == round(255 * 0.5)
    assert (logo.x + 216, logo.y + 216) == (BOX[2] - 24, BOX[3] - 24)


def test_brand_colour_hook_is_full_frame(tmp_path: Path) -> None:
    brand = load_brand("civic")
    hook = by_kind(build_overlays(brand, ctx(), tmp_path))["hook"]
    with Image.open(hook.image) as im:
        assert im.size == (1080, 1920)
        assert im.convert("RGBA").getpixel((10, 10)) == parse_colour(brand.colours.primary)
    assert (hook.x, hook.y) == (0, 0)


def test_watermark_and_disabled_parts(tmp_path: Path) -> None:
    brand = load_brand(child(tmp_path, 'watermark:\n  text: "DRAFT"\n  opacity: 0.4\nprogress_bar:\n  enabled: false\n'
                                       'hook:\n  enabled: false\ncallouts:\n  enabled: false\n'))
    kinds = [ov.kind for ov in build_overlays(brand, ctx(), tmp_path / "ov")]
    assert kinds == ["watermark", "logo", "lower_third", "end_card"]
    wm = by_kind(build_overlays(brand, ctx(), tmp_path / "ov"))["watermark"]
    with Image.open(wm.image) as im:
        alphas = {a for *_, a in im.convert("RGBA").getdata()}
    assert max(alphas) == round(255 * 0.4)


def test_content_addressed_reuse_and_change(tmp_path: Path) -> None:
    brand = load_brand("default")
    first = build_overlays(brand, ctx(), tmp_path)
    mtimes = {ov.image: Path(ov.image).stat().st_mtime_ns for ov in first}
    again = build_overlays(brand, ctx(), tmp_path)
    assert first == again
    assert {ov.image: Path(ov.image).stat().st_mtime_ns for ov in again} == mtimes  # not redrawn
    other = by_kind(build_overlays(brand, ctx(cta="Something else"), tmp_path))
    assert other["end_card"].image != by_kind(first)["end_card"].image
    assert other["logo"].image == by_kind(first)["logo"].image


def test_no_texts_no_cards(tmp_path: Path) -> None:
    brand = load_brand(child(tmp_path, 'handle: ""\n'))
    kinds = [ov.kind for ov in build_overlays(brand, ctx(hook=None, cta=None, lower_thirds=(), callouts=()),
                                              tmp_path / "ov")]
    assert kinds == ["progress", "logo"]
