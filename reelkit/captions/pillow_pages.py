"""Caption pages with emoji, drawn by Pillow as transparent PNG overlays.

libass draws glyphs in one colour, so a colour emoji would come out as a flat shape or a
missing-glyph box. :func:`split_pillow_pages` takes the pages that hold emoji away from the
ASS script and draws them with Pillow instead: text in the caption font at the size libass
would use, emoji from a colour emoji font (Noto Color Emoji, a CBDT bitmap font that only
loads at 109 px and is scaled to the line), on the same box, colours, outline and position
as the ASS look. Karaoke and boxed pages get one PNG per highlight state, pop pages one per
word group; every other page stays with libass.

File names are a hash of everything that goes into the drawing, so a re-render finds the
PNGs it drew before and draws nothing.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from reelkit.io.atomic import atomic_path
from reelkit.io.fonts import load_font
from reelkit.io.pngcache import readable_png_size
from reelkit.plan.model import CaptionPage, CaptionStyle, Overlay
from reelkit.captions.emoji import has_emoji, split_runs
from reelkit.captions.look import (box_padding, display_word, highlight_states, on_accent_colour, pill_padding,
                                   pillow_font, pop_groups, rgba)

log = logging.getLogger(__name__)

SYSTEM_EMOJI_FONT = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"
EMOJI_BITMAP_SIZE = 109  # the only size a CBDT Noto Color Emoji accepts
EMOJI_HEIGHT = 0.82  # emoji height as a fraction of the line height

_DRAW_VERSION = "1"  # bump when the drawing changes, so old PNGs are not reused

def split_pillow_pages(pages: Sequence[CaptionPage], style: CaptionStyle, width: int, height: int,
                       workdir: Path) -> tuple[tuple[CaptionPage, ...], tuple[Overlay, ...]]:
    """Split ``pages`` into (pages for the ASS script, Pillow-drawn caption overlays).

    Pages holding emoji are drawn as transparent PNGs under ``workdir`` (created if needed)
    and returned as ``Overlay(kind="caption", ...)`` with their times; the rest are returned
    unchanged. Without a colour emoji font the text is drawn without its emoji and a
    warning is logged.
    """
    ass_pages: list[CaptionPage] = []
    drawn: list[CaptionPage] = []
    for page in pages:
        (drawn if has_emoji(page.text) else ass_pages).append(page)
    if not drawn:
        return tuple(ass_pages), ()
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    painter = _Painter(style, width, height, _emoji_font_path(style))
    overlays: list[Overlay] = []
    for page in drawn:
        overlays.extend(painter.page(page, workdir))
    overlays.sort(key=lambda o: (o.start, o.end))
    return tuple(ass_pages), tuple(overlays)


def _emoji_font_path(style: CaptionStyle) -> str | None:
    for candidate in (style.emoji_font, SYSTEM_EMOJI_FONT):
        if candidate and os.path.exists(candidate):
            return candidate
        if candidate:
            log.warning("colour emoji font %s not found", candidate)
    log.warning("no colour emoji font: captions are drawn without their emoji")
    return None


@functools.lru_cache(maxsize=2)
def _load_emoji_font(path: str):  # -> ImageFont.FreeTypeFont | None
    try:
        return load_font(path, EMOJI_BITMAP_SIZE)
    except OSError as exc:
        log.warning("cannot load colour emoji font %s (%s): captions are drawn without emoji", path, exc)
        return None


def _file_stamp(path: str | None) -> list[object]:
    if not path:
        return [None]
    try:
        st = os.stat(path)
    except OSError:
        return [path]
    return [path, st.st_size, int(st.st_mtime)]


def _is_rtl(text: str) -> bool:
    """True when the first strong character is Hebrew or Arabic (the line runs right to left)."""
    for ch in text:
        bidi = unicodedata.bidirectional(ch)
        if bidi in ("R", "AL"):
            return True
        if bidi == "L":
            return False
    return False


@dataclass(frozen=True)
class _Piece:
    """One laid-out run: text or an emoji cluster, at x (left) on a line."""

    x: float
    width: float
    text: str
    emoji: bool
    word: int  # index of the word in the page


@dataclass(frozen=True)
class _Line:
    pieces: tuple[_Piece, ...]
    left: float
    width: float
    baseline: float
    top: float


@dataclass(frozen=True)
class _Pen:
    """What every layer of one drawing shares: the font at its scale, the line height, the
    frame position of the image's top-left corner, the image size and the outline width."""

    font: ImageFont.FreeTypeFont
    line_h: int
    x0: int
    y0: int
    size: tuple[int, int]
    stroke: int


class _Painter:
    """Lays out and draws caption states for one style and frame size."""

    def __init__(self, style: CaptionStyle, width: int, height: int, emoji_path: str | None) -> None:
        self.style = style
        self.width = width
        self.height = height
        self.emoji_path = emoji_path
        self.emoji_font = _load_emoji_font(emoji_path) if emoji_path else None
        self._emoji_cache: dict[tuple[str, int], object] = {}

    # -- states --------------------------------------------------------------------------

    def page(self, page: CaptionPage, workdir: Path) -> list[Overlay]:
        mode = self.style.style
        words = [display_word(w, self.style) for w in page.words]
        sizes = [len(line) for line in page.lines]
        rows: list[list[int]] = []
        k = 0
        for n in sizes:
            rows.append(list(range(k, k + n)))
            k += n
        out: list[Overlay] = []
        if mode in ("karaoke", "boxed"):
            for st in highlight_states(page):
                out.append(self.state(workdir, words, rows, st.index, st.start, st.end))
        elif mode == "pop":
            index = {id(w): i for i, w in enumerate(page.words)}
            for start, end, group in pop_groups(page, self.style):
                out.append(self.state(workdir, words, [[index[id(w)] for w in group]], None, start, end))
        else:
            out.append(self.state(workdir, words, rows, None, page.start, page.end))
        return out

    def state(self, workdir: Path, words: list[str], rows: list[list[int]], highlight: int | None,
              start: float, end: float) -> Overlay:
        lines, box, scale = self.layout(words, rows)
        x0, y0, x1, y1 = box
        key = json.dumps([
            _DRAW_VERSION, dataclasses.asdict(self.style), self.width, self.height,
            _file_stamp(self.style.font_file), _file_stamp(self.emoji_path),
            [[words[i] for i in row] for row in rows], highlight,
        ], ensure_ascii=False, sort_keys=True)
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
        png = workdir / f"caption-{digest}.png"
        if readable_png_size(png) is None:  # missing, or half-written by a killed process
            image = self.draw(lines, box, highlight, scale)
            with atomic_path(png) as tmp:  # unique temporary: concurrent writers never collide
                image.save(tmp, format="PNG")
        return Overlay(kind="caption", image=str(png), x=x0, y=y0, start=start, end=end)

    # -- layout --------------------------------------------------------------------------

    def layout(self, words: list[str],
               rows: list[list[int]]) -> tuple[list[_Line], tuple[int, int, int, int], float]:
        """Lines placed on the frame, the integer box (x0, y0, x1, y1) the drawing fills, and
        the scale applied so the widest line stays inside the horizontal margins."""
        lines = self._place(words, rows, 1.0)
        avail = self.width - 2 * self.style.margin_x
        widest = max((ln.width for ln in lines), default=0.0) + 2 * self.style.outline
        scale = 1.0
        if avail > 0 and widest > avail:
            scale = avail / widest
            lines = self._place(words, rows, scale)
        style = self.style
        line_h = self._line_height(scale)
        top = lines[0].top if lines else style.position_y
        pad = max(box_padding(style), pill_padding(style)) + style.outline + style.shadow + 2
        x0 = min((ln.left for ln in lines), default=self.width / 2) - pad
        x1 = max((ln.left + ln.width for ln in lines), default=self.width / 2) + pad
        y0 = top - pad
        y1 = top + line_h * len(lines) + pad
        box = (max(0, int(x0)), max(0, int(y0)),
               min(self.width, int(x1) + 1), min(self.height, int(y1) + 1))
        return lines, box, scale

    def _line_height(self, scale: float) -> int:
        ascent, descent = self.font(scale).getmetrics()
        return ascent + descent

    def _place(self, words: list[str], rows: list[list[int]], scale: float) -> list[_Line]:
        font = self.font(scale)
        ascent, descent = font.getmetrics()
        line_h = ascent + descent
        space = font.getlength(" ")
        top = self.style.position_y - line_h * len(rows) / 2
        lines: list[_Line] = []
        for r, row in enumerate(rows):
            # Visual order: a right-to-left line puts its first word on the right. Inside a
            # text run Pillow's raqm layout orders and shapes the characters itself.
            rtl = _is_rtl(" ".join(words[i] for i in row))
            order = list(reversed(row)) if rtl else row
            x = 0.0
            pieces: list[_Piece] = []
            for i in order:
                runs = [(e, t) for e, t in split_runs(words[i]) if not (e and self.emoji_font is None)]
                if not runs:
                    continue
                if pieces:
                    x += space
                for is_emoji, text in (reversed(runs) if rtl else runs):
                    w = float(self.emoji_image(text, line_h).width) if is_emoji else font.getlength(text)
                    pieces.append(_Piece(x, w, text, is_emoji, i))
                    x += w
            line_top = top + r * line_h
            lines.append(_Line(tuple(pieces), self.width / 2 - x / 2, x, line_top + ascent, line_top))
        return lines

    def font(self, scale: float):
        base = pillow_font(self.style)
        if scale >= 1.0:
            return base
        return base.font_variant(size=base.size * scale)

    def emoji_image(self, cluster: str, line_h: float):
        """The cluster drawn in colour at 109 px, scaled to the line."""
        target = max(1, round(line_h * EMOJI_HEIGHT))
        key = (cluster, target)
        if key not in self._emoji_cache:
            font = self.emoji_font
            left, top, right, bottom = font.getbbox(cluster)
            canvas = Image.new("RGBA", (max(1, right - left), max(1, bottom - top)), (0, 0, 0, 0))
            ImageDraw.Draw(canvas).text((-left, -top), cluster, font=font, embedded_color=True)
            w = max(1, round(canvas.width * target / canvas.height))
            self._emoji_cache[key] = canvas.resize((w, target), Image.LANCZOS)
        return self._emoji_cache[key]

    # -- drawing -------------------------------------------------------------------------

    def draw(self, lines: list[_Line], box: tuple[int, int, int, int], highlight: int | None,
             scale: float):
        """One caption state as an RGBA image the size of ``box``, in the order the ASS look
        has them: page box or the spoken word's box, shadow, then text and colour emoji."""
        x0, y0, x1, y1 = box
        font = self.font(scale)
        ascent, descent = font.getmetrics()
        pen = _Pen(font, ascent + descent, x0, y0, (max(1, x1 - x0), max(1, y1 - y0)),
                   max(0, round(self.style.outline * scale)))
        image = self._boxes(lines, highlight, pen)
        shadow = round(self.style.shadow * scale)
        if shadow:
            image = Image.alpha_composite(image, self._shadow(lines, highlight, pen, shadow))
        return Image.alpha_composite(image, self._text(lines, highlight, pen))

    def _boxes(self, lines: list[_Line], highlight: int | None, pen: _Pen):
        """The page box (style classic) or the spoken word's box (style boxed)."""
        style, size, line_h, x0, y0 = self.style, pen.size, pen.line_h, pen.x0, pen.y0
        image = Image.new("RGBA", size, (0, 0, 0, 0))
        if style.style == "classic" and lines:
            pad = box_padding(style)
            left = min(ln.left for ln in lines) - pad - x0
            right = max(ln.left + ln.width for ln in lines) + pad - x0
            top = lines[0].top - pad - y0
            bottom = lines[-1].top + line_h + pad - y0
            layer = Image.new("RGBA", size, (0, 0, 0, 0))
            r, g, b, a = rgba(style.box_colour, "box_colour")
            alpha = round(a * min(1.0, max(0.0, style.box_opacity)))
            ImageDraw.Draw(layer).rectangle((left, top, right, bottom), fill=(r, g, b, alpha))
            image = Image.alpha_composite(image, layer)
        if style.style == "boxed" and highlight is not None:
            pad = pill_padding(style)
            layer = Image.new("RGBA", size, (0, 0, 0, 0))
            d = ImageDraw.Draw(layer)
            for ln in lines:
                parts = [p for p in ln.pieces if p.word == highlight]
                if parts:
                    a = min(p.x for p in parts) + ln.left - pad - x0
                    b = max(p.x + p.width for p in parts) + ln.left + pad - x0
                    d.rectangle((a, ln.top - pad - y0, b, ln.top + line_h + pad - y0),
                                fill=rgba(style.accent_colour, "accent_colour"))
            image = Image.alpha_composite(image, layer)
        return image

    def _shadow(self, lines: list[_Line], highlight: int | None, pen: _Pen, shadow: int):
        """The text's shadow, offset by ``shadow`` px, in half the outline colour's alpha."""
        outline_rgba = rgba(self.style.outline_colour, "outline_colour")
        shadow_rgba = (*outline_rgba[:3], round(outline_rgba[3] * 0.5))
        layer = Image.new("RGBA", pen.size, (0, 0, 0, 0))
        d = ImageDraw.Draw(layer, "RGBA")
        for ln in lines:
            for p in ln.pieces:
                # As in the ASS look, the word on the accent box casts no shadow.
                if not p.emoji and not (self.style.style == "boxed" and p.word == highlight):
                    d.text((ln.left + p.x - pen.x0 + shadow, ln.baseline - pen.y0 + shadow), p.text,
                           font=pen.font, anchor="ls", fill=shadow_rgba,
                           stroke_width=pen.stroke, stroke_fill=shadow_rgba)
        return layer

    def _text(self, lines: list[_Line], highlight: int | None, pen: _Pen):
        """The words with their outline (the spoken one in its highlight colour) and emoji."""
        style = self.style
        # (r, g, b, a): a colour's own alpha is kept, as libass keeps it for the ASS pages.
        text_rgba = rgba(style.text_colour, "text_colour")
        accent_rgba = rgba(style.accent_colour, "accent_colour")
        outline_rgba = rgba(style.outline_colour, "outline_colour")
        on_accent = rgba(on_accent_colour(style), "accent_colour")
        layer = Image.new("RGBA", pen.size, (0, 0, 0, 0))
        d = ImageDraw.Draw(layer, "RGBA")
        for ln in lines:
            for p in ln.pieces:
                px = ln.left + p.x - pen.x0
                if p.emoji:
                    em = self.emoji_image(p.text, pen.line_h)
                    ey = round(ln.top + (pen.line_h - em.height) / 2 - pen.y0)
                    layer.alpha_composite(em, (max(0, round(px)), max(0, ey)))
                    continue
                fill, width = text_rgba, pen.stroke
                if p.word == highlight and style.style == "karaoke":
                    fill = accent_rgba
                elif p.word == highlight and style.style == "boxed":
                    fill, width = on_accent, 0
                d.text((px, ln.baseline - pen.y0), p.text, font=pen.font, anchor="ls", fill=fill,
                       stroke_width=width, stroke_fill=outline_rgba)
        return layer
