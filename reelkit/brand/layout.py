"""Overlay layout: caption block, lower thirds, hook, callouts, logo and the tracked face never
overlap on screen.

Every element gets a box (output px) and a time span. The caption block, the logo, the
watermark, the progress bar and the faces stay where they are (the crop path keeps the face
clear of the caption block); the hook band, lower thirds
and callouts are movable: each is placed at its preset position when that is free, otherwise
at the nearest free height inside the safe box (just above or below what is in its way).
A movable element avoids the face too when there is a free height for that; otherwise it
may cross the face (a small safe box leaves no other choice), never anything else. When no
height is free the element stays at its preset position and a problem line says so
(at plan time and in ``reelkit brand validate``). The boxes go into the plan
(:attr:`reelkit.plan.model.Plan.layout`) so overlap can be tested without decoding video.

Full-frame cards (a brand-colour hook, the end card) replace the picture while they show:
they are laid out inside themselves and take no part here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from PIL import Image

from reelkit.brand.overlays import covers_frame
from reelkit.plan.model import CaptionPage, CaptionStyle, LayoutBox, Overlay

MOVABLE = ("hook", "lower_third", "callout")
GAP = 16
"""px kept between a moved element and what it was moved away from."""
_ORDER = {"hook": 0, "lower_third": 1, "callout": 2}


@dataclass(frozen=True)
class Layout:
    overlays: tuple[Overlay, ...]
    boxes: tuple[LayoutBox, ...]
    problems: tuple[str, ...]
    problem_kinds: tuple[str, ...] = ()  # the element each problem is about (for preset keys)


def overlaps(a: LayoutBox, b: LayoutBox) -> bool:
    """True when the two boxes share pixels at some moment."""
    return (a.start < b.end and b.start < a.end and a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1)


def _size(ov: Overlay) -> tuple[int, int]:
    with Image.open(ov.image) as im:
        return im.size


def overlay_box(ov: Overlay, size: tuple[int, int], width: int) -> LayoutBox:
    """Where an overlay can be while it shows (a sliding one covers its way in from the left;
    the progress bar its whole strip)."""
    w, h = size
    x0, x1 = ov.x, ov.x + w
    if ov.motion == "progress":
        x0, x1 = 0, width
    elif ov.motion == "slide" and ov.fade_in > 0:
        x0 = 0
    return LayoutBox(ov.kind, max(0, x0), ov.y, min(width, x1), ov.y + h, ov.start, ov.end)


def caption_rect(style: CaptionStyle, half_height: float, width: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the caption block: ``half_height`` either side of its centre, between
    the side margins. The one place the block's rectangle is computed (layout, checks, tracking)."""
    return (style.margin_x, round(style.position_y - half_height), width - style.margin_x,
            round(style.position_y + half_height))


def caption_boxes(pages: Sequence[CaptionPage], style: CaptionStyle, half_height: float, width: int) -> list[LayoutBox]:
    """The caption block of each page: the full block, so a longer page can never grow into a
    neighbour."""
    x0, y0, x1, y1 = caption_rect(style, half_height, width)
    return [LayoutBox("caption", x0, y0, x1, y1, float(p.start), float(p.end)) for p in pages]


def _place(box: LayoutBox, obstacles: Sequence[LayoutBox], safe: tuple[int, int, int, int]) -> LayoutBox | None:
    """``box`` moved vertically to the free height nearest its own inside ``safe``, or None.

    A height :data:`GAP` px clear of its neighbours is preferred; where the room is tight the
    box may sit edge to edge with them (touching, not overlapping)."""
    h = box.y1 - box.y0
    blocking = [o for o in obstacles if o.start < box.end and box.start < o.end and o.x0 < box.x1 and box.x0 < o.x1]
    for gap in (GAP, 0):
        candidates = {box.y0, safe[1] + gap, safe[3] - gap - h}
        for o in blocking:
            candidates |= {o.y1 + gap, o.y0 - gap - h}
        for y in sorted(candidates, key=lambda y: (abs(y - box.y0), y)):
            if y < safe[1] or y + h > safe[3]:
                continue
            moved = replace(box, y0=y, y1=y + h)
            padded = replace(moved, y0=y - gap, y1=y + h + gap)
            if not any(overlaps(padded, o) for o in blocking):
                return moved
    return None


def lay_out(overlays: Sequence[Overlay], pages: Sequence[CaptionPage], style: CaptionStyle, caption_half: float,
            faces: Sequence[LayoutBox], safe_box: tuple[int, int, int, int], width: int, height: int) -> Layout:
    """Overlays moved where they would collide, every element's box, and what could not fit."""
    sizes = [_size(ov) for ov in overlays]
    fixed: list[LayoutBox] = caption_boxes(pages, style, caption_half, width) + list(faces)
    movable: list[int] = []
    for i, (ov, size) in enumerate(zip(overlays, sizes)):
        if covers_frame(ov, size, width, height) or ov.kind == "end_card":
            continue
        if ov.kind in MOVABLE:
            movable.append(i)
        else:
            fixed.append(overlay_box(ov, size, width))
    placed: list[LayoutBox] = []
    out = list(overlays)
    # Fixed elements that collide cannot be moved apart here: say which ones.
    clashes = _first_per_kinds(overlapping_pairs(fixed, faces=False))
    problems = [f"{a.kind.replace('_', ' ')} and {b.kind.replace('_', ' ')} overlap "
                f"({max(a.start, b.start):g}-{min(a.end, b.end):g} s); move one of them in the preset"
                for a, b in clashes]
    kinds = [b.kind if a.kind in ("caption", "face") else a.kind for a, b in clashes]
    for i in sorted(movable, key=lambda i: (_ORDER[overlays[i].kind], overlays[i].start, i)):
        ov = overlays[i]
        box = overlay_box(ov, sizes[i], width)
        where = _place(box, fixed + placed, safe_box)
        if where is None and faces:
            # The face is a soft obstacle: in a small safe box a hook band or a callout may
            # have to cross it (as on every platform's own captions), never the others.
            where = _place(box, [b for b in fixed if b.kind != "face"] + placed, safe_box)
        if where is None:
            problems.append(f"{ov.kind.replace('_', ' ')} ({ov.start:g}-{ov.end:g} s) has no room in the safe box "
                            f"beside the captions, other overlays and the face; shorten its text, make it "
                            f"smaller, or move the captions (captions.position)")
            kinds.append(ov.kind)
            where = box
        elif where.y0 != box.y0:
            out[i] = replace(ov, y=ov.y + (where.y0 - box.y0))
        placed.append(where)
    return Layout(overlays=tuple(out), boxes=tuple(fixed + placed), problems=tuple(problems),
                  problem_kinds=tuple(kinds))


def overlapping_pairs(boxes: Sequence[LayoutBox], *, faces: bool = True) -> list[tuple[LayoutBox, LayoutBox]]:
    """Every pair of boxes that overlap (what a test or a check reports). Face windows may
    overlap each other; with ``faces=False`` a face may overlap anything but captions."""
    pairs = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a.kind == b.kind == "face" or (a.kind == b.kind == "caption"):
                continue
            if not faces and "face" in (a.kind, b.kind) and "caption" not in (a.kind, b.kind):
                continue
            if overlaps(a, b):
                pairs.append((a, b))
    return pairs


def _first_per_kinds(pairs: list[tuple[LayoutBox, LayoutBox]]) -> list[tuple[LayoutBox, LayoutBox]]:
    """One pair per combination of kinds (a face crossing the logo for a minute is one problem)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for a, b in pairs:
        kinds = tuple(sorted((a.kind, b.kind)))
        if kinds not in seen:
            seen.add(kinds)  # type: ignore[arg-type]
            out.append((a, b))
    return out
