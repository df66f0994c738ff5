"""What the page shows, as JSON: the plan's cuts, pages and script decisions with each take's
and removal's place in the current edit, overlays, cover candidates, checks and files."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from reelkit.captions.paging import check_page_rules
from reelkit.plan.model import Plan
from reelkit.plan.platforms import plan_presets
from reelkit.studio.edits import source_to_output

if TYPE_CHECKING:  # pragma: no cover
    from reelkit.studio.session import Session

_PAGE_PROBLEM = re.compile(r"^page (\d+) ")


def _kept_fraction(plan: Plan, source: int, start: float, end: float) -> float:
    """How much of source ``source``'s ``[start, end)`` is in the edit (0-1)."""
    if end <= start:
        return 0.0
    sid = plan.sources[source].id
    inside = sum(max(0.0, min(c.src_end, end) - max(c.src_start, start)) for c in plan.cuts if c.source == sid)
    return round(min(1.0, inside / (end - start)), 3)


def _span(plan: Plan, source: int, start: float, end: float) -> dict[str, Any]:
    return {"source": source, "clip": Path(plan.sources[source].path).name, "start": start, "end": end,
            "in_edit": _kept_fraction(plan, source, start, end), "at": source_to_output(plan, source, start)}


def script_view(plan: Plan) -> list[dict[str, Any]]:
    """Every script line: its takes and removals with where they stand in the edit."""
    out = []
    for rec in plan.script_cut:
        takes = [dict(_span(plan, t.source, t.start, t.end), coverage=t.coverage) for t in rec.takes]
        removed = [dict(_span(plan, r.source, r.start, r.end), kind=r.kind) for r in rec.removed if r.end > r.start]
        out.append({"line": rec.line, "kept": rec.kept, "reason": rec.reason, "takes": takes, "removed": removed})
    return out


@lru_cache(maxsize=256)
def _image_size(path: str) -> tuple[int, int]:
    try:
        with Image.open(path) as im:
            return im.width, im.height
    except OSError:
        return 0, 0


def plan_checks(plan: Plan) -> dict[str, Any]:
    """Checks of the plan itself: each platform's duration limits and caption reading speed."""
    duration = []
    for name, preset in plan_presets(plan).items():
        if preset.max_duration and plan.duration > preset.max_duration:
            duration.append(f"{name}: {plan.duration:.1f} s is over the {preset.max_duration:g} s limit")
        if preset.min_duration and plan.duration < preset.min_duration:
            duration.append(f"{name}: {plan.duration:.1f} s is under the {preset.min_duration:g} s minimum")
    pages: dict[int, list[str]] = {}
    for problem in check_page_rules(plan.pages, plan.caption_rules, plan.fps):
        m = _PAGE_PROBLEM.match(problem)
        if m:
            pages.setdefault(int(m.group(1)) - 1, []).append(problem)
    return {"duration": duration, "pages": pages}


def session_view(session: Session) -> dict[str, Any]:
    """The whole page model for the current state of ``session``."""
    plan = session.plans[0]
    state = session.history.current
    proxy = session.proxy.ready if session.proxy else None
    presets = plan_presets(plan)
    files = []
    for spec in plan.outputs:
        path = session.folder / Path(spec.path).name
        if path.is_file():
            files.append({"platform": spec.platform, "name": path.name, "bytes": path.stat().st_size,
                          "url": f"/files/episode/{path.name}"})
    for extra in (f"{plan.slug}.srt", f"{plan.slug}.vtt", "metadata.json", "cover.png"):
        if (session.folder / extra).is_file():
            files.append({"platform": "", "name": extra, "bytes": (session.folder / extra).stat().st_size,
                          "url": f"/files/episode/{extra}"})
    return {
        "version": session.version, "can_undo": bool(session.history.undo_stack),
        "can_redo": bool(session.history.redo_stack), "rendering": session.render_running,
        "plan": {"title": plan.title, "slug": plan.slug, "width": plan.width, "height": plan.height, "fps": plan.fps,
                 "duration": plan.duration, "frames": plan.frame_count, "description": plan.description,
                 "hashtags": list(plan.hashtags), "style": _style(plan)},
        "cuts": [{"source": c.source, "src_start": c.src_start, "src_end": c.src_end, "out_start": c.out_start,
                  "out_end": c.out_end, "frames": c.frames} for c in plan.cuts],
        "pages": [{"start": p.start, "end": p.end,
                   "lines": [[{"text": w.text, "start": w.start, "end": w.end} for w in line] for line in p.lines]}
                  for p in plan.pages],
        "script": script_view(plan),
        "overlays": [{"kind": o.kind, "x": o.x, "y": o.y, "start": o.start, "end": o.end,
                      "size": _image_size(o.image), "url": f"/files/overlay/{i}"} for i, o in enumerate(plan.overlays)],
        "covers": [{"candidate": k, "url": f"/files/episode/{n}", "chosen": k == state.cover}
                   for k, n in enumerate(session.cover_names(), 1)],
        "safe_zones": {n: p.safe_zone.box(plan.width, plan.height) for n, p in presets.items()},
        "checks": {"files": session.checks, "plan": plan_checks(plan)},
        "proxy": {"version": proxy[0], "url": f"/files/cache/proxy/{proxy[1].name}"} if proxy else None,
        "files": files,
    }


def _style(plan: Plan) -> dict[str, Any]:
    s = plan.caption_style
    return {"font_size": s.font_size, "position_y": s.position_y, "text_colour": s.text_colour,
            "outline_colour": s.outline_colour, "box_colour": s.box_colour, "box_opacity": s.box_opacity,
            "uppercase": s.uppercase, "bold": s.bold, "margin_x": s.margin_x}
