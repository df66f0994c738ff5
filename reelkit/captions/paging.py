"""Grouping timed words into caption pages that obey reading rules.

:func:`paginate` turns words on the output timeline into :class:`~reelkit.plan.CaptionPage`
objects; :func:`check_page_rules` lists the rules a given set of pages breaks (for pages a
producer supplied, or as an end-to-end assertion).

The rules (defaults from docs/platform-specs.md, see :class:`~reelkit.plan.model.CaptionRules`):

* a line holds at most ``max_chars_per_line`` characters, counted as displayed (spaces
  included); a single word longer than that stays alone on its own line;
* a page holds at most ``max_lines`` lines, balanced so no lone word dangles when avoidable;
* a page is on screen between ``min_duration`` and ``max_duration`` seconds, and long enough
  to be read at ``max_cps`` characters per second (a line break counts as one character),
  as far as the time before the next page allows;
* consecutive pages are at least ``min_gap_frames`` frames apart;
* pages break at sentence ends and at pauses longer than ``pause_break``;
* a page never crosses the edge of a caption window (a caption-enabled segment).

Times stay exact floats; callers that write millisecond or centisecond formats round them.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from reelkit.captions import linebreaks
from reelkit.plan.model import CaptionPage, CaptionRules, Word

# Sentence-final punctuation (Latin, CJK full-width, Arabic question mark, ellipsis), optionally
# followed by closing quotes or brackets: 'stop."' and "(really?)" both end a sentence.
_SENTENCE_END = re.compile(r"[.!?\u2026\u3002\uff01\uff1f\u061f]+[\"'\u201d\u2019\u00bb\u203a)\]]*$")

# Tolerance of check_page_rules: SRT/VTT keep milliseconds, so a page read back from a
# sidecar may move by half a millisecond at each end.
_CHECK_EPS = 0.0015

# Cost weights of the page-break search (see _segment). One extra page costs 1; a second of
# missing reading time costs 20, so the search splits or merges to buy back ~50 ms of
# reading time per page it adds.
_PAGE_COST = 1.0
_SHORTFALL_COST = 20.0
# A one-word page (in a phrase of several words) reads as a stutter: only worth it to buy
# reading time.
_LONE_WORD_COST = 3.0
_FILL_COST = 0.5
_VANISHING_COST = 1e6
# Page ends cost what a line break at the same place costs (linebreaks.break_cost: bonus at
# punctuation, penalty after a binding word or inside a name), scaled; and a page pays for
# its own best line layout.
_PAGE_BREAK_WEIGHT = 0.5
_LAYOUT_WEIGHT = 1.0


@dataclass(frozen=True)
class _Window:
    start: float
    end: float


def is_sentence_end(text: str) -> bool:
    """True when ``text`` ends a sentence (. ! ? … and their closing quotes/brackets)."""
    return bool(_SENTENCE_END.search(text.rstrip()))


def page_chars(page: CaptionPage) -> int:
    """Characters a viewer reads on ``page``: its text with each line break counted as one."""
    return len(page.text)


def paginate(words: Sequence[Word], rules: CaptionRules, fps: float,
             windows: Sequence[tuple[float, float]] = ()) -> tuple[CaptionPage, ...]:
    """Group ``words`` (output timeline, in spoken order) into caption pages.

    ``windows`` are the caption-enabled spans of the output timeline; a word belongs to the
    window holding its midpoint (its times are clipped to it) and words in no window are
    dropped. With no windows the whole timeline is one window. Pages never cross or run past
    a window edge. Words with blank text are dropped (nothing to show).
    """
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    gap = rules.min_gap_frames / fps
    frame = 1.0 / fps
    spans = _normalise_windows(windows)

    # 1. Words per window, clipped; then phrases (runs without a sentence end or long pause).
    phrases: list[tuple[list[Word], _Window]] = []
    for window, ws in _assign(words, spans):
        current: list[Word] = []
        for word in ws:
            if current and (is_sentence_end(current[-1].text)
                            or word.start - current[-1].end > rules.pause_break):
                phrases.append((current, window))
                current = []
            current.append(word)
        if current:
            phrases.append((current, window))

    # 2. Page breaks inside each phrase, knowing how far its last page may extend.
    groups: list[tuple[list[Word], _Window]] = []
    for i, (ws, window) in enumerate(phrases):
        limit = window.end
        if i + 1 < len(phrases):
            limit = min(limit, phrases[i + 1][0][0].start - gap)
        for a, b in _segment(ws, limit, rules, gap, frame):
            groups.append((ws[a:b], window))

    # 3. Times: start on the first word, end after the last word or later if reading needs
    #    it, but never past the next page minus the gap, the window end, or max_duration.
    pages: list[CaptionPage] = []
    prev_end = -math.inf
    for i, (ws, window) in enumerate(groups):
        start = ws[0].start
        if start < prev_end + gap:
            # Only reachable when words crowd closer than the gap and the line limits force a
            # break anyway: keep the gap by starting this page a little late.
            start = prev_end + gap
        limit = window.end
        if i + 1 < len(groups):
            limit = min(limit, groups[i + 1][0][0].start - gap)
        lines = _layout(ws, rules.max_chars_per_line, rules.language)
        chars = len("\n".join(" ".join(w.text for w in line) for line in lines))
        need = max(rules.min_duration, chars / rules.max_cps)
        natural_end = max(w.end for w in ws)
        end = min(max(natural_end, start + need), limit, start + rules.max_duration)
        if end <= start:
            end = min(start + frame, window.end) if start < window.end else start + frame
        pages.append(CaptionPage(start=start, end=end, lines=lines))
        prev_end = end
    return tuple(pages)


def check_page_rules(pages: Sequence[CaptionPage], rules: CaptionRules, fps: float,
                     windows: Sequence[tuple[float, float]] = ()) -> list[str]:
    """Readable descriptions of every rule ``pages`` break; an empty list when none.

    Minimum duration and reading speed count as broken only where the time before the next
    page (minus the gap), the window end and ``max_duration`` would have allowed more.
    Times are compared with a tolerance of 1.5 ms (sidecars keep milliseconds).
    """
    eps = _CHECK_EPS
    gap = rules.min_gap_frames / fps
    spans = _normalise_windows(windows)
    problems: list[str] = []
    for i, page in enumerate(pages):
        where = f"page {i + 1} ({page.start:.3f}-{page.end:.3f} s)"
        duration = page.end - page.start
        if duration <= 0:
            problems.append(f"{where}: ends before it starts")
            continue
        if not page.lines or any(not line for line in page.lines):
            problems.append(f"{where}: has an empty line")
        if len(page.lines) > rules.max_lines:
            problems.append(f"{where}: {len(page.lines)} lines (max {rules.max_lines})")
        for n, line in enumerate(page.lines, 1):
            length = len(" ".join(w.text for w in line))
            if len(line) > 1 and length > rules.max_chars_per_line:
                problems.append(f"{where}: line {n} has {length} characters "
                                f"(max {rules.max_chars_per_line})")
        if duration > rules.max_duration + eps:
            problems.append(f"{where}: on screen {duration:.3f} s (max {rules.max_duration} s)")
        window = _window_of(page, spans, eps)
        if window is None:
            problems.append(f"{where}: not inside one caption window")
            window = _Window(-math.inf, math.inf)
        limit = window.end
        if i + 1 < len(pages):
            nxt = pages[i + 1]
            if nxt.start < page.start:
                problems.append(f"page {i + 2}: starts before page {i + 1}")
            elif nxt.start - page.end < gap - eps:
                problems.append(f"{where}: gap to the next page {nxt.start - page.end:.3f} s "
                                f"(min {rules.min_gap_frames} frames = {gap:.3f} s)")
            limit = min(limit, nxt.start - gap)
        room = min(limit, page.start + rules.max_duration) - page.start
        chars = page_chars(page)
        read_need = chars / rules.max_cps
        if duration < min(rules.min_duration, room) - eps:
            problems.append(f"{where}: on screen {duration:.3f} s (min {rules.min_duration} s)")
        if duration < min(read_need, room) - eps:
            problems.append(f"{where}: {chars} characters in {duration:.3f} s read at "
                            f"{chars / duration:.1f} chars/s (max {rules.max_cps:g})")
    return problems


# --- windows and words -----------------------------------------------------------------------

def _normalise_windows(windows: Sequence[tuple[float, float]]) -> list[_Window]:
    """Sorted windows, overlapping ones merged (touching ones stay separate segments)."""
    if not windows:
        return [_Window(-math.inf, math.inf)]
    out: list[_Window] = []
    for start, end in sorted((float(s), float(e)) for s, e in windows):
        if end <= start:
            continue
        if out and start < out[-1].end:
            out[-1] = _Window(out[-1].start, max(out[-1].end, end))
        else:
            out.append(_Window(start, end))
    return out


def _assign(words: Sequence[Word], spans: list[_Window]) -> list[tuple[_Window, list[Word]]]:
    """Words per window, in order, clipped to the window; blank and outside words dropped."""
    starts = [w.start for w in spans]
    buckets: dict[int, list[Word]] = {}
    # A stable sort keeps the given order of words that start together.
    for word in sorted(words, key=lambda w: w.start):
        text = " ".join(word.text.split())
        if not text:
            continue
        end = max(word.end, word.start)
        mid = (word.start + end) / 2
        k = bisect.bisect_right(starts, mid) - 1
        if k < 0 or not spans[k].start <= mid < spans[k].end:
            continue
        span = spans[k]
        start_c, end_c = max(word.start, span.start), min(end, span.end)
        if (text, start_c, end_c) != (word.text, word.start, word.end):
            word = dataclasses.replace(word, text=text, start=start_c, end=end_c)
        buckets.setdefault(k, []).append(word)
    return [(spans[k], buckets[k]) for k in sorted(buckets)]


# --- page breaks -----------------------------------------------------------------------------

def _segment(ws: list[Word], limit: float, rules: CaptionRules, gap: float,
             frame: float) -> list[tuple[int, int]]:
    """Page breaks of one phrase as ``[(a, b), ...]`` word-index ranges.

    A shortest-path search over break positions. Hard limits: lines per page and characters
    per line (a page of one word always fits), and a word span within ``max_duration``. Cost
    per page: 1, plus 20 per second of reading time the page cannot get before the next page
    (this is where "split when it reads too fast" comes from: splitting pays off when a page
    would need more than ``max_duration``), plus penalties for a lone-word page and for a
    half-empty page, so the pages of a phrase come out balanced; plus the cost of the break
    at the page end and of the page's best line layout (:mod:`.linebreaks`: punctuation
    preferred, binding words and split names/numbers avoided).
    """
    n = len(ws)
    starts = linebreaks.sentence_starts(ws)
    best = [math.inf] * (n + 1)
    back = [0] * (n + 1)
    best[0] = 0.0
    for a in range(n):
        if best[a] == math.inf:
            continue
        lines, cur = 1, 0.0
        chars = -1
        span_end = -math.inf
        for b in range(a + 1, n + 1):
            word = ws[b - 1]
            length = len(word.text)
            lines, cur = _greedy_add(lines, cur, length, rules.max_chars_per_line)
            if lines > rules.max_lines and b > a + 1:
                break
            span_end = max(span_end, word.end)
            if b > a + 1 and span_end - ws[a].start > rules.max_duration:
                break
            chars += length + 1
            total = best[a] + _page_cost(ws, a, b, chars, limit, rules, gap, frame, starts)
            if total < best[b]:
                best[b] = total
                back[b] = a
    cuts: list[tuple[int, int]] = []
    b = n
    while b > 0:
        cuts.append((back[b], b))
        b = back[b]
    cuts.reverse()
    return cuts


def _page_cost(ws: list[Word], a: int, b: int, chars: int, limit: float, rules: CaptionRules, gap: float,
               frame: float, starts: Sequence[bool]) -> float:
    """The cost of words ``a..b`` (``chars`` characters) as one page of :func:`_segment`."""
    n = len(ws)
    capacity = max(1, rules.max_lines * rules.max_chars_per_line)
    start = ws[a].start
    nxt = ws[b].start - gap if b < n else limit
    room = min(nxt, start + rules.max_duration) - start
    need = max(rules.min_duration, chars / rules.max_cps)
    cost = _PAGE_COST + _FILL_COST * (1.0 - min(1.0, chars / capacity)) ** 2
    if room < frame:
        cost += _VANISHING_COST
    if need > room:
        cost += _SHORTFALL_COST * (need - max(room, 0.0))
    if b == a + 1 and n > 1:
        cost += _LONE_WORD_COST
    if b < n:
        # A page ends where a line would: the same break costs, a little lighter
        # (the pause between pages helps), plus how well the page lays out.
        cost += _PAGE_BREAK_WEIGHT * linebreaks.break_cost(ws, b, starts, rules.language)
    # Clamped at 0: a comma inside a page makes its lines read well, but is no reason
    # to prefer that page over one that ends at the comma.
    layout = _scored_layout(ws[a:b], rules.max_chars_per_line, starts[a:b], rules.language)[0]
    return cost + _LAYOUT_WEIGHT * max(0.0, layout)


def _greedy_add(lines: int, cur: float, length: int, max_chars: int) -> tuple[int, float]:
    """Greedy line filling, one word at a time: (lines used, length of the open line).

    Greedy filling gives the fewest lines; an over-long word takes a line of its own and
    closes it (``cur`` becomes infinite so the next word starts a new line).
    """
    if length > max_chars:
        return (lines + 1 if cur > 0 else lines), math.inf
    if cur == 0:
        return lines, float(length)
    if cur + 1 + length <= max_chars:
        return lines, cur + 1 + length
    return lines + 1, float(length)


def _layout(ws: Sequence[Word], max_chars: int, language: str = "en") -> tuple[tuple[Word, ...], ...]:
    """Words on the fewest lines, broken where a subtitler would (:mod:`.linebreaks`): at
    phrase boundaries, not after a binding word, not inside a name or number, balanced with
    the lower line longer, no one-word line on a two-line page."""
    return _scored_layout(ws, max_chars, None, language)[1]


def _scored_layout(ws: Sequence[Word], max_chars: int,
                   starts: Sequence[bool] | None = None,
                   language: str = "en") -> tuple[float, tuple[tuple[Word, ...], ...]]:
    k, cur = 1, 0.0
    for w in ws:
        k, cur = _greedy_add(k, cur, len(w.text), max_chars)
    found = linebreaks.best_lines(ws, k, max_chars, starts, language)
    if found is not None:
        return found
    return 0.0, _greedy_lines(ws, max_chars)


def _greedy_lines(ws: Sequence[Word], max_chars: int) -> tuple[tuple[Word, ...], ...]:
    """Greedy filling (only when no scored layout fits, which the greedy count rules out)."""
    out: list[list[Word]] = [[]]
    for w in ws:
        if out[-1] and len(" ".join(x.text for x in out[-1] + [w])) > max_chars:
            out.append([])
        out[-1].append(w)
    return tuple(tuple(line) for line in out)


def _window_of(page: CaptionPage, spans: list[_Window], eps: float) -> _Window | None:
    for span in spans:
        if span.start - eps <= page.start and page.end <= span.end + eps:
            return span
    return None
