"""The main job: outline (or clips) -> plan -> platform files, sidecars, cover and metadata.

Each step is a library call with a narrow input; this module only sequences them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from reelkit.brand.overlays import is_full_frame
from reelkit.captions.sidecars import write_sidecars
from reelkit.decide.build import PlanRequest, build_plans, load_request_outline
from reelkit.deliver.check import check_file
from reelkit.deliver.cover import make_cover
from reelkit.deliver.metadata import voice_report, write_metadata
from reelkit.deliver.legibility import measure_contrast, picture_flashes, picture_tap
from reelkit.deliver.statement import episode_statement, voiced_regions_of_plan
from reelkit.io.heap import map_large_blocks
from reelkit.io.idle import idle_executor
from reelkit.io.transaction import EpisodeTransaction
from reelkit.plan.model import Plan
from reelkit.plan.planfile import read_plan_file, write_plans
from reelkit.plan.platforms import Platform, common_safe_box, plan_presets
from reelkit.render.engine import PictureTap, RenderOptions, StageCallback
from reelkit.render.describe import render_descriptions
from reelkit.render.engines import get_engine
from reelkit.speech.backends import loaded_models, release_memory
from reelkit.speech.audio import SAMPLE_RATE as VAD_RATE
from reelkit.speech.pcm import decode_voice_files
from reelkit.speech.snr import CLEAN_RATE, VoiceSnr

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
    map_large_blocks()  # what planning frees does not stay resident beside the encode (reelkit.io.heap)
    outline = load_request_outline(request.inputs, request.script_file)
    folder = request.out_dir / outline.slug
    # The output folder is checked and locked before planning: a wrong --out costs nothing.
    with EpisodeTransaction(folder) as tx:
        if on_stage:
            on_stage("plan", None)
        plans = build_plans(outline, request, folder)
        _release_speech_models()
        timings["plan"] = time.perf_counter() - t0
        return render_planned(plans, folder, request, on_stage, timings, tx)


def _release_speech_models() -> None:
    """Free a recogniser loaded in this process (the script cut's) before the encoders start:
    the peak memory of the whole run."""
    if loaded_models():
        release_memory()


def render_plan_file(plan_file: Path, request: RenderRequest,
                     on_stage: StageCallback | None = None) -> EpisodeResult:
    """Render exactly the plans in ``plan_file`` (nothing re-decided, no transcription) into
    ``request.out_dir/<slug>/``, keeping each output's file name."""
    plans = read_plan_file(plan_file)
    folder = request.out_dir / plans[0].slug
    plans = tuple(retarget(p, folder) for p in plans)
    with EpisodeTransaction(folder) as tx:
        return render_planned(plans, folder, request, on_stage, {}, tx)


def retarget(plan: Plan, folder: Path) -> Plan:
    """The plan with its outputs moved into ``folder`` (same file names)."""
    outputs = tuple(replace(o, path=str(folder / Path(o.path).name)) for o in plan.outputs)
    return replace(plan, outputs=outputs)


def render_planned(plans: Sequence[Plan], folder: Path, request: RenderRequest,
                   on_stage: StageCallback | None, timings: dict[str, float],
                   tx: EpisodeTransaction) -> EpisodeResult:
    """Render finished plans (one per frame size) and write the files around the videos.

    Everything (videos, sidecars, plan.json, cover, metadata) is written into the episode's
    staging folder (``tx``) and moved into ``folder`` together at the end, so a failure at any
    step leaves the previous outputs as they were, consistent with each other.
    """
    plans = tuple(plans)
    # The checks after the encode read the voice window by window: freed windows must not
    # stay resident (reelkit.io.heap).
    map_large_blocks()
    stage = tx.staging
    staged_plans = tuple(retarget(p, stage) for p in plans)
    engine = get_engine(request.engine)
    files: dict[str, Path] = {}
    # The flash check reads the small frames each encode taps (the ffmpeg engine does; for
    # another engine the delivered file is decoded once for them).
    wanted = [picture_tap(plan, stage, f"tap{i}") for i, plan in enumerate(staged_plans)]
    taps: list[PictureTap | None] = []
    # The cover needs the plan only: it is made beside the encode, on the CPU the encode
    # leaves idle (reelkit.io.idle). The voice's facts are not: the SNR model's 100 MiB in
    # this process beside the encoder's peak took a 3-minute render's tree from 456 to 569 MiB.
    beside = idle_executor()
    cover_job = beside.submit(_cover, staged_plans[0], stage / "cover.png")
    try:
        for plan, tap in zip(staged_plans, wanted):
            rendered = engine(plan, stage, replace(request.options, tap=tap), on_stage)
            taps.append(rendered.tap)
            for key, seconds in rendered.timings.items():  # several frame sizes: stages add up
                timings[key] = timings.get(key, 0.0) + seconds
            files.update(rendered.files)
            files.update(_variants(plan, rendered.files, on_stage, timings))
        write_plans(plans, stage / "plan.json")  # the plans name the final paths
        sidecars = write_sidecars(plans, stage)
        t0 = time.perf_counter()
        cover, metadata, checks = _extras(staged_plans, stage, files, sidecars, taps, cover_job)
    finally:  # the tapped frames are never delivered, whatever happened
        beside.shutdown(wait=True, cancel_futures=True)  # nothing still writes into the staging folder
        for tap in wanted:
            tap.small_path.unlink(missing_ok=True)
    timings["cover, checks, metadata"] = time.perf_counter() - t0
    tx.commit()
    return EpisodeResult(plan=plans[0], folder=folder, files={k: tx.final(v) for k, v in files.items()},
                         sidecars={k: tx.final(v) for k, v in sidecars.items()}, cover=tx.final(cover),
                         metadata=tx.final(metadata), checks=checks, timings=timings, plans=plans)


def _variants(plan: Plan, files: dict[str, Path], on_stage: StageCallback | None,
              timings: dict[str, float]) -> dict[str, Path]:
    """The accessible variants of one plan's platform files: ``<platform>.ad.mp4`` (audio
    description), keyed ``"<platform>.ad"``."""
    if not plan.descriptions:
        return {}
    t0 = time.perf_counter()
    if on_stage:
        on_stage("audio description", None)
    out = render_descriptions(plan, files)
    timings["audio description"] = timings.get("audio description", 0.0) + time.perf_counter() - t0
    return out


def _card_free_window(plan: Plan) -> tuple[float, float]:
    """The span not covered by full-frame cards (hook on the brand colour, end card)."""
    lo, hi = 0.0, plan.duration
    for ov in plan.overlays:
        if is_full_frame(ov, plan.width, plan.height):
            if ov.start <= lo + 0.05:
                lo = max(lo, ov.end)
            elif ov.end >= hi - 0.05:
                hi = min(hi, ov.start)
    return lo, hi


def _extras(plans: Sequence[Plan], folder: Path, files: dict[str, Path], sidecars: dict[str, Path],
            taps: Sequence[PictureTap | None], cover_job: Future[Path]) -> tuple[Path, Path, dict[str, list[str]]]:
    """Per-platform checks and metadata.json, with the cover of the job started beside the
    encode (:func:`_cover`)."""
    plan = plans[0]
    # The voice is decoded once for its SNR and its speech regions (the longest job, first).
    # Each frame size's flash check reads the frames its encode tapped (else one decode of its
    # first file), its caption contrast the pages' frames sought in that file; these and the
    # file checks (which take the flash result) run side by side, two at a time.
    firsts = [(each, tap, files[name]) for each, tap in zip(plans, taps) for name in _first_file(each, files)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        voice_job = pool.submit(_voice_facts, plan, folder)
        flash_jobs = {id(each): pool.submit(picture_flashes, each, tap, video) for each, tap, video in firsts}
        contrast_jobs = [pool.submit(measure_contrast, each, video) for each, _, video in firsts]
        flashes = {name: flash_jobs[id(each)].result() for each in plans for spec in each.outputs
                   for name in (spec.platform, f"{spec.platform}.ad") if name in files and id(each) in flash_jobs}
        check_jobs = {name: pool.submit(check_file, files[name], platform, flash=flashes.get(name))
                      for name, platform in _to_check(plans, files)}
        reports = {name: job.result() for name, job in check_jobs.items()}
        voice, regions = voice_job.result()
    cover = cover_job.result()
    checks = {name: list(report.failures) for name, report in reports.items()}
    loudness = {name: report.facts.loudness for name, report in reports.items() if report.facts is not None}
    contrast = [c for job in contrast_jobs for c in job.result()]
    metadata = folder / "metadata.json"
    wants = {o.platform: o.sidecars for each in plans for o in each.outputs}
    if voice and voice["captions_may_suffer"]:
        log.warning("%s", VoiceSnr(voice["snr_db"], voice["speech_seconds"]).warning())
    languages = [plan.language] + [t.language for t in plan.translations] if sidecars else []
    statement = episode_statement(plans, files, flashes, languages,
                                  audio_description=any(name.endswith(".ad") for name in files),
                                  sign_language=any(name.endswith(".sl") for name in files),
                                  contrast=contrast, regions=regions)
    for line in statement["contrast_problems"]:
        log.warning("captions: %s", line)
    write_metadata(metadata, plan=plan, files=files, captions=sidecars, cover=cover, checks=checks,
                   platform_sidecars=wants, voice=voice, accessibility=statement, loudness=loudness)
    return cover, metadata, checks


def _to_check(plans: Sequence[Plan], files: dict[str, Path]) -> list[tuple[str, Platform]]:
    """(file name, preset) of every delivered file, against the presets each plan was made
    for (a --platforms-file included), not today's files; variants (".ad") against their
    platform's preset."""
    out = []
    for each in plans:
        presets = plan_presets(each)
        out += [(name, presets[name.split(".")[0]]) for spec in each.outputs
                for name in (spec.platform, f"{spec.platform}.ad")
                if name.split(".")[0] in presets and name in files]
    return out


def _first_file(plan: Plan, files: dict[str, Path]) -> list[str]:
    """The first delivered platform of ``plan`` (its frame size's picture), if any."""
    return [o.platform for o in plan.outputs if o.platform in files][:1]


def _cover(plan: Plan, cover: Path) -> Path:
    """The cover image of ``plan`` written to ``cover`` (returned)."""
    style = plan.caption_style
    # The title sits inside the plan's platforms' safe zones (Shorts' wide right margin too).
    safe_box = plan.safe_box
    if safe_box is None:  # a plan written before plans recorded their safe box
        known = list(plan_presets(plan).values())
        safe_box = common_safe_box(known, plan.width, plan.height) if known else (0, 0, plan.width, plan.height)
    make_cover(plan, cover, title=plan.title, font_file=Path(style.font_file), safe_box=tuple(safe_box),
               text_colour=style.text_colour, box_colour=style.box_colour, window=_card_free_window(plan))
    return cover


def _voice_facts(plan: Plan, folder: Path) -> tuple[dict | None, list[tuple[float, float]]]:
    """The voice report (SNR) and the speech regions from one decode of the plan's voice."""
    if not any(plan.source(c.source).has_audio for c in plan.cuts):
        return voice_report(plan, folder), []
    paths = {VAD_RATE: folder / ".voice-16k.f32", CLEAN_RATE: folder / ".voice-48k.f32"}
    try:
        pcm = decode_voice_files(plan, paths)
        return voice_report(plan, folder, pcm[CLEAN_RATE]), voiced_regions_of_plan(plan, pcm[VAD_RATE])
    finally:
        for path in paths.values():
            path.unlink(missing_ok=True)
