"""Sign-language interpreter picture-in-picture: ``tiktok.sl.mp4`` where the interpreter's box
and every caption page's box never intersect (from plan.json and on the frames), captions
stay inside the safe zone, the backdrop is keyed out, and a short clip is one clear error."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from access.access_clips import SIGNER, interpreter_clip
from conftest import frame_at
from media import talking_clip
from reelkit.brand.layout import overlaps
from reelkit.errors import OutlineError
from reelkit.decide.build import PlanRequest
from reelkit.pipeline import plan_episode
from reelkit.plan.model import LayoutBox
from reelkit.plan.planfile import read_plan_file


def _plans(result):  # type: ignore[no-untyped-def]
    plans = read_plan_file(Path(result.folder) / "plan.json")
    main = next(p for p in plans if p.sign_language is None)
    variant = next(p for p in plans if p.sign_language is not None)
    return main, variant


def test_interpreter_box_never_meets_a_caption_page(described) -> None:  # type: ignore[no-untyped-def]
    result, _ = described
    main, plan = _plans(result)
    sl = plan.sign_language
    assert [o.platform for o in plan.outputs] == ["tiktok.sl"]
    assert result.files["tiktok.sl"].name == "tiktok.sl.mp4"
    assert result.checks["tiktok.sl"] == []
    # A third of the width, the interpreter's own 3:4 shape, in the bottom-right safe corner.
    assert sl.w == 360 and sl.h == round(360 * SIGNER[1] / SIGNER[0])
    x0, y0, x1, y1 = plan.safe_box
    assert sl.x + sl.w == x1 and y1 - 120 <= sl.y + sl.h <= y1  # above the progress bar at the bottom
    box = LayoutBox("interpreter", sl.x, sl.y, sl.x + sl.w, sl.y + sl.h, 0.0, plan.duration)
    captions = [b for b in plan.layout if b.kind == "caption"]
    assert len(captions) == len(plan.pages) > 0
    for cap in captions:
        assert not overlaps(cap, box)
        assert x0 <= cap.x0 and cap.x1 <= x1 and y0 <= cap.y0 and cap.y1 <= sl.y  # above it, in the safe zone
    assert plan.caption_style.position_y < main.caption_style.position_y  # the captions moved up
    for other in plan.layout:  # overlays moved too: nothing but the interpreter itself covers it
        if other.kind not in ("interpreter", "face"):
            assert not overlaps(other, box), other


def test_frames_show_the_interpreter_keyed_and_captions_clear(described) -> None:  # type: ignore[no-untyped-def]
    result, _ = described
    main, plan = _plans(result)
    sl = plan.sign_language
    video = result.files["tiktok.sl"]
    for page in plan.pages:
        t = (page.start + page.end) / 2
        frame = frame_at(video, t).astype(int)
        inside = frame[sl.y:sl.y + sl.h, sl.x:sl.x + sl.w]
        magenta = (inside[..., 0] > 200) & (inside[..., 1] < 70) & (inside[..., 2] > 200)
        green = (inside[..., 0] < 60) & (inside[..., 1] > 140) & (inside[..., 2] < 100)
        white = (inside.min(axis=-1) > 225)
        assert magenta.mean() > 0.15  # the signer is drawn, in its box
        assert green.mean() < 0.01  # the plain backdrop is keyed out
        assert white.sum() < 20  # no caption text inside the interpreter's box
        cap = next(b for b in plan.layout if b.kind == "caption" and b.start <= t < b.end)
        above = frame[cap.y0:cap.y1, cap.x0:cap.x1]
        assert (above.min(axis=-1) > 225).sum() > 200  # the page's text is drawn in its moved block
    meta = json.loads(Path(result.metadata).read_text(encoding="utf-8"))
    assert meta["accessibility"]["sign_language"] is True
    assert meta["platforms"]["tiktok.sl"]["checks_passed"] is True


def test_a_short_interpreter_clip_is_one_clear_error(tmp_path: Path) -> None:
    clip = talking_clip(tmp_path / "talk.mp4", None, size="320x180", fps=25, duration=3.0)
    signer = interpreter_clip(tmp_path / "signer.mp4", 1.5)
    outline = tmp_path / "ep.yaml"
    outline.write_text(json.dumps({"title": "Short signer", "platforms": ["tiktok"],
                                   "sign_language": {"clip": str(signer)},
                                   "segments": [{"clip": str(clip), "captions": False}]}), encoding="utf-8")
    with pytest.raises(OutlineError) as err:
        plan_episode(PlanRequest(inputs=(outline,)), tmp_path / "out")
    line = err.value.one_line()
    assert "sign_language.clip: the interpreter clip lasts 1.5" in line
    assert re.search(r"lasts 1\.5\d s from offset 0 s, shorter than the edit \(3\.0\d s\)", line), line
    assert not (tmp_path / "out").exists()
