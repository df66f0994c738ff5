"""The brand as plan values: caption rules and style, the music bed, named positions."""

from __future__ import annotations

from PIL import ImageFont

from reelkit.brand.reading import reading_limits
from reelkit.brand.schema import POSITIONS, Brand
from reelkit.io.fonts import load_font
from reelkit.plan.model import CaptionRules, CaptionStyle, MusicBed

def caption_rules(brand: Brand, language: str = "en") -> CaptionRules:
    """The preset's caption grouping rules for captions in ``language`` as a plan.CaptionRules
    (line length and reading speed: :func:`reelkit.brand.reading.reading_limits`)."""
    r = brand.captions.rules
    limits = reading_limits(brand, language)
    return CaptionRules(max_chars_per_line=limits.max_chars_per_line, max_lines=r.max_lines, max_cps=limits.max_cps,
                        min_duration=r.min_duration, max_duration=r.max_duration, pause_break=r.pause_break,
                        min_gap_frames=r.min_gap_frames, language=language)


def named_centre(position: str | int, box: tuple[int, int, int, int], half_height: float, margin: int = 0) -> int:
    """Vertical centre in px of an element ``2 * half_height`` tall at ``position``.

    A named position sits inside ``box`` (x0, y0, x1, y1) and is clamped so the whole element
    stays inside it; a px number is taken as given (validate reports it when it is outside).
    """
    if isinstance(position, int):
        return position
    x0, y0, x1, y1 = box
    centre = y0 + POSITIONS[position] * (y1 - y0)
    low, high = y0 + margin + half_height, y1 - margin - half_height
    if low <= high:
        centre = min(max(centre, low), high)
    else:
        centre = (y0 + y1) / 2
    return round(centre)


def font_names(font_file: str) -> tuple[str, str]:
    """(family, style) inside a font file, as libass matches it."""
    family, style = load_font(font_file, 20).getname()
    return family or "", style or ""


def caption_block_half_height(brand: Brand) -> float:
    """Half the height of a full caption page (max_lines lines), outline and box padding
    included (the captions module pads a page box by 0.25 of the size, a word pill by 0.12)."""
    c = brand.captions
    pad = c.size * 0.25 if c.box_opacity > 0 and c.style == "classic" else c.size * 0.12
    return (c.rules.max_lines * c.size * 1.2) / 2 + c.outline + max(c.shadow, 0) + pad


def caption_style(brand: Brand, safe_box: tuple[int, int, int, int], width: int = 1080,
                  height: int = 1920) -> CaptionStyle:
    """The plan's CaptionStyle filled from the preset.

    ``safe_box`` (x0, y0, x1, y1) is the intersection of the selected platforms' safe zones;
    a named position puts the caption block inside it, and the side margins keep the text
    between its left and right edges (symmetric, because captions are centred).
    """
    c = brand.captions
    x0, _, x1, _ = safe_box
    family, style_name = font_names(brand.fonts.caption or "")
    centre = named_centre(c.position, safe_box, caption_block_half_height(brand))
    return CaptionStyle(
        style=c.style, font_file=brand.fonts.caption or "", font_family=family, font_size=c.size,
        bold="bold" in style_name.lower() or "black" in style_name.lower(),
        text_colour=c.text_colour, accent_colour=c.accent_colour, box_colour=c.box_colour,
        box_opacity=c.box_opacity, outline_colour=c.outline_colour,
        outline=c.outline, shadow=c.shadow, uppercase=c.uppercase, position_y=centre,
        margin_x=max(x0, width - x1) + c.margin,
    )


def music_bed(brand: Brand) -> MusicBed | None:
    """The preset's background music, or None when it has none."""
    m = brand.music
    if not m.enabled or not m.file:
        return None
    return MusicBed(path=m.file, level_db=m.level_db, duck_db=m.duck_db, fade_in=m.fade_in, fade_out=m.fade_out)
