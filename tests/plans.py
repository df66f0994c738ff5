"""A small hand-made plan at 30000/1001 (two cuts, one caption page, a logo), for tests of
the plan file, its frame rules and the exporters."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from reelkit.plan import frames
from reelkit.plan.model import CaptionPage, Crop, Cut, OutputSpec, Overlay, Plan, Source, Word, with_exact_frames


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
