"""Exact time: rational frame rates and seconds <-> whole frames at such a rate.

A plan keeps its frame rate as a fraction (``30000/1001`` stays exact) and every cut as whole
frames at that rate; the seconds fields beside them are derived from the frames, so readers of
plan.json need no frame arithmetic and the renderer needs no float arithmetic. The plan-level
rules (a cut's frames, a hand-edited plan made exact) are in :mod:`reelkit.plan.model`
(:func:`~reelkit.plan.model.cut_frames`, :func:`~reelkit.plan.model.with_exact_frames`), which
this arithmetic sits under.
"""

from __future__ import annotations

import math
from fractions import Fraction

# Video rates in use have denominators 1 or 1001; 1001 also keeps a user's "29.97" as 2997/100.
_MAX_DENOMINATOR = 1001


def exact_rate(value: float | int | str | Fraction) -> Fraction:
    """A frame rate as a fraction: ``29.97002997`` -> 30000/1001, ``"30000/1001"``, ``25`` -> 25.

    Raises ValueError for anything that is not a positive, finite rate.
    """
    if isinstance(value, Fraction):
        rate = value
    elif isinstance(value, str):
        try:
            rate = Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"expected a frame rate such as 30 or 30000/1001, got {value!r}") from None
    elif isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"expected a frame rate, got {value!r}")
    else:
        rate = Fraction(value).limit_denominator(_MAX_DENOMINATOR)
    if rate <= 0:
        raise ValueError(f"frame rate must be positive, got {value!r}")
    return rate


def rate_text(rate: Fraction) -> str:
    """``30000/1001`` or ``30``: what ffmpeg's rate options and plan.json take."""
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


def to_frames(seconds: float, rate: Fraction) -> int:
    """The frame nearest to ``seconds`` (a position, not a length)."""
    return int(round(Fraction(seconds).limit_denominator(10**9) * rate))


def start_frame(seconds: float, rate: Fraction) -> int:
    """The frame on screen at ``seconds`` (floor, with a hair of tolerance for float input)."""
    return max(0, int(seconds * float(rate) + 1e-6))


def length_frames(seconds: float, rate: Fraction) -> int:
    """Whole frames that fit in ``seconds`` (at least one).

    Floor with a hair of tolerance: a cut never runs past the end the outline asked for.
    """
    return max(1, int(seconds * float(rate) + 1e-6))


def frame_seconds(frames: int, rate: Fraction) -> float:
    """Seconds of frame ``frames`` (rounded to the microsecond, as plan.json shows them)."""
    return round(float(frames / rate), 6)
