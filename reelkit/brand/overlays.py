"""A preset's overlays (logo, lower thirds, hook and end cards, progress bar, callouts,
watermark) for one episode: drawn as PNG files (the pictures by :mod:`reelkit.brand.drawing`)
and placed on the output timeline as plan.Overlay.

Files are content-addressed: the name is a hash of everything that shapes the picture (the
settings, the text, the frame size, and the identity of the font and logo files), so a
re-render with the same inputs reuses them and a changed preset never picks up a stale one.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from reelkit.io.atomic import atomic_path
from reelkit.io.pngcache import readable_png_size
from reelkit.plan.model import Overlay
from reelkit.plan import colours as col
from reelkit.brand.drawing import BoxT, draw_full_card, draw_logo, draw_lower_third, draw_text_box, draw_watermark
from reelkit.brand.look import named_centre
from reelkit.brand.schema import Brand, LogoSpec, WatermarkSpec

#: Bump when the drawing code changes, so old cached PNGs are not reused.
DRAWING_VERSION = 1


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
    kinds = (_progress, _watermark, _logo, _lower_thirds, _callouts, _hook, _end_card)
    return tuple(ov for kind in kinds for ov in kind(brand, ctx, workdir))


def _progress(brand: Brand, ctx: OverlayContext, workdir: Path) -> list[Overlay]:
    p = brand.progress_bar
    if not p.enabled:
        return []
    W = ctx.width
    path, (_, ph) = _cached(workdir, "progress", {"spec": asdict(p), "w": W},
                            lambda: Image.new("RGBA", (W, p.thickness), col.rgba(p.colour, p.opacity)))
    region = _region(p.anchor, ctx)
    y = region[1] if p.edge == "top" else region[3] - ph
    return [Overlay("progress", str(path), 0, y, 0.0, ctx.duration, motion="progress")]


def _in_corner(kind: str, spec: WatermarkSpec | LogoSpec, payload: dict[str, Any], draw: Any, ctx: OverlayContext,
               workdir: Path) -> list[Overlay]:
    """A picture pinned in ``spec.corner`` of its region for the whole episode (watermark, logo)."""
    path, size = _cached(workdir, kind, payload, draw)
    x, y = corner_xy(spec.corner, size, _region(spec.anchor, ctx), spec.margin)
    return [Overlay(kind, str(path), x, y, 0.0, ctx.duration)]


def _watermark(brand: Brand, ctx: OverlayContext, workdir: Path) -> list[Overlay]:
    wm = brand.watermark
    if not wm.text.strip():
        return []
    return _in_corner("watermark", wm, {"spec": asdict(wm), "font": _fonts_id(brand)["body"]},
                      lambda: draw_watermark(brand), ctx, workdir)


def _logo(brand: Brand, ctx: OverlayContext, workdir: Path) -> list[Overlay]:
    lg = brand.logo
    if not lg.file:
        return []
    W = ctx.width
    return _in_corner("logo", lg, {"file": _file_id(lg.file), "scale": lg.scale, "opacity": lg.opacity, "w": W},
                      lambda: draw_logo(brand, W), ctx, workdir)


def _lower_thirds(brand: Brand, ctx: OverlayContext, workdir: Path) -> list[Overlay]:
    lt = brand.lower_third
    if not lt.enabled:
        return []
    out = []
    region = _region(lt.anchor, ctx)
    max_w = (region[2] - region[0]) - 2 * lt.margin
    for cue in ctx.lower_thirds:
        payload = {"spec": asdict(lt), "accent": brand.colours.accent, "fonts": _fonts_id(brand), "name": cue.name,
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
    return out


def _callouts(brand: Brand, ctx: OverlayContext, workdir: Path) -> list[Overlay]:
    cs = brand.callouts
    x0, _, x1, _ = ctx.safe_box
    out = []
    for callout in ctx.callouts if cs.enabled else ():
        max_w = (x1 - x0) - 48
        payload = {"spec": asdict(cs), "font": _fonts_id(brand)["title"], "text": callout.text, "max_w": max_w}
        path, size = _cached(workdir, "callout", payload, lambda c=callout: draw_text_box(
            c.text, brand.fonts.title or "", cs.size, max_w, 3, cs.background, cs.background_opacity, cs.text_colour))
        y = _top_at(cs.position, ctx.safe_box, size[1], 24)
        fade = min(cs.fade, max(0.0, (callout.end - callout.start) / 2))
        out.append(Overlay("callout", str(path), x0 + (x1 - x0 - size[0]) // 2, y, callout.start, callout.end,
                           fade_in=fade, fade_out=fade))
    return out


def _hook(brand: Brand, ctx: OverlayContext, workdir: Path) -> list[Overlay]:
    hk = brand.hook
    if not (hk.enabled and ctx.hook and ctx.hook.strip()):
        return []
    W, H = ctx.width, ctx.height
    x0, _, x1, _ = ctx.safe_box
    end = min(hk.duration, ctx.duration)
    text = ctx.hook.upper() if hk.uppercase else ctx.hook
    title_font = _fonts_id(brand)["title"]
    if hk.mode == "brand_colour":
        payload = {"spec": asdict(hk), "font": title_font, "text": text, "w": W, "h": H, "box": ctx.safe_box}
        path, _ = _cached(workdir, "hook", payload, lambda: draw_full_card(
            (W, H), ctx.safe_box, hk.background, [(text, brand.fonts.title or "", hk.size, hk.text_colour)]))
        return [Overlay("hook", str(path), 0, 0, 0.0, end, fade_out=min(0.3, end / 4))]
    band_w = x1 - x0
    payload = {"spec": asdict(hk), "font": title_font, "text": text, "w": band_w}
    path, size = _cached(workdir, "hook", payload, lambda: draw_text_box(
        text, brand.fonts.title or "", hk.size, band_w, 4, hk.background, hk.background_opacity,
        hk.text_colour, radius_ratio=0.25, full_width=True))
    y = _top_at(hk.position, ctx.safe_box, size[1], 0)
    return [Overlay("hook", str(path), x0, y, 0.0, end, fade_out=min(0.3, end / 4))]


def _end_card(brand: Brand, ctx: OverlayContext, workdir: Path) -> list[Overlay]:
    ec = brand.end_card
    # The card needs a call to action to be worth covering the picture, and never takes more
    # than a quarter of the video (a short clip rendered alone keeps its content visible).
    if not (ec.enabled and ctx.cta and ctx.cta.strip()):
        return []
    W, H, T = ctx.width, ctx.height, ctx.duration
    start = max(0.0, T - min(ec.duration, T / 4))
    texts = [(ctx.cta or "", brand.fonts.title or "", ec.size, ec.text_colour),
             (brand.handle.strip(), brand.body_font, round(ec.size * 0.6), ec.handle_colour)]
    payload = {"spec": asdict(ec), "fonts": _fonts_id(brand), "texts": texts, "w": W, "h": H, "box": ctx.safe_box}
    path, _ = _cached(workdir, "end_card", payload, lambda: draw_full_card((W, H), ctx.safe_box, ec.background, texts))
    return [Overlay("end_card", str(path), 0, 0, start, T, fade_in=min(ec.fade, T - start))]


def covers_frame(overlay: Overlay, size: tuple[int, int], width: int, height: int) -> bool:
    """True for an overlay whose image (``size`` px) covers the whole frame: the hook in
    brand_colour mode, the end card."""
    return overlay.kind in ("hook", "end_card") and (overlay.x, overlay.y) == (0, 0) and size == (width, height)


def is_full_frame(overlay: Overlay, width: int, height: int) -> bool:
    """:func:`covers_frame`, reading the image's size from its file."""
    if overlay.kind not in ("hook", "end_card"):
        return False
    with Image.open(overlay.image) as im:
        return covers_frame(overlay, im.size, width, height)
