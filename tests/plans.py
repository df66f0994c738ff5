"""Plans for tests: a small hand-made plan at 30000/1001 (two cuts, one caption page, a logo)
for the plan file, its frame rules and the exporters, and :func:`outline_plan`, the plan of an
outline built the way the planner builds its cuts, for render tests."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

from reelkit.cut.timeline import build_timeline
from reelkit.decide.build import decide_channels
from reelkit.plan import frames
from reelkit.plan.model import CaptionPage, Crop, Cut, OutputSpec, Overlay, Plan, Source, Word, with_exact_frames
from reelkit.plan.outline import load_outline
from reelkit.plan.platforms import load_platforms
from reelkit.reframe.crop import frame_cuts


def make_plan(clip: Path, logo: Path, rate: Fraction = Fraction(30000, 1001)) -> Plan:
    src = Source(id="s0", path=str(clip), duration=2.0, width=640, height=360, rotation=0, fps=25.0,
                 has_video=True, has_audio=True, audio_rate=44100)
    cuts = (Cut("s0", 0, 0, 0, 0, "crop", Crop(0, 0, 202, 360), src_start_frame=3, src_end_frame=30),
            Cut("s0", 0, 0, 0, 0, "fit", Crop(0, 0, 640, 360), captions=False, src_start_frame=40,
                src_end_frame=55))
    page = CaptionPage(0.1, 0.6, ((Word("Crews", 0.1, 0.3), Word("replace", 0.3, 0.6)),))
    plan = Plan(title="T", slug="t", width=1080, height=1920, fps=float(rate), duration=0, sources=(src,),
                cuts=cuts, words=page.words, pages=(page,), outputs=(OutputSpec("tiktok", "/o/tiktok.mp4"),),
                overlays=(Overlay("logo", str(logo), 10, 20, 0.0, 1.0),), frame_rate=frames.rate_text(rate))
    return with_exact_frames(plan)


def outline_plan(doc: dict[str, Any], outline: Path, output: Path, *, title: str, size: tuple[int, int],
                 fps: float = 30.0, channels: str | None = None, **fields: Any) -> Plan:
    """The plan of the outline ``doc`` (written as JSON to ``outline``) with one TikTok output at
    ``output``: the timeline at ``fps``, its cuts framed for ``size``, and, when ``channels`` is
    given, each source's voice channels decided as the planner would. ``fields`` are further
    Plan fields (``voice_cleanup``, ``frame_rate``...)."""
    outline.write_text(json.dumps(doc), encoding="utf-8")
    loaded = load_outline(outline)
    width, height = size
    sources, cuts = build_timeline(loaded, fps)
    cuts = frame_cuts(loaded.segments, sources, cuts, width, height)
    if channels is not None:
        sources = decide_channels(sources, channels, {})
    spec = load_platforms()["tiktok"].output_spec(str(output))
    return Plan(title=title, slug=title, width=width, height=height, fps=fps, duration=cuts[-1].out_end,
                sources=sources, cuts=cuts, outputs=(spec,), **fields)
