"""Kept spans: a chosen take's sounds joined over short pauses and cut around removed audio,
pauses shortened to the settings, each line's outer edges padded, every cut snapped to the
quietest 10 ms nearby without entering speech, lengths made whole output frames, and no
source audio kept twice (:func:`no_overlap`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from reelkit.cut.aligned import AlignedTake
from reelkit.cut.heard import QUIET_FRAME, SNAP_RANGE, Clip
from reelkit.cut.placement import Sound
from reelkit.plan.edit import EditSettings

SPEECH_MARGIN = 0.015
"""A cut stays at least this far (s) from removed speech."""
MIN_PAD = 0.03
"""The least room (s) kept next to a kept word when removed speech is closer than the pad."""


@dataclass(frozen=True)
class Piece:
    """A kept span of clip ``clip`` (index into the clips), serving script line ``line``."""

    clip: int
    start: float
    end: float
    line: int


@dataclass
class Span:
    """A kept span being built, with the ranges its cuts may move in (no speech, room kept)."""

    clip: int
    start: float
    end: float
    start_range: tuple[float, float] | None
    end_range: tuple[float, float] | None
    """None: not cut yet (a line's outer edge, cut by :func:`open_ends`)."""
    line: int
    speech_before: float | None = None
    speech_after: float | None = None
    """Aligned takes: the nearest other speech around the line (None: the voice map decides)."""


def _cut_after(clip: Clip, end: float, want: float, settings: EditSettings, limit: float | None = None) -> tuple[float, tuple[float, float]]:
    """A cut after a kept word ending at ``end``: ``want`` seconds later, before removed speech."""
    nxt = clip.next_voiced(end + 0.005) if limit is None else limit
    hi = min(nxt - SPEECH_MARGIN, clip.end)
    lo = min(end + MIN_PAD, hi)
    pref = min(max(end + want, lo), hi)
    return clip.snap(pref, lo, hi), (lo, hi)


def _cut_before(clip: Clip, start: float, want: float, settings: EditSettings, limit: float | None = None) -> tuple[float, tuple[float, float]]:
    """A cut before a kept word starting at ``start``: ``want`` seconds earlier, after removed speech."""
    prev = clip.prev_voiced(start - 0.005) if limit is None else limit
    lo = max(prev + SPEECH_MARGIN, 0.0)
    hi = max(start - MIN_PAD, lo)
    pref = max(min(start - want, hi), lo)
    return clip.snap(pref, lo, hi), (lo, hi)


def _shares(pause: float, settings: EditSettings) -> tuple[float, float]:
    """Room kept after the last word and before the next one at a cut, for a pause target."""
    # Slack for snapping keeps the whole pause at or under the target.
    after = max(settings.pad_after, 0.6 * pause - SNAP_RANGE)
    before = max(settings.pad_before, 0.4 * pause - SNAP_RANGE)
    return after, before


def _join(spans: list[Span], clip_i: int, clip: Clip, left_end: float, right: Sound, pause: float,
          line: int, settings: EditSettings, speech=None) -> None:  # type: ignore[no-untyped-def]
    """Extend or cut after ``spans[-1]`` (ending at word end ``left_end``) to take in ``right``.

    ``speech(a, b)`` lists the removed speech between (an aligned take's); else the voice map."""
    last = spans[-1]
    gap = right.start - left_end
    between = (speech or clip.voiced)(left_end + 0.005, right.start - 0.005)
    if gap <= pause and not between:
        last.end = right.end
        return
    after, before = _shares(pause, settings)
    limit_r = between[0][0] if between else right.start
    limit_l = between[-1][1] if between else left_end
    c1, r1 = _cut_after(clip, left_end, after, settings, limit=limit_r if between else None)
    c2, r2 = _cut_before(clip, right.start, before, settings, limit=limit_l if between else None)
    if not between:
        # A long silence: keep ``pause`` of it; the cuts stay inside the silence.
        r1 = (r1[0], min(r1[1], right.start - MIN_PAD))
        r2 = (max(r2[0], left_end + MIN_PAD), r2[1])
    if c2 <= c1 + QUIET_FRAME:
        last.end = right.end
        return
    last.end, last.end_range = c1, r1
    spans.append(Span(clip_i, c2, right.end, r2, None, line))


def line_spans(sounds: Sequence[Sound], clip_i: int, clip: Clip, line: int,
                settings: EditSettings, aligned: AlignedTake | None = None) -> list[Span]:
    """Kept spans of one take: sounds joined over short pauses, cut around removed audio."""
    first = sounds[0]
    spans = [Span(clip_i, first.start, first.end, None, None, line)]
    left_end = first.end
    speech = aligned.speech_between if aligned is not None else None
    for s in sounds[1:]:
        _join(spans, clip_i, clip, left_end, s, settings.pause_inside, line, settings, speech)
        left_end = max(left_end, s.end)
    if aligned is not None:
        spans[0].speech_before = aligned.speech_before
        spans[-1].speech_after = aligned.speech_after
    return spans


def open_ends(spans: list[Span], clips: Sequence[Clip], settings: EditSettings) -> list[Span]:
    """Cut points at the outer edges of each line: a share of the between-lines pause each
    side, or one span with the next line when it follows on in the same clip after a pause
    no longer than ``pause_between``."""
    after, before = _shares(settings.pause_between, settings)
    out: list[Span] = []
    for span in spans:
        clip = clips[span.clip]
        if out and out[-1].end_range is None and span.start_range is None and out[-1].clip == span.clip:
            prev = out[-1]
            gap = span.start - prev.end
            quiet = (prev.speech_after >= span.start - 0.005 and span.speech_before <= prev.end + 0.005
                     if prev.speech_after is not None and span.speech_before is not None
                     else not clip.voiced(prev.end + 0.005, span.start - 0.005))
            if 0 <= gap <= max(settings.pause_between, after + before) and quiet:
                prev.end, prev.end_range = span.end, span.end_range
                continue
        out.append(span)
    for span in out:
        clip = clips[span.clip]
        if span.start_range is None:
            span.start, span.start_range = _cut_before(clip, span.start, before, settings, span.speech_before)
        if span.end_range is None:
            span.end, span.end_range = _cut_after(clip, span.end, after, settings, span.speech_after)
    return out


def whole_frames(span: Span, fps: float) -> None:
    """Make the span's length a whole number of output frames, moving cuts only within range."""
    assert span.start_range is not None and span.end_range is not None
    # Start on an output frame (the timeline cuts there), inside the start's range if possible.
    k_lo, k_hi = math.floor(span.start * fps), math.ceil(span.start * fps)
    k = k_lo if k_lo / fps >= span.start_range[0] - 1e-9 else k_hi
    if k / fps > span.start_range[1] + 1e-9:
        k = k_lo
    start = max(0, k) / fps
    n = max(1, math.ceil((span.end - start) * fps - 1e-6))
    if start + n / fps > span.end_range[1] + 1e-9 and n > 1:
        n -= 1
    span.start, span.end = start, start + n / fps


def no_overlap(pieces: Sequence[Piece], fps: float) -> list[Piece]:
    """The pieces with no source audio kept twice: a piece overlapping one kept before it (in
    output order) in the same clip starts where that one ends (both are on the frame grid);
    one wholly inside is dropped."""
    out: list[Piece] = []
    for p in pieces:
        start, end = p.start, p.end
        for q in out:
            if q.clip != p.clip or q.end <= start + 1e-6 or q.start >= end - 1e-6:
                continue
            if q.start <= start + 1e-6:
                start = q.end
            elif q.end >= end - 1e-6:
                end = q.start
            else:  # q inside p: keep the longer side
                if q.start - start >= end - q.end:
                    end = q.start
                else:
                    start = q.end
        if end - start >= 1.0 / fps - 1e-6:
            out.append(replace(p, start=start, end=end))
    return out


def merge_touching(pieces: Sequence[Piece]) -> list[Piece]:
    """Neighbouring pieces that touch in the same clip become one (no cut between them)."""
    out: list[Piece] = []
    for p in pieces:
        if out and out[-1].clip == p.clip and abs(p.start - out[-1].end) < 1e-6:
            out[-1] = replace(out[-1], end=p.end)
        else:
            out.append(p)
    return out
