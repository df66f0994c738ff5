"""Plain result types of speech recognition, with a JSON form (the transcript cache uses it).

No pickle anywhere: a transcript is written as a JSON dict and read back equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RecognisedWord:
    """One word as the recogniser heard it; times in seconds from the start of the samples."""

    text: str
    start: float
    end: float
    probability: float

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end,
                "probability": self.probability}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecognisedWord:
        return cls(text=str(data["text"]), start=float(data["start"]), end=float(data["end"]),
                   probability=float(data["probability"]))


@dataclass(frozen=True)
class Segment:
    """A stretch of recognised speech (roughly a phrase) and its words."""

    start: float
    end: float
    text: str
    words: tuple[RecognisedWord, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text,
                "words": [w.to_dict() for w in self.words]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Segment:
        return cls(start=float(data["start"]), end=float(data["end"]), text=str(data["text"]),
                   words=tuple(RecognisedWord.from_dict(w) for w in data.get("words", ())))


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
        """JSON-ready form; :meth:`from_dict` reads it back equal."""
        return {"language": self.language, "backend": self.backend, "model": self.model,
                "segments": [s.to_dict() for s in self.segments]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transcript:
        return cls(language=str(data["language"]), backend=str(data["backend"]),
                   model=str(data["model"]),
                   segments=tuple(Segment.from_dict(s) for s in data.get("segments", ())))
