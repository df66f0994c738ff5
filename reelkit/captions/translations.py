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
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from reelkit.errors import OutlineError
from reelkit.plan.model import CaptionPage, CaptionRules, TranslatedCaptions, Word

MAX_TRANSLATION_BYTES = 1_000_000
"""Largest translated script read (a narration is a few kilobytes)."""


def script_lines(text: str) -> list[str]:
    """The non-blank lines of a script, stripped."""
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


def check_translations(outline_path: Path, doc: Any, data: dict[str, Any]) -> tuple[tuple[str, Path], ...]:
    """Validate an outline's ``translations`` and ``burn``: files exist, are UTF-8 text and
    have as many lines as the script. Returns (language, resolved path) pairs."""
    raw = data.get("translations") or {}
    burn = data.get("burn")
    language = data.get("language", "en")
    if burn and burn != language and burn not in raw:
        raise OutlineError(f"burn: '{burn}' is neither the outline language '{language}' nor a translation",
                           path=str(outline_path), line=doc.line_of("burn"), key="burn",
                           hint="add it under translations, or remove burn")
    if not raw:
        return ()
    script = data.get("script")
    if not script or not script.strip():
        raise OutlineError("translations need a script to time them by", path=str(outline_path),
                           line=doc.line_of("translations"), key="translations",
                           hint="add the narration as script")
    n_script = len(script_lines(script))
    out: list[tuple[str, Path]] = []
    for lang, name in raw.items():
        key = f"translations.{lang}"
        file = Path(name) if Path(name).is_absolute() else (outline_path.parent / name)
        text = read_translation(file, outline_path, doc.line_of(key), key)
        n = len(script_lines(text))
        if n != n_script:
            raise OutlineError(f"{file.name} has {n} lines but the script in {outline_path.name} has "
                               f"{n_script}", path=str(file), line=doc.line_of(key), key=key,
                               hint="give one translated line per script line")
        out.append((lang, file.resolve()))
    return tuple(out)


def read_translation(file: Path, outline_path: Path, line: int | None, key: str) -> str:
    """A translated script's text; OutlineError naming the file when unreadable or too big."""
    try:
        size = file.stat().st_size
        if size > MAX_TRANSLATION_BYTES:
            raise OutlineError(f"translation file is {size} bytes (max {MAX_TRANSLATION_BYTES})",
                               path=str(file), key=key)
        return file.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise OutlineError(f"translation file not found: {file}", path=str(outline_path), line=line, key=key,
                           hint="paths are relative to the outline file") from None
    except UnicodeDecodeError:
        raise OutlineError("translation file is not UTF-8 text", path=str(file), key=key,
                           hint="save it as UTF-8") from None
    except OSError as exc:
        raise OutlineError(f"cannot read translation file: {exc.strerror or exc}", path=str(file),
                           key=key) from None


def line_spans(script: str, words: Sequence[Word]) -> list[tuple[float, float] | None]:
    """Per script line, the (start, end) of its caption words; None for a line not spoken.

    Caption words carry the script's tokens as written, so they are matched back to the
    script's tokens in order (ad-libs and dropped lines simply do not match).
    """
    from reelkit.speech.align import script_tokens

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
    from reelkit.captions.paging import paginate

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


def build_translations(outline: Any, words: Sequence[Word], rules: CaptionRules,
                       fps: float) -> tuple[TranslatedCaptions, ...]:
    """Every translation the outline names, paged (empty when there is no script)."""
    if not outline.translations or not outline.script:
        return ()
    out = []
    for lang, file in outline.translations:
        text = read_translation(Path(file), outline.path, None, f"translations.{lang}")
        out.append(TranslatedCaptions(language=lang, source=str(file),
                                      pages=translated_pages(outline.script, text, words,
                                                             replace(rules, language=lang), fps)))
    return tuple(out)


def translation_windows(script: str, words: Sequence[Word], rules: CaptionRules,
                        fps: float) -> list[tuple[float, float]]:
    """The windows translated cues must stay in (for checks): each spoken line's span."""
    gap = rules.min_gap_frames / fps
    spans = [s for s in line_spans(script, words) if s is not None]
    return [(a, min(b, spans[i + 1][0] - gap) if i + 1 < len(spans) else b) for i, (a, b) in enumerate(spans)]
