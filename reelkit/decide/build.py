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

from reelkit.brand import (
    Callout, LowerThirdCue, OverlayContext, build_overlays, caption_rules, caption_style, load_brand, music_bed)
from reelkit.brand.layout import caption_rect, lay_out
from reelkit.brand.look import caption_block_half_height
from reelkit.brand.schema import Brand
from reelkit.captions import check_page_rules, paginate, read_captions
from reelkit.captions.prepare import prepare_captions
from reelkit.captions.translations import build_translations
from reelkit.cut.script_cut import Expanded, expand_outline, output_words, plan_records, punch_in, read_script
from reelkit.cut.timeline import build_timeline
from reelkit.decide.describe import describe_plan
from reelkit.decide.sign import check_length, sign_variant
from reelkit.errors import CaptionError, InputError
from reelkit.io.paths import assets_dir
from reelkit.io.probe import probe
from reelkit.plan.frames import exact_rate, rate_text
from reelkit.plan.model import (
    CaptionPage, Cut, DescriptionCue, Overlay, Plan, ScriptLineCut, Source, VoiceCleanup, Word, with_exact_frames)
from reelkit.plan.outline import Outline, load_outline, outline_for_clips
from reelkit.plan.platforms import (
    DEFAULT_PLATFORMS, Platform, common_safe_box, get_platform, load_platforms, preset_data, size_groups)
from reelkit.reframe.crop import frame_cuts
from reelkit.reframe.tracking import track_cuts
from reelkit.speech import caption_words, script_prompt
from reelkit.speech.align import time_known_words
from reelkit.speech.channels import analyse_source
from reelkit.speech.coverage import transcribe_covering, voiced_regions
from reelkit.speech.levels import clipped_spans, format_spans
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
    clean: bool = False
    """``--clean``: clean the voice whatever the outline and brand say."""


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
    """The caption words: transcribed once, or the script cut's words aligned on the kept voice."""
    script_guides: tuple[Word, ...] | None = None
    """The script cut's estimated word times: the guides of that alignment."""
    captions_file: tuple[CaptionPage, ...] | None = None
    """The producer's corrected captions (``--captions``), read once."""
    faces: dict[tuple[Any, ...], Analysis] = field(default_factory=dict)
    """Face analyses by source span, so each span is decoded and detected once."""
    descriptions: tuple[DescriptionCue, ...] | None = None
    channel_memo: dict[Any, Any] = field(default_factory=dict)
    """Channel choices and clipped spans by source file, analysed once per run."""
    """The audio-description cues, placed once in the voice's pauses (the same at every size)."""


def select_platforms(request: PlanRequest, outline: Outline) -> list[Platform]:
    presets = load_platforms(request.platforms_file)
    names = request.platforms or outline.platforms or DEFAULT_PLATFORMS
    return [get_platform(n, presets) for n in names]


def _caption_words(plan: Plan, outline: Outline, request: PlanRequest) -> tuple[Word, ...]:
    # The voice stays on disk and is read a window at a time: memory does not grow with length.
    # The recogniser runs in a child process, so its memory is gone before the render starts.
    with tempfile.TemporaryDirectory(prefix="reelkit-voice-") as tmp:
        samples = decode_voice_file(plan, Path(tmp) / "voice.f32")
        prompt = script_prompt(outline.script, outline.language) if outline.script else None
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


def _script_cut_words(plan: Plan, outline: Outline, guides: Sequence[Word]) -> tuple[Word, ...]:
    """The kept script words of a script-driven cut, timed by forced alignment on the kept
    voice (what is heard, as rendered); the cut decision's times only guide the regions."""
    with tempfile.TemporaryDirectory(prefix="reelkit-voice-") as tmp:
        samples = decode_voice_file(plan, Path(tmp) / "voice.f32")
        return time_known_words([w.text for w in guides], [(w.start, w.end) for w in guides], samples,
                                language=outline.language)


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
        if state.script_guides is not None:
            state.words = _script_cut_words(plan, outline, state.script_guides)
        else:
            state.words = _caption_words(plan, outline, request)
    words = state.words
    return words, tuple(paginate(words, plan.caption_rules, plan.fps, windows))


# Rates cameras and editors use; a probed average within 0.1 % of one is that rate exactly
# (a phone's variable-rate 29.98 is 30000/1001).
_COMMON_RATES = tuple(Fraction(n, d) for n, d in ((24000, 1001), (24, 1), (25, 1), (30000, 1001), (30, 1),
                                                  (48, 1), (50, 1), (60000, 1001), (60, 1)))


def source_rate(outline: Outline) -> tuple[Fraction, str | None]:
    """The clips' own frame rate, and a note when they differ: the rate of most of the
    footage (by the time the outline uses) is picked, the first clip's on a tie."""
    spans: dict[Fraction, float] = {}
    for seg in outline.segments:
        if seg.media is None or seg.media.fps <= 0:
            continue
        rate = exact_rate(seg.media.fps)
        rate = next((r for r in _COMMON_RATES if abs(rate - r) <= r / 1000), rate)
        spans[rate] = spans.get(rate, 0.0) + max(seg.end - seg.start, 0.0)
    if not spans:
        return Fraction(30), None
    rate = max(spans, key=lambda r: spans[r])  # dicts keep first-seen order: ties go to the first
    if len(spans) == 1:
        return rate, None
    others = ", ".join(rate_text(r) for r in spans if r != rate)
    return rate, (f"the clips have different frame rates ({rate_text(rate)} and {others}); rendering at "
                  f"{rate_text(rate)}, the rate of most of the footage (set fps: in the outline to choose)")


def plan_rate(outline: Outline, platform: Platform) -> Fraction:
    """The frame rate to render at: the outline's ``fps``, else the platform's, else (``fps:
    source``, the default) the clips' own rate (:func:`source_rate`), exactly (29.97 stays
    30000/1001) when the platform accepts it, else the nearest rate it accepts."""
    if outline.fps and outline.fps != "source":
        return exact_rate(outline.fps)
    if outline.fps != "source" and platform.fps != "source":
        return exact_rate(platform.fps)
    rate, _ = source_rate(outline)
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
    note = source_rate(outline)[1]
    if note and outline.fps in (None, "source") and any(g[0].fps == "source" for g in groups):
        log.warning("%s", note)  # one line: which rate the mixed-rate footage is rendered at
    if any(seg.script_cut for seg in outline.segments):
        # The script decides the cut once, at the first frame size's rate, for every size.
        state.script_cut = expand_outline(outline, fps=float(plan_rate(outline, groups[0][0])),
                                          backend=request.asr_backend, model=request.model,
                                          use_cache=request.use_cache)
        outline = state.script_cut.outline
    # Each frame size's plan, followed by its sign-language variant when the outline has one.
    return tuple(plan for group in groups for plan in _build_one(outline, request, folder, brand, group, state))


def build_plan(outline: Outline, request: PlanRequest, folder: Path) -> Plan:
    """Decide everything for platforms of one frame size (see :func:`build_plans` for more)."""
    plans = [p for p in build_plans(outline, request, folder) if p.sign_language is None]
    if len(plans) > 1:
        sizes = ", ".join(f"{p.width}x{p.height}" for p in plans)
        raise InputError(f"the platforms have {len(plans)} frame sizes ({sizes})",
                         hint="build_plans makes one plan per frame size")
    return plans[0]


def _build_one(outline: Outline, request: PlanRequest, folder: Path, brand: Brand, platforms: Sequence[Platform],
               state: RunState) -> tuple[Plan, ...]:
    """The plan of one frame size (timeline, brand look, caption words and pages, overlays,
    outputs), and the plan of its sign-language variant when the outline asks for one."""
    width, height = platforms[0].width, platforms[0].height
    rate = plan_rate(outline, platforms[0])
    sources, cuts = build_timeline(outline, rate)
    cuts = frame_cuts(outline.segments, sources, cuts, width, height)
    script_cut: tuple[ScriptLineCut, ...] = ()
    if state.script_cut is not None:
        sources, cuts, script_cut = _script_cut_parts(state, state.script_cut, sources, cuts, outline)
    sources = decide_channels(sources, outline.audio_channels, state.channel_memo)
    duration = cuts[-1].out_end
    if outline.sign_language is not None:
        check_length(outline, duration, float(rate))
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
                duration=duration, sources=sources, cuts=cuts,
                caption_rules=caption_rules(brand, outline.language),
                caption_style=style, burn_captions=burn,
                music=music_bed(brand), outputs=outputs, language=outline.language,
                description=outline.description, hashtags=outline.hashtags, frame_rate=rate_text(rate),
                safe_box=safe_box, platform_presets=tuple(preset_data(p) for p in platforms),
                script_cut=script_cut, voice_cleanup=voice_cleanup(request, outline, brand))
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

    translations = build_translations(outline, words, lambda lang: caption_rules(brand, lang), plan.fps)
    burn_language = outline.burn if outline.burn and outline.burn != outline.language else ""
    plan = with_exact_frames(replace(plan, words=words, pages=pages, overlays=laid.overlays, layout=laid.boxes,
                             translations=translations, burn_language=burn_language,
                             description_duck_db=brand.audio_description.duck_db))
    return _accessible(plan, outline, overlays, tracked.faces, caption_half, folder, state)


def _accessible(plan: Plan, outline: Outline, overlays: Sequence[Overlay], faces: Sequence[Any],
                caption_half: float, folder: Path, state: RunState) -> tuple[Plan, ...]:
    """The plan with its audio-description cues placed, and its sign-language variant plan
    when the outline has an interpreter; captions prepared for each."""
    if outline.describe:  # the voice is the same at every frame size: place the cues once
        if state.descriptions is None:
            state.descriptions = describe_plan(plan, outline.describe, assets_dir())
        plan = replace(plan, descriptions=state.descriptions)
    main = replace(plan, captions=prepare_captions(plan, assets_dir()))
    if outline.sign_language is None:
        return (main,)
    variant = sign_variant(main, outline, overlays, faces, caption_half, folder)
    return main, replace(variant, captions=prepare_captions(variant, assets_dir()))


def voice_cleanup(request: PlanRequest, outline: Outline, brand: Brand) -> VoiceCleanup | None:
    """``--clean`` first, then the outline's ``audio.clean``, then the brand's; off by default."""
    if request.clean:
        return VoiceCleanup(origin="--clean")
    if outline.clean is not None:
        return VoiceCleanup(origin="outline") if outline.clean == "voice" else None
    return VoiceCleanup(origin="brand") if brand.audio.clean == "voice" else None


def decide_channels(sources: Sequence[Source], setting: str, memo: dict[Any, Any]) -> tuple[Source, ...]:
    """Each source with audio gets its channel choice (the outline's ``audio.channels`` when
    set, else the analysis of its channels) and its clipped spans, analysed once per file
    (``memo`` is shared across frame sizes)."""
    out = []
    for src in sources:
        if not src.has_audio:
            out.append(src)
            continue
        key = ("clipped", src.path)
        if key not in memo:
            memo[key] = clipped_spans(src.path, src.audio_rate, probe(src.path).audio_channels)
            if memo[key]:
                log.warning("%s: the audio is clipped (full-scale samples) at %s: lower the recording level",
                            src.path, format_spans(memo[key]))
        src = replace(src, clipped=memo[key])
        if setting != "auto":
            choice, reason = setting, "outline audio.channels"
        else:
            if src.path not in memo:
                memo[src.path] = analyse_source(src.path, probe(src.path).audio_channels)
            choice, reason = memo[src.path]
            if choice != "stereo":
                log.info("%s: audio %s (%s)", src.path, choice, reason)
        out.append(replace(src, channels=choice, channels_reason=reason))
    return tuple(out)


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
                              has_audio=m.has_audio, audio_rate=m.audio_rate,
                              video_start=m.video_start, hdr=m.colour.hdr))
            known.add(str(clip))
    only_script = all(origin is not None or not seg.captions or not (seg.media and seg.media.has_audio)
                      for origin, seg in zip(expanded.origins, outline.segments))
    if only_script and state.words is None and state.captions_file is None:
        state.script_guides = output_words(expanded, cuts)
    return tuple(out), cuts, plan_records(expanded, out)
