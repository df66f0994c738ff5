"""Cover image: picks a sharp frame, draws the title inside the safe box, writes atomically.

Videos are 540x960 (half size: the cover keeps the video's frame size, so nothing here needs
1080x1920), 4 s at 10 fps; one half is blurred with gblur.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reelkit.deliver.cover import default_safe_box, grab_frame, make_cover, sharpness
from reelkit.errors import InputError, MediaError
from reelkit.io.ffmpeg import ffmpeg_exe

FONT = Path(__file__).resolve().parents[1] / "brand" / "default" / "fonts" / "DejaVuSans-Bold.ttf"
BOX = (40, 140, 470, 620)


def make_video(out: Path, blur_when: str) -> Path:
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                    "-f", "lavfi", "-i", "testsrc2=s=540x960:r=10:d=4",
                    "-vf", f"gblur=sigma=8:enable='{blur_when}'",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(out)],
                   check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("cover")
    return {"blur_first": make_video(d / "blur_first.mp4", "lt(t,2)"),
            "blur_last": make_video(d / "blur_last.mp4", "gte(t,2)")}


def test_sharpness_ranks_blur_below_detail() -> None:
    rng = np.random.default_rng(1)
    noise = rng.integers(0, 256, (480, 270)).astype(np.uint8)
    flat = np.full((480, 270), 128, np.uint8)
    smooth = np.tile(np.linspace(0, 255, 270), (480, 1)).astype(np.uint8)
    assert sharpness(noise) > sharpness(smooth) >= sharpness(flat) == 0.0


@pytest.mark.parametrize(("name", "sharp_half"), [("blur_first", (2.0, 4.0)), ("blur_last", (0.0, 2.0))])
def test_picks_a_frame_from_the_sharp_half(videos: dict[str, Path], tmp_path: Path, name: str,
                                           sharp_half: tuple[float, float]) -> None:
    out = tmp_path / "cover.png"
    chosen = make_cover(videos[name], out, title="", font_file=FONT)
    assert sharp_half[0] <= chosen < sharp_half[1]
    assert 0.2 - 1e-6 <= chosen <= 3.8  # first and last 5 % skipped
    with Image.open(out) as img:
        assert img.size == (540, 960)
    # The cover is the frame at the time returned, and that frame is sharp.
    blurred = grab_frame(videos[name], 3.0 if name == "blur_last" else 1.0)
    picked = grab_frame(videos[name], chosen)
    assert sharpness(np.asarray(picked.convert("L"))) > 3 * sharpness(np.asarray(blurred.convert("L")))


def test_title_is_drawn_inside_the_safe_box_only(videos: dict[str, Path], tmp_path: Path) -> None:
    plain, titled = tmp_path / "plain.png", tmp_path / "titled.png"
    assert make_cover(videos["blur_first"], plain, title="", font_file=FONT, at=2.5) == 2.5
    make_cover(videos["blur_first"], titled, title="How the harbour crews pull out a stranded boat",
               font_file=FONT, text_colour="#00FF00", box_colour="#000000", at=2.5, safe_box=BOX)
    a = np.asarray(Image.open(plain).convert("RGB")).astype(int)
    b = np.asarray(Image.open(titled).convert("RGB"))
    changed = np.abs(a - b).sum(axis=2) > 0
    ys, xs = np.nonzero(changed)
    assert len(xs) > 1000
    x0, y0, x1, y1 = BOX
    assert xs.min() >= x0 and xs.max() < x1 and ys.min() >= y0 and ys.max() < y1
    text = np.all(b == (0, 255, 0), axis=2) & changed
    assert text.sum() > 500  # solid glyph pixels in the text colour
    # Box is translucent: a changed pixel that is not text shows the frame darkened, not replaced.
    box_px = changed & ~text
    assert 0 < b[box_px].mean() < a[box_px].mean()
    # Wrapped: text spans several rows of glyphs, all within the box's width.
    assert np.ptp(np.nonzero(text)[0]) > 100


def test_default_safe_box_scales_the_common_box() -> None:
    assert default_safe_box(1080, 1920) == (65, 270, 930, 1248)
    assert default_safe_box(540, 960) == (32, 135, 465, 624)


def test_written_atomically_and_errors_are_clear(videos: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "c.png"
    make_cover(videos["blur_first"], out, title="Hi", font_file=FONT, at=1.0)
    assert [p.name for p in tmp_path.iterdir()] == ["c.png"]  # no partial file left
    with pytest.raises(InputError, match="outside the video"):
        make_cover(videos["blur_first"], out, title="Hi", font_file=FONT, at=9.0)
    with pytest.raises(InputError, match="font file not found"):
        make_cover(videos["blur_first"], out, title="Hi", font_file=tmp_path / "none.ttf")
    with pytest.raises(InputError, match="does not lie inside"):
        make_cover(videos["blur_first"], out, title="Hi", font_file=FONT, at=1.0, safe_box=(0, 0, 600, 100))
    with pytest.raises(InputError, match="not a colour"):
        make_cover(videos["blur_first"], out, title="Hi", font_file=FONT, at=1.0, text_colour="glow")
    notvideo = tmp_path / "x.mp4"
    notvideo.write_text("no", encoding="utf-8")
    with pytest.raises(MediaError):
        make_cover(notvideo, out, title="Hi", font_file=FONT)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.png", "x.mp4"]
