"""The sign-language variant (WCAG 1.2.6): the plan of ``<platform>.sl.mp4``.

The interpreter sits in a bottom corner of the safe box, a third of the frame width wide with
its own frame shape kept. The variant is the episode's plan with three things changed: the
caption block moves up until it clears the interpreter (staying inside the safe box), the
overlays are laid out again with the interpreter as a fixed obstacle (the existing layout:
they move, never the interpreter), and the outputs are named ``<platform>.sl``. A clip that
does not last the edit, or an interpreter that leaves no room for the captions or collides
with a fixed overlay (the logo), is one error naming ``sign_language``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from reelkit.brand.layout import GAP, MOVABLE, lay_out, overlaps
from reelkit.errors import OutlineError
from reelkit.plan.model import LayoutBox, Overlay, Plan, SignLanguage
from reelkit.plan.outline import Outline, SignLanguageClip

WIDTH_SHARE = 1 / 3
"""The interpreter's width as a share of the frame width."""


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def interpreter_box(sl: SignLanguageClip, safe_box: tuple[int, int, int, int], width: int,
                    duration: float) -> LayoutBox:
    """The interpreter's box: bottom corner of the safe box, a third of the width, own shape."""
    assert sl.media is not None
    src_w, src_h = sl.media.width, sl.media.height
    if sl.media.rotation in (90, 270):
        src_w, src_h = src_h, src_w
    w = _even(width * WIDTH_SHARE)
    h = _even(w * src_h / src_w)
    x0 = safe_box[2] - w if sl.corner == "right" else safe_box[0]
    y0 = safe_box[3] - h
    return LayoutBox("interpreter", x0, y0, x0 + w, y0 + h, 0.0, duration)


def _error(outline: Outline, message: str, hint: str, key: str = "sign_language") -> OutlineError:
    sl = outline.sign_language
    return OutlineError(message, path=str(outline.path), line=sl.line if sl else None, key=key, hint=hint)


def check_length(outline: Outline, duration: float, fps: float) -> None:
    """Refuse an interpreter clip that does not last the edit from its offset (checked before
    any analysis, so a wrong clip costs nothing)."""
    sl = outline.sign_language
    if sl is None or sl.media is None:
        return
    left = sl.media.duration - sl.offset
    if left < duration - 1.0 / fps:
        raise _error(outline, f"the interpreter clip lasts {max(0.0, left):.2f} s from offset {sl.offset:g} s, "
                     f"shorter than the edit ({duration:.2f} s)",
                     "record the interpreter against the whole finished edit, or lower the offset",
                     key="sign_language.clip")


def _lay_out(outline: Outline, plan: Plan, box: LayoutBox, burned, overlays: Sequence[Overlay],  # type: ignore[no-untyped-def]
             faces: Sequence[LayoutBox], caption_half: float, safe: tuple[int, int, int, int]):
    """The caption style moved up clear of ``box`` and the overlays laid out around both."""
    style = plan.caption_style
    if burned:
        # Captions move up until their block clears the interpreter by GAP px.
        style = replace(style, position_y=int(min(style.position_y, box.y0 - GAP - caption_half)))
        if style.position_y - caption_half < safe[1] or box.y0 < safe[1]:
            raise _error(outline, f"the interpreter ({box.x1 - box.x0}x{box.y1 - box.y0} px) leaves no room for "
                         f"the captions above it inside the safe zone",
                         "use a wider (landscape) interpreter clip, or fewer caption lines (captions.max_lines)")
    return style, lay_out(overlays, burned, style, caption_half, list(faces) + [box], safe, plan.width, plan.height)


def sign_variant(plan: Plan, outline: Outline, overlays: Sequence[Overlay], faces: Sequence[LayoutBox],
                 caption_half: float, folder: Path) -> Plan:
    """The ``.sl`` variant of ``plan`` (``overlays``: as drawn, before layout)."""
    sl = outline.sign_language
    assert sl is not None and sl.media is not None
    check_length(outline, plan.duration, plan.fps)
    safe = plan.safe_box or (0, 0, plan.width, plan.height)
    box = interpreter_box(sl, safe, plan.width, plan.duration)
    burned = plan.burned_pages() if plan.burn_captions else ()
    for _ in range(4):  # a fixed overlay in the corner (progress bar, logo): the interpreter sits above it
        style, laid = _lay_out(outline, plan, box, burned, overlays, faces, caption_half, safe)
        under = [b for b in laid.boxes if b.kind not in MOVABLE and b.kind not in ("interpreter", "face", "caption")
                 and overlaps(b, box)]
        if not under:
            break
        top = min(b.y0 for b in under) - GAP
        box = replace(box, y0=top - (box.y1 - box.y0), y1=top)
    for problem, kind in zip(laid.problems, laid.problem_kinds):
        if "interpreter" in problem or kind == "interpreter":
            raise _error(outline, f"the interpreter does not fit: {problem}",
                         "move the logo or watermark to a top corner, or put the interpreter in the other "
                         "corner (sign_language.corner)")
    covered = [b for b in laid.boxes if b.kind not in ("interpreter", "face") and overlaps(b, box)]
    if covered:
        b = covered[0]
        raise _error(outline, f"the interpreter would cover the {b.kind.replace('_', ' ')} ({b.start:g}-{b.end:g} s), "
                     f"which has no other room in the safe box",
                     "shorten that overlay, or put the interpreter in the other corner (sign_language.corner)")
    outputs = tuple(replace(o, platform=f"{o.platform}.sl", path=str(folder / f"{o.platform}.sl.mp4"))
                    for o in plan.outputs)
    return replace(plan, caption_style=style, overlays=laid.overlays, layout=laid.boxes, outputs=outputs,
                   descriptions=(), captions=None,
                   sign_language=SignLanguage(clip=str(sl.clip), offset=sl.offset, x=box.x0, y=box.y0,
                                              w=box.x1 - box.x0, h=box.y1 - box.y0, key=sl.key))


__all__ = ["WIDTH_SHARE", "check_length", "interpreter_box", "sign_variant"]
