"""Building the plan: everything decided (timeline, brand look, caption words and pages,
overlays, outputs) before anything is rendered."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from reelkit.brand import (Callout, LowerThirdCue, OverlayContext, build_overlays, caption_rules, caption_style,
                           load_brand, music_bed)
from reelkit.brand.layout import caption_rect, lay_out
from reelkit.brand.look import caption_block_half_height
from reelkit.brand.schema import Brand
from reelkit.captions import check_page_rules, paginate, read_captions
from reelkit.captions.prepare import prepare_captions
from reelkit.captions.translations import build_translations
from reelkit.cut.script_cut import Expanded, expand_outline, output_words, plan_records, punch_in, read_script
from reelkit.cut.timeline import build_timeline
from reelkit.errors import CaptionError, InputError
from reelkit.io.paths import assets_dir
from reelkit.io.probe import probe
from reelkit.plan.frames import exact_rate, rate_text
from reelkit.plan.model import CaptionPage, Cut, Plan, ScriptLineCut, Source, Word, with_exact_frames
from reelkit.plan.outline import Outline, load_outline, outline_for_clips
from reelkit.plan.platforms import (DEFAULT_PLATFORMS, Platform, common_safe_box, get_platform, load_platforms,
                                    preset_data, size_groups)
from reelkit.reframe.crop import frame_cuts
from reelkit.reframe.tracking import track_cuts
from reelkit.speech import caption_words, script_prompt
from reelkit.speech.coverage import transcribe_covering, voiced_regions
from reelkit.speech.pcm import decode_voice_file
from reelkit.speech.worker import transcribe_isolated
from reelkit.vision.analysis import Analysis

log = logging.getLogger(__name__)


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
    script_file: Path | None = None
    """A narration file: the script decides the cut of the given clips (``render --script``)."""


def load_request_outline(inputs: Sequence[Path], script_file: Path | None = None) -> Outline:
    """One outline file, or one or more media files that get a default outline.

    With ``script_file`` the clips are cut by that script; an outline's script is replaced by it.
    """
    if not inputs:
        raise InputError("nothing to render", hint="give an outline .yaml or one or more video clips")
    first = Path(inputs[0])
    if first.suffix.lower() in (".yaml", ".yml"):
        if len(inputs) > 1:
            raise InputError("give one outline at a time (or only media files)", path=str(inputs[1]))
        outline = load_outline(first)
        if script_file is not None:
            outline = replace(outline, script=read_script(script_file))
        return outline
    for path in inputs:
        if not Path(path).exists():
            raise InputError("file not found", path=str(path))
    script = None
    if script_file is not None:
        script = read_script(script_file)
    return outline_for_clips([Path(p) for p in inputs], script=script)


@dataclass
class RunState:
    """What one run decides once and every frame size's plan shares."""

    script_cut: Expanded | None = None
    """The cut the script decided (``cut: script`` segments), at the first frame size's rate."""
    words: tuple[Word, ...] | None = None
    """The caption words: transcribed once, or taken from the script cut's decision."""
    captions_file: tuple[CaptionPage, ...] | None = None
    """The producer's corrected captions (``--captions``), read once."""
    faces: dict[tuple[Any, ...], Analysis] = field(default_factory=dict)
    """Face analyses by source span, so each span is decoded and detected once."""


def select_platforms(request: PlanRequest, outline: Outline) -> list[Platform]:
    presets = load_platforms(request.platforms_file)
    names = request.platforms or outline.platforms or DEFAULT_PLATFORMS
    return [get_platform(n, presets) for n in names]


def _caption_words(plan: Plan, outline: Outline, request: PlanRequest) -> tuple[Word, ...]:
    # The voice stays on disk and is read a window at a time: memory does not grow with length.
    # The recogniser runs in a child process, so its memory is gone before the render starts.
    with tempfile.TemporaryDirectory(prefix="reelkit-voice-") as tmp:
        samples = decode_voice_file(plan, Path(tmp) / "voice.f32")
        prompt = script_prompt(outline.script) if outline.script else None
        transcript = transcribe_covering(samples, transcriber=transcribe_isolated, backend=request.asr_backend,
                                         model=request.model, language=outline.language, initial_prompt=prompt,
                                         use_cache=request.use_cache)
        words = caption_words(transcript, samples, script=outline.script)
        if not words and outline.script and outline.script.strip() and voiced_regions(samples):
            # Never publish an uncaptioned video when the outline has a script and there is speech.
            raise CaptionError(f"no caption words could be timed although the voice track has speech "
                               f"({request.asr_backend} recognised {len(transcript.words)} words)",
                               path=str(outline.path), key="script",
                               hint="try the other --asr backend, or give corrected captions with --captions")
        return words


def _regroup_broken(pages: Sequence[CaptionPage], plan: Plan) -> tuple[CaptionPage, ...]:
    """A producer's corrected captions keep their words and times; only a cue that breaks the
    grouping rules (too long a line, too many lines, too long on screen) is regrouped, inside
    its own time span."""
    out: list[CaptionPage] = []
    for page in pages:
        span = [(page.start, page.end)]
        if check_page_rules([page], plan.caption_rules, plan.fps, span):
            out.extend(paginate(page.words, plan.caption_rules, plan.fps, span))
        else:
            out.append(page)
    return tuple(out)


def _pages(plan: Plan, outline: Outline, request: PlanRequest,
           state: RunState) -> tuple[tuple[Word, ...], tuple[CaptionPage, ...]]:
    """Caption words and pages of ``plan``; the words (or the producer's caption file) are
    read or transcribed once per run, into ``state``."""
    windows = [(c.out_start, c.out_end) for c in plan.cuts if c.captions]
    if request.captions_file is not None:
        if state.captions_file is None:
            state.captions_file = read_captions(request.captions_file)
        pages = _regroup_broken(state.captions_file, plan)
        return tuple(w for p in pages for w in p.words), pages
    if not any(plan.source(c.source).has_audio and c.captions for c in plan.cuts):
        return (), ()
    if state.words is None:
        state.words = _caption_words(plan, outline, request)
    words = state.words
    return words, tuple(paginate(words, plan.caption_rules, plan.fps, windows))


def plan_rate(outline: Outline, platform: Platform) -> Fraction:
    """The frame rate to render at: the outline's ``fps``, else the platform's, else (``fps:
    source``) the first clip's own rate, exactly (29.97 stays 30000/1001) when the platform
    accepts it, else the nearest rate it accepts."""
    if outline.fps:
        return exact_rate(outline.fps)
    if platform.fps != "source":
        return exact_rate(platform.fps)
    media = outline.segments[0].media
    rate = exact_rate(media.fps if media is not None and media.fps > 0 else 30)
    if platform.fps_range is not None:
        low, high = platform.fps_range
        if not low - 0.01 <= float(rate) <= high + 0.01:
            rate = exact_rate(min(max(float(rate), low), high))
    return rate


def build_plans(outline: Outline, request: PlanRequest, folder: Path) -> tuple[Plan, ...]:
    """Decide everything for every selected platform: one plan per frame size.

    One analysis serves them all (transcription, caption words, the cut); each frame size
    gets its own crop, caption placement, safe zone and overlays, and one picture that the
    platforms of that size share.
    """
    platforms = select_platforms(request, outline)
    brand = load_brand(outline.brand_ref(request.brand))
    state = RunState()
    groups = size_groups(platforms)
    if any(seg.script_cut for seg in outline.segments):
        # The script decides the cut once, at the first frame size's rate, for every size.
        state.script_cut = expand_outline(outline, fps=float(plan_rate(outline, groups[0][0])),
                                          backend=request.asr_backend, model=request.model,
                                          use_cache=request.use_cache)
        outline = state.script_cut.outline
    return tuple(_build_one(outline, request, folder, brand, group, state) for group in groups)


def build_plan(outline: Outline, request: PlanRequest, folder: Path) -> Plan:
    """Decide everything for platforms of one frame size (see :func:`build_plans` for more)."""
    plans = build_plans(outline, request, folder)
    if len(plans) > 1:
        sizes = ", ".join(f"{p.width}x{p.height}" for p in plans)
        raise InputError(f"the platforms have {len(plans)} frame sizes ({sizes})",
                         hint="build_plans makes one plan per frame size")
    return plans[0]


def _build_one(outline: Outline, request: PlanRequest, folder: Path, brand: Brand, platforms: Sequence[Platform],
               state: RunState) -> Plan:
    """The plan of one frame size: timeline, brand look, caption words and pages, overlays, outputs."""
    width, height = platforms[0].width, platforms[0].height
    rate = plan_rate(outline, platforms[0])
    sources, cuts = build_timeline(outline, rate)
    cuts = frame_cuts(outline.segments, sources, cuts, width, height)
    script_cut: tuple[ScriptLineCut, ...] = ()
    if state.script_cut is not None:
        sources, cuts, script_cut = _script_cut_parts(state, state.script_cut, sources, cuts, outline)
    duration = cuts[-1].out_end
    safe_box = common_safe_box(platforms, width, height)
    outputs = tuple(p.output_spec(str(folder / f"{p.name}.mp4")) for p in platforms)
    style = caption_style(brand, safe_box, width, height)
    # One picture serves every selected platform, so captions are burned when any asks.
    burn = any(p.burn_captions for p in platforms)
    caption_half = caption_block_half_height(brand)
    tracked = track_cuts(cuts, [seg.reframe for seg in outline.segments], sources, width, height, float(rate),
                         caption_rect(style, caption_half, width)[1] if burn else None, use_cache=request.use_cache,
                         analyses=state.faces)
    cuts = tracked.cuts
    plan = Plan(title=outline.title, slug=outline.slug, width=width, height=height, fps=float(rate),
                duration=duration, sources=sources, cuts=cuts, caption_rules=caption_rules(brand),
                caption_style=style, burn_captions=burn,
                music=music_bed(brand), outputs=outputs, language=outline.language,
                description=outline.description, hashtags=outline.hashtags, frame_rate=rate_text(rate),
                safe_box=safe_box, platform_presets=tuple(preset_data(p) for p in platforms),
                script_cut=script_cut)
    words, pages = _pages(plan, outline, request, state)
    lower_thirds = tuple(LowerThirdCue(seg.lower_third.name, seg.lower_third.role, cut.out_start,
                                       min(cut.out_end, cut.out_start + 4.0))
                         for seg, cut in zip(outline.segments, cuts) if seg.lower_third)
    callouts = tuple(Callout(c.text, c.at, min(duration, c.at + c.duration)) for c in outline.callouts)
    ctx = OverlayContext(width=width, height=height, duration=duration, title=outline.title, hook=outline.hook,
                         cta=outline.cta, lower_thirds=lower_thirds, callouts=callouts, safe_box=safe_box)
    overlays = build_overlays(brand, ctx, assets_dir())
    laid = lay_out(overlays, pages if burn else (), style, caption_half, tracked.faces, safe_box, width, height)
    for problem in laid.problems:
        log.warning("%s", problem)

    translations = build_translations(outline, words, plan.caption_rules, plan.fps)
    burn_language = outline.burn if outline.burn and outline.burn != outline.language else ""
    plan = with_exact_frames(replace(plan, words=words, pages=pages, overlays=laid.overlays, layout=laid.boxes,
                             translations=translations, burn_language=burn_language))
    return replace(plan, captions=prepare_captions(plan, assets_dir()))


def _script_cut_parts(state: RunState, expanded: Expanded, sources: tuple[Source, ...], cuts: tuple[Cut, ...],
                      outline: Outline) -> tuple[tuple[Source, ...], tuple[Cut, ...], tuple[ScriptLineCut, ...]]:
    """After a script-driven cut: punch-ins, sources for clips with no kept take (the
    decisions index sources), plan.script_cut, and the decided caption words (so the cut
    footage is not transcribed again) when every captioned cut was cut by the script."""
    cuts = punch_in(cuts, expanded.origins, outline.edit.punch_in)
    known = {s.path for s in sources}
    out = list(sources)
    for clip in expanded.clips:
        if str(clip) not in known:
            m = probe(clip)
            out.append(Source(id=f"s{len(out)}", path=str(clip), duration=m.duration, width=m.width,
                              height=m.height, rotation=m.rotation, fps=m.fps, has_video=m.has_video,
                              has_audio=m.has_audio, audio_rate=m.audio_rate))
            known.add(str(clip))
    only_script = all(origin is not None or not seg.captions or not (seg.media and seg.media.has_audio)
                      for origin, seg in zip(expanded.origins, outline.segments))
    if only_script and state.words is None and state.captions_file is None:
        state.words = output_words(expanded, cuts)
    return tuple(out), cuts, plan_records(expanded, out)
