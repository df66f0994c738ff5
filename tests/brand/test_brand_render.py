"""Brand overlays and music in real renders: where and when the outline and preset say."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from reelkit.cli.main import main
from reelkit.io.ffmpeg import ffmpeg_exe, run_ffmpeg
from reelkit.plan.model import Plan
from reelkit.plan.planfile import read_plan_file

from conftest import frame_at

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tone_then_silence(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6 s 640x360 clip: a loud 3 kHz 'voice' for the first 2 s, then silence."""
    out = tmp_path_factory.mktemp("brandmedia") / "tone.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=6",
                "-f", "lavfi", "-i", "sine=f=3000:r=48000:d=2,volume=-6dB,apad=whole_dur=6",
                "-map", "0:v", "-map", "1:a", "-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
                str(out)], stage="make test clip")
    return out


def render(tmp_path: Path, clip: Path, brand: str, name: str = "ep") -> tuple[Plan, Path]:
    outline = tmp_path / f"{name}.yaml"
    outline.write_text(json.dumps({
        "title": name, "brand": brand, "platforms": ["reels"], "hook": "Hook text here", "cta": "Call 0800 1234",
        "segments": [{"clip": str(clip), "captions": False, "lower_third": {"name": "Anna", "role": "Engineer"}}]}),
        encoding="utf-8")
    result = CliRunner().invoke(main, ["render", str(outline), "--out", str(tmp_path / "out"), "--quiet",
                                       "--preset", "ultrafast"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    folder = tmp_path / "out" / name
    return read_plan_file(folder / "plan.json")[0], folder / "reels.mp4"


def overlay(plan: Plan, kind: str):  # type: ignore[no-untyped-def]
    return next(o for o in plan.overlays if o.kind == kind)


def region_diff(a: np.ndarray, b: np.ndarray, box: tuple[int, int, int, int]) -> float:
    x0, y0, x1, y1 = box
    return float(np.mean(np.abs(a[y0:y1, x0:x1].astype(int) - b[y0:y1, x0:x1].astype(int))))


def band_level_db(samples: np.ndarray, rate: int, lo: float, hi: float) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size))) ** 2
    freqs = np.fft.rfftfreq(samples.size, 1 / rate)
    return 10 * np.log10(np.sum(spectrum[(freqs >= lo) & (freqs <= hi)]) + 1e-12)


def decode_audio(path: Path, rate: int = 48000) -> np.ndarray:
    import subprocess

    raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "f32le", "-ac", "1", "-ar", str(rate),
                          "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.float32)


@pytest.mark.slow
@pytest.mark.parametrize("brand", ["default", "civic"])
def test_overlays_and_ducked_music_where_and_when(tmp_path: Path, tone_then_silence: Path, brand: str) -> None:
    plan, video = render(tmp_path, tone_then_silence, brand)
    kinds = {o.kind for o in plan.overlays}
    assert {"logo", "lower_third", "hook", "end_card", "progress"} <= kinds
    lt, hook, end = overlay(plan, "lower_third"), overlay(plan, "hook"), overlay(plan, "end_card")
    assert hook.start == 0 and end.end == pytest.approx(plan.duration)
    # Lower third: visible inside its cue, gone after it (compare its box between the two times).
    from PIL import Image

    w, h = Image.open(lt.image).size
    box = (lt.x, lt.y, lt.x + w, lt.y + h)
    during = frame_at(video, (lt.start + lt.end) / 2 + 0.2)
    after = frame_at(video, min(lt.end + 0.6, end.start - 0.3))
    assert region_diff(during, after, box) > 20
    # The end card covers the frame in the last second; the hook shows over the first.
    last = frame_at(video, plan.duration - 0.2)
    mid = frame_at(video, end.start - 0.3)
    assert region_diff(last, mid, (0, 0, 1080, 1920)) > 20
    first = frame_at(video, 0.2)
    hw, hh = Image.open(hook.image).size
    assert region_diff(first, mid, (hook.x, hook.y, hook.x + hw, hook.y + hh)) > 20
    # The progress bar grows: its right part is drawn late but not early.
    bar = overlay(plan, "progress")
    bw, bh = Image.open(bar.image).size
    row = bar.y + bh // 2
    bar_rgb = np.asarray(Image.open(bar.image).convert("RGB"))[bh // 2, bw // 2].astype(int)
    early, late = frame_at(video, 1.0), frame_at(video, end.start - 0.1)
    x = int(bw * 0.6)
    assert np.abs(late[row, x].astype(int) - bar_rgb).max() < 40
    assert np.abs(early[row, x].astype(int) - bar_rgb).max() > 40
    # Music is ducked under the 'voice' (the 3 kHz tone): the bed's band is quieter there.
    audio = decode_audio(video)
    under_voice = band_level_db(audio[int(0.8 * 48000): int(1.8 * 48000)], 48000, 80, 1500)
    alone = band_level_db(audio[int(2.8 * 48000): int(3.8 * 48000)], 48000, 80, 1500)
    assert alone - under_voice > 4.0, (alone, under_voice)


@pytest.mark.slow
def test_colour_change_in_preset_changes_rendered_pixels(tmp_path: Path, tone_then_silence: Path) -> None:
    brand_dir = tmp_path / "brands" / "mine"
    brand_dir.mkdir(parents=True)
    (brand_dir / "brand.yaml").write_text("extends: default\ncolours:\n  accent: \"#00C853\"\n"
                                          "logo:\n  corner: bottom-left\n", encoding="utf-8")
    base_plan, base = render(tmp_path, tone_then_silence, "default", "base")
    plan, changed = render(tmp_path, tone_then_silence, str(brand_dir), "changed")
    bar = overlay(plan, "progress")
    from PIL import Image

    bw, bh = Image.open(bar.image).size
    t = overlay(plan, "end_card").start - 0.1
    a, b = frame_at(base, t), frame_at(changed, t)
    row = a[bar.y + bh // 2, 10: int(bw * 0.5)].astype(int)
    row_changed = b[bar.y + bh // 2, 10: int(bw * 0.5)].astype(int)
    assert np.abs(row - row_changed).mean() > 40
    assert row_changed[:, 1].mean() > 150 and row_changed[:, 0].mean() < 80  # the new green accent
    # The logo moved: its old place now shows the picture, its new place shows the logo.
    old, new = overlay(base_plan, "logo"), overlay(plan, "logo")
    lw, lh = Image.open(old.image).size
    assert new.y > old.y + 500
    assert region_diff(a, b, (old.x, old.y, old.x + lw, old.y + lh)) > 20
    assert region_diff(a, b, (new.x, new.y, new.x + lw, new.y + lh)) > 20
    # Elsewhere (the picture itself) nothing changed.
    assert region_diff(a, b, (300, 700, 700, 900)) < 6
