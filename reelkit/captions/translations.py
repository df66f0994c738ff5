"""Translated captions: a translated script timed by the source script's lines.

An outline may give ``translations: {nl: narration.nl.txt}``: files with one translated line
per script line (blank lines ignored on both sides, so the counts compare like for like).
The source words are timed from the speech; each translated line is then shown over the time
span of its source line, its words spread over that span by character count and paged by the
same reading rules (:func:`reelkit.captions.paging.paginate`, with the span as the window, so
no cue leaves its line's span). A source line that was not spoken (no caption words) gets no
translated cue either.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from pathlib import Path

from reelkit.captions.paging import paginate
from reelkit.plan.model import CaptionPage, CaptionRules, TranslatedCaptions, Word
from reelkit.plan.outline import Outline, read_translation, script_lines
from reelkit.speech.align import script_tokens

def line_spans(script: str, words: Sequence[Word]) -> list[tuple[float, float] | None]:
    """Per script line, the (start, end) of its caption words; None for a line not spoken.

    Caption words carry the script's tokens as written, so they are matched back to the
    script's tokens in order (ad-libs and dropped lines simply do not match).
    """
    owner: list[int] = []
    tokens: list[str] = []
    lines = script_lines(script)
    for n, line in enumerate(lines):
        toks = script_tokens(line)
        tokens += toks
        owner += [n] * len(toks)
    spans: list[list[float] | None] = [None] * len(lines)
    matcher = difflib.SequenceMatcher(None, tokens, [w.text for w in words], autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            line = owner[block.a + k]
            w = words[block.b + k]
            span = spans[line]
            if span is None:
                spans[line] = [w.start, w.end]
            else:
                span[0], span[1] = min(span[0], w.start), max(span[1], w.end)
    return [None if s is None else (s[0], s[1]) for s in spans]


def spread_words(text: str, start: float, end: float) -> list[Word]:
    """The words of ``text`` sharing ``[start, end]`` by character count (spaces between)."""
    tokens = text.split()
    total = sum(len(t) + 1 for t in tokens) or 1
    out: list[Word] = []
    acc = 0
    for t in tokens:
        w0 = start + (end - start) * acc / total
        acc += len(t) + 1
        out.append(Word(t, w0, start + (end - start) * (acc - 1) / total, "spread"))
    return out


def translated_pages(script: str, translation: str, words: Sequence[Word], rules: CaptionRules,
                     fps: float) -> tuple[CaptionPage, ...]:
    """Pages of ``translation`` (one line per ``script`` line) timed by the caption ``words``."""
    gap = rules.min_gap_frames / fps
    spans = line_spans(script, words)
    texts = script_lines(translation)
    timed = [(s, t) for s, t in zip(spans, texts) if s is not None]
    pages: list[CaptionPage] = []
    for i, (span, text) in enumerate(timed):
        start, end = span
        if i + 1 < len(timed):
            end = min(end, timed[i + 1][0][0] - gap)  # keep the gap before the next line
        if end <= start:
            continue
        pages.extend(paginate(spread_words(text, start, end), rules, fps, [(start, end)]))
    return tuple(pages)


def build_translations(outline: Outline, words: Sequence[Word], rules_for: Callable[[str], CaptionRules],
                       fps: float) -> tuple[TranslatedCaptions, ...]:
    """Every translation the outline names, paged by its own language's rules
    (``rules_for(language)``: line breaks, line length, reading speed); empty without a script."""
    if not outline.translations or not outline.script:
        return ()
    out = []
    for lang, file in outline.translations:
        text = read_translation(Path(file), outline.path, None, f"translations.{lang}")
        rules = rules_for(lang)
        out.append(TranslatedCaptions(language=lang, source=str(file), rules=rules,
                                      pages=translated_pages(outline.script, text, words, rules, fps)))
    return tuple(out)


def translation_windows(script: str, words: Sequence[Word], rules: CaptionRules,
                        fps: float) -> list[tuple[float, float]]:
    """The windows translated cues must stay in (for checks): each spoken line's span."""
    gap = rules.min_gap_frames / fps
    spans = [s for s in line_spans(script, words) if s is not None]
    return [(a, min(b, spans[i + 1][0] - gap) if i + 1 < len(spans) else b) for i, (a, b) in enumerate(spans)]
