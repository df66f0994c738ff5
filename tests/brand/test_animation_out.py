"""lower_third.animation_out: `slide` moves the plate out to the left while it fades, in the
plan and in both engines' pictures (it was validated and then ignored)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from reelkit.brand import load_brand
from reelkit.brand.overlays import LowerThirdCue, OverlayContext, build_overlays
from reelkit.io.ffmpeg import run_ffmpeg
from reelkit.io.probe import probe
from reelkit.plan.model import Crop, Cut, Overlay, Plan, Source
from reelkit.plan.platforms import get_platform, load_platforms
from reelkit.render.ffmpeg_engine import RenderOptions, render_plan

REPO_BRAND = Path(__file__).resolve().parents[2] / "brand"
W, H = 320, 568


def _brand(tmp_path: Path, out: str):  # type: ignore[no-untyped-def]
    folder = tmp_path / f"b-{out}"
    folder.mkdir()
    (folder / "brand.yaml").write_text(f"extends: {REPO_BRAND / 'default'}\nlower_third:\n"
                                       f"  animation_in: fade\n  animation_out: {out}\n", encoding="utf-8")
    return load_brand(folder)


def test_animation_out_reaches_the_plan(tmp_path: Path) -> None:
    ctx = OverlayContext(width=1080, height=1920, duration=6.0, title="T", hook=None, cta=None,
                         lower_thirds=(LowerThirdCue("Anna", "Engineer", 1.0, 4.0),), callouts=(),
                         safe_box=(65, 270, 930, 1248))
    for out in ("fade", "slide"):
        plate = next(o for o in build_overlays(_brand(tmp_path, out), ctx, tmp_path) if o.kind == "lower_third")
        assert plate.motion == "static" and plate.motion_out == ("slide" if out == "slide" else "static")
        assert plate.fade_out > 0


def _red_columns(frame: np.ndarray, y: int) -> np.ndarray:
    row = frame[y].astype(int)
    return np.flatnonzero((row[:, 0] - row[:, 2]) > 25)


def test_slide_out_moves_the_plate_left_in_the_render(tmp_path: Path) -> None:
    clip = tmp_path / "black.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", f"color=black:s={W}x{H}:r=30:d=2.5", "-c:v", "libx264", "-preset",
                "ultrafast", str(clip)], stage="test clip")
    info = probe(clip)
    src = Source(id="s0", path=str(clip), duration=info.duration, width=W, height=H, rotation=0, fps=30.0,
                 has_video=True, has_audio=False, audio_rate=0)
    png = tmp_path / "plate.png"
    Image.new("RGBA", (60, 30), (255, 0, 0, 255)).save(png)
    plate = Overlay("lower_third", str(png), 120, 300, 0.0, 2.0, fade_out=1.0, motion_out="slide")
    spec = get_platform("tiktok", load_platforms()).output_spec(str(tmp_path / "out.mp4"))
    plan = Plan(title="t", slug="t", width=W, height=H, fps=30.0, duration=2.0, sources=(src,),
                cuts=(Cut("s0", 0.0, 2.0, 0.0, 2.0, "crop", Crop(0, 0, W, H)),), overlays=(plate,),
                outputs=(spec,))
    out = render_plan(plan, ass_filter=None, options=RenderOptions(x264_preset="ultrafast")).files["tiktok"]
    frames = tmp_path / "f%d.png"
    run_ffmpeg(["-i", str(out), "-vf", "select='eq(n\\,15)+eq(n\\,45)'", "-fps_mode", "passthrough",
                str(frames)], stage="test frames")
    still = _red_columns(np.asarray(Image.open(tmp_path / "f1.png").convert("RGB")), 315)
    leaving = _red_columns(np.asarray(Image.open(tmp_path / "f2.png").convert("RGB")), 315)
    assert abs(int(still[0]) - 120) <= 2 and abs(int(still[-1]) - 179) <= 2  # at rest before the fade-out
    # 1.5 s: half way out, eased: x = 120 - (120 + 60) * 0.5 ** 2 = 75.
    assert leaving.size and abs(int(leaving[0]) - 75) <= 3, leaving[:3]


def test_moviepy_slide_out_position(tmp_path: Path) -> None:
    from reelkit.render.moviepy_engine import overlay_clip

    png = tmp_path / "plate.png"
    Image.new("RGBA", (60, 30), (255, 0, 0, 255)).save(png)
    plate = Overlay("lower_third", str(png), 120, 300, 0.0, 2.0, fade_out=1.0, motion_out="slide")
    plan = Plan(title="t", slug="t", width=W, height=H, fps=30.0, duration=2.0, sources=(), cuts=())
    clip = overlay_clip(plan, plate)
    assert clip.pos(0.5)[0] == 120 and abs(clip.pos(1.5)[0] - 75) <= 1
