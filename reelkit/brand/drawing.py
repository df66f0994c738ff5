"""The pictures of a preset's overlays, drawn with Pillow: logo, lower third, text boxes (hook
band, callouts), full-frame cards (hook in brand colour, end card), watermark; and the text
helpers they share (fonts, wrapping, fitting)."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont

from reelkit.brand.schema import Brand
from reelkit.io.fonts import load_font as _load_font
from reelkit.plan import colours as col

BoxT = tuple[int, int, int, int]


# --- text helpers -----------------------------------------------------------------------------

@functools.lru_cache(maxsize=64)
def load_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    """A Pillow font, cached: fonts are re-used across overlays and previews."""
    return _load_font(path, max(1, int(size)))


def text_width(font: ImageFont.FreeTypeFont, text: str) -> int:
    return int(round(font.getlength(text)))


def line_height(font: ImageFont.FreeTypeFont) -> int:
    ascent, descent = font.getmetrics()
    return ascent + descent


def wrap(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Greedy word wrap to ``max_width`` px (a single over-long word keeps its own line)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for word in paragraph.split():
            trial = f"{current} {word}".strip()
            if current and text_width(font, trial) > max_width:
                lines.append(current)
                current = word
            else:
                current = trial
        lines.append(current)
    return lines


def fit_text(text: str, font_path: str, size: int, max_width: int, max_lines: int,
             min_size: int = 18) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """Largest font size up to ``size`` at which ``text`` wraps into ``max_lines`` lines that
    all fit ``max_width`` (shrinking in 6 % steps)."""
    current = size
    while True:
        font = load_font(font_path, current)
        lines = wrap(text, font, max_width)
        widest = max((text_width(font, ln) for ln in lines), default=0)
        if (len(lines) <= max_lines and widest <= max_width) or current <= min_size:
            return font, lines
        current = max(min_size, int(current * 0.94))


def _draw_lines(draw: ImageDraw.ImageDraw, lines: Sequence[str], font: ImageFont.FreeTypeFont, centre_x: float,
                top: float, fill: tuple[int, int, int, int], spacing: float = 1.15) -> float:
    """Centred lines from ``top``; returns the y below the last line."""
    step = line_height(font) * spacing
    y = top
    for line in lines:
        draw.text((centre_x, y), line, font=font, fill=fill, anchor="ma")
        y += step
    return top + step * len(lines) - (step - line_height(font))


def _block_height(lines: Sequence[str], font: ImageFont.FreeTypeFont, spacing: float = 1.15) -> int:
    if not lines:
        return 0
    return int(round(line_height(font) * (spacing * (len(lines) - 1) + 1)))


# --- drawing ------------------------------------------------------------------------------

def draw_logo(brand: Brand, width: int) -> Image.Image:
    """The logo scaled to ``logo.scale`` of the frame width, its alpha times ``logo.opacity``."""
    spec = brand.logo
    assert spec.file
    with Image.open(spec.file) as src:
        logo = src.convert("RGBA")
    target_w = max(1, round(width * spec.scale))
    target_h = max(1, round(logo.height * target_w / logo.width))
    logo = logo.resize((target_w, target_h), Image.Resampling.LANCZOS)
    if spec.opacity < 1.0:
        alpha = logo.getchannel("A").point(lambda a: round(a * spec.opacity))
        logo.putalpha(alpha)
    return logo


def draw_lower_third(brand: Brand, name: str, role: str | None, max_width: int) -> Image.Image:
    """A name/role plate: ``bar`` (accent stripe at the left), ``card`` (rounded) or
    ``underline`` (accent rule under the name)."""
    spec = brand.lower_third
    pad = round(spec.size * 0.45)
    stripe = round(spec.size * 0.2) if spec.layout == "bar" else 0
    inner = max_width - 2 * pad - stripe
    name_font, name_lines = fit_text(name, brand.fonts.title or "", spec.size, inner, 1)
    role_font, role_lines = fit_text(role or "", brand.body_font, round(spec.size * 0.65), inner, 1)
    name_w = max(text_width(name_font, ln) for ln in name_lines)
    role_w = max((text_width(role_font, ln) for ln in role_lines if ln), default=0)
    rule = round(spec.size * 0.1) if spec.layout == "underline" else 0
    gap = round(spec.size * 0.18)
    name_h, role_h = line_height(name_font), (line_height(role_font) if role else 0)
    w = min(max_width, stripe + 2 * pad + max(name_w, role_w))
    h = pad + name_h + (gap + rule if rule else 0) + (gap + role_h if role else 0) + pad
    image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    plate = col.rgba(spec.background, spec.background_opacity)
    radius = round(spec.size * 0.3) if spec.layout in ("card", "underline") else 0
    draw.rounded_rectangle((0, 0, w - 1, h - 1), radius=radius, fill=plate)
    if stripe:
        draw.rectangle((0, 0, stripe - 1, h - 1), fill=col.rgba(brand.colours.accent))
    x = stripe + pad
    draw.text((x, pad), name_lines[0], font=name_font, fill=col.rgba(spec.name_colour), anchor="la")
    y = pad + name_h
    if rule:
        y += gap
        draw.rectangle((x, y, x + name_w, y + rule - 1), fill=col.rgba(brand.colours.accent))
        y += rule
    if role:
        y += gap
        draw.text((x, y), role_lines[0], font=role_font, fill=col.rgba(spec.role_colour), anchor="la")
    return image


def draw_text_box(text: str, font_path: str, size: int, max_width: int, max_lines: int,
                  background: str, opacity: float, text_colour: str, radius_ratio: float = 0.3,
                  uppercase: bool = False, full_width: bool = False) -> Image.Image:
    """Centred, wrapped text on a rounded box (hook band, callouts)."""
    text = text.upper() if uppercase else text
    pad = round(size * 0.45)
    font, lines = fit_text(text, font_path, size, max_width - 2 * pad, max_lines)
    block_w = max(text_width(font, ln) for ln in lines)
    w = max_width if full_width else min(max_width, block_w + 2 * pad)
    h = _block_height(lines, font) + 2 * pad
    image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, w - 1, h - 1), radius=round(size * radius_ratio),
                           fill=col.rgba(background, opacity))
    _draw_lines(draw, lines, font, w / 2, pad, col.rgba(text_colour))
    return image


def draw_full_card(size: tuple[int, int], safe_box: BoxT, background: str, texts: Sequence[tuple[str, str, int, str]],
                   margin: int = 24) -> Image.Image:
    """A full-frame opaque card: ``texts`` = (text, font file, px size, colour) blocks stacked
    and centred in the safe box, so no platform UI covers them."""
    image = Image.new("RGBA", size, col.rgba(background))
    draw = ImageDraw.Draw(image)
    x0, y0, x1, y1 = safe_box
    max_w = (x1 - x0) - 2 * margin
    blocks = []
    for text, font_path, px, colour in texts:
        if not text:
            continue
        font, lines = fit_text(text, font_path, px, max_w, 5)
        blocks.append((font, lines, colour))
    gap = round(min((b[0].size for b in blocks), default=40) * 0.6)
    total = sum(_block_height(lines, font) for font, lines, _ in blocks) + gap * max(0, len(blocks) - 1)
    y = (y0 + y1) / 2 - total / 2
    for font, lines, colour in blocks:
        y = _draw_lines(draw, lines, font, (x0 + x1) / 2, y, col.rgba(colour)) + gap
    return image


def draw_watermark(brand: Brand) -> Image.Image:
    """The watermark text in its colour at its opacity, on a transparent image."""
    spec = brand.watermark
    font = load_font(brand.body_font, spec.size)
    left, top, right, bottom = font.getbbox(spec.text)
    image = Image.new("RGBA", (max(1, right - left + 4), max(1, bottom - top + 4)), (0, 0, 0, 0))
    ImageDraw.Draw(image).text((2 - left, 2 - top), spec.text, font=font, fill=col.rgba(spec.colour, spec.opacity))
    return image
