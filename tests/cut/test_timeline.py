"""Cutting and reframing: frame-exact cuts, crop regions, rotation-aware sizes."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelkit.plan.outline import load_outline
from reelkit.plan.model import Crop
from reelkit.io.probe import probe
from reelkit.reframe.crop import crop_region, frame_cuts, resolve_mode
from reelkit.cut.timeline import build_timeline

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "water-main" / "outline.yaml"


def test_crop_landscape_centre_and_focus() -> None:
    assert crop_region("crop", 1920, 1080, 1080, 1920) == Crop(656, 0, 608, 1080)
    left = crop_region("crop", 1920, 1080, 1080, 1920, focus=0.0)
    right = crop_region("crop", 1920, 1080, 1080, 1920, focus=1.0)
    assert left.x == 0 and right.x + right.w == 1920


def test_crop_aspect_is_nine_by_sixteen() -> None:
    for w, h in [(1920, 1080), (1280, 720), (640, 480), (4096, 2160)]:
        c = crop_region("crop", w, h, 1080, 1920)
        assert abs(c.w / c.h - 9 / 16) < 0.01 and c.w % 2 == 0 and c.h % 2 == 0
        assert 0 <= c.x and c.x + c.w <= w and c.y + c.h <= h


def test_fit_keeps_whole_frame_and_auto_modes() -> None:
    assert crop_region("fit", 720, 1280, 1080, 1920) == Crop(0, 0, 720, 1280)
    assert resolve_mode("auto", 1920, 1080) == "crop"
    assert resolve_mode("auto", 1080, 1920) == "fit"  # portrait is scaled, never cropped
    assert resolve_mode("auto", 1080, 1080) == "fit"


def test_rotation_swaps_displayed_size(rotated_clip: Path) -> None:
    info = probe(rotated_clip)
    assert info.rotation in (90, 270) and (info.width, info.height) == (360, 640)


def test_sample_timeline_is_frame_exact_and_contiguous() -> None:
    outline = load_outline(SAMPLE)
    sources, cuts = build_timeline(outline, 30.0)
    cuts = frame_cuts(outline.segments, sources, cuts, 1080, 1920)
    assert len(sources) == 2  # the talking clip is used twice but probed once
    assert cuts[0].out_start == 0.0
    for a, b in zip(cuts, cuts[1:]):
        assert a.out_end == b.out_start
    for cut in cuts:
        frames = cut.duration * 30
        assert frames == pytest.approx(round(frames), abs=1e-3)
        assert cut.src_end <= outline.segments[cuts.index(cut)].end + 1e-6
    assert [c.reframe for c in cuts] == ["crop", "fit", "crop"]
    assert [c.captions for c in cuts] == [True, False, True]
