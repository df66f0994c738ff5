"""SRT/VTT sidecars: written files parse with pysrt / webvtt-py; producer files read back."""

from __future__ import annotations

import html
import math
from pathlib import Path

import pysrt
import pytest
import webvtt

from reelkit.captions.sidecars import read_captions, write_srt, write_vtt
from reelkit.errors import CaptionError
from reelkit.plan.model import CaptionPage, Word

ARABIC = "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645"


def mkpage(start: float, end: float, *lines: str) -> CaptionPage:
    rows = []
    for line in lines:
        words = line.split()
        step = (end - start) / max(1, len(words))
        rows.append(tuple(Word(w, start + i * step, start + (i + 1) * step) for i, w in enumerate(words)))
    return CaptionPage(start, end, tuple(rows))


PAGES = (
    mkpage(0.0, 1.5, "Water main burst", "on Elm Street."),
    mkpage(1.567, 3.2, "Fish & chips <closed> -> tomorrow"),
    mkpage(3.3, 5.0, "Déjà vu, naïve café"),
    mkpage(5.1, 6.0, ARABIC),
    mkpage(3661.0014, 3662.5, "Over an hour 💧"),
)


def test_srt_reparsed_by_pysrt_gives_same_cues(tmp_path: Path) -> None:
    out = tmp_path / "c.srt"
    write_srt(PAGES, out)
    subs = pysrt.open(str(out), encoding="utf-8")
    assert [s.index for s in subs] == [1, 2, 3, 4, 5]
    assert [s.text for s in subs] == [p.text for p in PAGES]
    assert [s.start.ordinal for s in subs] == [0, 1567, 3300, 5100, 3661001]
    assert [s.end.ordinal for s in subs] == [1500, 3200, 5000, 6000, 3662500]
    raw = out.read_text(encoding="utf-8")
    assert "01:01:01,001 --> 01:01:02,500" in raw
    assert not list(tmp_path.glob(".*partial*"))


def test_vtt_parses_with_webvtt_py_and_escapes(tmp_path: Path) -> None:
    out = tmp_path / "c.vtt"
    write_vtt(PAGES, out)
    raw = out.read_text(encoding="utf-8")
    assert raw.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.500\n")
    assert "Fish &amp; chips &lt;closed&gt; -&gt; tomorrow" in raw
    assert "01:01:01.001 --> 01:01:02.500" in raw
    cues = webvtt.read(str(out))
    assert [c.start for c in cues] == ["00:00:00.000", "00:00:01.567", "00:00:03.300",
                                      "00:00:05.100", "01:01:01.001"]
    assert [c.end for c in cues] == ["00:00:01.500", "00:00:03.200", "00:00:05.000",
                                    "00:00:06.000", "01:01:02.500"]
    # webvtt-py strips tags but leaves character references as written.
    assert [html.unescape(c.text) for c in cues] == [p.text for p in PAGES]


@pytest.mark.parametrize("writer,suffix", [(write_srt, ".srt"), (write_vtt, ".vtt")])
def test_round_trip(tmp_path: Path, writer, suffix: str) -> None:
    out = tmp_path / f"c{suffix}"
    writer(PAGES, out)
    back = read_captions(out)
    assert [p.text for p in back] == [p.text for p in PAGES]
    for a, b in zip(back, PAGES):
        assert abs(a.start - b.start) <= 0.0005 + 1e-9
        assert abs(a.end - b.end) <= 0.0005 + 1e-9


def test_word_times_spread_by_characters(tmp_path: Path) -> None:
    src = tmp_path / "fixed.srt"
    src.write_text("1\n00:00:10,000 --> 00:00:12,000\nab abcdef\nab\n", encoding="utf-8")
    (page,) = read_captions(src)
    assert [[w.text for w in line] for line in page.lines] == [["ab", "abcdef"], ["ab"]]
    starts = [w.start for w in page.words]
    ends = [w.end for w in page.words]
    assert starts == [10.0, 10.4, 11.6]
    assert all(math.isclose(a, b) for a, b in zip(ends, [10.4, 11.6, 12.0]))


def test_producer_srt_markup_removed_and_crlf_bom_accepted(tmp_path: Path) -> None:
    src = tmp_path / "fixed.srt"
    src.write_bytes("\ufeff1\r\n00:00:01,000 --> 00:00:02,000\r\n<i>Boil</i> {\\an8}water\r\n\r\n"
                    "2\r\n00:00:02,100 --> 00:00:03,000 X1:10 X2:20 Y1:5 Y2:9\r\nthen drink\r\n"
                    .encode("utf-8"))
    pages = read_captions(src)
    assert [p.text for p in pages] == ["Boil water", "then drink"]
    assert (pages[1].start, pages[1].end) == (2.1, 3.0)


def test_producer_vtt_with_ids_notes_tags_and_short_times(tmp_path: Path) -> None:
    src = tmp_path / "fixed.vtt"
    src.write_text("WEBVTT - corrected\n\nNOTE checked by Ana\n\nSTYLE\n::cue { color: red }\n\n"
                   "intro\n00:01.250 --> 00:02.000 line:80% align:center\n<v Ana>Fish &amp; <b>chips</b>\n\n"
                   "01:00:00.000 --> 01:00:01.000\n<c.loud>late</c>\n", encoding="utf-8")
    pages = read_captions(src)
    assert [p.text for p in pages] == ["Fish & chips", "late"]
    assert [(p.start, p.end) for p in pages] == [(1.25, 2.0), (3600.0, 3601.0)]


@pytest.mark.parametrize("name,content,message,line", [
    ("bad.srt", "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03,000 -> 00:00:04,000\noops\n",
     "cue 2: expected a number and a 'start --> end' line", 5),
    ("bad2.srt", "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:0x,000 --> 00:00:04,000\nbad\n",
     "cue 2: malformed time line", 6),
    ("back.srt", "1\n00:00:05,000 --> 00:00:02,000\nbackwards\n", "cue 1: ends", 2),
    ("bad.vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\nok\n\n00:03.000 --> 00:04.0\nshort ms\n",
     "cue 2: malformed timestamp '00:04.0'", 6),
    ("nohead.vtt", "00:01.000 --> 00:02.000\nok\n", "must start with 'WEBVTT'", 1),
    ("empty.srt", "\n\n", "no captions", None),
])
def test_malformed_files_name_file_cue_and_line(tmp_path: Path, name: str, content: str,
                                                message: str, line: int | None) -> None:
    src = tmp_path / name
    src.write_text(content, encoding="utf-8")
    with pytest.raises(CaptionError) as info:
        read_captions(src)
    err = info.value
    assert message in str(err)
    assert err.path == str(src)
    assert err.line == line
    assert str(err).startswith(str(src))


def test_not_utf8_is_reported_with_line(tmp_path: Path) -> None:
    src = tmp_path / "latin1.srt"
    src.write_bytes("1\n00:00:01,000 --> 00:00:02,000\ncaf\u00e9\n".encode("latin-1"))
    with pytest.raises(CaptionError, match="not UTF-8") as info:
        read_captions(src)
    assert info.value.line == 3


@pytest.mark.parametrize("writer,suffix", [(write_srt, ".srt"), (write_vtt, ".vtt")])
def test_pages_read_back_still_pass_the_rules(tmp_path: Path, writer, suffix: str) -> None:
    from reelkit.captions.paging import check_page_rules, paginate
    from reelkit.plan.model import CaptionRules

    text = ("The water main on Elm Street burst this morning. Crews are on site and expect to "
            "restore supply by six tonight, so please boil tap water before drinking it.")
    words, t = [], 0.0
    for i, w in enumerate(text.split()):
        d = 0.07 * len(w) + 0.1
        words.append(Word(w, t, t + d))
        t += d + (0.6 if i % 7 == 6 else 0.03)
    rules = CaptionRules()
    pages = paginate(words, rules, 30.0)
    out = tmp_path / f"c{suffix}"
    writer(pages, out)
    assert check_page_rules(read_captions(out), rules, 30.0) == []
