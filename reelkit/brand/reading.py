"""Reading limits per caption language: the shipped figures, and which value is in force.

A page's line length and reading speed depend on the language it is written in. The figures
reelkit ships, one row per language, and why:

- **Characters per line: 22 for every language.** Netflix's timed text style guides give
  42 characters per line (the Dutch, German, English template and English SDH guides say so
  in as many words, read when this table was written; the French and Spanish guides are
  quoted with the same figure, not re-read). That figure is for a landscape frame; on
  reelkit's vertical frame the shipped ``default`` brand has used 22 for English, so 42 is
  scaled by 22/42 for every language (a line wider than the caption block is drawn smaller
  to fit, :func:`reelkit.captions.look.fit_scale`). The glyphs of typical narration in these
  languages measure within 5 % of each other in the shipped caption fonts
  (``scripts/caption_widths.py``: DejaVu Sans Bold 60 px, 34.2 px per character in Spanish
  to 35.6 in German; Inter Bold 58 px, 28.3 to 29.6), under one character in 22, so no
  language gets a different figure. German compounds are long words, not wide letters:
  paging puts a single word longer than the line on a line of its own.
- **Reading speed: 17 characters per second for every language.** Netflix's English
  template guide (the text other languages are translated from) sets 17 cps (200 words a
  minute) for adult programmes, 13 for children's (read when this table was written); its
  Dutch, German, French and Spanish guides are quoted at 17 cps for adults (not re-read).
  Netflix's English (USA) guide allows 20 for adults; reelkit keeps 17 for English, as its
  default brand did, because short vertical videos are read on a phone beside on-screen
  text. Spaces and punctuation count, as Netflix counts them.

The order, first that is set wins (:func:`reading_limits`): the brand's
``captions.languages.<lang>`` value, the brand's general ``captions.rules`` value (set in any
file of its extends chain; ``null`` unsets an inherited one), the shipped figure for the
language (:data:`SHIPPED`), then :data:`GENERAL` for a language without a row (a translation
into, say, Italian).
"""

from __future__ import annotations

from dataclasses import dataclass

from reelkit.brand.schema import Brand


@dataclass(frozen=True)
class ReadingLimits:
    """The two per-language reading limits of a caption page."""

    max_chars_per_line: int
    max_cps: float


#: Shipped figures, one row per caption language (sources in the module docstring).
SHIPPED: dict[str, ReadingLimits] = {
    "en": ReadingLimits(max_chars_per_line=22, max_cps=17.0),
    "nl": ReadingLimits(max_chars_per_line=22, max_cps=17.0),
    "de": ReadingLimits(max_chars_per_line=22, max_cps=17.0),
    "fr": ReadingLimits(max_chars_per_line=22, max_cps=17.0),
    "es": ReadingLimits(max_chars_per_line=22, max_cps=17.0),
}

#: For a language without a row: the same scaled Netflix figures.
GENERAL = ReadingLimits(max_chars_per_line=22, max_cps=17.0)


def reading_limits(brand: Brand, language: str) -> ReadingLimits:
    """The limits in force for captions in ``language`` under ``brand`` (order: module docstring)."""
    own = getattr(brand.captions.languages, language, None)
    general = brand.captions.rules
    shipped = SHIPPED.get(language, GENERAL)

    def pick(name: str) -> float:
        for layer in (own, general, shipped):
            value = getattr(layer, name, None) if layer is not None else None
            if value is not None:
                return value
        raise AssertionError(name)  # pragma: no cover - the shipped row always has it

    return ReadingLimits(max_chars_per_line=int(pick("max_chars_per_line")), max_cps=float(pick("max_cps")))
