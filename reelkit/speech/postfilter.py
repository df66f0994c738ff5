"""Post-filters both backends share: words outside detected speech, non-speech annotations
("[Music]", "♪") and repeated-segment loops are dropped, so no caption appears over
music-only or silent stretches.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from reelkit.speech.types import RecognisedWord, Segment
from reelkit.speech.vad import WORD_REGION_PAD

_ANNOTATION = re.compile(r"^[\[\(\*♪♫#].*[\]\)\*♪♫]?$|^[♪♫]+$")
_WORD_CHARS = re.compile(r"[^\w']+", re.UNICODE)


def _norm(text: str) -> str:
    return " ".join(_WORD_CHARS.sub(" ", text.lower()).split())


def is_annotation(text: str) -> bool:
    """True for non-speech markers Whisper emits over music or noise: [Music], (applause), ♪."""
    t = text.strip()
    if not t:
        return True
    if any(ch in t for ch in "♪♫"):
        return True
    return bool(re.fullmatch(r"[\[\(\*].*[\]\)\*]", t))


def drop_annotations(segments: Sequence[Segment]) -> list[Segment]:
    """Remove bracketed/music-note pseudo-words, and segments left with no words."""
    out: list[Segment] = []
    for seg in segments:
        if seg.words:
            # Bracket annotations span several words ("(upbeat", "music)"): drop the span.
            kept: list[RecognisedWord] = []
            depth = 0
            for w in seg.words:
                t = w.text.strip()
                opens = t.count("[") + t.count("(")
                closes = t.count("]") + t.count(")")
                inside = depth > 0 or opens > closes or is_annotation(t)
                depth = max(0, depth + opens - closes)
                if not inside:
                    kept.append(w)
            if not kept:
                continue
            text = "".join(w.text for w in kept).strip()
            out.append(Segment(kept[0].start, kept[-1].end, text, tuple(kept)))
        elif _norm(re.sub(r"[\[\(].*?[\]\)]|[♪♫]", " ", seg.text)):
            out.append(seg)
    return out


def _collapse_loops(words: list[RecognisedWord]) -> list[RecognisedWord]:
    """Cut an n-gram repeated back to back more than a speaker plausibly would."""
    toks = [_norm(w.text) for w in words]
    i = 0
    out: list[RecognisedWord] = []
    while i < len(words):
        best = (0, 0)  # (n, repeats)
        for n in range(1, 9):
            if i + 2 * n > len(words):
                break
            reps = 1
            while toks[i + reps * n:i + (reps + 1) * n] == toks[i:i + n]:
                reps += 1
            # Three in a row is speech ("no, no, no"); a word four+ times or a phrase three+
            # times is the decoder looping.
            limit = 4 if n == 1 else 3
            if reps >= limit and reps * n > best[0] * best[1]:
                best = (n, reps)
        n, reps = best
        if n:
            out.extend(words[i:i + n])
            i += n * reps
        else:
            out.append(words[i])
            i += 1
    return out


def drop_repeats(segments: Sequence[Segment]) -> list[Segment]:
    """Drop decoder loops: a segment repeating one of the two before it, and in-segment loops."""
    out: list[Segment] = []
    for seg in segments:
        norm = _norm(seg.text)
        if norm and any(_norm(prev.text) == norm for prev in out[-2:]):
            continue
        if seg.words:
            words = _collapse_loops(list(seg.words))
            if len(words) != len(seg.words):
                seg = Segment(words[0].start, words[-1].end,
                              "".join(w.text for w in words).strip(), tuple(words))
        out.append(seg)
    return out


def keep_in_regions(segments: Sequence[Segment], regions: Sequence[tuple[float, float]],
                    pad: float = WORD_REGION_PAD) -> list[Segment]:
    """Drop words whose middle lies outside every (padded) speech region."""
    out: list[Segment] = []
    for seg in segments:
        words = tuple(w for w in seg.words
                      if any(a - pad <= (w.start + w.end) / 2 <= b + pad for a, b in regions))
        if seg.words and not words:
            continue
        if len(words) != len(seg.words):
            seg = Segment(words[0].start, words[-1].end,
                          "".join(w.text for w in words).strip(), words)
        out.append(seg)
    return out
