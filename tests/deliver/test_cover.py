"""Cover image: picks a sharp frame of the clean picture, draws the title inside the safe box,
writes atomically (pixels of the clean picture in real renders: test_cover_clean.py).

Sources are 540x960 (half size: the cover keeps the plan's frame size, so nothing here needs
1080x1920), 4 s at 10 fps; one half is blurred with gblur.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reelkit.deliver.cover import draw_title, make_cover, sharpness
from reelkit.errors import InputError
from reelkit.io.ffmpeg import ffmpeg_exe
from reelkit.io.probe import probe
from reelkit.plan.model import Crop, Cut, Plan, Source

FONT = Path(__file__).resolve().parents[2] / "brand" / "default" / "fonts" / "DejaVuSans-Bold.ttf"
BOX = (40, 140, 470, 620)


def make_video(out: Path, blur_when: str) -> Path:
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                    "-f", "lavfi", "-i", "testsrc2=s=540x960:r=10:d=4",
                    "-vf", f"gblur=sigma=8:enable='{blur_when}'",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(out)],
                   check=True, capture_output=True)
    return out


def plan_of(video: Path) -> Plan:
    info = probe(video)
    src = Source(id="s0", path=str(video), duration=info.duration, width=540, height=960, rotation=0, fps=10.0,
                 has_video=True, has_audio=False, audio_rate=0)
    return Plan(title="t", slug="t", width=540, height=960, fps=10.0, duration=4.0, sources=(src,),
                cuts=(Cut("s0", 0.0, 4.0, 0.0, 4.0, "crop", Crop(0, 0, 540, 960)),))


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


@pytest.mark.parametrize("name", ["blur_first", "blur_last"])
def test_picks_sharp_frames_and_writes_runners_up(videos: dict[str, Path], tmp_path: Path, name: str) -> None:
    out = tmp_path / "cover.png"
    written = make_cover(plan_of(videos[name]), out, title="", font_file=FONT, safe_box=BOX, candidates=2)
    assert written == [out, tmp_path / "cover-2.png"]
    chosen = np.asarray(Image.open(out).convert("L"))
    assert chosen.shape == (960, 540)
    # The same source decoded half-blurred: the chosen frame is from the sharp half.
    blurred = make_video(tmp_path / "all_blur.mp4", "1")
    reference = make_cover(plan_of(blurred), tmp_path / "blur.png", title="", font_file=FONT, safe_box=BOX,
                           candidates=1)
    assert sharpness(chosen) > 3 * sharpness(np.asarray(Image.open(reference[0]).convert("L")))


def test_title_is_drawn_inside_the_safe_box_only() -> None:
    rng = np.random.default_rng(2)
    plain = Image.fromarray(rng.integers(60, 200, (960, 540, 3)).astype(np.uint8))
    titled = draw_title(plain, "How the harbour crews pull out a stranded boat", FONT, box=BOX,
                        text_colour="#00FF00", box_colour="#000000")
    a = np.asarray(plain).astype(int)
    b = np.asarray(titled)
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


def test_written_atomically_and_errors_are_clear(videos: dict[str, Path], tmp_path: Path) -> None:
    plan = plan_of(videos["blur_first"])
    out = tmp_path / "c.png"
    make_cover(plan, out, title="Hi", font_file=FONT, safe_box=BOX, candidates=1)
    assert [p.name for p in tmp_path.iterdir()] == ["c.png"]  # no partial file left
    with pytest.raises(InputError, match="font file not found"):
        make_cover(plan, out, title="Hi", font_file=tmp_path / "none.ttf", safe_box=BOX)
    with pytest.raises(InputError, match="does not lie inside"):
        make_cover(plan, out, title="Hi", font_file=FONT, safe_box=(0, 0, 600, 100))
    with pytest.raises(InputError, match="not a colour"):
        make_cover(plan, out, title="Hi", font_file=FONT, safe_box=BOX, text_colour="glow", candidates=1)
    assert [p.name for p in tmp_path.iterdir()] == ["c.png"]


def test_face_bonus_prefers_frames_with_a_tracked_face() -> None:
    from types import SimpleNamespace

    from reelkit.deliver.cover import _face_bonus
    from reelkit.plan.model import LayoutBox

    plan = SimpleNamespace(width=1000, height=1000, layout=(
        LayoutBox("face", 0, 0, 100, 200, 1.0, 1.5), LayoutBox("face", 0, 0, 300, 400, 2.5, 3.5),
        LayoutBox("caption", 0, 0, 1000, 1000, 0.0, 9.0)))
    assert _face_bonus(plan, 1.2) == pytest.approx(1.08)  # a face of 2 % of the frame
    assert _face_bonus(plan, 3.0) == pytest.approx(1.48)  # 12 % of the frame
    assert _face_bonus(plan, 2.0) == 1.0  # no face on screen then (captions do not count)
    assert _face_bonus(SimpleNamespace(width=10, height=10, layout=()), 1.0) == 1.0  # sharpness only



def _numbered_video(out: Path, gop: int) -> Path:
    """6 s at 10 fps, 540 px wide: frame n shows a white bar 9n px wide from the left edge; a
    keyframe every ``gop`` frames and nowhere else."""
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                    "-f", "lavfi", "-i", "color=c=black:s=540x960:r=10:d=6",
                    "-vf", "geq=lum='if(lt(X,9*N),235,16)':cb=128:cr=128",
                    "-c:v", "libx264", "-preset", "ultrafast", "-g", str(gop), "-keyint_min", str(gop),
                    "-sc_threshold", "0", "-bf", "2", "-qp", "0", "-pix_fmt", "yuv420p", str(out)],
                   check=True, capture_output=True)  # lossless: each frame keeps its exact grey
    return out


def test_candidates_sit_just_after_keyframes_inside_their_cut(tmp_path: Path) -> None:
    """With a keyframe every second, candidates move back to the keyframe before them (one frame
    decoded instead of up to a GOP), never into a part of the source that the cut leaves out,
    and the rank pass decodes exactly the frame the candidate names."""
    from reelkit.deliver.cover import keyframe_picks
    from reelkit.render import graph
    from reelkit.io.ffmpeg import run_ffmpeg

    video = _numbered_video(tmp_path / "gop10.mp4", 10)
    base = plan_of(video)
    plan = Plan(title="t", slug="t", width=540, height=960, fps=10.0, duration=3.5, sources=base.sources,
                cuts=(Cut("s0", 2.5, 6.0, 0.0, 3.5, "crop", Crop(0, 0, 540, 960)),))
    times = [0.3, 0.75, 1.2, 1.9, 2.6, 3.3]  # source 2.8, 3.25, 3.7, 4.4, 5.1, 5.8
    picks = keyframe_picks(plan, times)
    sources = [src for _, _, src in picks]
    # Keyframes 3, 4 and 5 s (+ a quarter frame), each once; 2.8 s would have needed the
    # keyframe at 2.0 s, before the cut starts (2.5 s): it is not moved there. Three of six
    # candidates are enough, so no exact (costly) times are added.
    assert sources == pytest.approx([3.025, 4.025, 5.025])
    for t, cut, src in picks:
        assert cut.src_start <= src < cut.src_end
        assert t == pytest.approx(cut.out_start + src - cut.src_start)
    # The decoded rank frames are the frames named (the bar's width gives the frame number):
    # the first frame at or after each time.
    out = tmp_path / "frames.gray"
    run_ffmpeg(graph.clean_frames_args(plan, [(c, s) for _, c, s in picks], gray_size=(540, 4), out=str(out)),
               stage="test")
    rows = np.frombuffer(out.read_bytes(), np.uint8).reshape(len(picks), 4, 540)[:, 2, :]
    numbers = [round(int((row > 128).sum()) / 9) for row in rows]
    assert numbers == [31, 41, 51]


def test_sparse_keyframes_keep_enough_candidates_across_the_window(tmp_path: Path) -> None:
    """One keyframe in the whole clip: candidates stay at least half the samples, spread over
    the window rather than bunched at its start."""
    from reelkit.deliver.cover import keyframe_picks

    plan = plan_of(_numbered_video(tmp_path / "gop-long.mp4", 600))
    times = [0.5 + k * 0.5 for k in range(6)]  # 0.5 ... 3.0
    picks = keyframe_picks(plan, times)
    chosen = [t for t, _, _ in picks]
    assert len(picks) == 3
    assert min(chosen) <= 0.6 and max(chosen) >= 2.9
