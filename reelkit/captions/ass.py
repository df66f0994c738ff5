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

The look itself (colours, font family and size, highlight states, pop groups) is
:mod:`reelkit.captions.look`, shared with :mod:`reelkit.captions.pillow_pages`, which draws
emoji pages in the same look.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from reelkit.captions.look import centiseconds as _cs
from reelkit.captions.look import (POP_FROM, POP_MS, STYLES, ass_alpha, ass_colour, box_padding, caption_font_family,
                                   display_word, fit_scale, highlight_states, on_accent_colour, override_colour,
                                   pill_padding, pop_groups, rgba)
from reelkit.errors import CaptionError
from reelkit.io.atomic import write_text_atomic
from reelkit.io.ffmpeg import escape_filter_value
from reelkit.plan.model import CaptionPage, CaptionStyle

# The WORD JOINER (U+2060) is invisible; after a backslash it stops libass reading "\N",
# "\h", "\{" ... as escapes, so a literal backslash shows as typed.
_WJ = "\u2060"



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
        self.text_c = override_colour(style.text_colour, "text_colour")
        self.accent_c = override_colour(style.accent_colour, "accent_colour")
        self.on_accent_c = override_colour(on_accent_colour(style), "accent_colour")
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
                opened = ass_alpha(rgba(self.style.accent_colour, "accent_colour")[3])
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
