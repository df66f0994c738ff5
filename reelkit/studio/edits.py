"""The studio's edits: pure ``Plan -> Plan`` functions, one per change a producer makes.

A cut change (restore or remove a span, keep another take, move a cut edge) changes the
source frames of the cuts; :func:`retime` then lays the cuts back to back
(:func:`reelkit.plan.model.with_exact_frames`, as ``reelkit render plan.json`` does) and moves every
caption word, page, overlay and layout box by where its source moment now sits on the output
timeline. Material that left the edit takes its words with it; a restored take gets the
script line's words spread over its span (timing ``estimate``), paged by the caption rules.
Every edit raises :class:`~reelkit.errors.InputError` naming the field for a value it refuses.
Edits of captions, overlays and metadata are in :mod:`reelkit.studio.page_edits`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace

from reelkit.captions.paging import paginate
from reelkit.errors import InputError
from reelkit.plan.model import cut_frames, with_exact_frames
from reelkit.plan.model import CaptionPage, Cut, Plan, ScriptLineCut, Word

EPS = 1e-6
TAKE_PAD = (0.08, 0.12)
"""Room kept before and after a restored take's words (the script cut's default pads)."""

Remap = Callable[[float, bool], "float | None"]


# --- the time mapping ----------------------------------------------------------------------

def _locate(cuts: Sequence[Cut], t: float, is_end: bool) -> tuple[str, float] | None:
    """(source id, source seconds) shown at output time ``t``; an end belongs to the cut it closes."""
    for cut in cuts:
        inside = (cut.out_start + EPS < t <= cut.out_end + EPS) if is_end else (cut.out_start - EPS <= t < cut.out_end - EPS)
        if inside:
            return cut.source, cut.src_start + (t - cut.out_start)
    if cuts and abs(t - cuts[-1].out_end) <= EPS:
        return cuts[-1].source, cuts[-1].src_end
    return None


def _place(cuts: Sequence[Cut], source: str, src_t: float) -> float | None:
    for cut in cuts:
        if cut.source == source and cut.src_start - EPS <= src_t <= cut.src_end + EPS:
            return round(cut.out_start + (src_t - cut.src_start), 6)
    return None


def time_map(old: Sequence[Cut], new: Sequence[Cut]) -> Remap:
    """Old output time -> new output time of the same source moment (None when it left the edit)."""
    def remap(t: float, is_end: bool = False) -> float | None:
        where = _locate(old, t, is_end)
        return None if where is None else _place(new, *where)
    return remap


def source_to_output(plan: Plan, source_index: int, src_t: float) -> float | None:
    """Where source second ``src_t`` of source ``source_index`` sits in the edit (None: not kept)."""
    return _place(plan.cuts, plan.sources[source_index].id, src_t)


# --- laying the timeline again ---------------------------------------------------------------

def _remap_page(page: CaptionPage, m: Remap) -> CaptionPage | None:
    lines = []
    for line in page.lines:
        kept = tuple(w2 for w2 in (_remap_word(w, m) for w in line) if w2 is not None)
        if kept:
            lines.append(kept)
    if not lines:
        return None
    first, last = lines[0][0], lines[-1][-1]
    start = m(page.start, False)
    end = m(page.end, True)
    start = first.start if start is None or start > first.start else start
    end = last.end if end is None or end < last.end else end
    return CaptionPage(start=start, end=max(end, start + EPS), lines=tuple(lines))


def _remap_word(w: Word, m: Remap) -> Word | None:
    start, end = m(w.start, False), m(w.end, True)
    if start is None or end is None or end < start:
        return None
    return replace(w, start=start, end=end)


def _remap_span(start: float, end: float, m: Remap, old_duration: float,
                new_duration: float) -> tuple[float, float] | None:
    """A timed element's new span; one that ran to the end still runs to the end."""
    to_end = end >= old_duration - 1e-3
    s = 0.0 if start <= EPS else m(start, False)
    e = new_duration if to_end else m(end, True)
    if s is None or e is None or e <= s:
        return None
    return s, e


def retime(old: Plan, cuts: Sequence[Cut], extra: Sequence[Word] = ()) -> Plan:
    """``old`` with ``cuts`` (source frames) laid back to back and everything timed moved along;
    ``extra`` words (already on the new timeline) are paged and added."""
    if not cuts:
        raise InputError("an edit needs at least one cut left", key="cuts")
    new = with_exact_frames(replace(old, cuts=tuple(cuts)))
    m = time_map(old.cuts, new.cuts)
    words = [w2 for w2 in (_remap_word(w, m) for w in old.words) if w2 is not None]
    pages = [p2 for p2 in (_remap_page(p, m) for p in old.pages) if p2 is not None]
    if extra:
        words += list(extra)
        pages += paginate(extra, old.caption_rules, new.fps)
    translations = tuple(replace(t, pages=tuple(p2 for p2 in (_remap_page(p, m) for p in t.pages) if p2))
                         for t in old.translations)
    overlays = []
    for ov in old.overlays:
        span = _remap_span(ov.start, ov.end, m, old.duration, new.duration)
        if span is not None:
            overlays.append(replace(ov, start=span[0], end=span[1]))
    layout = [replace(b, start=s, end=e) for b in old.layout if b.kind != "caption"
              for s, e in [_remap_span(b.start, b.end, m, old.duration, new.duration) or (0.0, -1.0)] if e > s]
    caption_box = next((b for b in old.layout if b.kind == "caption"), None)
    pages.sort(key=lambda p: p.start)
    if caption_box is not None:
        layout += [replace(caption_box, start=p.start, end=p.end) for p in pages]
    new_cuts = tuple(replace(c, crop_path=tuple(replace(k, t=t2) for k in c.crop_path
                                                for t2 in [m(k.t, False)] if t2 is not None))
                     for c in new.cuts)
    return replace(new, cuts=new_cuts, words=tuple(sorted(words, key=lambda w: w.start)), pages=tuple(pages),
                   translations=translations, overlays=tuple(overlays), layout=tuple(layout))


# --- cut edits --------------------------------------------------------------------------------

def _source(plan: Plan, index: int) -> tuple[str, int]:
    if not 0 <= index < len(plan.sources):
        raise InputError(f"no source {index} (the plan has {len(plan.sources)})", key="source")
    src = plan.sources[index]
    return src.id, max(1, int(math.floor(src.duration * float(plan.rate) + EPS)))


def _span_frames(plan: Plan, start: float, end: float, limit: int) -> tuple[int, int]:
    if not (math.isfinite(start) and math.isfinite(end)) or end <= start:
        raise InputError(f"span {start}-{end} s is empty", key="span")
    rate = float(plan.rate)
    a = max(0, int(math.floor(start * rate + EPS)))
    b = min(limit, int(math.ceil(end * rate - EPS)))
    if b <= a:
        raise InputError(f"span {start:.3f}-{end:.3f} s lies outside the source", key="span")
    return a, b


def _frames(plan: Plan, cut: Cut) -> tuple[int, int]:
    ss, se, _, _ = cut_frames(cut, plan.rate)
    return ss, se


def _with_frames(plan: Plan, cut: Cut, ss: int, se: int) -> Cut:
    rate = float(plan.rate)
    return replace(cut, src_start_frame=ss, src_end_frame=se, src_start=round(ss / rate, 6),
                   src_end=round(se / rate, 6), out_start_frame=None, out_end_frame=None, crop_path=cut.crop_path)


def remove_span(plan: Plan, source: int, start: float, end: float) -> list[Cut]:
    """The cuts with source ``source``'s ``[start, end)`` taken out (cuts split where needed)."""
    sid, limit = _source(plan, source)
    a, b = _span_frames(plan, start, end, limit)
    out: list[Cut] = []
    for cut in plan.cuts:
        ss, se = _frames(plan, cut)
        if cut.source != sid or se <= a or ss >= b:
            out.append(cut)
            continue
        if ss < a:
            out.append(_with_frames(plan, cut, ss, a))
        if se > b:
            out.append(_with_frames(plan, cut, b, se))
    return out


def keep_span(plan: Plan, cuts: Sequence[Cut], source: int, start: float, end: float) -> list[Cut]:
    """``cuts`` with source ``source``'s ``[start, end)`` kept: parts not yet in the edit join
    the cut they touch or become new cuts in source order."""
    sid, limit = _source(plan, source)
    a, b = _span_frames(plan, start, end, limit)
    out = list(cuts)
    mine = sorted((_frames(plan, c) for c in out if c.source == sid))
    gaps, cursor = [], a
    for ss, se in mine:
        if se <= cursor or ss >= b:
            continue
        if ss > cursor:
            gaps.append((cursor, ss))
        cursor = max(cursor, se)
    if cursor < b:
        gaps.append((cursor, b))
    for ga, gb in gaps:
        out = _insert(plan, out, sid, ga, gb)
    return out


def _insert(plan: Plan, cuts: list[Cut], sid: str, a: int, b: int) -> list[Cut]:
    same = [(i, c) for i, c in enumerate(cuts) if c.source == sid]
    left = next((i for i, c in same if _frames(plan, c)[1] == a), None)
    right = next((i for i, c in same if _frames(plan, c)[0] == b), None)
    if left is not None and right == left + 1:  # fills the gap between two cuts: one cut again
        merged = _with_frames(plan, cuts[left], _frames(plan, cuts[left])[0], _frames(plan, cuts[right])[1])
        return cuts[:left] + [merged] + cuts[right + 1:]
    for i in (left, right):
        if i is not None:  # touching: grow that cut
            ss, se = _frames(plan, cuts[i])
            return cuts[:i] + [_with_frames(plan, cuts[i], min(ss, a), max(se, b))] + cuts[i + 1:]
    after = [i for i, c in same if _frames(plan, c)[0] >= b]
    model = cuts[after[0]] if after else (same[-1][1] if same else cuts[-1])
    new = _with_frames(plan, replace(model, source=sid, crop_path=()), a, b)
    at = after[0] if after else (same[-1][0] + 1 if same else len(cuts))
    return cuts[:at] + [new] + cuts[at:]


def spread_words(text: str, start: float, end: float) -> tuple[Word, ...]:
    """The words of ``text`` spread over ``[start, end)`` in proportion to their length."""
    tokens = text.split()
    if not tokens or end <= start:
        return ()
    weights = [len(t) + 1 for t in tokens]
    total, t, out = float(sum(weights)), start, []
    for tok, wt in zip(tokens, weights):
        span = (end - start) * wt / total
        out.append(Word(tok, round(t, 6), round(t + span * 0.9, 6), timing="estimate"))
        t += span
    return tuple(out)


def _line(plan: Plan, line: int, take: int) -> ScriptLineCut:
    if not 0 <= line < len(plan.script_cut):
        raise InputError(f"no script line {line + 1} (the plan has {len(plan.script_cut)})", key="script_cut")
    rec = plan.script_cut[line]
    if not 0 <= take < len(rec.takes):
        raise InputError(f"line {line + 1} has no take {take + 1} ({len(rec.takes)} found)", key="take")
    return rec


def _take_words(plan: Plan, rec: ScriptLineCut, take: int) -> tuple[Word, ...]:
    """The line's words (as many as the take covers) over the take's span on ``plan``'s timeline."""
    tk = rec.takes[take]
    tokens = rec.line.split()
    n = len(tokens) if tk.coverage >= 0.999 else max(1, round(tk.coverage * len(tokens)))
    s = source_to_output(plan, tk.source, tk.start)
    e = source_to_output(plan, tk.source, tk.end)
    if s is None or e is None:
        return ()
    taken = [(w.start, w.end) for w in plan.words]
    words = spread_words(" ".join(tokens[:n]), s, e)
    return tuple(w for w in words if not any(a < w.end and w.start < b for a, b in taken))


def restore_take(plan: Plan, line: int, take: int) -> Plan:
    """Take ``take`` of script line ``line`` back into the edit (beside the kept one)."""
    rec = _line(plan, line, take)
    tk = rec.takes[take]
    cuts = keep_span(plan, plan.cuts, tk.source, tk.start - TAKE_PAD[0], tk.end + TAKE_PAD[1])
    new = retime(plan, cuts)
    return _with_words(new, _take_words(new, rec, take))


def keep_take(plan: Plan, line: int, take: int) -> Plan:
    """Keep take ``take`` of line ``line`` instead of the kept one."""
    rec = _line(plan, line, take)
    if rec.kept == take:
        return plan
    base = plan
    if rec.kept is not None:
        old = rec.takes[rec.kept]
        base = retime(plan, remove_span(plan, old.source, old.start - TAKE_PAD[0], old.end + TAKE_PAD[1]))
    recs = list(base.script_cut)
    recs[line] = replace(rec, kept=take, reason=f"take {take + 1} chosen in the studio")
    base = replace(base, script_cut=tuple(recs))
    return restore_take(base, line, take)


def _with_words(plan: Plan, extra: Sequence[Word]) -> Plan:
    if not extra:
        return plan
    pages = sorted(list(plan.pages) + list(paginate(extra, plan.caption_rules, plan.fps)), key=lambda p: p.start)
    caption_box = next((b for b in plan.layout if b.kind == "caption"), None)
    layout = [b for b in plan.layout if b.kind != "caption"]
    if caption_box is not None:
        layout += [replace(caption_box, start=p.start, end=p.end) for p in pages]
    words = tuple(sorted(list(plan.words) + list(extra), key=lambda w: w.start))
    return replace(plan, words=words, pages=tuple(pages), layout=tuple(layout))


def set_span(plan: Plan, source: int, start: float, end: float, keep: bool) -> Plan:
    """Restore (``keep``) or remove source ``source``'s ``[start, end)`` seconds."""
    cuts = keep_span(plan, plan.cuts, source, start, end) if keep else remove_span(plan, source, start, end)
    return retime(plan, cuts)


def move_edge(plan: Plan, cut: int, edge: str, frames: int) -> Plan:
    """Move the ``start`` or ``end`` edge of cut ``cut`` by ``frames`` (positive: the cut grows)."""
    if not 0 <= cut < len(plan.cuts):
        raise InputError(f"no cut {cut + 1} (the plan has {len(plan.cuts)})", key="cut")
    if edge not in ("start", "end"):
        raise InputError(f"edge must be start or end, not {edge!r}", key="edge")
    if not -10_000 <= frames <= 10_000:
        raise InputError(f"move of {frames} frames is out of range", key="frames")
    c = plan.cuts[cut]
    ss, se = _frames(plan, c)
    _, limit = _source(plan, next(i for i, s in enumerate(plan.sources) if s.id == c.source))
    ss, se = (ss - frames, se) if edge == "start" else (ss, se + frames)
    if ss < 0 or se > limit:
        raise InputError(f"cut {cut + 1} would run past its source (frames 0-{limit})", key="frames")
    if se <= ss:
        raise InputError(f"cut {cut + 1} would be empty", key="frames", hint="remove the span instead")
    for j, other in enumerate(plan.cuts):
        os_, oe = _frames(plan, other)
        if j != cut and other.source == c.source and os_ < se and ss < oe:
            raise InputError(f"cut {cut + 1} would repeat frames of cut {j + 1}", key="frames")
    cuts = list(plan.cuts)
    cuts[cut] = _with_frames(plan, c, ss, se)
    return retime(plan, cuts)
