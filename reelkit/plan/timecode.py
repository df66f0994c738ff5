"""Parsing and formatting of time values used in outlines and caption files."""

from __future__ import annotations

import re

_TC = re.compile(r"^(?:(?P<h>\d+):)?(?P<m>\d+):(?P<s>\d+(?:\.\d+)?)$")


def parse_time(value: object) -> float:
    """Parse seconds (int/float/"12.5") or a clock value ("m:ss.s", "h:mm:ss.s") into seconds.

    Raises ValueError with a readable message on anything else.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected seconds or m:ss.s, got {value!r}")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"time must not be negative, got {value}")
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            seconds = float(text)
        except ValueError:
            match = _TC.match(text)
            if not match:
                raise ValueError(f"expected seconds or m:ss.s, got {value!r}") from None
            hours = int(match["h"] or 0)
            minutes = int(match["m"])
            secs = float(match["s"])
            if secs >= 60 or (match["h"] is not None and minutes >= 60):
                raise ValueError(f"invalid clock value {value!r}")
            return hours * 3600 + minutes * 60 + secs
        if seconds < 0:
            raise ValueError(f"time must not be negative, got {value!r}")
        return seconds
    raise ValueError(f"expected seconds or m:ss.s, got {value!r}")
