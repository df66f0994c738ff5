"""The MoviePy engine renders the same plan as the default ffmpeg engine, to the same picture.

One tiny plan (a cropped talking clip with a tone, a fitted b-roll clip without audio, a logo,
a progress bar, two caption pages with made-up word times) is rendered by both engines at
1080x1920 for 2.5 s; frames at a caption time, an overlay fade and just after the cut must
agree within 30 dB PSNR, and the MoviePy file must fail no platform rule the default engine's
file passes. (The small sources make every resampling difference five times larger than in a
1080p render, so the check is strict; the engines measured about 41 dB when it was written.)
"""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from media import broll_clip, talking_clip, tone
from reelkit.io.ffmpeg import ffmpeg_exe
from reelkit.plan.model import CaptionPage, CaptionStyle, Cut, Overlay, Plan, Source, Word
from reelkit.plan.platforms import get_platform, load_platforms
from reelkit.io.probe import probe
from reelkit.reframe.crop import crop_region

ROOT = Path(__file__).resolve().parents[2]
FONT = ROOT / "brand" / "default" / "fonts" / "DejaVuSans-Bold.ttf"
LOGO = ROOT / "brand" / "default" / "logo.png"
W, H, FPS = 1080, 1920, 30.0


def _source(sid: str, path: Path) -> Source:
    info = probe(path)
    return Source(id=sid, path=str(path), duration=info.duration, width=info.width, height=info.height,
                  rotation=info.rotation, fps=info.fps, has_video=info.has_video, has_audio=info.has_audio,
                  audio_rate=info.audio_rate)


def _page(start: float, texts: list[str], step: float = 0.3) -> CaptionPage:
    words = tuple(Word(t, start + i * step, start + (i + 1) * step - 0.02) for i, t in enumerate(texts))
    return CaptionPage(start=start, end=words[-1].end + 0.03, lines=(words,))


@pytest.fixture(scope="module")
def tiny_plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    media = tmp_path_factory.mktemp("media")
    voice = tone(media / "voice.wav", duration=2.0, frequency=330, volume_db=-24)
    talk = talking_clip(media / "talk.mp4", voice, size="640x360", fps=FPS, duration=2.0)
    broll = broll_clip(media / "broll.mp4", size="480x360", fps=FPS, duration=1.5)
    bar = media / "bar.png"
    Image.new("RGBA", (W, 16), (255, 212, 0, 230)).save(bar)
    sources = (_source("s0", talk), _source("s1", broll))
    # crop_region gives x=219 here: odd, which ffmpeg's crop rounds down (the engines must agree).
    cuts = (
        Cut("s0", 0.0, 1.5, 0.0, 1.5, "crop", crop_region("crop", 640, 360, W, H)),
        Cut("s1", 0.0, 1.0, 1.5, 2.5, "fit", crop_region("fit", 480, 360, W, H), captions=False),
    )
    # Page 1 from 0.1 to 0.71 s, a gap, page 2 from 0.9 to 1.45 s (before the cut at 1.5 s).
    pages = (_page(0.1, ["Harbour", "Street"]), _page(0.9, ["new", "water", "mains"], step=0.18))
    words = tuple(w for p in pages for w in p.words)
    overlays = (
        Overlay("logo", str(LOGO), 760, 170, 0.0, 2.5, fade_in=0.5),
        Overlay("progress", str(bar), 0, 1700, 0.0, 2.5, motion="progress"),
    )
    tiktok = get_platform("tiktok", load_platforms())
    style = CaptionStyle(font_file=str(FONT), font_family="DejaVu Sans", style="karaoke")
    return Plan(title="Tiny", slug="tiny", width=W, height=H, fps=FPS, duration=2.5, sources=sources, cuts=cuts,
                words=words, pages=pages, caption_style=style, overlays=overlays,
                outputs=(tiktok.output_spec(str(media / "unused.mp4")),))


def _render(plan: Plan, engine: str, folder: Path) -> Path:
    from reelkit.render.engine import RenderOptions
    from reelkit.render.engines import get_engine

    out = replace(plan.outputs[0], path=str(folder / "tiktok.mp4"))
    plan = replace(plan, outputs=(out,))
    result = get_engine(engine)(plan, folder, RenderOptions(), None)
    return result.files["tiktok"]


def _frames(path: Path, indices: list[int]) -> np.ndarray:
    """Decode the frames with these numbers as RGB arrays (one ffmpeg process)."""
    select = "+".join(f"eq(n\\,{i})" for i in indices)
    argv = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-i", str(path), "-vf", f"select={select}",
            "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]
    raw = subprocess.run(argv, capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(len(indices), H, W, 3)


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


@pytest.fixture(scope="module")
def both(tiny_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    ref = _render(tiny_plan, "ffmpeg", tmp_path_factory.mktemp("ffmpeg"))
    mp = _render(tiny_plan, "moviepy", tmp_path_factory.mktemp("moviepy"))
    return ref, mp


@pytest.mark.slow
def test_engines_draw_the_same_picture(both: tuple[Path, Path]) -> None:
    ref, mp = both
    # 0.3 s: logo fading in + first caption page; 1.2 s: second page, karaoke highlight on
    # "water"; frame 46: the fitted b-roll just after the cut at 1.5 s (blurred fill).
    indices = [9, 36, 46]
    a, b = _frames(ref, indices), _frames(mp, indices)
    for k, i in enumerate(indices):
        assert _psnr(a[k], b[k]) >= 30.0, f"frame {i}: {_psnr(a[k], b[k]):.1f} dB"


@pytest.mark.slow
def test_captions_and_overlays_are_drawn_by_both(both: tuple[Path, Path], tiny_plan: Plan) -> None:
    """PSNR alone would pass if both engines forgot the same layer: look at the layers."""
    ref, mp = both
    a, b = _frames(ref, [24, 36, 46]), _frames(mp, [24, 36, 46])
    y = tiny_plan.caption_style.position_y
    band = slice(y - 60, y + 60)
    for frames in (a, b):
        # The caption band holds white text at 1.2 s, and none in the gap between pages (0.8 s).
        assert (frames[1, band] > 230).all(axis=-1).sum() > 500
        assert (frames[0, band] > 230).all(axis=-1).sum() < 50
        # The progress bar at 1.53 s covers about 61 % of the width (yellow, row 1708).
        row = frames[2, 1708]
        yellow = (row[:, 0] > 200) & (row[:, 1] > 170) & (row[:, 2] < 90)
        assert 0.55 * W < yellow.sum() < 0.67 * W


@pytest.mark.slow
def test_moviepy_output_meets_the_same_platform_rules(both: tuple[Path, Path]) -> None:
    """Codec, profile, pixel format, audio rate, faststart, edit lists, loudness: the MoviePy
    file fails no platform rule the default engine's file passes."""
    from reelkit.deliver.check import check_file

    ref, mp = both
    tiktok = get_platform("tiktok", load_platforms())
    ours, theirs = check_file(mp, tiktok), check_file(ref, tiktok)
    assert set(ours.failures) <= set(theirs.failures), ours.failures
    assert ours.facts is not None and ours.facts.loudness is not None
    assert abs(ours.facts.loudness.integrated_lufs - tiktok.loudness_lufs) <= 1.0
    leftovers = [p.name for p in mp.parent.iterdir() if p.name.startswith(".")]
    assert leftovers in ([], [".reelkit.lock"])  # the lock file may stay; its lock is released


def _frame_times(path: Path) -> list:
    import av
    from fractions import Fraction

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return sorted(Fraction(p.pts) * stream.time_base for p in container.demux(stream) if p.pts is not None)


@pytest.mark.slow
def test_moviepy_frame_times_are_exact(both: tuple[Path, Path]) -> None:
    """Frame n shows at exactly n / fps, as in the default engine (an MKV master rounds to ms)."""
    from fractions import Fraction

    ref, mp = both
    times = _frame_times(mp)
    assert len(times) == round(2.5 * FPS)
    step = Fraction(1) / Fraction(FPS).limit_denominator(1001)
    first = times[0]
    assert [t - first for t in times] == [i * step for i in range(len(times))]
    assert times == _frame_times(ref)
