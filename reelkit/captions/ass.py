"""Caption pages as an ASS script for libass (ffmpeg's ``ass`` filter), in four looks.

``style.style`` picks the look:

* ``classic``: the page on one translucent box (layer 0, libass BorderStyle 4: one box
  around the whole event, so two lines never double the box alpha where they overlap) with
  the text and its outline on top (layer 1);
* ``karaoke``: the whole page, the word being spoken in ``accent_colour`` (one event per
  highlight state, so the highlight follows the word times to the centisecond);
* ``pop``: one to three words at a time, each group scaling in with ``\\t(\\fscx\\fscy)``
  (one event per group: never more events than words);
* ``boxed``: the whole page, the word being spoken on a box in ``accent_colour`` (layer 0,
  BorderStyle 3 with the outline alpha opened only on that word) with its text in a colour
  that keeps a 4.5:1 contrast on the accent.

The caption block is centred on (width / 2, ``style.position_y``) with ``\\an5\\pos``;
a page whose widest line would cross ``style.margin_x`` is scaled down to fit. Text is
escaped (``\\ { }``, newlines) and never reordered: libass shapes and orders right-to-left
scripts itself with HarfBuzz and FriBidi (the styles set Encoding -1, so the base direction
comes from the text and override tags between words do not reverse an Arabic line).

The helpers here (colours, font family and size, highlight states, pop groups) are shared
with :mod:`reelkit.captions.pillow_pages`, which draws emoji pages in the same look.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont

from reelkit.plan.colours import MIN_CONTRAST, contrast_ratio, parse_colour
from reelkit.errors import CaptionError
from reelkit.io.atomic import write_text_atomic
from reelkit.io.ffmpeg import escape_filter_value
from reelkit.io.fonts import load_font
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

# The WORD JOINER (U+2060) is invisible; after a backslash it stops libass reading "\N",
# "\h", "\{" ... as escapes, so a literal backslash shows as typed.
_WJ = "\u2060"


# --- shared look helpers ---------------------------------------------------------------------

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
    return f"&H{_ass_alpha(a, opacity)}{b:02X}{g:02X}{r:02X}"


def _ass_alpha(a: int, opacity: float = 1.0) -> str:
    """ASS transparency of a colour with alpha ``a`` (0..255) drawn at ``opacity``."""
    visible = (a / 255.0) * min(1.0, max(0.0, opacity))
    return f"{round((1.0 - visible) * 255):02X}"


def _override_colour(value: str, what: str) -> str:
    """Override tags setting the fill colour and its alpha (``\\1c&HBBGGRR&\\1a&HAA&``)."""
    r, g, b, a = rgba(value, what)
    return f"\\1c&H{b:02X}{g:02X}{r:02X}&\\1a&H{_ass_alpha(a)}&"


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


def highlight_states(page: CaptionPage) -> tuple[State, ...]:
    """The page's time cut into highlight states, contiguous from ``page.start`` to
    ``page.end``, on centisecond boundaries (what ASS keeps) so neighbours share them."""
    words = page.words
    p0, p1 = _cs(page.start), _cs(page.end)
    cuts: list[tuple[int, int, int | None]] = []
    t = p0
    for i, w in enumerate(words):
        ws = min(max(_cs(w.start), t), p1)
        we = min(max(_cs(w.end), ws), p1)
        nxt = _cs(words[i + 1].start) if i + 1 < len(words) else p1
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
    p0, p1 = _cs(page.start), _cs(page.end)
    starts = [p0] + [min(max(_cs(g[0].start), p0), p1) for g in groups[1:]]
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


# --- the ASS file ----------------------------------------------------------------------------

def escape_ass_text(text: str) -> str:
    """Text for an ASS Dialogue line: ``\\``, ``{``, ``}`` made literal, line breaks -> spaces."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\" + _WJ)
        elif ch in "{}":
            out.append("\\" + ch)
        elif ch in "\r\n\t":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def _style_field(value: str) -> str:
    """A free-text field of a Style line: commas separate fields, so none may remain."""
    return value.replace(",", " ").replace("\n", " ").replace("\r", " ").strip()


def _ts(t: float) -> str:
    cs = max(0, _cs(t))
    h, rem = divmod(cs, 360000)
    m, rem = divmod(rem, 6000)
    s, c = divmod(rem, 100)
    return f"{h}:{m:02d}:{s:02d}.{c:02d}"


def _cs(t: float) -> int:
    return int(round(t * 100))


def _num(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


class _Writer:
    """Builds the [Events] of one script; one instance per write_ass call."""

    def __init__(self, style: CaptionStyle, width: int, height: int) -> None:
        self.style = style
        self.width = width
        self.height = height
        family = caption_font_family(style)
        self.style_font = _style_field(family)
        # A family with a comma cannot live in the Style line; \fn in the text can hold it.
        clean = family.replace("\\", "").replace("{", "").replace("}", "")
        self.fn_tag = f"\\fn{clean}" if "," in family else ""
        self.text_c = _override_colour(style.text_colour, "text_colour")
        self.accent_c = _override_colour(style.accent_colour, "accent_colour")
        self.on_accent_c = _override_colour(on_accent_colour(style), "accent_colour")
        self.events: list[str] = []

    def pos_tags(self) -> str:
        """Block centre on (width / 2, position_y), and the font when it needs ``\\fn``."""
        return f"\\an5\\pos({_num(self.width / 2)},{_num(self.style.position_y)}){self.fn_tag}"

    def lead(self, lines: Sequence[str], extra: str = "") -> str:
        """Opening override block: position, font, scale that keeps ``lines`` in the margins."""
        scale = fit_scale(lines, self.style, self.width)
        tags = self.pos_tags()
        if scale < 1.0:
            pct = _num(scale * 100)
            tags += f"\\fscx{pct}\\fscy{pct}"
        return "{" + tags + extra + "}"

    def add(self, layer: int, start: float, end: float, name: str, text: str) -> None:
        if _cs(end) <= _cs(start):
            return
        self.events.append(f"Dialogue: {layer},{_ts(start)},{_ts(end)},{name},,0,0,0,,{text}")

    def page_lines(self, page: CaptionPage) -> list[list[str]]:
        return [[escape_ass_text(display_word(w, self.style)) for w in line] for line in page.lines]

    def plain_lines(self, page: CaptionPage) -> list[str]:
        return [" ".join(display_word(w, self.style) for w in line) for line in page.lines]

    def classic(self, page: CaptionPage) -> None:
        body = "\\N".join(" ".join(line) for line in self.page_lines(page))
        lead = self.lead(self.plain_lines(page))
        self.add(0, page.start, page.end, "Box", lead + body)
        self.add(1, page.start, page.end, "Text", lead + body)

    def _marked(self, page: CaptionPage, index: int | None, on: str, off: str) -> str:
        """Page text with override ``on`` before word ``index`` and ``off`` after it."""
        lines, k = [], 0
        for line in self.page_lines(page):
            parts = []
            for word in line:
                parts.append("{" + on + "}" + word + "{" + off + "}" if k == index else word)
                k += 1
            lines.append(" ".join(parts))
        return "\\N".join(lines)

    def karaoke(self, page: CaptionPage) -> None:
        lead = self.lead(self.plain_lines(page))
        for st in highlight_states(page):
            text = self._marked(page, st.index, self.accent_c, self.text_c)
            self.add(1, st.start, st.end, "Text", lead + text)

    def boxed(self, page: CaptionPage) -> None:
        lead = self.lead(self.plain_lines(page))
        pill_lead = self.lead(self.plain_lines(page), extra="\\1a&HFF&\\3a&HFF&")
        bord = _num(self.style.outline)
        for st in highlight_states(page):
            text = self._marked(page, st.index, f"{self.on_accent_c}\\bord0\\shad0",
                                f"{self.text_c}\\bord{bord}\\shad{_num(self.style.shadow)}")
            self.add(1, st.start, st.end, "Text", lead + text)
            if st.index is not None:
                # Same text, glyphs invisible; only the spoken word's box is opaque.
                opened = _ass_alpha(rgba(self.style.accent_colour, "accent_colour")[3])
                pill = self._marked(page, st.index, f"\\3a&H{opened}&", "\\3a&HFF&")
                self.add(0, st.start, st.end, "Pill", pill_lead + pill)

    def pop(self, page: CaptionPage) -> None:
        for start, end, words in pop_groups(page, self.style):
            shown = " ".join(display_word(w, self.style) for w in words)
            scale = fit_scale([shown], self.style, self.width)
            full = _num(scale * 100)
            small = _num(scale * 100 * POP_FROM)
            ms = min(POP_MS, max(1, int((end - start) * 1000 / 2)))
            tags = (f"{self.pos_tags()}\\fscx{small}\\fscy{small}"
                    f"\\t(0,{ms},\\fscx{full}\\fscy{full})")
            self.add(1, start, end, "Text", "{" + tags + "}" + escape_ass_text(shown))

    def styles(self) -> list[str]:
        s = self.style
        text = ass_colour(s.text_colour, 1.0, "text_colour")
        accent = ass_colour(s.accent_colour, 1.0, "accent_colour")
        outline = ass_colour(s.outline_colour, 1.0, "outline_colour")
        shadow = ass_colour(s.outline_colour, 0.5, "outline_colour")
        box = ass_colour(s.box_colour, s.box_opacity, "box_colour")
        bold = "-1" if s.bold else "0"
        common = f"{self.style_font},{_num(s.font_size)}"
        # Encoding -1 asks libass to find each event's base direction from its text: without
        # it a right-to-left line split by override tags (karaoke, boxed) shows its words
        # left to right in logical order, i.e. reversed.
        margins = f"{int(s.margin_x)},{int(s.margin_x)},0,-1"

        def line(name: str, primary: str, outl: str, back: str, border: int, bord: float, shad: float) -> str:
            return (f"Style: {name},{common},{primary},{accent},{outl},{back},{bold},0,0,0,"
                    f"100,100,0,0,{border},{_num(bord)},{_num(shad)},5,{margins}")

        invisible = "&HFF000000"
        return [
            line("Text", text, outline, shadow, 1, s.outline, s.shadow),
            # BorderStyle 4 (libass): one box of BackColour around the whole event, padded by
            # the Outline width; glyphs and outline invisible.
            line("Box", invisible, invisible, box, 4, box_padding(s), 0),
            # BorderStyle 3: an opaque box per glyph run in OutlineColour; the events open
            # its alpha on the spoken word only.
            line("Pill", invisible, accent, invisible, 3, pill_padding(s), 0),
        ]


def write_ass(pages: Sequence[CaptionPage], style: CaptionStyle, width: int, height: int,
              path: Path) -> None:
    """Write ``pages`` as an ASS script drawn at ``width`` x ``height`` (PlayRes), atomically.

    Raises CaptionError for an unknown style name or a malformed colour.
    """
    if style.style not in STYLES:
        raise CaptionError(f"unknown caption style {style.style!r}", key="style",
                           hint="use one of " + ", ".join(STYLES))
    writer = _Writer(style, width, height)
    draw = {"classic": writer.classic, "karaoke": writer.karaoke,
            "pop": writer.pop, "boxed": writer.boxed}[style.style]
    for page in pages:
        if page.words:
            draw(page)
    head = [
        "[Script Info]",
        "; written by reelkit",
        "ScriptType: v4.00+",
        f"PlayResX: {int(width)}",
        f"PlayResY: {int(height)}",
        "WrapStyle: 2",
        "ScaledBorderAndShadow: yes",
        # Colours are sRGB as given; no TV-range/matrix games by the renderer.
        "YCbCr Matrix: None",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
        "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
        "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
        *writer.styles(),
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
        *writer.events,
    ]
    path = Path(path)
    write_text_atomic(path, "\n".join(head) + "\n")


def ass_filter(ass_path: Path, fonts_dir: Path) -> str:
    """The ``ass`` filter for a filtergraph, every value escaped for both filtergraph levels.

    Paths may hold spaces, quotes, colons, commas, brackets and any Unicode.
    """
    fonts = os.fspath(fonts_dir)
    # ffmpeg's tokenizer drops unescaped trailing whitespace; a final "/" protects a
    # directory name that ends in a space.
    if not fonts.endswith("/"):
        fonts += "/"
    name = os.fspath(ass_path)
    if name[:1].isspace():
        name = "./" + name  # leading whitespace would be dropped too
    return f"ass=filename={escape_filter_value(name)}:fontsdir={escape_filter_value(fonts)}"
