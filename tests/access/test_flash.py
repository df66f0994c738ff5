"""WCAG 2.3.1 flash check on generated clips: white and red, 2, 3 and 5 Hz, full frame and small.

The clips are 90x160 at 30 fps, 2 s, made by ffmpeg's ``geq`` (a square wave in time), and
encoded with libx264 like a delivered file, so the decode path is the real one.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from reelkit.deliver.flash import area_share, check_flashes, failing_spans, transitions
from reelkit.io.ffmpeg import ffmpeg_exe

W, H, FPS = 90, 160, 30
WHITE = ("255", "255", "255")
BLACK = ("0", "0", "0")
RED = ("255", "0", "0")
GREY = ("127", "127", "127")  # the same relative luminance as pure red (0.212): no general flash


def flashing_clip(out: Path, hz: float, on: tuple[str, str, str], off: tuple[str, str, str], *,
                  box: int | None = None, seconds: float = 2.0) -> Path:
    """A clip alternating ``on``/``off`` at ``hz`` (square wave), over the whole frame or a
    ``box`` x ``box`` square in the corner (the rest stays ``off``)."""
    phase = f"lt(mod(T*{hz},1),0.5)"
    where = f"*lt(X,{box})*lt(Y,{box})" if box else ""
    exprs = [f"if({phase}{where},{a},{b})" for a, b in zip(on, off)]
    graph = (f"color=c=black:s={W}x{H}:r={FPS}:d={seconds},format=rgb24,"
             f"geq=r='{exprs[0]}':g='{exprs[1]}':b='{exprs[2]}',format=yuv420p")
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", graph,
                    "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", str(out)], check=True)
    return out


@pytest.mark.parametrize(("name", "hz", "on", "off", "box", "failing"), [
    ("white-5hz-full", 5, WHITE, BLACK, None, {"general"}),
    ("white-3hz-full", 3, WHITE, BLACK, None, set()),
    ("white-2hz-full", 2, WHITE, BLACK, None, set()),
    ("white-5hz-small", 5, WHITE, BLACK, 14, set()),
    ("red-5hz-full", 5, RED, GREY, None, {"red"}),
    ("red-2hz-full", 2, RED, GREY, None, set()),
])
def test_flash_thresholds_on_generated_clips(tmp_path: Path, name: str, hz: float, on, off, box, failing) -> None:  # type: ignore[no-untyped-def]
    clip = flashing_clip(tmp_path / f"{name}.mp4", hz, on, off, box=box)
    result = check_flashes(clip, width=W, height=H, fps=FPS)
    assert result.frames == 60
    assert {s.kind for s in result.spans} == failing
    assert result.passed == (not failing)
    for span in result.spans:  # the times are named and lie inside the clip
        assert 0.0 <= span.start < span.end <= 2.0
        assert span.flashes == pytest.approx(hz, abs=0.5)
        assert f"{span.kind} flash 0:0" in result.failures()[0]


def test_small_area_is_below_a_quarter_field_and_big_area_above() -> None:
    share = area_share(1080, 1920)
    assert 0.045 < share < 0.055  # ~5 % of a 9:16 frame (the module's phone assumption)
    assert 14 * 14 / (W * H) < share


def test_a_slow_fade_is_one_transition_and_noise_is_none() -> None:
    fade = np.linspace(0, 255, 30).astype(np.uint8)
    frames = np.repeat(fade[:, None, None, None], 3, axis=3) * np.ones((1, 8, 6, 3), dtype=np.uint8)
    general, red = transitions(frames, 0.05)
    assert len(general) == 1 and red == []
    rng = np.random.default_rng(1)
    noise = (128 + rng.integers(-6, 7, size=(30, 8, 6, 3))).astype(np.uint8)
    assert transitions(noise, 0.05) == ([], [])


def test_failing_spans_count_a_half_open_second() -> None:
    at_3hz = list(range(5, 60, 5))  # every 1/6 s: six in any one second
    assert failing_spans(at_3hz, 30, "general") == []
    at_4hz = [round(i * 30 / 8) for i in range(1, 16)]  # eight in one second
    spans = failing_spans(at_4hz, 30, "general")
    assert len(spans) == 1 and spans[0].flashes == 4


def test_flashes_fail_reelkit_check_naming_the_times(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from reelkit.cli.main import main
    from reelkit.deliver.check import check_file
    from reelkit.plan.platforms import get_platform, load_platforms

    clip = flashing_clip(tmp_path / "flash.mp4", 5, WHITE, BLACK)
    report = check_file(clip, get_platform("tiktok", load_platforms()))
    flash_lines = [f for f in report.failures if f.startswith("WCAG 2.3.1")]
    assert flash_lines == ["WCAG 2.3.1: general flash 0:00.1-0:01.9 (5 flashes in one second, limit 3)"]
    result = CliRunner().invoke(main, ["check", str(clip), "--platform", "tiktok"])
    assert result.exit_code == 1 and flash_lines[0] in result.output
    calm = check_file(flashing_clip(tmp_path / "calm.mp4", 2, WHITE, BLACK), get_platform("tiktok", load_platforms()))
    assert not [f for f in calm.failures if "WCAG" in f]
