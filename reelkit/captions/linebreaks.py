"""Where a subtitler would break: the cost of a line or page break between two words.

Broadcasters' rules (BBC subtitle guidelines, Netflix timed-text style): break at phrase
boundaries (after punctuation); never end a line with a word that binds to the next one (an
article, preposition, conjunction or possessive: "the", "of", "and", "our"); keep names,
numbers and units together ("Harbour Street", "0800 1234", "6 weeks"); prefer lines of
similar length with the lower one longer; no one-word line on a two-line page.

These are *costs*, not rules: :func:`break_cost` and :func:`best_lines` let the paging
search (:mod:`reelkit.captions.paging`) choose, among the breaks that fit the hard limits
(characters per line, lines per page, reading speed), the ones that read best.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence

from reelkit.plan.model import Word
from reelkit.speech.languages import binding_words, number_words, units

BINDING_WORDS = frozenset("""
a an the this that these those my your his her its our their whose
of to in on at by for from with into onto over under upon about after before between through
during without within across along around near towards toward via per than as
and or but nor if so because while although though unless until
mr mrs ms dr st no
""".split())
"""Words that bind to the next one: a line or page ending on one reads badly."""

UNITS = frozenset("""
% percent per cent km m cm mm kg g mph kph mins min minutes minute hours hour hrs days day
weeks week months month years year metres metre meters meter miles mile litres litre pounds
euros dollars pence am pm a.m. p.m. kilometres kilometers degrees homes people
""".split())
"""Words that belong with a number before them ("6 weeks", "40 homes", "10 a.m.")."""

FUNCTION_END = 6.0
"""Cost of a break right after a binding word."""
KEEP_TOGETHER = 6.0
"""Cost of splitting a name, a number and its unit, or a run of numbers."""
SENTENCE_BONUS = 2.5
CLAUSE_BONUS = 1.5
ONE_WORD_LINE = 5.0
"""Cost of a one-word line on a page of several lines. Below :data:`FUNCTION_END`: a line
ending on an article reads worse than a line of one word ("aaaa a / a a" came out of
8.0, where "aaaa / a a a" is both better balanced and free of the dangling "a")."""
BALANCE = 4.0
"""Cost per (line length difference / line limit) squared."""
TOP_HEAVY = 0.5
"""Cost of a top line longer than the line below it (the lower one should be longer)."""

_CLAUSE = re.compile(r"[,;:\u2013\u2014\u060c\u3001]$|^[\u2013\u2014-]$")
_SENTENCE = re.compile(r"[.!?\u2026\u3002\uff01\uff1f\u061f]+[\"'\u201d\u2019\u00bb\u203a)\]]*$")


def _core(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
    return folded.strip("\"'()[]{}\u201c\u201d\u2018\u00ab\u00bb")


def is_binding(text: str, language: str = "en") -> bool:
    """True for a word that binds to the next (and carries no closing punctuation), in
    ``language`` (its articles, prepositions, conjunctions: :mod:`reelkit.speech.languages`)."""
    core = _core(text)
    if language != "en":
        return core in binding_words(language) or bool(re.fullmatch(r"\w+'", core))
    # A possessive binds like "our": "the council's / website" reads badly.
    return core in BINDING_WORDS or (core.endswith("'s") and core not in _CONTRACTIONS)


def _is_number(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def _is_name(text: str) -> bool:
    core = text.strip("\"'(\u201c\u2018")
    return bool(core[:1].isupper()) and any(ch.isalpha() for ch in core)


def kept_together(left: str, right: str, left_starts_sentence: bool, language: str = "en") -> bool:
    """True when ``left right`` is a unit a break should not split: a name of several
    capitalised words, a number and its unit, a run of numbers ("0800 1234")."""
    if _CLAUSE.search(left) or _SENTENCE.search(left):
        return False
    if _is_number(left) and (_is_number(right) or _core(right).rstrip(".,;:!?") in UNITS):
        return True
    if language != "en" and (_is_number(left) or _core(left) in number_words(language)) \
            and _core(right).rstrip(".,;:!?") in units(language):
        return True  # "vijf minuten", "drei Wochen", "deux semaines"
    if _is_name(left) and _is_name(right) and not left_starts_sentence:
        return True
    # A name may start a sentence: "Harbour Street is closed." keeps "Harbour Street" whole
    # when the next word is a name too and neither is a common sentence opener.
    if _is_name(left) and _is_name(right) and _core(left) not in BINDING_WORDS:
        return _core(left) not in _OPENERS
    return False


_CONTRACTIONS = frozenset("it's that's there's here's what's let's he's she's who's".split())
_OPENERS = frozenset("i we you they he she it there here please our your this that these those "
                     "questions next short".split())


def break_cost(words: Sequence[Word], j: int, starts_sentence: Sequence[bool] | None = None,
               language: str = "en") -> float:
    """Cost of breaking (a line or page) between ``words[j-1]`` and ``words[j]``."""
    left, right = words[j - 1].text, words[j].text
    cost = 0.0
    if _SENTENCE.search(left):
        cost -= SENTENCE_BONUS
    elif _CLAUSE.search(left):
        cost -= CLAUSE_BONUS
    elif is_binding(left, language):
        cost += FUNCTION_END
    start = starts_sentence[j - 1] if starts_sentence is not None else (j - 1 == 0)
    if kept_together(left, right, start, language):
        cost += KEEP_TOGETHER
    return cost


def sentence_starts(words: Sequence[Word]) -> list[bool]:
    """Per word: does it start a sentence (first word, or after a sentence end)?"""
    out = []
    prev_end = True
    for w in words:
        out.append(prev_end)
        prev_end = bool(_SENTENCE.search(w.text))
    return out


def line_text(words: Sequence[Word]) -> str:
    return " ".join(w.text for w in words)


def best_lines(ws: Sequence[Word], lines: int, max_chars: int,
               starts: Sequence[bool] | None = None,
               language: str = "en") -> tuple[float, tuple[tuple[Word, ...], ...]] | None:
    """The cheapest way to lay ``ws`` on exactly ``lines`` lines within ``max_chars`` (a word
    longer than that alone on its line), as (cost, lines); None when none fits."""
    n = len(ws)
    if lines <= 1 or n <= 1:
        if n > 1 and len(line_text(ws)) > max_chars:
            return None
        return 0.0, (tuple(ws),)
    if lines > n:
        return None
    starts = list(starts) if starts is not None else sentence_starts(ws)
    best: tuple[float, tuple[int, ...]] | None = None
    for cuts in itertools.combinations(range(1, n), lines - 1):
        bounds = (0, *cuts, n)
        rows = [ws[a:b] for a, b in zip(bounds, bounds[1:])]
        lengths = [len(line_text(r)) for r in rows]
        if any(len(r) > 1 and length > max_chars for r, length in zip(rows, lengths)):
            continue
        cost = sum(break_cost(ws, c, starts, language) for c in cuts)
        cost += sum(ONE_WORD_LINE for r in rows if len(r) == 1 and len(line_text(r)) <= max_chars)
        cost += BALANCE * ((max(lengths) - min(lengths)) / max_chars) ** 2
        cost += sum(TOP_HEAVY for a, b in zip(lengths, lengths[1:]) if a > b)
        if best is None or cost < best[0]:
            best = (cost, cuts)
    if best is None:
        return None
    bounds = (0, *best[1], n)
    return best[0], tuple(tuple(ws[a:b]) for a, b in zip(bounds, bounds[1:]))
