"""The main job: outline (or clips) -> plan -> platform files, sidecars, cover and metadata.

Each step is a library call with a narrow input; this module only sequences them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from reelkit.io.transaction import EpisodeTransaction
from reelkit.decide.build import PlanRequest, build_plans, load_request_outline
from reelkit.plan.model import Plan
from reelkit.plan.planfile import read_plan_file, write_plans
from reelkit.render.engine import RenderOptions, StageCallback, get_engine

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
    plans: tuple[Plan, ...] = ()  # one per frame size; ``plan`` is the first


def plan_episode(request: PlanRequest, out_dir: Path = Path("out")) -> tuple[Plan, ...]:
    """Decide everything (one plan per frame size) and render nothing; outputs are to go to
    ``out_dir/<slug>/``."""
    outline = load_request_outline(request.inputs, request.script_file)
    return build_plans(outline, request, out_dir / outline.slug)


def render_episode(request: RenderRequest, on_stage: StageCallback | None = None) -> EpisodeResult:
    """Plan and render one episode into ``out_dir/<slug>/``."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    outline = load_request_outline(request.inputs, request.script_file)
    folder = request.out_dir / outline.slug
    # The output folder is checked and locked before planning: a wrong --out costs nothing.
    with EpisodeTransaction(folder) as tx:
        if on_stage:
            on_stage("plan", None)
        plans = build_plans(outline, request, folder)
        _release_speech_models()
        timings["plan"] = time.perf_counter() - t0
        return render_planned(plans, folder, request, on_stage, timings, tx=tx)


def _release_speech_models() -> None:
    """Free the recogniser before the encoders start (peak memory of the whole run)."""
    import sys

    backends = sys.modules.get("reelkit.speech.backends")
    if backends is not None and backends.loaded_models():
        backends.release_memory()


def render_plan_file(plan_file: Path, request: RenderRequest,
                     on_stage: StageCallback | None = None) -> EpisodeResult:
    """Render exactly the plans in ``plan_file`` (nothing re-decided, no transcription) into
    ``request.out_dir/<slug>/``, keeping each output's file name."""
    plans = read_plan_file(plan_file)
    folder = request.out_dir / plans[0].slug
    plans = tuple(retarget(p, folder) for p in plans)
    return render_planned(plans, folder, request, on_stage, {})


def retarget(plan: Plan, folder: Path) -> Plan:
    """The plan with its outputs moved into ``folder`` (same file names)."""
    outputs = tuple(replace(o, path=str(folder / Path(o.path).name)) for o in plan.outputs)
    return replace(plan, outputs=outputs)


def render_planned(plans: Plan | Sequence[Plan], folder: Path, request: RenderRequest,
                   on_stage: StageCallback | None, timings: dict[str, float],
                   tx: EpisodeTransaction | None = None) -> EpisodeResult:
    """Render finished plans (one per frame size) and write the files around the videos.

    Everything (videos, sidecars, plan.json, cover, metadata) is written into the episode's
    staging folder and moved into ``folder`` together at the end, so a failure at any step
    leaves the previous outputs as they were, consistent with each other.
    """
    if tx is None:
        with EpisodeTransaction(folder) as own:
            return render_planned(plans, folder, request, on_stage, timings, tx=own)
    from reelkit.captions import write_srt, write_vtt

    plans = (plans,) if isinstance(plans, Plan) else tuple(plans)
    stage = tx.staging
    staged_plans = tuple(retarget(p, stage) for p in plans)
    engine = get_engine(request.engine)
    files: dict[str, Path] = {}
    for plan in staged_plans:
        rendered = engine(plan, stage, request.options, on_stage)
        for key, seconds in rendered.timings.items():  # several frame sizes: stages add up
            timings[key] = timings.get(key, 0.0) + seconds
        files.update(rendered.files)
    first = plans[0]
    write_plans(plans, stage / "plan.json")  # the plans name the final paths
    # Every frame size has the same words and times: one file per format the platforms ask for.
    formats = sidecar_formats(plans)
    writers = {"srt": write_srt, "vtt": write_vtt}
    sidecars = {fmt: stage / f"{first.slug}.{fmt}" for fmt in formats}
    for fmt, path in sidecars.items():
        writers[fmt](first.pages, path)
    for tr in first.translations:  # <slug>.<lang>.srt / .vtt beside the main ones
        for fmt in formats:
            sidecars[f"{fmt}.{tr.language}"] = stage / f"{first.slug}.{tr.language}.{fmt}"
            writers[fmt](tr.pages, sidecars[f"{fmt}.{tr.language}"])
    t0 = time.perf_counter()
    cover, metadata, checks = _extras(staged_plans, stage, files, sidecars)
    timings["cover, checks, metadata"] = time.perf_counter() - t0
    tx.commit()
    return EpisodeResult(plan=first, folder=folder, files={k: tx.final(v) for k, v in files.items()},
                         sidecars={k: tx.final(v) for k, v in sidecars.items()}, cover=tx.final(cover),
                         metadata=tx.final(metadata), checks=checks, timings=timings, plans=plans)


def sidecar_formats(plans: Sequence[Plan]) -> list[str]:
    """The caption file formats the plans' platforms ask for (their ``sidecars``), in order."""
    formats: list[str] = []
    for plan in plans:
        for spec in plan.outputs:
            formats += [f for f in spec.sidecars if f not in formats]
    return formats


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


def _extras(plans: Sequence[Plan], folder: Path, files: dict[str, Path], sidecars: dict[str, Path]):  # type: ignore[no-untyped-def]
    """Cover image, per-platform checks and metadata.json."""
    from reelkit.deliver.check import check_file
    from reelkit.deliver.cover import make_cover
    from reelkit.deliver.metadata import write_metadata
    from reelkit.plan.platforms import common_safe_box, plan_presets

    from concurrent.futures import ThreadPoolExecutor

    # The presets each plan was made for (a --platforms-file included), not today's files.
    to_check = []
    for each in plans:
        presets = plan_presets(each)
        to_check += [(spec.platform, presets[spec.platform]) for spec in each.outputs
                     if spec.platform in presets and spec.platform in files]
    plan = plans[0]
    cover = folder / "cover.png"
    style = plan.caption_style
    # The title sits inside the plan's platforms' safe zones (Shorts' wide right margin too).
    safe_box = plan.safe_box
    if safe_box is None:  # a plan written before plans recorded their safe box
        known = list(plan_presets(plan).values())
        safe_box = common_safe_box(known, plan.width, plan.height) if known else (0, 0, plan.width, plan.height)
    # The cover and each file's check are separate ffmpeg/PyAV reads: run them side by side
    # (two at a time) instead of one after another.
    with ThreadPoolExecutor(max_workers=2) as pool:
        cover_job = pool.submit(make_cover, plan, cover, title=plan.title, font_file=Path(style.font_file),
                                safe_box=tuple(safe_box), text_colour=style.text_colour,
                                box_colour=style.box_colour, window=_card_free_window(plan))
        check_jobs = {name: pool.submit(check_file, files[name], platform) for name, platform in to_check}
        cover_job.result()
        reports = {name: job.result() for name, job in check_jobs.items()}
        checks = {name: list(report.failures) for name, report in reports.items()}
        loudness = {name: report.facts.loudness for name, report in reports.items() if report.facts is not None}
    metadata = folder / "metadata.json"
    wants = {o.platform: o.sidecars for each in plans for o in each.outputs}
    write_metadata(metadata, plan=plan, files=files, captions=sidecars, cover=cover, checks=checks,
                   platform_sidecars=wants, loudness=loudness)
    return cover, metadata, checks
