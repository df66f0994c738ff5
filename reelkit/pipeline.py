"""The main job: outline (or clips) -> plan -> platform files, sidecars, cover and metadata.

Each step is a library call with a narrow input; this module only sequences them.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from reelkit.errors import InputError
from reelkit.io.paths import assets_dir
from reelkit.plan.build import PlanRequest, build_plan, load_request_outline
from reelkit.plan.model import Plan, write_plan
from reelkit.plan.platforms import load_platforms
from reelkit.render.ffmpeg_engine import RenderOptions, StageCallback, render_plan

log = logging.getLogger("reelkit")

@dataclass(frozen=True)
class RenderRequest(PlanRequest):
    """A plan request plus where and how to render it."""

    out_dir: Path = Path("out")
    engine: str = "ffmpeg"
    options: RenderOptions = RenderOptions()


@dataclass
class EpisodeResult:
    plan: Plan
    folder: Path
    files: dict[str, Path]
    sidecars: dict[str, Path]
    cover: Path | None
    metadata: Path | None
    checks: dict[str, list[str]]
    timings: dict[str, float] = field(default_factory=dict)


def render_episode(request: RenderRequest, on_stage: StageCallback | None = None) -> EpisodeResult:
    """Plan and render one episode into ``out_dir/<slug>/``."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    outline = load_request_outline(request.inputs)
    folder = request.out_dir / outline.slug
    if on_stage:
        on_stage("plan", None)
    plan = build_plan(outline, request, folder)
    timings["plan"] = time.perf_counter() - t0
    return render_planned(plan, folder, request, on_stage, timings)


def render_planned(plan: Plan, folder: Path, request: RenderRequest, on_stage: StageCallback | None,
                   timings: dict[str, float]) -> EpisodeResult:
    """Render a finished plan and write the files around the video."""
    from reelkit.captions import write_srt, write_vtt

    folder.mkdir(parents=True, exist_ok=True)
    engine = _engine(request.engine)
    rendered = engine(plan, folder, request, on_stage)
    timings.update(rendered.timings)
    # Written after the videos: an interrupted or failed run leaves earlier files as they were.
    write_plan(plan, folder / "plan.json")
    sidecars = {"srt": folder / f"{plan.slug}.srt", "vtt": folder / f"{plan.slug}.vtt"}
    write_srt(plan.pages, sidecars["srt"])
    write_vtt(plan.pages, sidecars["vtt"])
    t0 = time.perf_counter()
    cover, metadata, checks = _extras(plan, folder, rendered.files, sidecars)
    timings["cover, checks, metadata"] = time.perf_counter() - t0
    return EpisodeResult(plan=plan, folder=folder, files=rendered.files, sidecars=sidecars, cover=cover,
                         metadata=metadata, checks=checks, timings=timings)


def _engine(name: str):  # type: ignore[no-untyped-def]
    if name == "ffmpeg":
        return _ffmpeg_engine
    if name == "moviepy":
        from reelkit.render.moviepy_engine import render_with_moviepy

        return render_with_moviepy
    raise InputError(f"unknown engine '{name}'", key="--engine", hint="use ffmpeg or moviepy")


def _ffmpeg_engine(plan: Plan, folder: Path, request: RenderRequest, on_stage: StageCallback | None):  # type: ignore[no-untyped-def]
    import tempfile

    from reelkit.captions import ass_filter, split_pillow_pages, write_ass

    with tempfile.TemporaryDirectory(prefix=".reelkit-captions-", dir=folder) as tmp:
        ass = None
        caption_overlays: tuple = ()
        if plan.burn_captions and plan.pages:
            ass_pages, caption_overlays = split_pillow_pages(plan.pages, plan.caption_style, plan.width,
                                                             plan.height, assets_dir())
            ass_path = Path(tmp) / "captions.ass"
            write_ass(ass_pages, plan.caption_style, plan.width, plan.height, ass_path)
            ass = ass_filter(ass_path, Path(plan.caption_style.font_file).parent)
        return render_plan(plan, ass_filter=ass, caption_overlays=caption_overlays, options=request.options,
                           on_stage=on_stage, workdir=folder)


def _card_free_window(plan: Plan) -> tuple[float, float]:
    """The span not covered by full-frame cards (hook on the brand colour, end card)."""
    from reelkit.brand.overlays import is_full_frame

    lo, hi = 0.0, plan.duration
    for ov in plan.overlays:
        if is_full_frame(ov, plan.width, plan.height):
            if ov.start <= lo + 0.05:
                lo = max(lo, ov.end)
            elif ov.end >= hi - 0.05:
                hi = min(hi, ov.start)
    return lo, hi


def _extras(plan: Plan, folder: Path, files: dict[str, Path], sidecars: dict[str, Path]):  # type: ignore[no-untyped-def]
    """Cover image, per-platform checks and metadata.json."""
    from reelkit.deliver.check import check_file
    from reelkit.deliver.cover import make_cover
    from reelkit.deliver.metadata import write_metadata

    presets = load_platforms()
    checks: dict[str, list[str]] = {}
    for spec in plan.outputs:
        platform = presets.get(spec.platform)
        if platform is not None and spec.platform in files:
            checks[spec.platform] = list(check_file(files[spec.platform], platform).failures)
    cover = folder / "cover.png"
    first = files[plan.outputs[0].platform]
    style = plan.caption_style
    make_cover(first, cover, title=plan.title, font_file=Path(style.font_file), text_colour=style.text_colour,
               box_colour=style.box_colour, window=_card_free_window(plan))
    metadata = folder / "metadata.json"
    write_metadata(metadata, plan=plan, files=files, captions=sidecars, cover=cover, checks=checks)
    return cover, metadata, checks
