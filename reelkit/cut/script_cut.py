"""The script-driven cut: raw clips + the script -> the kept source spans, and why.

Steps (each a function with a narrow input, so the decision can be timed alone):

1. :func:`reelkit.cut.heard.listen`: decode each clip's audio, transcribe it and keep the
   voice-activity map.
2. :func:`decide_cut`: find every take of every script line (:mod:`reelkit.cut.takes`),
   choose one per line (``last`` | ``first`` | ``best`` complete take; a false start is never
   chosen over a complete take), place its words (:mod:`reelkit.cut.placement`, then forced
   alignment: :mod:`reelkit.cut.aligned`), and inside it drop fillers, immediate
   repetitions, ad-libs and voiced audio no word covers, and shorten long pauses
   (:mod:`reelkit.cut.spans`: padded, snapped to quiet frames, whole output frames).
3. :func:`expand_outline`: ``cut: script`` segments become ordinary segments with explicit
   times; the decisions go to ``plan.json`` (``script_cut``) and the report
   (:mod:`reelkit.cut.removed` names what was left out).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from reelkit.cut.aligned import AlignedTake, align_chosen_take
from reelkit.cut.heard import Clip, ClipAudio, listen
from reelkit.cut.located import locate_takes, realign
from reelkit.cut.placement import Sound, hesitation_slots, take_sounds
from reelkit.cut.removed import removals
from reelkit.cut.spans import Piece, Span, line_spans, merge_touching, no_overlap, open_ends, whole_frames
from reelkit.cut.takes import StreamWord, Take, choose_take, find_takes, script_lines
from reelkit.errors import InputError
from reelkit.plan.edit import EditSettings
from reelkit.plan.model import ScriptLineCut, ScriptTake, Word
from reelkit.plan.outline import Outline
from reelkit.speech.align import script_tokens

log = logging.getLogger("reelkit.cut")

STRETCHED_WORD = 1.2
"""A single word sounding longer than this (s) counts as stretched (for ``takes: best``)."""


@dataclass(frozen=True)
class SourceWord:
    """A caption word in clip time."""

    clip: int
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class CutDecision:
    """Everything decided: kept pieces in output order, per-line decisions, caption words."""

    pieces: tuple[Piece, ...]
    lines: tuple[ScriptLineCut, ...]
    words: tuple[SourceWord, ...]
    missing: tuple[str, ...] = ()


def decide_cut(script: str, audios: Sequence[ClipAudio], settings: EditSettings = EditSettings(),
               fps: float = 30.0, script_name: str = "script") -> CutDecision:
    """Decide the edit of ``audios`` from ``script`` (see the module docstring).

    Lines recognition left without a complete take are searched for by forced alignment of
    the script (:mod:`reelkit.cut.located`). Raises InputError when the script has no words
    or none of its lines is found (or, unless ``missing_lines: warn``, when one is not).
    """
    lines = script_lines(script or "")
    if not lines:
        raise InputError("the script has no words", path=script_name, hint="give the narration as plain text")
    clips = [Clip(a) for a in audios]
    stream: list[StreamWord] = [w for a in audios for w in a.words]

    tokens = [script_tokens(line) for line in lines]
    all_takes = find_takes(lines, stream)
    located = _located(tokens, all_takes, clips, audios[0].language if audios else "en", settings)
    decisions: list[ScriptLineCut] = []
    spans: list[Span] = []
    words: list[SourceWord] = []
    missing: list[str] = []
    removed_kinds: dict[int, str] = {}
    aligned_removed: dict[int, list[tuple[str, float, float]]] = {}
    chosen: list[Take] = []
    for li, (line, takes) in enumerate(zip(lines, all_takes)):
        prepared, stats = _compare_takes(takes, tokens[li], stream, clips, settings)
        kept, reason = choose_take(takes, settings.takes, stats) if takes else (None, "not found in any clip")
        if kept is not None and takes[kept].located:
            reason += " (found by forced alignment of the script: recognition did not hear it)"
        take_records = tuple(ScriptTake(t.source, round(t.start, 3), round(t.end, 3), t.coverage) for t in takes)
        decisions.append(ScriptLineCut(line=line, takes=take_records, kept=kept, reason=reason))
        if kept is None:
            missing.append(line)
            continue
        take = takes[kept]
        chosen.append(take)
        clip = clips[take.source]
        sounds, aligned, removed, note = _line_sounds(
            take, li, tokens[li], stream, clip, settings, prepared.get(kept), located,
            lambda t: realign(li, tokens, all_takes, t, clip, clip.audio.language, not settings.fillers))
        removed_kinds.update(removed)
        if note:
            decisions[-1] = replace(decisions[-1], reason=f"{reason}; {note}")
        if not sounds:
            continue
        if aligned is not None:
            aligned_removed.setdefault(take.source, []).extend(aligned.removed)
        spans += line_spans(sounds, take.source, clip, li, settings, aligned)
        words += [SourceWord(take.source, t, a, b) for s in sounds for (t, a, b) in s.words]
    _check_found(chosen, missing, decisions, bool(stream), settings, script_name)
    spans = open_ends(spans, clips, settings)
    fps = float(fps)
    for span in spans:
        whole_frames(span, fps)
    pieces = merge_touching(no_overlap([Piece(s.clip, s.start, s.end, s.line) for s in spans], fps))
    decisions = removals(decisions, pieces, all_takes, chosen, stream, removed_kinds, clips, aligned_removed)
    return CutDecision(pieces=tuple(pieces), lines=tuple(decisions), words=tuple(words), missing=tuple(missing))


def _located(tokens: Sequence[Sequence[str]], all_takes: list[list[Take]], clips: Sequence[Clip], language: str,
             settings: EditSettings) -> dict[int, AlignedTake]:
    """Takes found by forced alignment for the lines recognition left without a complete one,
    added to ``all_takes`` in time order; their alignments by ``id`` of the take."""
    out: dict[int, AlignedTake] = {}
    for li, found in locate_takes(tokens, all_takes, clips, language, keep_fillers=not settings.fillers).items():
        for f in found:
            out[id(f.take)] = f.aligned
        all_takes[li] = sorted([*all_takes[li], *(f.take for f in found)], key=lambda t: (t.source, t.start))
    return out


def _line_sounds(take: Take, li: int, tokens: Sequence[str], stream: Sequence[StreamWord], clip: Clip,
                 settings: EditSettings, prepared: tuple | None, located: dict[int, AlignedTake],
                 again: Callable[[Take], AlignedTake | None]) -> tuple[list[Sound], AlignedTake | None, dict[int, str], str]:
    """The kept take's sounds, its alignment (None: cut from the voice map), the stream words
    it removes, and a note for the report when the cut is unsure (the take was not aligned
    word by word, so a filler or pause inside it may be kept: warned, never silent).
    ``again``: the take aligned as a located one, where the recogniser's placement fails."""
    if take.located:
        aligned = located[id(take)]
        return _sounds_of(aligned), aligned, {}, ""
    sounds, removed = prepared if prepared is not None else take_sounds(take, tokens, stream, clip, settings)[:2]
    if not sounds:
        return sounds, None, removed, ""
    sounds, aligned = _aligned_sounds(take, tokens, stream, clip, settings, sounds, removed)
    if aligned is None and not settings.keep_adlibs and (relocated := again(take)) is not None:
        return _sounds_of(relocated), relocated, removed, \
            "aligned word by word around the recognised take (the recogniser's times were off)"
    if aligned is None and not settings.keep_adlibs:
        note = ("not aligned word by word (the decoder found no reading of the line there): "
                "cut from the voice map, a filler or long pause inside the line may be kept")
        log.warning("script line %d %r: %s", li + 1, " ".join(tokens), note)
        return sounds, None, removed, note
    return sounds, aligned, removed, ""


def _sounds_of(aligned: AlignedTake) -> list[Sound]:
    """An aligned take's kept sounds: one per group of words."""
    return [Sound(g[0][1], g[-1][2], list(g)) for g in aligned.groups]


def _compare_takes(takes: Sequence[Take], tokens: Sequence[str], stream: Sequence[StreamWord],
                   clips: Sequence[Clip], settings: EditSettings) -> tuple[dict, dict[int, tuple[int, int, int]]]:
    """Per take, its placed sounds and removed words, and its (fillers, repetitions,
    stretched words): only ``takes: best`` compares takes by their insides; otherwise only
    the kept one is placed (by the caller)."""
    prepared, stats = {}, {}
    for k, take in enumerate(takes if settings.takes == "best" else ()):
        sounds, removed, fillers, repeats = take_sounds(take, tokens, stream, clips[take.source], settings)
        stretched = sum(1 for s in sounds for (_, a, b) in s.words if b - a > STRETCHED_WORD)
        prepared[k] = (sounds, removed)
        stats[k] = (fillers, repeats, stretched)
    return prepared, stats


def _aligned_sounds(take: Take, tokens: Sequence[str], stream: Sequence[StreamWord], clip: Clip,
                    settings: EditSettings, sounds: list[Sound], removed: dict[int, str]
                    ) -> tuple[list[Sound], AlignedTake | None]:
    """The kept take's sounds from forced alignment (its word groups), or the voice map's
    ``sounds`` unchanged when the decoder cannot place the line (or ad-libs are kept)."""
    if settings.keep_adlibs:
        return sounds, None
    aligned = align_chosen_take(take, tokens, stream, (sounds[0].start, sounds[-1].end), removed,
                                clip.audio.samples, clip.audio.window, clip.end,
                                keep_fillers=not settings.fillers,
                                slots=hesitation_slots(sounds, removed, stream, clip, len(tokens)),
                                estimates=[(a, b) for s in sounds for (_, a, b) in s.words],
                                voiced=clip.voiced, language=clip.audio.language)
    if aligned is None:
        return sounds, None
    return _sounds_of(aligned), aligned


def _check_found(chosen: Sequence[Take], missing: Sequence[str], decisions: Sequence[ScriptLineCut],
                 heard: bool, settings: EditSettings, script_name: str) -> None:
    """Raise when no line was found, or (unless ``missing_lines: warn``) when some were not;
    otherwise warn about each line left out."""
    if not chosen:
        found = "" if heard else " (no speech was recognised)"
        raise InputError(f"no line of the script was found in the clips{found}", path=script_name,
                         hint="check that the clips are the footage of this script")
    if missing and settings.missing_lines != "warn":
        raise InputError(f"{len(missing)} script line(s) found in no clip: {_missing_report(decisions)}",
                         path=script_name, key="edit.missing_lines",
                         hint="record the line, fix the script, or set edit: {missing_lines: warn} to publish without it")
    for line in missing:
        log.warning("script line not found in any clip, left out (edit.missing_lines: warn): %r", line)


def _missing_report(decisions: Sequence[ScriptLineCut]) -> str:
    """Each missing line, why, and the takes that came closest."""
    parts = []
    for d in decisions:
        if d.kept is not None:
            continue
        near = sorted(d.takes, key=lambda t: -t.coverage)[:2]
        closest = "; ".join(f"closest: clip {t.source + 1} {t.start:.1f}-{t.end:.1f} s, {t.coverage:.0%} of the line"
                            for t in near) or "no reading of it was heard"
        parts.append(f"{d.line!r} ({d.reason}; {closest})")
    return " | ".join(parts)


# --- 3. into the outline and the plan -------------------------------------------------------

def read_script(path: Path) -> str:
    """A script file's text; one clear error for a missing, binary, non-UTF-8 or empty file."""
    path = Path(path)
    if not path.is_file():
        raise InputError("script file not found", path=str(path))
    data = path.read_bytes()
    if b"\0" in data:
        raise InputError("is not a text file", path=str(path), hint="give the narration as plain UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("is not UTF-8 text", path=str(path), hint="save the script as UTF-8 plain text") from None
    if not script_lines(text):
        raise InputError("the script is empty", path=str(path), hint="write the narration, one line per sentence")
    return text


@dataclass(frozen=True)
class Expanded:
    """An outline whose ``cut: script`` segments became explicit ones, and what was decided."""

    outline: Outline
    decision: CutDecision
    clips: tuple[Path, ...]
    """The clip of each :class:`ClipAudio` (``Piece.clip`` indexes it)."""
    origins: tuple[int | None, ...]
    """Per segment of ``outline``: the clip index it was cut from by the script, or None."""
    audios: tuple[ClipAudio, ...] = ()


def expand_outline(outline, *, fps: float, backend: str = "faster-whisper", model: str | None = None,
                   use_cache: bool = True, audios: Sequence[ClipAudio] | None = None) -> Expanded:
    """Decide the script-driven cut of ``outline`` and return it with explicit segments.

    Each run of neighbouring ``cut: script`` segments is one group: its lines come out in
    script order across the group's clips. Segments with explicit times stay as they are.
    """
    script = outline.script or ""
    cut_segs = [s for s in outline.segments if s.script_cut]
    if audios is None:
        audios = listen([s.clip for s in cut_segs], script, windows=[(s.start, s.end) for s in cut_segs],
                        durations=[s.media.duration for s in cut_segs], backend=backend, model=model,
                        language=outline.language, use_cache=use_cache)
    name = str(outline.path) if outline.path.suffix.lower() in (".yaml", ".yml") else "script"
    decision = decide_cut(script, audios, outline.edit, fps, script_name=name)
    segments: list = []
    origins: list[int | None] = []
    group: list[int] = []

    def flush() -> None:
        first = True
        for p in decision.pieces:
            if p.clip in group:
                seg = cut_segs[p.clip]
                segments.append(replace(seg, start=p.start, end=p.end, script_cut=False,
                                        lower_third=seg.lower_third if first else None))
                origins.append(p.clip)
                first = False
        group.clear()

    k = 0
    for seg in outline.segments:
        if seg.script_cut:
            group.append(k)
            k += 1
            continue
        flush()
        segments.append(seg)
        origins.append(None)
    flush()
    return Expanded(outline=replace(outline, segments=tuple(segments)), decision=decision,
                    clips=tuple(s.clip for s in cut_segs), origins=tuple(origins), audios=tuple(audios))


def output_words(expanded: Expanded, cuts: Sequence) -> tuple:
    """The decided caption words on the output timeline (cuts[i] is segment i of the outline)."""
    out = []
    for w in expanded.decision.words:
        mid = (w.start + w.end) / 2
        for origin, cut in zip(expanded.origins, cuts):
            if origin == w.clip and cut.src_start - 1e-6 <= mid < cut.src_end + 1e-6:
                a = cut.out_start + max(0.0, w.start - cut.src_start)
                b = cut.out_start + min(cut.src_end, w.end) - cut.src_start
                out.append(Word(w.text, round(a, 3), round(max(b, a + 0.05), 3)))
                break
    out.sort(key=lambda x: x.start)
    return tuple(out)


def punch_in(cuts: Sequence, origins: Sequence[int | None], factor: float) -> tuple:
    """Zoom every second jump cut inside one shot by ``factor`` (a cut that follows the cut
    before it in the same clip), so a removed filler does not read as a glitch."""
    if factor <= 1.0:
        return tuple(cuts)
    out = []
    zoomed = False
    for i, cut in enumerate(cuts):
        jump = (i > 0 and origins[i] is not None and origins[i] == origins[i - 1]
                and cut.source == cuts[i - 1].source and cut.src_start >= cuts[i - 1].src_end - 1e-6)
        zoomed = (not zoomed) if jump else False
        if zoomed:
            c = cut.crop
            w, h = max(2, int(round(c.w / factor))), max(2, int(round(c.h / factor)))
            crop = replace(c, x=c.x + (c.w - w) // 2, y=c.y + (c.h - h) // 2, w=w - w % 2, h=h - h % 2)
            cut = replace(cut, crop=crop)
        out.append(cut)
    return tuple(out)


def plan_records(expanded: Expanded, sources: Sequence) -> tuple[ScriptLineCut, ...]:
    """The decisions with clip indices turned into indices of the plan's sources."""
    index = {s.path: i for i, s in enumerate(sources)}
    mapping = {k: index[str(p)] for k, p in enumerate(expanded.clips) if str(p) in index}

    def src(k: int) -> int:
        return mapping.get(k, -1)

    return tuple(replace(d, takes=tuple(replace(t, source=src(t.source)) for t in d.takes),
                         removed=tuple(replace(r, source=src(r.source)) for r in d.removed))
                 for d in expanded.decision.lines)
