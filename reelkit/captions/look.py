"""The caption look both drawers share: colours, the font family and size, display words,
fitting a page to the margins, highlight states and pop groups, box paddings.

Used by the ASS writer (:mod:`reelkit.captions.ass`, drawn by libass) and by the Pillow pages
(:mod:`reelkit.captions.pillow_pages`, for emoji), so both draw one look.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import ImageFont

from reelkit.errors import CaptionError
from reelkit.io.fonts import load_font
from reelkit.plan.colours import MIN_CONTRAST, contrast_ratio, parse_colour
from reelkit.plan.model import CaptionPage, CaptionStyle, Word

STYLES = ("classic", "karaoke", "pop", "boxed")

DEFAULT_FAMILY = "DejaVu Sans"

# A karaoke/boxed highlight is held across a silence shorter than this, so it does not
# flicker off between words spoken in one breath.
HIGHLIGHT_BRIDGE = 0.15

# Pop groups: at most this many words and characters (a longer single word stays alone).
POP_MAX_WORDS = 3
POP_MAX_CHARS = 18
# The scale-in of a pop group: from this fraction of full size, over this many ms.
POP_FROM = 0.6
POP_MS = 120

# Box padding as a fraction of the font size: classic page box, boxed word box.
BOX_PAD = 0.25
PILL_PAD = 0.12


def rgba(value: str, what: str = "colour") -> tuple[int, int, int, int]:
    """A caption colour (``#RGB``, ``#RRGGBB`` or ``#RRGGBBAA``, as presets allow) -> (r, g, b, a),
    parsed by :func:`reelkit.plan.colours.parse_colour`; CaptionError naming ``what`` otherwise."""
    try:
        return parse_colour(value.strip())
    except ValueError:
        raise CaptionError(f"invalid colour {value!r}", key=what, hint="use #RRGGBB or #RRGGBBAA") from None


def ass_colour(value: str, opacity: float = 1.0, what: str = "colour") -> str:
    """A colour (its own alpha times ``opacity``, 0..1) -> ASS ``&HAABBGGRR`` (AA is transparency)."""
    r, g, b, a = rgba(value, what)
    return f"&H{ass_alpha(a, opacity)}{b:02X}{g:02X}{r:02X}"


def ass_alpha(a: int, opacity: float = 1.0) -> str:
    """ASS transparency of a colour with alpha ``a`` (0..255) drawn at ``opacity``."""
    visible = (a / 255.0) * min(1.0, max(0.0, opacity))
    return f"{round((1.0 - visible) * 255):02X}"


def override_colour(value: str, what: str) -> str:
    """Override tags setting the fill colour and its alpha (``\\1c&HBBGGRR&\\1a&HAA&``)."""
    r, g, b, a = rgba(value, what)
    return f"\\1c&H{b:02X}{g:02X}{r:02X}&\\1a&H{ass_alpha(a)}&"


def on_accent_colour(style: CaptionStyle) -> str:
    """Text colour for a word on the accent box: the text colour if it keeps 4.5:1, else
    whichever of black and white contrasts more (WCAG 1.4.3)."""
    accent = rgba(style.accent_colour, "accent_colour")[:3]
    if contrast_ratio(rgba(style.text_colour, "text_colour")[:3], accent) >= MIN_CONTRAST:
        return style.text_colour
    black, white = (0, 0, 0), (255, 255, 255)
    return "#000000" if contrast_ratio(black, accent) >= contrast_ratio(white, accent) else "#FFFFFF"


def caption_font_family(style: CaptionStyle) -> str:
    """The family libass must match: ``style.font_family``, else read from the font file."""
    if style.font_family.strip():
        return style.font_family.strip()
    if style.font_file:
        return _family_of(style.font_file)
    return DEFAULT_FAMILY


@functools.lru_cache(maxsize=32)
def _family_of(font_file: str) -> str:
    try:
        family = load_font(font_file, 16).getname()[0]
    except OSError as exc:
        raise CaptionError(f"cannot read caption font: {exc}", path=font_file) from None
    return family or DEFAULT_FAMILY


@functools.lru_cache(maxsize=32)
def _pillow_font_cached(font_file: str, size: int) -> object:
    # libass scales a font so that ascender + descender equal the ASS font size; Pillow's
    # size is the em. Measure the ratio at the nominal size and convert, so text drawn by
    # Pillow matches what libass draws for the same style.
    probe = load_font(font_file, size)
    ascent, descent = probe.getmetrics()
    em = size * size / max(1, ascent + descent)
    return load_font(font_file, em)


def pillow_font(style: CaptionStyle):  # -> ImageFont.FreeTypeFont
    """The caption font as Pillow draws it at the size libass uses for ``style.font_size``."""
    if style.font_file and os.path.exists(style.font_file):
        return _pillow_font_cached(style.font_file, int(style.font_size))
    return ImageFont.load_default(size=style.font_size * 0.85)


def display_word(word: Word, style: CaptionStyle) -> str:
    """A word as shown: whitespace collapsed, upper-cased when the style asks for it."""
    text = " ".join(word.text.split())
    return text.upper() if style.uppercase else text


def line_width(text: str, style: CaptionStyle) -> float:
    """Width in px of one caption line (outline included)."""
    font = pillow_font(style)
    return float(font.getlength(text)) + 2 * style.outline


def fit_scale(lines: Sequence[str], style: CaptionStyle, width: int) -> float:
    """Scale (<= 1) that keeps the widest line inside the horizontal margins."""
    avail = width - 2 * style.margin_x
    widest = max((line_width(t, style) for t in lines if t), default=0.0)
    if avail <= 0 or widest <= avail:
        return 1.0
    return avail / widest


@dataclass(frozen=True)
class State:
    """One highlight state of a page: ``[start, end)`` with word ``index`` highlighted
    (index into ``page.words``; None while no word is being spoken)."""

    start: float
    end: float
    index: int | None


def centiseconds(t: float) -> int:
    return int(round(t * 100))


def highlight_states(page: CaptionPage) -> tuple[State, ...]:
    """The page's time cut into highlight states, contiguous from ``page.start`` to
    ``page.end``, on centisecond boundaries (what ASS keeps) so neighbours share them."""
    words = page.words
    p0, p1 = centiseconds(page.start), centiseconds(page.end)
    cuts: list[tuple[int, int, int | None]] = []
    t = p0
    for i, w in enumerate(words):
        ws = min(max(centiseconds(w.start), t), p1)
        we = min(max(centiseconds(w.end), ws), p1)
        nxt = centiseconds(words[i + 1].start) if i + 1 < len(words) else p1
        if 0 <= nxt - we < round(HIGHLIGHT_BRIDGE * 100):
            we = min(max(nxt, ws), p1)
        if ws > t:
            cuts.append((t, ws, None))
        if we > ws:
            cuts.append((ws, we, i))
            t = we
        else:
            t = ws
    if t < p1:
        cuts.append((t, p1, None))
    return tuple(State(a / 100, b / 100, i) for a, b, i in cuts)


def pop_groups(page: CaptionPage, style: CaptionStyle) -> tuple[tuple[float, float, tuple[Word, ...]], ...]:
    """The page in groups of one to three words (never across a line), each shown from its
    first word's start (the page start for the first group) to the next group's start."""
    groups: list[list[Word]] = []
    for line in page.lines:
        current: list[Word] = []
        for w in line:
            text = " ".join(display_word(x, style) for x in [*current, w])
            if current and (len(current) >= POP_MAX_WORDS or len(text) > POP_MAX_CHARS):
                groups.append(current)
                current = []
            current.append(w)
        if current:
            groups.append(current)
    p0, p1 = centiseconds(page.start), centiseconds(page.end)
    starts = [p0] + [min(max(centiseconds(g[0].start), p0), p1) for g in groups[1:]]
    for k in range(1, len(starts)):
        starts[k] = max(starts[k], starts[k - 1])  # overlapping word times
    out: list[tuple[float, float, tuple[Word, ...]]] = []
    carry: list[Word] = []
    for k, g in enumerate(groups):
        s = starts[k]
        e = starts[k + 1] if k + 1 < len(groups) else p1
        words = carry + g
        if e <= s:
            # No time of its own (the next group starts at once): show it with the next one.
            if k + 1 < len(groups):
                carry = words
            elif out:
                ps, pe, pw = out.pop()
                out.append((ps, pe, pw + tuple(words)))
            continue
        carry = []
        out.append((s / 100, e / 100, tuple(words)))
    return tuple(out)


def box_padding(style: CaptionStyle) -> int:
    """Padding of the classic page box, px."""
    return max(2, round(style.font_size * BOX_PAD))


def pill_padding(style: CaptionStyle) -> int:
    """Padding of the boxed-style word box, px."""
    return max(2, round(style.font_size * PILL_PAD))
