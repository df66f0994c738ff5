"""Drawing a preset's overlays (logo, lower thirds, hook and end cards, progress bar, callouts,
watermark) as PNG files with Pillow, and placing them on the output timeline as plan.Overlay.

Files are content-addressed: the name is a hash of everything that shapes the picture (the
settings, the text, the frame size, and the identity of the font and logo files), so a
re-render with the same inputs reuses them and a changed preset never picks up a stale one.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from reelkit.io.atomic import atomic_path
from reelkit.io.fonts import load_font as _load_font
from reelkit.io.pngcache import readable_png_size
from reelkit.plan.model import Overlay
from reelkit.plan import colours as col
from reelkit.brand.preset import Brand, named_centre

#: Bump when the drawing code changes, so old cached PNGs are not reused.
DRAWING_VERSION = 1
BoxT = tuple[int, int, int, int]


@dataclass(frozen=True)
class LowerThirdCue:
    """A name/role plate shown from ``start`` to ``end`` (output seconds)."""

    name: str
    role: str | None
    start: float
    end: float


@dataclass(frozen=True)
class Callout:
    """A short emphasis text shown from ``start`` to ``end``."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class OverlayContext:
    """What one episode gives the brand overlays: frame, length, texts and cue times."""

    width: int
    height: int
    duration: float
    title: str
    hook: str | None
    cta: str | None
    lower_thirds: tuple[LowerThirdCue, ...]
    callouts: tuple[Callout, ...]
    safe_box: tuple[int, int, int, int]


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


# --- content-addressed files --------------------------------------------------------------

def _file_id(path: str | None) -> list[Any] | None:
    if not path:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return [path]
    return [path, st.st_size, st.st_mtime_ns]


def _cache_key(kind: str, payload: dict[str, Any]) -> str:
    blob = json.dumps({"v": DRAWING_VERSION, "kind": kind, **payload}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:20]


def _cached(workdir: Path, kind: str, payload: dict[str, Any], draw: Any) -> tuple[Path, tuple[int, int]]:
    """Path and size of the PNG for ``payload``, drawing it with ``draw()`` only when missing."""
    path = workdir / f"{kind}-{_cache_key(kind, payload)}.png"
    size = readable_png_size(path)
    if size is not None:
        return path, size
    image: Image.Image = draw()
    workdir.mkdir(parents=True, exist_ok=True)
    # A unique temporary per writer, renamed over the final name: several processes (or
    # machines sharing the cache) drawing the same key at once each publish a whole file.
    with atomic_path(path) as tmp:
        # Level 1: these are short-lived render inputs; compressing harder only costs time.
        image.save(tmp, format="PNG", compress_level=1)
    return path, image.size



# --- placement ----------------------------------------------------------------------------

def _region(anchor: str, ctx: OverlayContext) -> BoxT:
    return ctx.safe_box if anchor == "safe" else (0, 0, ctx.width, ctx.height)


def corner_xy(corner: str, size: tuple[int, int], region: BoxT, margin: int) -> tuple[int, int]:
    """Top-left position of an image of ``size`` in ``corner`` of ``region``, ``margin`` inside."""
    w, h = size
    x0, y0, x1, y1 = region
    x = x0 + margin if corner.endswith("left") else x1 - margin - w
    y = y0 + margin if corner.startswith("top") else y1 - margin - h
    return x, y


def _top_at(position: str | int, region: BoxT, height: int, margin: int) -> int:
    return named_centre(position, region, height / 2, margin) - height // 2


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


# --- the overlays of one episode ----------------------------------------------------------

def _fonts_id(brand: Brand) -> dict[str, Any]:
    return {"title": _file_id(brand.fonts.title), "caption": _file_id(brand.fonts.caption),
            "body": _file_id(brand.body_font)}


def build_overlays(brand: Brand, ctx: OverlayContext, workdir: Path) -> tuple[Overlay, ...]:
    """Draw the preset's overlays for one episode into ``workdir`` and place them in time.

    Order is drawing order (later ones on top): progress bar, watermark, logo, lower thirds,
    callouts, hook card, end card. Everything sits inside ``ctx.safe_box`` unless the preset
    anchors it to the frame. Full-frame cards (hook in ``brand_colour`` mode, end card) are
    opaque and replace the picture while they show.
    """
    out: list[Overlay] = []
    W, H, T = ctx.width, ctx.height, ctx.duration
    fonts = _fonts_id(brand)
    x0, y0, x1, y1 = ctx.safe_box

    if brand.progress_bar.enabled:
        p = brand.progress_bar
        path, (pw, ph) = _cached(workdir, "progress", {"spec": asdict(p), "w": W},
                                 lambda: Image.new("RGBA", (W, p.thickness), col.rgba(p.colour, p.opacity)))
        region = _region(p.anchor, ctx)
        y = region[1] if p.edge == "top" else region[3] - ph
        out.append(Overlay("progress", str(path), 0, y, 0.0, T, motion="progress"))

    if brand.watermark.text.strip():
        wm = brand.watermark
        path, size = _cached(workdir, "watermark", {"spec": asdict(wm), "font": fonts["body"]},
                             lambda: draw_watermark(brand))
        x, y = corner_xy(wm.corner, size, _region(wm.anchor, ctx), wm.margin)
        out.append(Overlay("watermark", str(path), x, y, 0.0, T))

    if brand.logo.file:
        lg = brand.logo
        path, size = _cached(workdir, "logo", {"file": _file_id(lg.file), "scale": lg.scale, "opacity": lg.opacity,
                                               "w": W}, lambda: draw_logo(brand, W))
        x, y = corner_xy(lg.corner, size, _region(lg.anchor, ctx), lg.margin)
        out.append(Overlay("logo", str(path), x, y, 0.0, T))

    if brand.lower_third.enabled:
        lt = brand.lower_third
        region = _region(lt.anchor, ctx)
        max_w = (region[2] - region[0]) - 2 * lt.margin
        for cue in ctx.lower_thirds:
            payload = {"spec": asdict(lt), "accent": brand.colours.accent, "fonts": fonts, "name": cue.name,
                       "role": cue.role, "max_w": max_w}
            path, size = _cached(workdir, "lower_third", payload,
                                 lambda cue=cue: draw_lower_third(brand, cue.name, cue.role, max_w))
            y = _top_at(lt.position, region, size[1], lt.margin)
            fade = min(lt.animation_duration, max(0.0, (cue.end - cue.start) / 2))
            # "slide": the plate moves in from (out to) the left edge while it fades in (out).
            out.append(Overlay("lower_third", str(path), region[0] + lt.margin, y, cue.start, cue.end,
                               fade_in=fade, fade_out=fade,
                               motion="slide" if lt.animation_in == "slide" else "static",
                               motion_out="slide" if lt.animation_out == "slide" else "static"))

    cs = brand.callouts
    for callout in ctx.callouts if cs.enabled else ():
        max_w = (x1 - x0) - 48
        payload = {"spec": asdict(cs), "font": fonts["title"], "text": callout.text, "max_w": max_w}
        path, size = _cached(workdir, "callout", payload, lambda c=callout: draw_text_box(
            c.text, brand.fonts.title or "", cs.size, max_w, 3, cs.background, cs.background_opacity, cs.text_colour))
        y = _top_at(cs.position, ctx.safe_box, size[1], 24)
        fade = min(cs.fade, max(0.0, (callout.end - callout.start) / 2))
        out.append(Overlay("callout", str(path), x0 + (x1 - x0 - size[0]) // 2, y, callout.start, callout.end,
                           fade_in=fade, fade_out=fade))

    hk = brand.hook
    if hk.enabled and ctx.hook and ctx.hook.strip():
        end = min(hk.duration, T)
        text = ctx.hook.upper() if hk.uppercase else ctx.hook
        if hk.mode == "brand_colour":
            payload = {"spec": asdict(hk), "font": fonts["title"], "text": text, "w": W, "h": H, "box": ctx.safe_box}
            path, size = _cached(workdir, "hook", payload, lambda: draw_full_card(
                (W, H), ctx.safe_box, hk.background, [(text, brand.fonts.title or "", hk.size, hk.text_colour)]))
            out.append(Overlay("hook", str(path), 0, 0, 0.0, end, fade_out=min(0.3, end / 4)))
        else:
            band_w = x1 - x0
            payload = {"spec": asdict(hk), "font": fonts["title"], "text": text, "w": band_w}
            path, size = _cached(workdir, "hook", payload, lambda: draw_text_box(
                text, brand.fonts.title or "", hk.size, band_w, 4, hk.background, hk.background_opacity,
                hk.text_colour, radius_ratio=0.25, full_width=True))
            y = _top_at(hk.position, ctx.safe_box, size[1], 0)
            out.append(Overlay("hook", str(path), x0, y, 0.0, end, fade_out=min(0.3, end / 4)))

    ec = brand.end_card
    handle = brand.handle.strip()
    # The card needs a call to action to be worth covering the picture, and never takes more
    # than a quarter of the video (a short clip rendered alone keeps its content visible).
    if ec.enabled and ctx.cta and ctx.cta.strip():
        start = max(0.0, T - min(ec.duration, T / 4))
        texts = [(ctx.cta or "", brand.fonts.title or "", ec.size, ec.text_colour),
                 (handle, brand.body_font, round(ec.size * 0.6), ec.handle_colour)]
        payload = {"spec": asdict(ec), "fonts": fonts, "texts": texts, "w": W, "h": H, "box": ctx.safe_box}
        path, _ = _cached(workdir, "end_card", payload,
                          lambda: draw_full_card((W, H), ctx.safe_box, ec.background, texts))
        out.append(Overlay("end_card", str(path), 0, 0, start, T, fade_in=min(ec.fade, T - start)))

    return tuple(out)


def is_full_frame(overlay: Overlay, width: int, height: int) -> bool:
    """True for an overlay image that covers the whole frame (hook in brand_colour mode, end card)."""
    if overlay.kind not in ("hook", "end_card") or (overlay.x, overlay.y) != (0, 0):
        return False
    with Image.open(overlay.image) as im:
        return im.size == (width, height)
