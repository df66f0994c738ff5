"""Colour values of brand presets: parsing hex strings, compositing, WCAG contrast."""

from __future__ import annotations

import re

RGB = tuple[int, int, int]
RGBA = tuple[int, int, int, int]

HEX_PATTERN = r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$"
"""A colour as written in presets (also the brand schema's pattern)."""
_HEX = re.compile(HEX_PATTERN)

#: WCAG 2.x 1.4.3 (AA) minimum for normal text; docs/platform-specs.md reads it onto captions.
MIN_CONTRAST = 4.5


def is_colour(value: object) -> bool:
    """True for a ``#RGB``, ``#RRGGBB`` or ``#RRGGBBAA`` string."""
    return isinstance(value, str) and bool(_HEX.match(value))


def parse_colour(value: str) -> RGBA:
    """``#RGB`` / ``#RRGGBB`` / ``#RRGGBBAA`` -> (r, g, b, a); raises ValueError otherwise."""
    if not is_colour(value):
        raise ValueError(f"'{value}' is not a colour")
    digits = value[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    if len(digits) == 6:
        digits += "FF"
    r, g, b, a = (int(digits[i:i + 2], 16) for i in range(0, 8, 2))
    return (r, g, b, a)


def to_hex(rgb: tuple[int, ...]) -> str:
    """(r, g, b[, a]) -> ``#RRGGBB`` (alpha dropped: plan colours are opaque hex)."""
    return "#" + "".join(f"{int(c):02X}" for c in rgb[:3])


def normalise(value: str) -> str:
    """A colour string in canonical ``#RRGGBB`` (or ``#RRGGBBAA`` when not opaque) form."""
    r, g, b, a = parse_colour(value)
    return to_hex((r, g, b)) + ("" if a == 255 else f"{a:02X}")


def rgba(value: str, opacity: float = 1.0) -> RGBA:
    """Pillow fill tuple for ``value`` with its own alpha multiplied by ``opacity``."""
    r, g, b, a = parse_colour(value)
    return (r, g, b, round(a * max(0.0, min(1.0, opacity))))


def over(top: RGB, alpha: float, below: RGB) -> RGB:
    """``top`` at ``alpha`` composited over an opaque ``below`` (straight alpha, sRGB space,
    which is how ffmpeg's overlay and libass blend)."""
    return tuple(round(t * alpha + b * (1.0 - alpha)) for t, b in zip(top, below))  # type: ignore[return-value]


def relative_luminance(rgb: tuple[int, ...]) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""
    def channel(c: int) -> float:
        s = c / 255.0
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """WCAG contrast ratio of two opaque colours, from 1.0 to 21.0."""
    la, lb = relative_luminance(a), relative_luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def worst_contrast_on_footage(text: str, backing: str, opacity: float) -> float:
    """Contrast of ``text`` against a ``backing`` colour drawn at ``opacity`` over unknown footage.

    The footage could be anything, so the backing is composited over both black and white
    and the lower ratio counts (the text itself is drawn opaque).
    """
    t = parse_colour(text)[:3]
    bk = parse_colour(backing)
    alpha = (bk[3] / 255.0) * opacity
    return min(contrast_ratio(t, over(bk[:3], alpha, base)) for base in ((0, 0, 0), (255, 255, 255)))
