"""Exact time: rational frame rates and whole-frame cut positions.

A plan keeps its frame rate as a fraction (``30000/1001`` stays exact) and every cut as whole
frames at that rate; the seconds fields beside them are derived from the frames, so readers of
plan.json need no frame arithmetic and the renderer needs no float arithmetic.

Rule for a hand-edited plan (applied by :func:`normalise`): a cut's length is
``src_end_frame - src_start_frame``; cuts are laid back to back on the output timeline, so
``out_start_frame``/``out_end_frame`` and the plan's duration follow from the source frames.
A plan without frame fields (written before they existed) gets them from its seconds.
"""

from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from reelkit.plan.model import Cut, Plan

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


def cut_frames(cut: Cut, rate: Fraction) -> tuple[int, int, int, int]:
    """(src_start, src_end, out_start, out_end) of ``cut`` in frames, from its frame fields
    when set, else from its seconds."""
    if cut.src_start_frame is not None and cut.src_end_frame is not None:
        ss, se = cut.src_start_frame, cut.src_end_frame
    else:
        ss = to_frames(cut.src_start, rate)
        se = ss + max(1, to_frames(cut.src_end - cut.src_start, rate))
    if cut.out_start_frame is not None:
        os_ = cut.out_start_frame
    else:
        os_ = to_frames(cut.out_start, rate)
    return ss, se, os_, os_ + (se - ss)


def total_frames(plan: Plan) -> int:
    """The number of frames the plan's picture has."""
    return sum(se - ss for ss, se, _, _ in (cut_frames(c, plan.rate) for c in plan.cuts))


def normalise(plan: Plan) -> Plan:
    """The plan with exact frame fields everywhere and every seconds field derived from them.

    Cuts are laid back to back from their source frames (see the module docstring), the
    duration is the total frame count over the rate, and ``frame_rate`` is written out.
    """
    rate = plan.rate
    cuts: list[Cut] = []
    cursor = 0
    for cut in plan.cuts:
        ss, se, _, _ = cut_frames(cut, rate)
        if se <= ss:
            raise ValueError(f"cut of {cut.source} ends at frame {se}, not after its start {ss}")
        n = se - ss
        cuts.append(replace(cut, src_start_frame=ss, src_end_frame=se, out_start_frame=cursor,
                            out_end_frame=cursor + n, src_start=frame_seconds(ss, rate),
                            src_end=frame_seconds(se, rate), out_start=frame_seconds(cursor, rate),
                            out_end=frame_seconds(cursor + n, rate)))
        cursor += n
    duration = frame_seconds(cursor, rate) if cuts else plan.duration
    return replace(plan, cuts=tuple(cuts), duration=duration, fps=float(rate), frame_rate=rate_text(rate))
