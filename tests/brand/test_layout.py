"""Overlay layout: no two boxes (captions, lower thirds, hook, callouts, logo, face) overlap at
any time, asserted on the plan's boxes; what cannot fit is reported."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from reelkit.brand import Callout, LowerThirdCue, OverlayContext, build_overlays, caption_style, load_brand, validate_brand
from reelkit.brand.layout import lay_out, overlapping_pairs, overlaps
from reelkit.brand.look import caption_block_half_height
from reelkit.decide.build import PlanRequest, build_plan, common_safe_box
from reelkit.plan.model import CaptionPage, LayoutBox, Word
from reelkit.plan.planfile import dump_plans, parse_plans
from reelkit.plan.outline import load_outline
from reelkit.plan.platforms import DEFAULT_PLATFORMS, load_platforms

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "water-main" / "outline.yaml"
W, H = 1080, 1920


def _safe_box() -> tuple[int, int, int, int]:
    presets = load_platforms()
    return common_safe_box([presets[n] for n in DEFAULT_PLATFORMS], W, H)


def _pages(duration: float, step: float = 1.4) -> tuple[CaptionPage, ...]:
    """Two-line pages back to back over the whole video (the worst case for space)."""
    pages, t = [], 0.0
    while t < duration:
        end = min(duration, t + step - 0.1)
        pages.append(CaptionPage(t, end, ((Word("Crews", t, t + 0.3), Word("replace", t + 0.3, end)),
                                          (Word("the", t, t + 0.3), Word("mains", t + 0.3, end)))))
        t += step
    return tuple(pages)


@pytest.mark.slow
def test_sample_plan_boxes_never_overlap(tmp_path: Path) -> None:
    plan = build_plan(load_outline(SAMPLE), PlanRequest(inputs=(SAMPLE,)), tmp_path)
    kinds = {b.kind for b in plan.layout}
    assert {"caption", "lower_third", "hook", "callout", "logo"} <= kinds
    assert len([b for b in plan.layout if b.kind == "caption"]) == len(plan.pages)
    assert overlapping_pairs(plan.layout) == []
    # At 1 s the hook, a two-line caption page and the lower third all show, apart.
    at_1 = [b for b in plan.layout if b.start <= 1.0 < b.end and b.kind in ("hook", "caption", "lower_third")]
    assert {b.kind for b in at_1} == {"hook", "caption", "lower_third"}
    # The overlays in the plan sit where their boxes say.
    lower = next(o for o in plan.overlays if o.kind == "lower_third")
    assert any(b.kind == "lower_third" and b.y0 == lower.y for b in plan.layout)
    assert parse_plans(dump_plans([plan]), check_files=False)[0] == plan


def test_generated_outlines_never_overlap(tmp_path: Path) -> None:
    """Random cue sheets (lower thirds, callouts, hooks, a face) over back-to-back captions."""
    brand = load_brand("default")
    safe = _safe_box()
    style = caption_style(brand, safe, W, H)
    half = caption_block_half_height(brand)
    rng = random.Random(10)
    for case in range(12):
        duration = rng.uniform(8, 30)
        # One lower third per segment, at its start (as build_plan places them): they never overlap.
        starts = sorted(rng.sample(range(0, int(duration) - 4, 5), k=min(rng.randint(0, 3), int(duration - 4) // 5)))
        lows = tuple(LowerThirdCue(rng.choice(["Anna de Vries", "Jo", "Dr. Maximiliane Oberhausen-Weiß"]),
                                   rng.choice(["Water engineer", None, "Head of network operations"]), s, s + 4)
                     for s in starts)
        calls = tuple(Callout(rng.choice(["6 weeks", "Tap water stays safe to drink"]), s, min(duration, s + 2))
                      # After the hook (the first 2.5 s): the hook, a lower third, a callout and a
                      # two-line caption do not all fit in the four platforms' common safe box.
                      for s in sorted(rng.uniform(2.5, duration - 1) for _ in range(rng.randint(0, 3))))
        hook = rng.choice([None, "Roadworks on Harbour Street?", "Why your street is dug up for six weeks"])
        ctx = OverlayContext(width=W, height=H, duration=duration, title="t", hook=hook, cta="Call us",
                             lower_thirds=lows, callouts=calls, safe_box=safe)
        overlays = build_overlays(brand, ctx, tmp_path)
        top = rng.randint(420, 560)  # a talking head's face, eyes near the upper third
        face = (LayoutBox("face", 420, top, 660, top + 240, 0.0, duration),)
        laid = lay_out(overlays, _pages(duration), style, half, face, safe, W, H)
        assert laid.problems == (), (case, laid.problems)
        # Nothing overlaps; the face is crossed only where the safe box had no other room.
        assert overlapping_pairs(laid.boxes, faces=False) == [], case
        without_face = lay_out(overlays, _pages(duration), style, half, (), safe, W, H)
        assert without_face.problems == () and overlapping_pairs(without_face.boxes) == [], case
        # Only the big centred texts (hook band, callouts) ever have to cross the face.
        assert {k for a, b in overlapping_pairs(laid.boxes) for k in (a.kind, b.kind)} <= {"face", "hook", "callout"}
        # Moved elements stay inside the safe box; captions and the face are never moved.
        for b in laid.boxes:
            if b.kind in ("hook", "lower_third", "callout"):
                assert safe[1] <= b.y0 and b.y1 <= safe[3]
        assert [b for b in laid.boxes if b.kind == "face"] == list(face)


def test_what_cannot_fit_is_reported(tmp_path: Path) -> None:
    brand = load_brand("default")
    safe = _safe_box()
    style = caption_style(brand, safe, W, H)
    calls = tuple(Callout(f"Callout number {i} with a long text that wraps", 1.0, 5.0) for i in range(9))
    ctx = OverlayContext(width=W, height=H, duration=6.0, title="t", hook=None, cta=None, lower_thirds=(),
                         callouts=calls, safe_box=safe)
    laid = lay_out(build_overlays(brand, ctx, tmp_path), _pages(6.0), style, caption_block_half_height(brand),
                   (), safe, W, H)
    assert laid.problems and all("no room" in p for p in laid.problems)
    assert set(laid.problem_kinds) == {"callout"}


def test_brand_validate_reports_a_lower_third_that_cannot_fit(tmp_path: Path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    (folder / "brand.yaml").write_text(
        f"extends: {ROOT / 'brand' / 'default'}\nlower_third:\n  size: 300\ncaptions:\n  position: middle\n"
        "hook:\n  position: lower\n  size: 120\n", encoding="utf-8")
    lines = [ln for ln in validate_brand(folder / "brand.yaml") if "no room" in ln]
    assert lines and all("lower_third.position" in ln or "hook.position" in ln for ln in lines)


def test_overlap_is_about_time_and_space() -> None:
    a = LayoutBox("caption", 0, 0, 10, 10, 0.0, 1.0)
    assert overlaps(a, LayoutBox("logo", 5, 5, 15, 15, 0.5, 2.0))
    assert not overlaps(a, LayoutBox("logo", 5, 5, 15, 15, 1.0, 2.0))  # one ends as the other starts
    assert not overlaps(a, LayoutBox("logo", 10, 0, 20, 10, 0.0, 1.0))  # edge to edge
