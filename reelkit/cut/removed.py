"""What the script cut left out of each clip, named (pause, filler, false_start,
repetition, off_script) and attributed to a script line, for the report and plan.json."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from reelkit.cut.heard import Clip
from reelkit.cut.spans import Piece
from reelkit.cut.takes import StreamWord, Take
from reelkit.plan.model import ScriptLineCut, ScriptRemoval


def removals(decisions: Sequence[ScriptLineCut], pieces: Sequence[Piece], all_takes: Sequence[Sequence[Take]],
              chosen: Sequence[Take], stream: Sequence[StreamWord], removed_kinds: dict[int, str],
              clips: Sequence[Clip], aligned: dict[int, list[tuple[str, float, float]]] | None = None
              ) -> list[ScriptLineCut]:
    """What was left out of each clip's searched window, named and attributed to a line.

    Every stretch outside the kept pieces is described by what it holds: takes not chosen
    (false starts, repeated takes), recognised words outside the kept takes (fillers,
    repetitions, off-script talk), voiced audio no word covers (filler), or only a pause. It
    is attributed to the line whose kept piece follows it in the clip (else the one before).
    """
    per_line: list[list[ScriptRemoval]] = [[] for _ in decisions]
    chosen_ids = {id(t) for t in chosen}
    others = [t for takes in all_takes for t in takes if id(t) not in chosen_ids]
    chosen_words: set[int] = set()
    for t in chosen:
        chosen_words.update(range(t.first, t.last + 1))
    for ci, clip in enumerate(clips):
        kept = sorted((p for p in pieces if p.clip == ci), key=lambda p: p.start)
        if not kept:
            continue
        w0, w1 = clip.audio.window
        edges = [w0] + [x for p in kept for x in (p.start, p.end)] + [min(w1, clip.end)]
        for k in range(0, len(edges), 2):
            a, b = edges[k], edges[k + 1]
            if b - a < 0.02:
                continue
            follow = next((p for p in kept if p.start >= b - 1e-6), kept[-1])
            items: list[ScriptRemoval] = []
            covered: list[tuple[float, float]] = []
            for kind, s0, e0 in (aligned or {}).get(ci, ()):
                if e0 > a and s0 < b:
                    items.append(ScriptRemoval(kind, ci, round(max(a, s0), 3), round(min(b, e0), 3)))
                    covered.append((s0, e0))
            for t in others:
                if t.source == ci and t.end > a and t.start < b:
                    kind = "repetition" if t.complete else "false_start"
                    items.append(ScriptRemoval(kind, ci, round(max(a, t.start), 3), round(min(b, t.end), 3)))
                    covered.append((t.start, t.end))
            for idx, w in enumerate(stream):
                if w.source != ci or not (w.end > a and w.start < b):
                    continue
                if any(s <= w.start and w.end <= e for s, e in covered):
                    continue
                kind = removed_kinds.get(idx) or ("filler" if w.is_filler else
                                                  "off_script" if idx not in chosen_words else "")
                if kind:
                    items.append(ScriptRemoval(kind, ci, round(max(a, w.start), 3), round(min(b, w.end), 3)))
                    covered.append((w.start, w.end))
            for s, e in clip.voiced(a, b):
                if e - s >= 0.05 and not any(cs - 0.05 <= s and e <= ce + 0.05 for cs, ce in covered):
                    items.append(ScriptRemoval("filler", ci, round(s, 3), round(e, 3)))
            if not items:
                items.append(ScriptRemoval("pause", ci, round(a, 3), round(b, 3)))
            per_line[follow.line].extend(sorted(items, key=lambda r: r.start))
    return [replace(d, removed=tuple(per_line[i])) for i, d in enumerate(decisions)]
