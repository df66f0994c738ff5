"""The studio's edits of captions, overlays and metadata: pure ``Plan -> Plan`` functions.

Caption words, pages and the layout's caption boxes change together; every value from the
page is checked (one printable word, pixel positions inside the frame, bounded lengths) and
refused with an :class:`~reelkit.errors.InputError` naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from reelkit.captions.linebreaks import best_lines
from reelkit.errors import InputError
from reelkit.plan.model import CaptionPage, LayoutBox, Overlay, Plan, Word

EPS = 1e-6
MAX_WORD_CHARS = 60
MAX_DESCRIPTION_CHARS = 2200
MAX_HASHTAGS = 30
_TAG = re.compile(r"^#?[^\s#]{1,100}$")


def _page(plan: Plan, page: int) -> CaptionPage:
    if not 0 <= page < len(plan.pages):
        raise InputError(f"no caption page {page + 1} (the plan has {len(plan.pages)})", key="page")
    return plan.pages[page]


def clean_word(text: object) -> str:
    """A caption word as typed, checked: one word, printable, at most MAX_WORD_CHARS."""
    if not isinstance(text, str):
        raise InputError("a caption word must be text", key="text")
    text = text.strip()
    if not text or len(text) > MAX_WORD_CHARS or any(c.isspace() for c in text) or not text.isprintable():
        raise InputError(f"caption word {text[:20]!r} must be one printable word of 1-{MAX_WORD_CHARS} characters",
                         key="text", hint="split a page to show more words")
    return text


def fix_word(plan: Plan, page: int, index: int, text: object) -> Plan:
    """Word ``index`` (reading order) of page ``page`` reads ``text``."""
    text = clean_word(text)
    p = _page(plan, page)
    words = p.words
    if not 0 <= index < len(words):
        raise InputError(f"page {page + 1} has no word {index + 1}", key="word")
    old = words[index]
    lines, k = [], 0
    for line in p.lines:
        lines.append(tuple(replace(w, text=text) if k + i == index else w for i, w in enumerate(line)))
        k += len(line)
    pages = list(plan.pages)
    pages[page] = replace(p, lines=tuple(lines))
    fixed = tuple(replace(w, text=text) if (w.start, w.end, w.text) == (old.start, old.end, old.text) else w
                  for w in plan.words)
    return replace(plan, pages=tuple(pages), words=fixed)


def _lay(plan: Plan, ws: Sequence[Word]) -> tuple[tuple[Word, ...], ...]:
    rules = plan.caption_rules
    for n in range(1, rules.max_lines + 1):
        laid = best_lines(ws, n, rules.max_chars_per_line)
        if laid is not None:
            return laid[1]
    return (tuple(ws),)


def rebreak_page(plan: Plan, page: int, how: str, at: int = 0) -> Plan:
    """``split`` page ``page`` before word ``at``, ``join`` it with the next page, or put its
    line break before word ``at`` (``line``; 0 = one line)."""
    p = _page(plan, page)
    ws = p.words
    pages = list(plan.pages)
    if how == "split":
        if not 0 < at < len(ws):
            raise InputError(f"split point {at} must be inside the page's {len(ws)} words", key="at")
        gap = plan.caption_rules.min_gap_frames / plan.fps
        first_end = max(ws[at - 1].end, min(p.end, ws[at].start - gap))
        first_end = min(first_end, ws[at].start - gap) if ws[at].start - gap > p.start else first_end
        a = CaptionPage(start=p.start, end=max(first_end, p.start + EPS), lines=_lay(plan, ws[:at]))
        b = CaptionPage(start=max(ws[at].start, a.end + gap), end=p.end, lines=_lay(plan, ws[at:]))
        pages[page:page + 1] = [a, replace(b, end=max(b.end, b.start + EPS))]
    elif how == "join":
        if page + 1 >= len(pages):
            raise InputError("the last page has no next page to join", key="page")
        nxt = pages[page + 1]
        pages[page:page + 2] = [CaptionPage(start=p.start, end=nxt.end, lines=_lay(plan, ws + nxt.words))]
    elif how == "line":
        if not 0 <= at < len(ws):
            raise InputError(f"line break {at} must be inside the page's {len(ws)} words", key="at")
        pages[page] = replace(p, lines=(tuple(ws),) if at == 0 else (tuple(ws[:at]), tuple(ws[at:])))
    else:
        raise InputError(f"unknown re-break {how!r}", key="how", hint="use split, join or line")
    caption_box = next((b for b in plan.layout if b.kind == "caption"), None)
    layout = [b for b in plan.layout if b.kind != "caption"]
    if caption_box is not None:
        layout += [replace(caption_box, start=q.start, end=q.end) for q in pages]
    return replace(plan, pages=tuple(pages), layout=tuple(layout))


def _overlay(plan: Plan, index: int) -> Overlay:
    if not 0 <= index < len(plan.overlays):
        raise InputError(f"no overlay {index + 1} (the plan has {len(plan.overlays)})", key="overlay")
    return plan.overlays[index]


def _is_box_of(box: LayoutBox, ov: Overlay) -> bool:
    return box.kind == ov.kind and (box.x0, box.y0) == (ov.x, ov.y) and abs(box.start - ov.start) < 1e-3


def move_overlay(plan: Plan, index: int, x: int, y: int) -> Plan:
    """Overlay ``index`` drawn with its top-left corner at (x, y) output pixels."""
    ov = _overlay(plan, index)
    for name, v, hi in (("x", x, plan.width), ("y", y, plan.height)):
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < hi:
            raise InputError(f"overlay {name} must be a whole number of pixels in 0-{hi - 1}", key=name)
    dx, dy = x - ov.x, y - ov.y
    layout = tuple(replace(b, x0=b.x0 + dx, x1=b.x1 + dx, y0=b.y0 + dy, y1=b.y1 + dy) if _is_box_of(b, ov) else b
                   for b in plan.layout)
    overlays = list(plan.overlays)
    overlays[index] = replace(ov, x=x, y=y)
    return replace(plan, overlays=tuple(overlays), layout=layout)


def delete_overlay(plan: Plan, index: int) -> Plan:
    """The plan without overlay ``index`` (and its layout box)."""
    ov = _overlay(plan, index)
    overlays = plan.overlays[:index] + plan.overlays[index + 1:]
    return replace(plan, overlays=overlays, layout=tuple(b for b in plan.layout if not _is_box_of(b, ov)))


def set_metadata(plan: Plan, description: object, hashtags: object) -> Plan:
    """Description and hashtags as edited (checked: lengths, one word per tag)."""
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION_CHARS:
        raise InputError(f"description must be text of at most {MAX_DESCRIPTION_CHARS} characters", key="description")
    if not isinstance(hashtags, list) or len(hashtags) > MAX_HASHTAGS:
        raise InputError(f"hashtags must be a list of at most {MAX_HASHTAGS}", key="hashtags")
    tags = []
    for tag in hashtags:
        if not isinstance(tag, str) or not _TAG.match(tag.strip()):
            raise InputError(f"hashtag {str(tag)[:30]!r} must be one word (letters, digits, _)", key="hashtags")
        tags.append(tag.strip().lstrip("#"))
    return replace(plan, description=description, hashtags=tuple(tags))
