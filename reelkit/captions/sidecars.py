"""Caption sidecar files: SRT and WebVTT out (atomically), and producer-corrected files in.

Burned-in captions cannot be restyled by a viewer (EN 301 549 7.1), so every render also
publishes the same pages as SRT and VTT. :func:`read_captions` takes a producer's corrected
file back: text and times as given, word times spread inside each cue by character count.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pysrt

from reelkit.errors import CaptionError
from reelkit.io.atomic import atomic_path
from reelkit.plan.model import CaptionPage, Plan, Word

# Inline markup a player would interpret. WebVTT escapes a literal "<", so every tag there is
# markup (<c.x>, <v Name>, <b>, timestamps <00:01.000>); SRT has no escaping, so only the
# formatting tags players know are removed there and text like "<closed>" survives.
_TAG = re.compile(r"<[^>\n]*>")
_SRT_TAG = re.compile(r"</?(?:i|b|u|s|font)(?:\s[^>\n]*)?>", re.IGNORECASE)
# ASS-style overrides some tools put in SRT ({\an8}).
_ASS_OVERRIDE = re.compile(r"\{\\[^}\n]*\}")

_SRT_TIME_LINE = re.compile(
    r"^\s*\d+:\d{1,2}:\d{1,2}[,.]\d{1,3}\s*-->\s*\d+:\d{1,2}:\d{1,2}[,.]\d{1,3}(?:\s.*)?$")
_VTT_TIME = re.compile(r"^(?:(\d+):)?([0-5]\d):([0-5]\d)\.(\d{3})$")


# --- writing ---------------------------------------------------------------------------------

def write_srt(pages: Sequence[CaptionPage], path: Path) -> None:
    """Write ``pages`` as a UTF-8 SubRip file (numbered cues, ``HH:MM:SS,mmm``), atomically."""
    subs = pysrt.SubRipFile(eol="\n", encoding="utf-8")
    for n, (start_ms, end_ms, lines) in enumerate(_cues(pages), 1):
        subs.append(pysrt.SubRipItem(index=n, start=pysrt.SubRipTime.from_ordinal(start_ms),
                                     end=pysrt.SubRipTime.from_ordinal(end_ms),
                                     text="\n".join(lines)))
    with atomic_path(Path(path)) as tmp:
        subs.save(str(tmp), encoding="utf-8", eol="\n")


def write_vtt(pages: Sequence[CaptionPage], path: Path) -> None:
    """Write ``pages`` as a WebVTT file (``HH:MM:SS.mmm``, ``& < >`` escaped), atomically."""
    out = ["WEBVTT", ""]
    for start_ms, end_ms, lines in _cues(pages):
        out.append(f"{_vtt_time(start_ms)} --> {_vtt_time(end_ms)}")
        out.extend(html.escape(line, quote=False) for line in lines)
        out.append("")
    with atomic_path(Path(path)) as tmp:
        tmp.write_text("\n".join(out), encoding="utf-8")


def sidecar_formats(plans: Sequence[Plan]) -> list[str]:
    """The caption file formats the plans' platforms ask for (their ``sidecars``), in order."""
    formats: list[str] = []
    for plan in plans:
        for spec in plan.outputs:
            formats += [f for f in spec.sidecars if f not in formats]
    return formats


def write_sidecars(plans: Sequence[Plan], folder: Path) -> dict[str, Path]:
    """``<slug>.srt`` / ``.vtt`` (the formats the platforms ask for) and ``<slug>.<lang>.<fmt>``
    per translation, in ``folder``; keyed ``srt``, ``vtt.nl``, ... Every frame size has the same
    words and times, so the first plan's pages serve all."""
    first = plans[0]
    writers = {"srt": write_srt, "vtt": write_vtt}
    out: dict[str, Path] = {}
    for fmt in sidecar_formats(plans):
        out[fmt] = folder / f"{first.slug}.{fmt}"
        writers[fmt](first.pages, out[fmt])
    for tr in first.translations:
        for fmt in sidecar_formats(plans):
            out[f"{fmt}.{tr.language}"] = folder / f"{first.slug}.{tr.language}.{fmt}"
            writers[fmt](tr.pages, out[f"{fmt}.{tr.language}"])
    if first.descriptions:  # the audio-description cue texts, for players and assistive technology
        out["vtt.descriptions"] = folder / f"{first.slug}.descriptions.vtt"
        write_vtt([CaptionPage(c.start, c.end, ((Word(c.text, c.start, c.end),),)) for c in first.descriptions],
                  out["vtt.descriptions"])
    return out


def _cues(pages: Sequence[CaptionPage]) -> Iterator[tuple[int, int, list[str]]]:
    """(start ms, end ms, text lines) per page with text; a cue lasts at least 1 ms."""
    for page in pages:
        lines = [" ".join(" ".join(w.text.split()) for w in line) for line in page.lines]
        lines = [ln for ln in lines if ln]
        if not lines:
            continue
        start = max(0, round(page.start * 1000))
        end = max(start + 1, round(page.end * 1000))
        yield start, end, lines


def _vtt_time(ms: int) -> str:
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, milli = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{milli:03d}"


# --- reading ---------------------------------------------------------------------------------

def read_captions(path: Path) -> tuple[CaptionPage, ...]:
    """Read a producer's ``.srt`` or ``.vtt`` file into pages.

    Each cue becomes a page with the cue's lines (inline markup removed); the cue's time is
    shared among its words in proportion to their characters, so karaoke can highlight them.
    Cues without text are skipped. A malformed file raises CaptionError naming the file, the
    line and the cue.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CaptionError(f"cannot read caption file: {exc.strerror or exc}", path=str(path)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise CaptionError("not UTF-8 text", path=str(path), line=line,
                           hint="save the file as UTF-8") from None
    suffix = path.suffix.lower()
    if suffix == ".vtt" or (suffix != ".srt" and text.lstrip().startswith("WEBVTT")):
        pages = _parse_vtt(text, str(path))
    elif suffix == ".srt" or suffix == "":
        pages = _parse_srt(text, str(path))
    else:
        raise CaptionError(f"unsupported caption file type {path.suffix!r}", path=str(path),
                           hint="use .srt or .vtt")
    if not pages:
        raise CaptionError("no captions in the file", path=str(path))
    return tuple(pages)


def _blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """Blank-line separated blocks as (1-based number of the first line, lines)."""
    block: list[str] = []
    first = 0
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            if not block:
                first = n
            block.append(line.rstrip())
        elif block:
            yield first, block
            block = []
    if block:
        yield first, block


def _parse_srt(text: str, where: str) -> list[CaptionPage]:
    pages: list[CaptionPage] = []
    for cue, (first, lines) in enumerate(_blocks(text), 1):
        has_arrow = [i for i, ln in enumerate(lines) if "-->" in ln]
        if not has_arrow or has_arrow[0] > 1:
            raise CaptionError(f"cue {cue}: expected a number and a 'start --> end' line",
                               path=where, line=first, hint="e.g. 00:00:01,000 --> 00:00:02,500")
        time_line = first + has_arrow[0]
        # pysrt reads "00:00:0x,000" as 0 s without complaint: check the form first.
        if not _SRT_TIME_LINE.match(lines[has_arrow[0]]):
            raise CaptionError(f"cue {cue}: malformed time line {lines[has_arrow[0]].strip()!r}",
                               path=where, line=time_line,
                               hint="use HH:MM:SS,mmm --> HH:MM:SS,mmm")
        try:
            item = pysrt.SubRipItem.from_lines([ln + "\n" for ln in lines])
        except (pysrt.Error, ValueError, AttributeError):
            raise CaptionError(f"cue {cue}: malformed time line {lines[has_arrow[0]].strip()!r}",
                               path=where, line=time_line,
                               hint="use HH:MM:SS,mmm --> HH:MM:SS,mmm") from None
        start, end = item.start.ordinal / 1000, item.end.ordinal / 1000
        body = _ASS_OVERRIDE.sub("", _SRT_TAG.sub("", item.text))
        page = _page(start, end, body.split("\n"), cue, where, time_line)
        if page is not None:
            pages.append(page)
    return pages


def _parse_vtt(text: str, where: str) -> list[CaptionPage]:
    blocks = list(_blocks(text))
    if not blocks or not re.match(r"^WEBVTT(?:[ \t].*)?$", blocks[0][1][0]):
        raise CaptionError("a WebVTT file must start with 'WEBVTT'", path=where, line=1)
    pages: list[CaptionPage] = []
    cue = 0
    for first, lines in blocks[1:]:
        head = lines[0]
        if head.startswith(("NOTE", "STYLE", "REGION")) and "-->" not in head:
            continue
        cue += 1
        idx = 0 if "-->" in head else 1  # an optional cue identifier line
        if idx >= len(lines) or "-->" not in lines[idx]:
            raise CaptionError(f"cue {cue}: expected a 'start --> end' line", path=where,
                               line=first, hint="e.g. 00:00:01.000 --> 00:00:02.500")
        time_line = first + idx
        left, _, right = lines[idx].partition("-->")
        right_parts = right.split()
        start = _vtt_seconds(left.strip(), cue, where, time_line)
        end = _vtt_seconds(right_parts[0] if right_parts else "", cue, where, time_line)
        body = [html.unescape(_TAG.sub("", ln)) for ln in lines[idx + 1:]]
        page = _page(start, end, body, cue, where, time_line)
        if page is not None:
            pages.append(page)
    return pages


def _vtt_seconds(value: str, cue: int, where: str, line: int) -> float:
    match = _VTT_TIME.match(value)
    if not match:
        raise CaptionError(f"cue {cue}: malformed timestamp {value!r}", path=where, line=line,
                           hint="use HH:MM:SS.mmm or MM:SS.mmm")
    h, m, s, ms = match.groups()
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def _page(start: float, end: float, text_lines: list[str], cue: int, where: str,
          line: int) -> CaptionPage | None:
    """A page from one cue, words timed by character share; None for a cue without text."""
    if end <= start:
        raise CaptionError(f"cue {cue}: ends ({end:.3f} s) before it starts ({start:.3f} s)",
                           path=where, line=line)
    rows = [ln.split() for ln in text_lines]
    rows = [r for r in rows if r]
    total = sum(len(w) for r in rows for w in r)
    if not total:
        return None
    duration = end - start
    acc = 0
    lines: list[tuple[Word, ...]] = []
    for row in rows:
        words = []
        for w in row:
            w_start = start + duration * acc / total
            acc += len(w)
            words.append(Word(text=w, start=w_start, end=start + duration * acc / total))
        lines.append(tuple(words))
    return CaptionPage(start=start, end=end, lines=tuple(lines))
