"""Building the plan: everything decided (timeline, brand look, caption words and pages,
overlays, outputs) before anything is rendered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from reelkit.errors import InputError
from reelkit.io.paths import assets_dir
from reelkit.plan.model import CaptionPage, Plan, Word
from reelkit.plan.outline import Outline, load_outline, outline_for_clips
from reelkit.plan.platforms import DEFAULT_PLATFORMS, Platform, get_platform, load_platforms
from reelkit.plan.timeline import build_timeline


@dataclass(frozen=True)
class PlanRequest:
    """What the user asked for; everything optional falls back to the outline, then defaults."""

    inputs: tuple[Path, ...]
    platforms: tuple[str, ...] = ()
    brand: str | None = None
    asr_backend: str = "faster-whisper"
    model: str | None = None
    captions_file: Path | None = None
    use_cache: bool = True
    platforms_file: Path | None = None


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


def select_platforms(request: PlanRequest, outline: Outline) -> list[Platform]:
    presets = load_platforms(request.platforms_file)
    names = request.platforms or outline.platforms or DEFAULT_PLATFORMS
    return [get_platform(n, presets) for n in names]


def common_safe_box(platforms: Sequence[Platform], width: int, height: int) -> tuple[int, int, int, int]:
    """The area inside every selected platform's UI safe zone."""
    boxes = [p.safe_zone.box(width, height) for p in platforms]
    return (max(b[0] for b in boxes), max(b[1] for b in boxes), min(b[2] for b in boxes), min(b[3] for b in boxes))


def _caption_words(plan: Plan, outline: Outline, request: PlanRequest) -> tuple[Word, ...]:
    from reelkit.speech import caption_words, script_prompt, transcribe

    from reelkit.speech.audio import decode_voice

    samples = decode_voice(plan)
    prompt = script_prompt(outline.script) if outline.script else None
    transcript = transcribe(samples, backend=request.asr_backend, model=request.model, language=outline.language,
                            initial_prompt=prompt, use_cache=request.use_cache)
    return caption_words(transcript, samples, script=outline.script)


def _regroup_broken(pages: Sequence[CaptionPage], plan: Plan) -> tuple[CaptionPage, ...]:
    """A producer's corrected captions keep their words and times; only a cue that breaks the
    grouping rules (too long a line, too many lines, too long on screen) is regrouped, inside
    its own time span."""
    from reelkit.captions import check_page_rules, paginate

    out: list[CaptionPage] = []
    for page in pages:
        span = [(page.start, page.end)]
        if check_page_rules([page], plan.caption_rules, plan.fps, span):
            out.extend(paginate(page.words, plan.caption_rules, plan.fps, span))
        else:
            out.append(page)
    return tuple(out)


def _pages(plan: Plan, outline: Outline, request: PlanRequest) -> tuple[tuple[Word, ...], tuple[CaptionPage, ...]]:
    from reelkit.captions import paginate, read_captions

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


def build_plan(outline: Outline, request: PlanRequest, folder: Path) -> Plan:
    """Decide everything: timeline, brand look, caption words and pages, overlays, outputs."""
    from reelkit.brand import OverlayContext, LowerThirdCue, Callout, build_overlays, caption_rules, caption_style, load_brand, music_bed

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
