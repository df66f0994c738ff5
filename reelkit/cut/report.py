"""What the script-driven cut decided, for people: a text report, outline segments with
explicit times (to review, tweak and render the normal way), and a waveform plot."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from reelkit.cut.script_cut import Expanded
from reelkit.speech.audio import SAMPLE_RATE

KEPT = (46, 160, 67)
REMOVED = (214, 39, 40)
PAUSE = (190, 190, 190)
BACKGROUND = (255, 255, 255)
PLOT_WIDTH = 1600
MARGIN = 10
ROW_LABEL = 22
ROW_WAVE = 90
ROW_STRIP = 18
ROW_HEIGHT = ROW_LABEL + ROW_WAVE + ROW_STRIP + 10


def _t(x: float) -> str:
    m, s = divmod(max(0.0, x), 60)
    return f"{int(m)}:{s:05.2f}"


def report_text(expanded: Expanded) -> str:
    """Per script line: every take (clip, times, coverage), which was kept and why, and every
    removal (kind, clip, times)."""
    names = [Path(p).name for p in expanded.clips]
    lines: list[str] = []
    kept_total = sum(p.end - p.start for p in expanded.decision.pieces)
    raw_total = sum(a.window[1] - a.window[0] for a in expanded.audios) if expanded.audios else 0.0
    lines.append(f"script-driven cut: {len(expanded.decision.pieces)} kept spans, {kept_total:.2f}s kept"
                 + (f" of {raw_total:.2f}s raw" if raw_total else ""))
    for n, d in enumerate(expanded.decision.lines, 1):
        lines.append(f"\nline {n}: {d.line}")
        if not d.takes:
            lines.append("  not found in any clip: left out")
        for k, t in enumerate(d.takes, 1):
            mark = "  <- kept: " + d.reason if d.kept == k - 1 else ""
            lines.append(f"  take {k}: {names[t.source]} {_t(t.start)}-{_t(t.end)} coverage {t.coverage:.0%}{mark}")
        if d.kept is None and d.takes:
            lines.append(f"  none kept: {d.reason}")
        for r in d.removed:
            lines.append(f"  removed {r.kind:<11} {names[r.source]} {_t(r.start)}-{_t(r.end)} ({r.end - r.start:.2f}s)")
    lines.append("\nkept spans:")
    for p in expanded.decision.pieces:
        lines.append(f"  {names[p.clip]} {_t(p.start)}-{_t(p.end)} (line {p.line + 1})")
    return "\n".join(lines) + "\n"


def segments_document(expanded: Expanded, out_path: Path, fps: float) -> dict[str, Any]:
    """The decided edit as an outline with explicit times (clip paths relative to ``out_path``)."""
    outline = expanded.outline
    doc: dict[str, Any] = {"title": outline.title}  # type: ignore[attr-defined]
    for key in ("brand", "language", "description", "hook", "cta"):
        value = getattr(outline, key)
        if value and not (key == "brand" and value == "default") and not (key == "language" and value == "en"):
            doc[key] = value
    if outline.platforms:  # type: ignore[attr-defined]
        doc["platforms"] = list(outline.platforms)  # type: ignore[attr-defined]
    if outline.hashtags:  # type: ignore[attr-defined]
        doc["hashtags"] = list(outline.hashtags)  # type: ignore[attr-defined]
    if outline.fps:  # type: ignore[attr-defined]
        doc["fps"] = outline.fps  # type: ignore[attr-defined]
    doc["script"] = outline.script  # type: ignore[attr-defined]
    segs = []
    base = out_path.resolve().parent
    for seg in outline.segments:  # type: ignore[attr-defined]
        # A hair past the frame boundaries, so reading the times back never floors a frame away.
        fps = float(fps)
        n = max(1, round((seg.end - seg.start) * fps))
        start = round(seg.start + 0.0003, 6)
        end = round(seg.start + n / fps + 0.0006, 6)
        item: dict[str, Any] = {"clip": os.path.relpath(seg.clip, base), "start": start, "end": end}
        if seg.reframe != "auto":
            item["reframe"] = seg.reframe
        if seg.focus != 0.5:
            item["focus"] = seg.focus
        if not seg.captions:
            item["captions"] = False
        if seg.lower_third:
            item["lower_third"] = {"name": seg.lower_third.name, "role": seg.lower_third.role}
        segs.append(item)
    doc["segments"] = segs
    if outline.callouts:  # type: ignore[attr-defined]
        doc["callouts"] = [{"text": c.text, "at": c.at, "duration": c.duration}
                           for c in outline.callouts]  # type: ignore[attr-defined]
    return doc


def time_to_x(t: float, duration: float) -> int:
    """Pixel column of clip time ``t`` in the plot (every row spans its clip's duration)."""
    span = PLOT_WIDTH - 2 * MARGIN
    return MARGIN + int(round(min(max(t, 0.0), duration) / max(duration, 1e-6) * (span - 1)))


def strip_y(row: int) -> int:
    """A pixel row inside clip ``row``'s colour strip (kept green, removed red, pause grey)."""
    return row * ROW_HEIGHT + ROW_LABEL + ROW_WAVE + ROW_STRIP // 2


def draw_plot(expanded: Expanded, path: Path) -> None:
    """One row per clip: the waveform over a strip coloured by what the cut kept and removed."""
    audios = expanded.audios
    img = Image.new("RGB", (PLOT_WIDTH, max(1, len(audios)) * ROW_HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(img)
    removals = [r for d in expanded.decision.lines for r in d.removed]
    for row, audio in enumerate(audios):
        y0 = row * ROW_HEIGHT
        dur = audio.duration
        draw.text((MARGIN, y0 + 4), f"{Path(audio.path).name}  ({dur:.1f}s)", fill=(0, 0, 0))
        strip = (y0 + ROW_LABEL + ROW_WAVE, y0 + ROW_LABEL + ROW_WAVE + ROW_STRIP)

        def paint(a: float, b: float, colour: tuple[int, int, int]) -> None:
            draw.rectangle([time_to_x(a, dur), strip[0], max(time_to_x(a, dur), time_to_x(b, dur) - 1), strip[1]],
                           fill=colour)

        for r in removals:
            if r.source == row:
                paint(r.start, r.end, PAUSE if r.kind == "pause" else REMOVED)
        for p in expanded.decision.pieces:
            if p.clip == row:
                paint(p.start, p.end, KEPT)
        # Waveform: per pixel column, the peak of the samples it covers.
        samples = np.abs(audio.samples)
        cols = PLOT_WIDTH - 2 * MARGIN
        if samples.size:
            edges = np.linspace(0, min(samples.size, int(dur * SAMPLE_RATE)), cols + 1).astype(int)
            peak = float(samples.max()) or 1.0
            mid = y0 + ROW_LABEL + ROW_WAVE // 2
            for c in range(cols):
                a, b = edges[c], max(edges[c] + 1, edges[c + 1])
                h = int(float(samples[a:b].max(initial=0.0)) / peak * (ROW_WAVE // 2 - 2))
                draw.line([(MARGIN + c, mid - h), (MARGIN + c, mid + h)], fill=(60, 60, 60))
    img.save(path, format="PNG")


def kept_colour_at(path: Path, row: int, t: float, duration: float) -> tuple[int, int, int]:
    """The strip colour at clip time ``t`` (for checks and tests)."""
    with Image.open(path) as img:
        return img.convert("RGB").getpixel((time_to_x(t, duration), strip_y(row)))  # type: ignore[return-value]


__all__: Sequence[str] = ("report_text", "segments_document", "draw_plot", "time_to_x", "strip_y",
                          "kept_colour_at", "KEPT", "REMOVED", "PAUSE")
