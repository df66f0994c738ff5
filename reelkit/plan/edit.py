"""Settings of the script-driven cut (the outline's top-level ``edit:`` block)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

TAKE_POLICIES = ("last", "first", "best")
MISSING_LINE_POLICIES = ("error", "warn")


@dataclass(frozen=True)
class EditSettings:
    """How the script decides the edit of ``cut: script`` segments.

    Pauses longer than ``pause_inside`` (within a script line) or ``pause_between`` (between
    lines) are shortened to that length; ``fillers`` removes "um", "uh" and voiced audio that
    no script word covers; ``takes`` picks one take per line; ``pad_before``/``pad_after``
    keep that much room around kept words before a cut is snapped to the quietest 10 ms
    nearby; ``keep_adlibs`` keeps recognised words that are not in the script inside a take;
    ``punch_in`` (> 1, e.g. 1.08) zooms every second jump cut inside one shot;
    ``missing_lines`` says what a script line found in no clip does: ``error`` (the default:
    nothing is published without it) or ``warn`` (published without it, on purpose, and
    listed in the cut report and the batch report).
    """

    pause_inside: float = 0.35
    pause_between: float = 0.5
    fillers: bool = True
    takes: str = "last"
    pad_before: float = 0.08
    pad_after: float = 0.12
    keep_adlibs: bool = False
    punch_in: float = 1.0
    missing_lines: str = "error"

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> EditSettings:
        """Settings from the outline's ``edit:`` mapping (already schema-checked); missing keys keep defaults."""
        if not data:
            return cls()
        known = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                continue
            default = getattr(cls(), key)
            values[key] = float(value) if isinstance(default, float) else value
        return cls(**values)
