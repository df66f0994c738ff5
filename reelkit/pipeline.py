"""The main job: outline (or clips) -> plan -> platform files, sidecars, cover and metadata.

Each step is a library call with a narrow input; this module only sequences them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import InputError
from .outline import Outline, load_outline, outline_for_clips
from .paths import assets_dir
from .plan import CaptionPage, Plan, Word, write_plan
from .platforms import DEFAULT_PLATFORMS, Platform, load_platforms, get_platform
from .render import RenderOptions, StageCallback, decode_voice, render_plan
from .timeline import build_timeline

log = logging.getLogger("reelkit")

MEDIA_SUFFIXES = {".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi", ".mts", ".3gp"}


@dataclass(frozen=True)
class RenderRequest:
    """What the user asked for; everything optional falls back to the outline, then defaults."""

    inputs: tuple[Path, ...]
    out_dir: Path = Path("out")
    platforms: tuple[str, ...] = ()
    brand: str | None = None
    asr_backend: str = "faster-whisper"
    model: str | None = None
    captions_file: Path | None = None
    use_cache: bool = True
    engine: str = "ffmpeg"
    platforms_file: Path | None = None
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


def load_request_outline(inputs: Sequence[Path]) -> Outline:
    """One outline file, or one or more media files that get a default outline."""
    if not inputs:
        raise InputError("nothing to render", hint="give an outline .yaml or one or more video clips")
    first = Path(inputs[0])
    if first.suffix.lower() in (".yaml", ".yml"):
        if len(inputs) > 1:
            raise InputError("give one outline at a time (or only media files)", path=str(inputs[1]))
        return load_outline(first)
    for path in inputs:
        if not Path(path).exists():
            raise InputError("file not found", path=str(path))
    return outline_for_clips([Path(p) for p in inputs])


def select_platforms(request: RenderRequest, outline: Outline) -> list[Platform]:
    presets = load_platforms(request.platforms_file)
    names = request.platforms or outline.platforms or DEFAULT_PLATFORMS
    return [get_platform(n, presets) for n in names]


def common_safe_box(platforms: Sequence[Platform], width: int, height: int) -> tuple[int, int, int, int]:
    """The area inside every selected platform's UI safe zone."""
    boxes = [p.safe_zone.box(width, height) for p in platforms]
    return (max(b[0] for b in boxes), max(b[1] for b in boxes), min(b[2] for b in boxes), min(b[3] for b in boxes))


def _caption_words(plan: Plan, outline: Outline, request: RenderRequest) -> tuple[Word, ...]:
    from .asr import caption_words, script_prompt, transcribe

    samples = decode_voice(plan)
    prompt = script_prompt(outline.script) if outline.script else None
    transcript = transcribe(samples, backend=request.asr_backend, model=request.model, language=outline.language,
                            initial_prompt=prompt, use_cache=request.use_cache)
    return caption_words(transcript, samples, script=outline.script)


def _regroup_broken(pages: Sequence[CaptionPage], plan: Plan) -> tuple[CaptionPage, ...]:
    """A producer's corrected captions keep their words and times; only a cue that breaks the
    grouping rules (too long a line, too many lines, too long on screen) is regrouped, inside
    its own time span."""
    from .captions import check_page_rules, paginate

    out: list[CaptionPage] = []
    for page in pages:
        span = [(page.start, page.end)]
        if check_page_rules([page], plan.caption_rules, plan.fps, span):
            out.extend(paginate(page.words, plan.caption_rules, plan.fps, span))
        else:
            out.append(page)
    return tuple(out)


def _pages(plan: Plan, outline: Outline, request: RenderRequest) -> tuple[tuple[Word, ...], tuple[CaptionPage, ...]]:
    from .captions import paginate, read_captions

    windows = [(c.out_start, c.out_end) for c in plan.cuts if c.captions]
    if request.captions_file is not None:
        pages = _regroup_broken(read_captions(request.captions_file), plan)
        return tuple(w for p in pages for w in p.words), pages
    if not any(plan.source(c.source).has_audio and c.captions for c in plan.cuts):
        return (), ()
    words = _caption_words(plan, outline, request)
    return words, tuple(paginate(words, plan.caption_rules, plan.fps, windows))


def _outline_relative(outline: Outline, brand: str) -> str:
    """A brand given as a path in the outline is relative to the outline file, like its clips."""
    candidate = outline.path.parent / brand
    return str(candidate) if ("/" in brand or brand.endswith(".yaml")) and candidate.exists() else brand


def build_plan(outline: Outline, request: RenderRequest, folder: Path) -> Plan:
    """Decide everything: timeline, brand look, caption words and pages, overlays, outputs."""
    from .brand import OverlayContext, LowerThirdCue, Callout, build_overlays, caption_rules, caption_style, \
        load_brand, music_bed

    platforms = select_platforms(request, outline)
    width, height = platforms[0].width, platforms[0].height
    for p in platforms[1:]:
        if (p.width, p.height) != (width, height):
            raise InputError(f"platform '{p.name}' has frame {p.width}x{p.height}, '{platforms[0].name}' has "
                             f"{width}x{height}", hint="render different frame sizes in separate runs")
    fps = float(outline.fps or (platforms[0].fps if platforms[0].fps != "source" else 0)
                or outline.segments[0].media.fps or 30)  # type: ignore[union-attr]
    sources, cuts = build_timeline(outline, width, height, fps)
    duration = cuts[-1].out_end
    brand = load_brand(request.brand or _outline_relative(outline, outline.brand))
    safe_box = common_safe_box(platforms, width, height)
    outputs = tuple(p.output_spec(str(folder / f"{p.name}.mp4")) for p in platforms)
    plan = Plan(title=outline.title, slug=outline.slug, width=width, height=height, fps=fps, duration=duration,
                sources=sources, cuts=cuts, caption_rules=caption_rules(brand),
                caption_style=caption_style(brand, safe_box, width, height),
                # One picture serves every selected platform, so captions are burned when any asks.
                burn_captions=any(p.burn_captions for p in platforms),
                music=music_bed(brand), outputs=outputs, language=outline.language,
                description=outline.description, hashtags=outline.hashtags)
    words, pages = _pages(plan, outline, request)
    lower_thirds = tuple(LowerThirdCue(seg.lower_third.name, seg.lower_third.role, cut.out_start,
                                       min(cut.out_end, cut.out_start + 4.0))
                         for seg, cut in zip(outline.segments, cuts) if seg.lower_third)
    callouts = tuple(Callout(c.text, c.at, min(duration, c.at + c.duration)) for c in outline.callouts)
    ctx = OverlayContext(width=width, height=height, duration=duration, title=outline.title, hook=outline.hook,
                         cta=outline.cta, lower_thirds=lower_thirds, callouts=callouts, safe_box=safe_box)
    overlays = build_overlays(brand, ctx, assets_dir())
    return replace(plan, words=words, pages=pages, overlays=overlays)


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
    from .captions import write_srt, write_vtt

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
        from .moviepy_engine import render_with_moviepy

        return render_with_moviepy
    raise InputError(f"unknown engine '{name}'", key="--engine", hint="use ffmpeg or moviepy")


def _ffmpeg_engine(plan: Plan, folder: Path, request: RenderRequest, on_stage: StageCallback | None):  # type: ignore[no-untyped-def]
    import tempfile

    from .captions import ass_filter, split_pillow_pages, write_ass

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
    from .brand.overlays import is_full_frame

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
    from .check import check_file
    from .cover import make_cover
    from .metadata import write_metadata

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
