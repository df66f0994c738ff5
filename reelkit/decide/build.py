"""Building the plan: everything decided (timeline, brand look, caption words and pages,
overlays, outputs) before anything is rendered."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from reelkit.errors import CaptionError, InputError
from reelkit.io.paths import assets_dir
from reelkit.plan.frames import exact_rate, normalise, rate_text
from reelkit.plan.model import CaptionPage, Plan, Word
from reelkit.plan.outline import Outline, load_outline, outline_for_clips
from reelkit.plan.platforms import DEFAULT_PLATFORMS, Platform, common_safe_box, get_platform, load_platforms, preset_data
from reelkit.cut.timeline import build_timeline

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
            from reelkit.cut.script_cut import read_script

            outline = replace(outline, script=read_script(script_file))
        return outline
    for path in inputs:
        if not Path(path).exists():
            raise InputError("file not found", path=str(path))
    script = None
    if script_file is not None:
        from reelkit.cut.script_cut import read_script

        script = read_script(script_file)
    return outline_for_clips([Path(p) for p in inputs], script=script)


def select_platforms(request: PlanRequest, outline: Outline) -> list[Platform]:
    presets = load_platforms(request.platforms_file)
    names = request.platforms or outline.platforms or DEFAULT_PLATFORMS
    return [get_platform(n, presets) for n in names]


def _caption_words(plan: Plan, outline: Outline, request: PlanRequest) -> tuple[Word, ...]:
    import tempfile

    from reelkit.speech import caption_words, script_prompt
    from reelkit.speech.coverage import transcribe_covering, voiced_regions
    from reelkit.speech.pcm import decode_voice_file
    from reelkit.speech.worker import transcribe_isolated

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
    from reelkit.captions import check_page_rules, paginate

    out: list[CaptionPage] = []
    for page in pages:
        span = [(page.start, page.end)]
        if check_page_rules([page], plan.caption_rules, plan.fps, span):
            out.extend(paginate(page.words, plan.caption_rules, plan.fps, span))
        else:
            out.append(page)
    return tuple(out)


def _pages(plan: Plan, outline: Outline, request: PlanRequest,
           shared: dict[str, Any]) -> tuple[tuple[Word, ...], tuple[CaptionPage, ...]]:
    """Caption words and pages of ``plan``. ``shared`` carries what one run decides once for
    every frame size: the transcribed words (or the producer's caption file)."""
    from reelkit.captions import paginate, read_captions

    windows = [(c.out_start, c.out_end) for c in plan.cuts if c.captions]
    if request.captions_file is not None:
        if "captions_file" not in shared:
            shared["captions_file"] = read_captions(request.captions_file)
        pages = _regroup_broken(shared["captions_file"], plan)
        return tuple(w for p in pages for w in p.words), pages
    if not any(plan.source(c.source).has_audio and c.captions for c in plan.cuts):
        return (), ()
    if "words" not in shared:
        shared["words"] = _caption_words(plan, outline, request)
    words = shared["words"]
    return words, tuple(paginate(words, plan.caption_rules, plan.fps, windows))


def _outline_relative(outline: Outline, brand: str) -> str:
    """A brand given as a path in the outline is relative to the outline file, like its clips."""
    candidate = outline.path.parent / brand
    return str(candidate) if ("/" in brand or brand.endswith(".yaml")) and candidate.exists() else brand


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


def size_groups(platforms: Sequence[Platform]) -> list[list[Platform]]:
    """Platforms grouped by frame size, in first-seen order: one picture per group."""
    groups: dict[tuple[int, int], list[Platform]] = {}
    for p in platforms:
        groups.setdefault((p.width, p.height), []).append(p)
    return list(groups.values())


def build_plans(outline: Outline, request: PlanRequest, folder: Path) -> tuple[Plan, ...]:
    """Decide everything for every selected platform: one plan per frame size.

    One analysis serves them all (transcription, caption words, the cut); each frame size
    gets its own crop, caption placement, safe zone and overlays, and one picture that the
    platforms of that size share.
    """
    from reelkit.brand import load_brand

    platforms = select_platforms(request, outline)
    brand = load_brand(request.brand or _outline_relative(outline, outline.brand))
    shared: dict[str, Any] = {}
    groups = size_groups(platforms)
    note = source_rate(outline)[1]
    if note and outline.fps in (None, "source") and any(g[0].fps == "source" for g in groups):
        log.warning("%s", note)  # one line: which rate the mixed-rate footage is rendered at
    if any(seg.script_cut for seg in outline.segments):
        # The script decides the cut once, at the first frame size's rate, for every size.
        from reelkit.cut.script_cut import expand_outline

        expanded = expand_outline(outline, fps=float(plan_rate(outline, groups[0][0])), backend=request.asr_backend,
                                  model=request.model, use_cache=request.use_cache)
        shared["script_cut"] = expanded
        outline = expanded.outline  # type: ignore[assignment]
    return tuple(_build_one(outline, request, folder, brand, group, shared) for group in groups)


def build_plan(outline: Outline, request: PlanRequest, folder: Path) -> Plan:
    """Decide everything for platforms of one frame size (see :func:`build_plans` for more)."""
    plans = build_plans(outline, request, folder)
    if len(plans) > 1:
        sizes = ", ".join(f"{p.width}x{p.height}" for p in plans)
        raise InputError(f"the platforms have {len(plans)} frame sizes ({sizes})",
                         hint="build_plans makes one plan per frame size")
    return plans[0]


def _build_one(outline: Outline, request: PlanRequest, folder: Path, brand: Any, platforms: Sequence[Platform],
               shared: dict[str, Any]) -> Plan:
    """The plan of one frame size: timeline, brand look, caption words and pages, overlays, outputs."""
    from reelkit.brand import OverlayContext, LowerThirdCue, Callout, build_overlays, caption_rules, caption_style, music_bed
    from reelkit.brand.layout import lay_out
    from reelkit.brand.preset import caption_block_half_height
    from reelkit.reframe.tracking import track_cuts
    from reelkit.captions.prepare import prepare_captions

    width, height = platforms[0].width, platforms[0].height
    rate = plan_rate(outline, platforms[0])
    sources, cuts = build_timeline(outline, width, height, rate)
    script_cut: tuple = ()
    if "script_cut" in shared:
        sources, cuts, script_cut = _script_cut_parts(shared, sources, cuts, outline)
    duration = cuts[-1].out_end
    safe_box = common_safe_box(platforms, width, height)
    outputs = tuple(p.output_spec(str(folder / f"{p.name}.mp4")) for p in platforms)
    style = caption_style(brand, safe_box, width, height)
    # One picture serves every selected platform, so captions are burned when any asks.
    burn = any(p.burn_captions for p in platforms)
    caption_half = caption_block_half_height(brand)
    tracked = track_cuts(cuts, [seg.reframe for seg in outline.segments], sources, width, height, float(rate),
                         round(style.position_y - caption_half) if burn else None, use_cache=request.use_cache,
                         analyses=shared.setdefault("faces", {}))
    cuts = tracked.cuts
    plan = Plan(title=outline.title, slug=outline.slug, width=width, height=height, fps=float(rate),
                duration=duration, sources=sources, cuts=cuts, caption_rules=caption_rules(brand),
                caption_style=style, burn_captions=burn,
                music=music_bed(brand), outputs=outputs, language=outline.language,
                description=outline.description, hashtags=outline.hashtags, frame_rate=rate_text(rate),
                safe_box=safe_box, platform_presets=tuple(preset_data(p) for p in platforms),
                script_cut=script_cut)
    words, pages = _pages(plan, outline, request, shared)
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
    from reelkit.captions.translations import build_translations

    translations = build_translations(outline, words, plan.caption_rules, plan.fps)
    burn_language = outline.burn if outline.burn and outline.burn != outline.language else ""
    plan = normalise(replace(plan, words=words, pages=pages, overlays=laid.overlays, layout=laid.boxes,
                             translations=translations, burn_language=burn_language))
    return replace(plan, captions=prepare_captions(plan, assets_dir()))


def _script_cut_parts(shared: dict[str, Any], sources: tuple, cuts: tuple, outline: Outline):  # type: ignore[no-untyped-def]
    """After a script-driven cut: punch-ins, sources for clips with no kept take (the
    decisions index sources), plan.script_cut, and the decided caption words (so the cut
    footage is not transcribed again) when every captioned cut was cut by the script."""
    from reelkit.io.probe import probe
    from reelkit.plan.model import Source
    from reelkit.cut.script_cut import output_words, plan_records, punch_in

    expanded = shared["script_cut"]
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
    if only_script and "words" not in shared and "captions_file" not in shared:
        shared["words"] = output_words(expanded, cuts)
    return tuple(out), cuts, plan_records(expanded, out)
