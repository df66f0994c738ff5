"""Plain result types of speech recognition, with a JSON form (the transcript cache uses it).

No pickle anywhere: a transcript is written as a JSON dict and read back equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reelkit.io.dataclass_data import from_data, to_data


@dataclass(frozen=True)
class RecognisedWord:
    """One word as the recogniser heard it; times in seconds from the start of the samples."""

    text: str
    start: float
    end: float
    probability: float


@dataclass(frozen=True)
class Segment:
    """A stretch of recognised speech (roughly a phrase) and its words."""

    start: float
    end: float
    text: str
    words: tuple[RecognisedWord, ...] = ()


@dataclass(frozen=True)
class Transcript:
    """What a backend recognised in one piece of audio."""

    language: str
    backend: str
    model: str
    segments: tuple[Segment, ...] = ()

    @property
    def words(self) -> tuple[RecognisedWord, ...]:
        """All words of all segments, in order."""
        return tuple(w for seg in self.segments for w in seg.words)

    @property
    def text(self) -> str:
        """The recognised text, segments joined by single spaces."""
        return " ".join(seg.text.strip() for seg in self.segments if seg.text.strip())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the generic dataclass form of :mod:`reelkit.io.dataclass_data`);
        :meth:`from_dict` reads it back equal."""
        return to_data(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transcript:
        return from_data(cls, data)
