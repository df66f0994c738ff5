"""Placing audio-description cues (WCAG 1.2.5) in the pauses of the programme voice.

Each cue of the outline's ``describe:`` is voiced (:mod:`reelkit.speech.tts`), then placed in
the pause of the programme voice (Silero VAD on the plan's voice track) nearest to where the
outline asked for it that holds the whole cue with :data:`MARGIN` of quiet either side; cues
never overlap each other. A cue no pause can hold is left out with a warning naming it.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path

from reelkit.plan.model import DescriptionCue, Plan
from reelkit.plan.outline import Describe
from reelkit.speech.coverage import voiced_regions
from reelkit.speech.pcm import decode_voice_file
from reelkit.speech.tts import speak

log = logging.getLogger(__name__)

MARGIN = 0.15
"""Seconds of programme quiet kept between the voice and a description, each side."""


def pauses(voiced: Sequence[tuple[float, float]], duration: float) -> list[tuple[float, float]]:
    """The stretches of ``[0, duration]`` outside the ``voiced`` regions."""
    out, t = [], 0.0
    for a, b in sorted(voiced):
        if a > t:
            out.append((t, min(a, duration)))
        t = max(t, b)
    if t < duration:
        out.append((t, duration))
    return [(a, b) for a, b in out if b > a]


def place(at: float, length: float, free: Sequence[tuple[float, float]]) -> float | None:
    """The start nearest to ``at`` at which ``length`` seconds (plus margins) fit in ``free``."""
    best: float | None = None
    for a, b in free:
        lo, hi = a + MARGIN, b - MARGIN - length
        if hi < lo:
            continue
        start = min(max(at, lo), hi)
        if best is None or abs(start - at) < abs(best - at):
            best = start
    return best


def _take(free: list[tuple[float, float]], start: float, end: float) -> list[tuple[float, float]]:
    """``free`` without ``[start, end]`` (the placed cue's time is no longer free)."""
    out = []
    for a, b in free:
        if end <= a or start >= b:
            out.append((a, b))
            continue
        if start > a:
            out.append((a, start))
        if end < b:
            out.append((end, b))
    return out


def place_cues(cues: Sequence[Describe], lengths: Sequence[float], voiced: Sequence[tuple[float, float]],
               duration: float) -> list[tuple[int, float] | tuple[int, None]]:
    """(cue index, start or None) for each cue, in outline order (pure)."""
    free = pauses(voiced, duration)
    out: list = []
    for i, (cue, length) in enumerate(zip(cues, lengths)):
        start = place(cue.at, length, free)
        out.append((i, start))
        if start is not None:
            free = _take(free, start - MARGIN, start + length + MARGIN)
    return out


def describe_plan(plan: Plan, cues: Sequence[Describe], folder: Path) -> tuple[DescriptionCue, ...]:
    """Voice ``cues`` into ``folder`` and place them in the pauses of ``plan``'s voice."""
    if not cues:
        return ()
    spoken = [speak(c.text, plan.language, folder) for c in cues]
    voiced: list[tuple[float, float]] = []
    if any(plan.source(c.source).has_audio for c in plan.cuts):
        with tempfile.TemporaryDirectory(prefix="reelkit-describe-") as tmp:
            voiced = voiced_regions(decode_voice_file(plan, Path(tmp) / "voice.f32"))
    placed = []
    for i, start in place_cues(cues, [s.seconds for s in spoken], voiced, plan.duration):
        cue, voice = cues[i], spoken[i]
        if start is None:
            log.warning("describe.%d (at %.1f s, \"%s\"): no pause of the programme voice holds its %.1f s; "
                        "the cue is left out (shorten its text or move it to a longer pause)",
                        i, cue.at, _short(cue.text), voice.seconds)
            continue
        placed.append(DescriptionCue(text=cue.text, at=cue.at, start=round(start, 3),
                                     end=round(start + voice.seconds, 3), audio=str(voice.path), voice=voice.voice))
    return tuple(placed)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


__all__ = ["MARGIN", "describe_plan", "pauses", "place", "place_cues"]
