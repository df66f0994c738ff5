"""Captions as pixels: ASS scripts rendered by ffmpeg's libass over a flat grey frame, and
the Pillow-drawn emoji overlays.

Frames are 540x960 (half of 1080x1920) with style sizes halved, to keep the renders cheap.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reelkit.captions import ass_filter, split_pillow_pages, write_ass
from reelkit.captions import pillow_pages
from reelkit.io.ffmpeg import run_ffmpeg
from reelkit.plan.model import CaptionPage, CaptionStyle, Word

FONTS = Path(__file__).resolve().parents[2] / "brand" / "default" / "fonts"
BOLD = str(FONTS / "DejaVuSans-Bold.ttf")
W, H = 540, 960
Y = 575  # caption block centre
STYLE = CaptionStyle(font_file=BOLD, font_size=32, position_y=Y, margin_x=55, outline=1.5,
                     shadow=0.0)
GREEN = "#00FF00"

ARABIC = ["\u0645\u0631\u062d\u0628\u0627", "\u0628\u0627\u0644\u0639\u0627\u0644\u0645"]  # "hello" "world"
HEBREW = ["\u05e9\u05dc\u05d5\u05dd", "\u05e2\u05d5\u05dc\u05dd"]  # "shalom" "olam"
TOFU = "\ue000"  # private use: no font has it, libass draws the missing-glyph box


def one_line(words: list[str], start: float = 0.0, step: float = 1.0, dur: float = 0.5,
             end: float | None = None) -> CaptionPage:
    ws = tuple(Word(w, start + i * step, start + i * step + dur) for i, w in enumerate(words))
    return CaptionPage(start, end if end is not None else ws[-1].end + 0.5, (ws,))


def render(tmp_path: Path, pages, style: CaptionStyle, t: float = 0.2, name: str = "c") -> np.ndarray:
    """The frame at ``t`` seconds as an int array (H, W, 3)."""
    ass = tmp_path / f"{name}.ass"
    png = tmp_path / f"{name}-{t:.2f}.png"
    write_ass(pages, style, W, H, ass)
    run_ffmpeg(["-f", "lavfi", "-i", f"color=c=gray:s={W}x{H}:r=25:d={t + 0.2:.2f}",
                "-vf", ass_filter(ass, FONTS), "-ss", f"{t:.2f}", "-frames:v", "1", str(png)],
               stage="test")
    return np.asarray(Image.open(png).convert("RGB")).astype(int)


def ink(frame: np.ndarray) -> np.ndarray:
    """Pixels that differ from the grey background."""
    bg = frame[0, 0]
    return np.abs(frame - bg).max(axis=2) > 40


def colour_mask(frame: np.ndarray, rgb: tuple[int, int, int], tol: int = 40) -> np.ndarray:
    return (np.abs(frame - np.array(rgb)) <= tol).all(axis=2)


def test_text_only_in_band_centred_on_position_y(tmp_path: Path) -> None:
    page = CaptionPage(0.0, 1.0, ((Word("Water", 0, 0.3), Word("main", 0.3, 0.6)),
                                  (Word("burst", 0.6, 0.9),)))
    style = CaptionStyle(**{**STYLE.__dict__, "box_opacity": 0.0})
    frame = render(tmp_path, [page], style)
    rows, cols = np.nonzero(ink(frame))
    assert rows.size > 500
    # Two lines of a 32 px font: the block spans about 64 px around the centre.
    assert Y - 40 <= rows.min() and rows.max() <= Y + 40
    assert abs((rows.min() + rows.max()) / 2 - Y) <= 6
    assert 55 <= cols.min() and cols.max() <= W - 55
    assert abs((cols.min() + cols.max()) / 2 - W / 2) <= 4
    # Another position_y moves the block there.
    moved = render(tmp_path, [page], CaptionStyle(**{**style.__dict__, "position_y": 200}), name="m")
    rows2, _ = np.nonzero(ink(moved))
    assert abs((rows2.min() + rows2.max()) / 2 - 200) <= 6


def test_classic_draws_translucent_box_around_text(tmp_path: Path) -> None:
    page = one_line(["Boil", "water"])
    frame = render(tmp_path, [page], STYLE)
    clear = render(tmp_path, [page], CaptionStyle(**{**STYLE.__dict__, "box_opacity": 0.0}), name="n")
    text_cols = np.nonzero(ink(clear))[1]
    text_rows = np.nonzero(ink(clear))[0]
    # Pixels a few px outside the text on each side: grey without a box; black at 60 %
    # over grey 128 (about 51) with the box.
    probes = [(Y, text_cols.min() - 4), (Y, text_cols.max() + 4),
              (text_rows.min() - 4, W // 2), (text_rows.max() + 4, W // 2)]
    for y, x in probes:
        assert abs(clear[y, x] - 128).max() <= 2
        assert abs(frame[y, x] - 51).max() <= 6
    # The box is one rectangle: far outside it, grey again.
    assert abs(frame[Y, text_cols.min() - 40] - 128).max() <= 2
    assert abs(frame[text_rows.min() - 40, W // 2] - 128).max() <= 2


def test_text_colour_changes_pixels(tmp_path: Path) -> None:
    page = one_line(["Notice"])
    white = render(tmp_path, [page], STYLE, name="w")
    red = render(tmp_path, [page], CaptionStyle(**{**STYLE.__dict__, "text_colour": "#FF0000"}), name="r")
    assert colour_mask(white, (255, 0, 0)).sum() == 0
    assert colour_mask(white, (255, 255, 255), tol=20).sum() > 200
    assert colour_mask(red, (255, 0, 0)).sum() > 200
    assert colour_mask(red, (255, 255, 255), tol=20).sum() == 0


def test_karaoke_accent_only_while_word_is_spoken(tmp_path: Path) -> None:
    page = one_line(["one", "two"], step=1.0, dur=0.4, end=2.0)  # one 0-0.4, two 1.0-1.4
    style = CaptionStyle(**{**STYLE.__dict__, "style": "karaoke", "accent_colour": GREEN})
    first = render(tmp_path, [page], style, t=0.2)
    pause = render(tmp_path, [page], style, t=0.7)
    second = render(tmp_path, [page], style, t=1.2)
    for frame in (first, pause, second):
        assert ink(frame).sum() > 300  # the whole page stays visible
    assert colour_mask(pause, (0, 255, 0)).sum() == 0
    g1 = np.nonzero(colour_mask(first, (0, 255, 0)))[1]
    g2 = np.nonzero(colour_mask(second, (0, 255, 0)))[1]
    assert g1.size > 100 and g2.size > 100
    assert g1.max() < W / 2 < g2.min()  # "one" is left of centre, "two" right


@pytest.mark.parametrize("words", [ARABIC, HEBREW], ids=["arabic", "hebrew"])
def test_rtl_first_word_drawn_on_the_right(tmp_path: Path, words: list[str]) -> None:
    page = one_line(words, step=1.0, dur=0.4, end=2.0)
    style = CaptionStyle(**{**STYLE.__dict__, "style": "karaoke", "accent_colour": GREEN})
    first = np.nonzero(colour_mask(render(tmp_path, [page], style, t=0.2), (0, 255, 0)))[1]
    second = np.nonzero(colour_mask(render(tmp_path, [page], style, t=1.2), (0, 255, 0)))[1]
    assert first.size > 50 and second.size > 50
    assert first.min() > second.max()  # the first word lies wholly right of the second


def _ink_mask(tmp_path: Path, text: str, name: str) -> np.ndarray:
    style = CaptionStyle(**{**STYLE.__dict__, "box_opacity": 0.0, "outline": 0.0})
    words = text.split()
    return ink(render(tmp_path, [one_line(words, step=0.0, dur=1.0, end=1.0)], style, name=name))


@pytest.mark.parametrize("text", ["\u00c9lan \u00e7a d\u00e9j\u00e0 na\u00efve", " ".join(ARABIC),
                                  " ".join(HEBREW)], ids=["latin", "arabic", "hebrew"])
def test_non_ascii_text_draws_glyphs_not_missing_boxes(tmp_path: Path, text: str) -> None:
    real = _ink_mask(tmp_path, text, "real")
    tofu = _ink_mask(tmp_path, " ".join(TOFU * len(w) for w in text.split()), "tofu")
    assert real.sum() > 300 and tofu.sum() > 300
    overlap = (real & tofu).sum() / (real | tofu).sum()
    assert overlap < 0.35


def test_accent_marks_are_drawn(tmp_path: Path) -> None:
    plain = np.nonzero(_ink_mask(tmp_path, "EEE", "e"))[0]
    accented = np.nonzero(_ink_mask(tmp_path, "\u00c9\u00c9\u00c9", "eacute"))[0]
    assert accented.min() < plain.min() - 3  # the acute sits above the capital
    assert accented.max() == plain.max()


def test_arabic_letters_are_joined(tmp_path: Path) -> None:
    # Three behs shaped as initial-medial-final are much narrower than three isolated behs.
    joined = np.nonzero(_ink_mask(tmp_path, "\u0628\u0628\u0628", "joined"))[1]
    single = np.nonzero(_ink_mask(tmp_path, "\u0628", "single"))[1]
    assert joined.max() - joined.min() < 2.4 * (single.max() - single.min())


def test_pop_group_scales_in(tmp_path: Path) -> None:
    page = one_line(["Fresh", "water"], step=0.25, dur=0.2, end=2.0)
    style = CaptionStyle(**{**STYLE.__dict__, "style": "pop"})
    early = np.nonzero(ink(render(tmp_path, [page], style, t=0.0)))[1]
    late = np.nonzero(ink(render(tmp_path, [page], style, t=0.5)))[1]
    assert early.size and late.size
    assert (early.max() - early.min()) < 0.8 * (late.max() - late.min())


def test_boxed_accent_box_behind_spoken_word_only(tmp_path: Path) -> None:
    page = one_line(["one", "two"], step=1.0, dur=0.4, end=2.0)
    style = CaptionStyle(**{**STYLE.__dict__, "style": "boxed", "accent_colour": GREEN})
    first = colour_mask(render(tmp_path, [page], style, t=0.2), (0, 255, 0), tol=10)
    pause = colour_mask(render(tmp_path, [page], style, t=0.7), (0, 255, 0), tol=10)
    cols = np.nonzero(first)[1]
    assert first.sum() > 500 and cols.max() < W / 2
    assert pause.sum() == 0


def test_weird_paths_work_through_ass_filter(tmp_path: Path) -> None:
    weird = tmp_path / "it's a \"dir\", [x]: ün;ï"
    fonts = weird / "fonts, [b]: 'q' "
    fonts.mkdir(parents=True)
    shutil.copy(BOLD, fonts / "DejaVuSans-Bold.ttf")
    ass = weird / "caps: [1], 'a' ü.ass"
    write_ass([one_line(["Weird", "path"])], STYLE, W, H, ass)
    png = tmp_path / "out.png"
    log = run_ffmpeg(["-loglevel", "info", "-f", "lavfi", "-i", f"color=c=gray:s={W}x{H}:d=0.5",
                      "-vf", ass_filter(ass, fonts), "-frames:v", "1", str(png)], stage="test")
    assert f"Loading font file '{os.fspath(fonts)}/DejaVuSans-Bold.ttf'" in log
    frame = np.asarray(Image.open(png).convert("RGB")).astype(int)
    assert ink(frame).sum() > 300


# --- Pillow-drawn emoji pages ---------------------------------------------------------------

def _saturated(rgba: np.ndarray) -> np.ndarray:
    rgb = rgba[..., :3].astype(int)
    hi, lo = rgb.max(axis=2), rgb.min(axis=2)
    return (rgba[..., 3] > 200) & (hi > 120) & (hi - lo > 90)


def test_emoji_page_becomes_colour_overlay(tmp_path: Path) -> None:
    emoji_page = one_line(["Boil", "\U0001F4A7", "water"], end=3.0)
    plain_page = one_line(["Then", "drink"], start=5.0)
    ass_pages, overlays = split_pillow_pages([emoji_page, plain_page], STYLE, W, H, tmp_path / "ov")
    assert ass_pages == (plain_page,)
    (ov,) = overlays
    assert (ov.kind, ov.start, ov.end) == ("caption", 0.0, 3.0)
    img = np.asarray(Image.open(ov.image).convert("RGBA"))
    h, w = img.shape[:2]
    assert abs(ov.y + h / 2 - Y) <= 3
    assert abs(ov.x + w / 2 - W / 2) <= 3
    sat = _saturated(img)
    ys, xs = np.nonzero(sat)
    assert sat.sum() > 100
    # The drop is blue and sits between the two words.
    assert img[sat][:, 2].mean() > img[sat][:, 0].mean() + 50
    white = (img[..., :3] > 235).all(axis=2) & (img[..., 3] > 250)
    wx = np.nonzero(white)[1]
    assert wx.min() < xs.min() and xs.max() < wx.max()
    # Box behind the text: translucent black.
    assert (np.abs(img[..., 3].astype(int) - round(255 * STYLE.box_opacity)) <= 1).sum() > 1000


def test_emoji_overlays_are_reused_by_content(tmp_path: Path) -> None:
    page = one_line(["Hot", "\u2615"])
    _, first = split_pillow_pages([page], STYLE, W, H, tmp_path)
    stamp = os.stat(first[0].image).st_mtime_ns
    _, again = split_pillow_pages([page], STYLE, W, H, tmp_path)
    assert again == first and os.stat(again[0].image).st_mtime_ns == stamp
    _, other = split_pillow_pages([page], CaptionStyle(**{**STYLE.__dict__, "text_colour": "#FF0000"}),
                                  W, H, tmp_path)
    assert other[0].image != first[0].image
    assert len(list(tmp_path.glob("caption-*.png"))) == 2


def test_karaoke_emoji_page_one_png_per_state(tmp_path: Path) -> None:
    page = one_line(["Go", "\U0001F680", "now"], step=1.0, dur=0.4, end=3.0)
    style = CaptionStyle(**{**STYLE.__dict__, "style": "karaoke", "accent_colour": GREEN})
    _, overlays = split_pillow_pages([page], style, W, H, tmp_path)
    assert [(o.start, o.end) for o in overlays] == [(0.0, 0.4), (0.4, 1.0), (1.0, 1.4), (1.4, 2.0),
                                                    (2.0, 2.4), (2.4, 3.0)]
    green = [colour_mask(np.asarray(Image.open(o.image).convert("RGB")).astype(int), (0, 255, 0)).sum()
             for o in overlays]
    assert green[0] > 50 and green[1] == 0 and green[4] > 50 and green[5] == 0


def test_missing_emoji_font_draws_text_and_warns(tmp_path: Path, monkeypatch, caplog) -> None:
    monkeypatch.setattr(pillow_pages, "SYSTEM_EMOJI_FONT", str(tmp_path / "none.ttf"))
    style = CaptionStyle(**{**STYLE.__dict__, "emoji_font": str(tmp_path / "missing.ttf")})
    with caplog.at_level(logging.WARNING, logger="reelkit.captions.pillow_pages"):
        _, overlays = split_pillow_pages([one_line(["Boil", "\U0001F4A7", "water"])], style, W, H, tmp_path)
    assert "no colour emoji font" in caplog.text
    img = np.asarray(Image.open(overlays[0].image).convert("RGBA"))
    assert _saturated(img).sum() == 0
    assert ((img[..., :3] > 235).all(axis=2) & (img[..., 3] > 250)).sum() > 200


def test_pillow_page_matches_libass_geometry(tmp_path: Path, monkeypatch) -> None:
    """Without an emoji font the Pillow page is the bare text: its box and text must land where
    libass puts them for the same page."""
    monkeypatch.setattr(pillow_pages, "SYSTEM_EMOJI_FONT", str(tmp_path / "none.ttf"))
    words = [["Boil", "water", "\U0001F4A7"], ["before", "drinking"]]
    ws = [[Word(w, 0.0, 1.0) for w in line] for line in words]
    page = CaptionPage(0.0, 1.0, tuple(tuple(line) for line in ws))
    _, (ov,) = split_pillow_pages([page], STYLE, W, H, tmp_path)
    img = np.asarray(Image.open(ov.image).convert("RGBA")).astype(int)
    drawn = np.zeros((H, W, 4), dtype=int)
    drawn[ov.y:ov.y + img.shape[0], ov.x:ov.x + img.shape[1]] = img
    bare = CaptionPage(0.0, 1.0, (tuple(ws[0][:2]), tuple(ws[1])))
    frame = render(tmp_path, [bare], STYLE, t=0.5)

    def bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
        rows, cols = np.nonzero(mask)
        return rows.min(), rows.max(), cols.min(), cols.max()

    pil_box = bbox(drawn[..., 3] > 100)
    ass_box = bbox(np.abs(frame - 51).max(axis=2) <= 6)
    assert all(abs(a - b) <= 3 for a, b in zip(pil_box, ass_box)), (pil_box, ass_box)
    pil_text = bbox((drawn[..., :3] > 235).all(axis=2) & (drawn[..., 3] > 250))
    ass_text = bbox((frame > 235).all(axis=2))
    assert all(abs(a - b) <= 3 for a, b in zip(pil_text, ass_text)), (pil_text, ass_text)


def test_pillow_rtl_page_first_word_on_the_right(tmp_path: Path) -> None:
    page = one_line([*ARABIC, "\U0001F4A7"], step=1.0, dur=0.4, end=3.0)
    style = CaptionStyle(**{**STYLE.__dict__, "style": "karaoke", "accent_colour": GREEN})
    _, overlays = split_pillow_pages([page], style, W, H, tmp_path)
    lit = [np.nonzero(colour_mask(np.asarray(Image.open(o.image).convert("RGB")).astype(int),
                                  (0, 255, 0)))[1] + o.x for o in overlays if o.start in (0.0, 1.0)]
    first, second = lit
    assert first.size > 50 and second.size > 50
    assert first.min() > second.max()
    # The drop (third word) is the leftmost thing on the line.
    img = np.asarray(Image.open(overlays[0].image).convert("RGBA")).astype(int)
    blue = _saturated(img) & (img[..., 2] > img[..., 0] + 50) & (img[..., 2] > img[..., 1] + 20)
    drop_x = np.nonzero(blue)[1] + overlays[0].x
    assert drop_x.size > 50 and drop_x.max() < second.min()
