"""Checking a preset the way an editor needs: every problem at once, one line each, naming the
file, line and key, so ``reelkit brand validate`` can be run after each edit.

Checks: the schema (unknown keys, wrong types, malformed colours), asset files, fonts that do
not load or lack characters of ``sample_text``, WCAG contrast (4.5:1) of captions against their
box or outline and of titles against their plates and cards, and overlays or captions that
fall outside a platform's UI safe zone.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from reelkit.errors import BrandError
from reelkit.io.fonts import load_font
from reelkit.plan.platforms import DEFAULT_PLATFORMS, Platform, common_safe_box, load_platforms, size_groups
from reelkit.plan import colours as col
from reelkit.brand.layout import caption_rect, lay_out
from reelkit.plan.model import CaptionPage, Word
from reelkit.brand.overlays import Callout, LowerThirdCue, OverlayContext, build_overlays, is_full_frame
from reelkit.brand.look import caption_block_half_height, caption_style
from reelkit.brand.preset import asset_problems, build_brand, find_brand, read_preset, unusable_assets
from reelkit.brand.schema import Brand

# Text the overlays are checked with: long enough to wrap like real content.
_CHECK_CTX = dict(title="Check", hook="A hook long enough to wrap onto a second line of the band",
                  cta="Follow for more", lower_thirds=(LowerThirdCue("Firstname Lastname", "Role at the organisation",
                                                                     1.0, 4.0),),
                  callouts=(Callout("A short callout", 2.0, 4.0),))

# overlay kind -> the preset key an editor would change to move it
_KIND_KEY = {"logo": "logo.corner", "watermark": "watermark.corner", "lower_third": "lower_third.position",
             "callout": "callouts.position", "hook": "hook.position", "progress": "progress_bar.anchor"}


def _line(brand: Brand, key: str, problem: str, hint: str | None = None) -> str:
    file, line = brand.where(key)
    return str(BrandError(problem, path=file, line=line, key=key, hint=hint))


# --- fonts --------------------------------------------------------------------------------

def _missing_glyphs(font_path: str, text: str) -> list[str] | str:
    """Characters of ``text`` the font has no glyph for, or an error text if it does not load.

    Pillow does no font fallback: a missing character is drawn as the font's .notdef glyph,
    so a character whose mask equals that of a private-use code point is missing.
    """
    try:
        font = load_font(font_path, 48)
    except (OSError, ValueError) as exc:
        return f"font does not load: {font_path} (FreeType: {exc})"
    notdef = font.getmask("\U0010FFFD")
    reference = (notdef.size, bytes(notdef))
    missing = []
    for ch in sorted(set(text)):
        if ch.isspace() or not ch.isprintable():
            continue
        mask = font.getmask(ch)
        if (mask.size, bytes(mask)) == reference:
            missing.append(ch)
    return missing


def font_problems(brand: Brand) -> list[str]:
    """Fonts that do not load or cannot draw the characters of ``sample_text``."""
    problems = []
    texts = {"fonts.caption": brand.sample_text + (brand.sample_text.upper() if brand.captions.uppercase else ""),
             "fonts.title": brand.sample_text + brand.sample_text.upper(), "fonts.body": brand.sample_text}
    seen: set[tuple[str, str]] = set()
    for key, text in texts.items():
        path = getattr(brand.fonts, key.split(".")[1]) or (brand.body_font if key == "fonts.body" else None)
        if not path or not Path(path).is_file() or (path, key) in seen:
            continue
        seen.add((path, key))
        result = _missing_glyphs(path, text)
        if isinstance(result, str):
            problems.append(_line(brand, key, result))
        elif result:
            shown = "".join(result[:12]) + ("..." if len(result) > 12 else "")
            problems.append(_line(brand, key, f"font {Path(path).name} has no glyph for '{shown}'",
                                  "choose a font that covers the sample_text, or change sample_text"))
    return problems


# --- contrast -----------------------------------------------------------------------------

def _edited_key(brand: Brand, keys: Sequence[str]) -> str:
    """Of the keys involved in a problem, the one set in the most derived preset file: that is
    the value the editor changed (the first key when none or both were set there)."""
    rank = {f: i for i, f in enumerate(brand.files)}
    best, best_rank = keys[0], len(rank)
    for key in keys:
        file, line = brand.where(key)
        r = rank.get(file, len(rank)) if line is not None else len(rank)
        if r < best_rank:
            best, best_rank = key, r
    return best


def _contrast(brand: Brand, keys: tuple[str, str], what: str, text: str, backing: str, opacity: float,
              backing_name: str) -> str | None:
    ratio = col.worst_contrast_on_footage(text, backing, opacity)
    if ratio + 1e-9 >= col.MIN_CONTRAST:
        return None
    shown = backing if opacity >= 1 else f"{backing} at {round(opacity * 100)} % over footage"
    return _line(brand, _edited_key(brand, keys),
                 f"{what} contrast {ratio:.1f}:1 against {backing_name} ({shown}) is below {col.MIN_CONTRAST}:1",
                 "WCAG 1.4.3: darken the background or lighten the text")


def contrast_problems(brand: Brand) -> list[str]:
    """Text colours below 4.5:1 against what sits behind them."""
    c = brand.captions
    found: list[str | None] = []
    # What the captions module draws: a page box in classic when box_opacity > 0; otherwise
    # the glyph outline is the only thing the text is guaranteed to sit on.
    if c.style == "classic" and c.box_opacity > 0:
        found.append(_contrast(brand, ("captions.text_colour", "captions.box_opacity"), "caption text", c.text_colour,
                               c.box_colour, c.box_opacity, "its box"))
    elif c.outline <= 0:
        found.append(_line(brand, "captions.outline", "captions have neither a box nor an outline, so the text "
                                                      "has no guaranteed contrast against the footage",
                           "set captions.outline (px) or use style classic with box_opacity"))
    else:
        found.append(_contrast(brand, ("captions.text_colour", "captions.outline_colour"), "caption text", c.text_colour,
                               c.outline_colour, 1.0, "its outline"))
        if c.style == "karaoke":
            found.append(_contrast(brand, ("captions.accent_colour", "captions.outline_colour"), "highlighted caption word", c.accent_colour,
                                   c.outline_colour, 1.0, "its outline"))
    lt, hk, ec, co = brand.lower_third, brand.hook, brand.end_card, brand.callouts
    if lt.enabled:
        found.append(_contrast(brand, ("lower_third.name_colour", "lower_third.background"), "lower-third name", lt.name_colour, lt.background,
                               lt.background_opacity, "its plate"))
        found.append(_contrast(brand, ("lower_third.role_colour", "lower_third.background"), "lower-third role", lt.role_colour, lt.background,
                               lt.background_opacity, "its plate"))
    if hk.enabled:
        opacity = 1.0 if hk.mode == "brand_colour" else hk.background_opacity
        found.append(_contrast(brand, ("hook.text_colour", "hook.background"), "hook", hk.text_colour, hk.background, opacity,
                               "its background"))
    if ec.enabled:
        found.append(_contrast(brand, ("end_card.text_colour", "end_card.background"), "end-card text", ec.text_colour, ec.background, 1.0,
                               "the card"))
        if brand.handle:
            found.append(_contrast(brand, ("end_card.handle_colour", "end_card.background"), "end-card handle", ec.handle_colour,
                                   ec.background, 1.0, "the card"))
    if co.enabled:
        found.append(_contrast(brand, ("callouts.text_colour", "callouts.background"), "callout text", co.text_colour, co.background,
                               co.background_opacity, "its box"))
    return [p for p in found if p]


# --- safe zones ---------------------------------------------------------------------------

def _outside(rect: tuple[int, int, int, int], box: tuple[int, int, int, int], vertical_only: bool = False) -> bool:
    x0, y0, x1, y1 = rect
    bx0, by0, bx1, by1 = box
    if y0 < by0 or y1 > by1:
        return True
    return not vertical_only and (x0 < bx0 or x1 > bx1)


def safe_zone_problems(brand: Brand, platforms: Sequence[Platform]) -> list[str]:
    """Overlays and the caption block that leave a platform's safe box.

    Overlays are laid out as a render for all ``platforms`` together would place them (in the
    intersection of their safe boxes) and each is then checked against each platform's box.
    """
    problems: list[str] = []
    for group in size_groups(platforms):
        width, height = group[0].width, group[0].height
        boxes = {p.name: p.safe_zone.box(width, height) for p in group}
        common = common_safe_box(group, width, height)
        with tempfile.TemporaryDirectory(prefix="reelkit-validate-") as tmp:
            ctx = OverlayContext(width=width, height=height, duration=20.0, safe_box=common, **_CHECK_CTX)
            overlays = build_overlays(brand, ctx, Path(tmp))
            # A full two-line caption page for the whole check: what must fit beside it. The
            # callout comes after the hook, as in an episode (all four at once need more room
            # than the four platforms' common safe box has).
            page = CaptionPage(0.0, ctx.duration, ((Word("Check", 0.0, 1.0),), (Word("captions", 1.0, 2.0),)))
            timed = [replace(ov, start=3.0, end=5.0) if ov.kind == "callout" else ov for ov in overlays]
            laid = lay_out(timed, (page,), caption_style(brand, common, width, height),
                           caption_block_half_height(brand), (), common, width, height)
            # Checked for vertical frames only so far: the 1:1 and 4:5 sizes (issue 12) leave
            # too little height for the stress texts here; planning still warns for them.
            for kind, problem in zip(laid.problem_kinds, laid.problems) if height > width * 1.5 else ():
                problems.append(_line(brand, _KIND_KEY.get(kind, kind), f"{problem} ({width}x{height})"))
            rects = []
            for ov in overlays:
                if ov.kind == "end_card" or is_full_frame(ov, width, height):
                    continue  # full-frame cards lay their text out inside the safe box themselves
                with Image.open(ov.image) as im:
                    w, h = im.size
                rects.append((ov.kind, (ov.x, ov.y, ov.x + w, ov.y + h), ov.motion == "progress"))
        style = caption_style(brand, common, width, height)
        half = caption_block_half_height(brand)
        block = caption_rect(style, half, width)
        for p in group:
            box = boxes[p.name]
            where = f"the {p.label} safe zone (x {box[0]}-{box[2]}, y {box[1]}-{box[3]})"
            for kind, rect, vertical_only in rects:
                if _outside(rect, box, vertical_only):
                    span = f"y {rect[1]}-{rect[3]}" if vertical_only else \
                        f"x {rect[0]}-{rect[2]}, y {rect[1]}-{rect[3]}"
                    key = _KIND_KEY.get(kind, kind)
                    problems.append(_line(brand, key, f"{kind.replace('_', ' ')} ({span}) is outside {where}",
                                          "platform buttons and captions cover it; use anchor: safe or move it"))
            if _outside(block, box):
                problems.append(_line(brand, "captions.position",
                                      f"caption block (y {block[1]}-{block[3]}) is outside {where}",
                                      "use a named position (top, upper, middle, lower, bottom)"))
    return problems


# --- the whole check ------------------------------------------------------------------------

def validate_brand(name_or_path: str | Path, platforms: Sequence[Platform] | None = None) -> list[str]:
    """Every problem of a preset, one line each (``file:line: key: problem (hint)``); [] = ok.

    ``platforms`` defaults to the four shipped ones (TikTok, Reels, Shorts, Snapchat).
    """
    try:
        problems: list[BrandError] = []
        raw = read_preset(find_brand(name_or_path), problems)
        lines = [str(p) for p in problems]
        brand = build_brand(raw)
    except BrandError as exc:
        return [str(exc)] if not problems else [str(p) for p in problems] + [str(exc)]
    missing = asset_problems(brand)
    lines += [str(p) for p in missing]
    # Fonts are reported by font_problems (with glyph coverage); the logo's readability here.
    unusable = [p for p in unusable_assets(brand) if p.key == "logo.file"]
    lines += [str(p) for p in unusable]
    missing += unusable
    lines += font_problems(brand)
    lines += contrast_problems(brand)
    if platforms is None:
        known = load_platforms()
        platforms = [known[n] for n in DEFAULT_PLATFORMS if n in known]
    if not missing and not any("font does not load" in ln for ln in lines):
        lines += safe_zone_problems(brand, platforms)
    return lines
