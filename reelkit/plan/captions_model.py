"""The captions part of the plan: timed words, the pages they are shown in, the rules that
group them, and the look burned captions are drawn with (see :mod:`reelkit.plan.model`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Word:
    """One caption word on the output timeline (seconds)."""

    text: str
    start: float
    end: float
    timing: str = ""
    """How the start was found: ``forced`` (acoustic alignment of the script), ``onset``
    (recogniser time snapped onto the speech), ``whisper`` (recogniser time), ``estimate``
    (spread over the speech), ``interpolated`` (a known word the aligner could not place, timed
    between its placed neighbours), ``spread`` (a cue's span shared by characters); "" unknown."""


@dataclass(frozen=True)
class CaptionPage:
    """Words shown together; ``lines`` holds one tuple of words per screen line."""

    start: float
    end: float
    lines: tuple[tuple[Word, ...], ...]

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for line in self.lines for w in line)

    @property
    def text(self) -> str:
        """The page as plain text, lines joined by newlines."""
        return "\n".join(" ".join(w.text for w in line) for line in self.lines)


@dataclass(frozen=True)
class CaptionRules:
    """Grouping rules for caption pages (defaults follow docs/platform-specs.md)."""

    max_chars_per_line: int = 32
    max_lines: int = 2
    max_cps: float = 17.0
    min_duration: float = 0.83
    max_duration: float = 7.0
    pause_break: float = 0.5
    min_gap_frames: int = 2
    language: str = "en"  # whose line-break rules apply (its articles, prepositions...)


@dataclass(frozen=True)
class TranslatedCaptions:
    """Captions in another language: each translated script line over its source line's span."""

    language: str
    source: str  # the translated script file
    pages: tuple[CaptionPage, ...] = ()
    # The reading rules its pages were made by (that language's limits); None in older plans,
    # whose translations were paged by the plan's caption_rules.
    rules: CaptionRules | None = None


@dataclass(frozen=True)
class CaptionStyle:
    """How burned captions look; pixel figures are for the plan's frame size."""

    style: str = "classic"  # classic | karaoke | pop | boxed
    font_file: str = ""  # absolute path of the bundled font file
    font_family: str = ""  # family name inside that font (what libass matches on)
    font_size: int = 64
    bold: bool = True
    text_colour: str = "#FFFFFF"
    accent_colour: str = "#FFD400"
    box_colour: str = "#000000"
    box_opacity: float = 0.6
    outline_colour: str = "#000000"
    outline: float = 3.0
    shadow: float = 0.0
    uppercase: bool = False
    position_y: int = 1150  # vertical centre of the caption block, px from the top
    margin_x: int = 110  # px kept free left and right
    emoji_font: str = ""  # colour emoji font file, drawn by Pillow
