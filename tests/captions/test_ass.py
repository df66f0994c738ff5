"""The ASS script: styles, colours, escaping, events per look (text-level; pixels elsewhere)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reelkit.plan.colours import contrast_ratio
from reelkit.captions.ass import ass_filter, escape_ass_text, write_ass
from reelkit.captions.look import ass_colour, highlight_states, on_accent_colour, pop_groups
from reelkit.errors import CaptionError
from reelkit.plan.model import CaptionPage, CaptionStyle, Word

FONTS = Path(__file__).resolve().parents[2] / "brand" / "default" / "fonts"
BOLD = str(FONTS / "DejaVuSans-Bold.ttf")


def page(text: str, start: float = 0.0, step: float = 0.5, dur: float = 0.4,
         split: int | None = None, end: float | None = None) -> CaptionPage:
    words = [Word(w, start + i * step, start + i * step + dur) for i, w in enumerate(text.split())]
    lines = (tuple(words),) if split is None else (tuple(words[:split]), tuple(words[split:]))
    return CaptionPage(start, end if end is not None else words[-1].end + 0.3, lines)


def dialogues(path: Path) -> list[dict[str, str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("Dialogue: "):
            layer, start, end, style, _name, _l, _r, _v, _eff, text = line[10:].split(",", 9)
            out.append({"layer": layer, "start": start, "end": end, "style": style, "text": text})
    return out


def styles(path: Path) -> dict[str, list[str]]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("Style: "):
            fields = line[7:].split(",")
            out[fields[0]] = fields
    return out


def plain(text: str) -> str:
    """Dialogue text without override blocks."""
    return re.sub(r"\{[^}]*\}", "", text)


def test_colour_conversion() -> None:
    assert ass_colour("#FFD400") == "&H0000D4FF"
    assert ass_colour("#102030", 0.6) == "&H66302010"
    assert ass_colour("#102030", 0.0) == "&HFF302010"
    with pytest.raises(CaptionError, match="invalid colour"):
        ass_colour("yellow")


def test_header_and_styles_from_font_file(tmp_path: Path) -> None:
    style = CaptionStyle(font_file=BOLD, font_size=70, text_colour="#FF0000", box_opacity=0.6,
                         outline=4, shadow=2, margin_x=90)
    out = tmp_path / "c.ass"
    write_ass([page("Hello there")], style, 1080, 1920, out)
    text = out.read_text(encoding="utf-8")
    assert "PlayResX: 1080" in text and "PlayResY: 1920" in text
    st = styles(out)
    text_style = st["Text"]
    assert text_style[1] == "DejaVu Sans"  # the family inside the font file
    assert text_style[2] == "70"
    assert text_style[3] == "&H000000FF"  # red
    assert text_style[7] == "-1"  # bold
    assert text_style[15:18] == ["1", "4", "2"]  # BorderStyle, Outline, Shadow
    assert text_style[19:21] == ["90", "90"]
    box = st["Box"]
    assert box[15] == "4" and box[6] == "&H66000000"  # one box, 60 % opaque black
    assert not list(tmp_path.glob(".*partial*"))


def test_classic_two_layers_centred_on_position_y(tmp_path: Path) -> None:
    out = tmp_path / "c.ass"
    write_ass([page("Water main burst on Elm street", split=3, start=1.0)],
              CaptionStyle(font_file=BOLD, position_y=1150), 1080, 1920, out)
    events = dialogues(out)
    assert [(e["layer"], e["style"]) for e in events] == [("0", "Box"), ("1", "Text")]
    for e in events:
        assert e["start"] == "0:00:01.00"
        assert "\\an5\\pos(540,1150)" in e["text"]
        assert plain(e["text"]) == "Water main burst\\Non Elm street"


def test_escaping_of_braces_backslash_and_newlines(tmp_path: Path) -> None:
    assert escape_ass_text("a{b}c") == "a\\{b\\}c"
    assert escape_ass_text("x\\Ny") == "x\\\u2060Ny"
    assert escape_ass_text("one\ntwo") == "one two"
    out = tmp_path / "c.ass"
    write_ass([page("{\\b1}bold? back\\slash")], CaptionStyle(font_file=BOLD), 1080, 1920, out)
    text = dialogues(out)[1]["text"]
    assert text.endswith("\\{\\\u2060b1\\}bold? back\\\u2060slash")


def test_family_with_comma_goes_into_override(tmp_path: Path) -> None:
    out = tmp_path / "c.ass"
    write_ass([page("Hi")], CaptionStyle(font_family="Acme, Inc Sans"), 1080, 1920, out)
    assert styles(out)["Text"][1] == "Acme  Inc Sans"
    assert "\\fnAcme, Inc Sans" in dialogues(out)[0]["text"]


def test_uppercase_and_rtl_text_kept_in_logical_order(tmp_path: Path) -> None:
    out = tmp_path / "c.ass"
    arabic = "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645"
    write_ass([page("déjà vu"), page(arabic, start=5)],
              CaptionStyle(font_file=BOLD, uppercase=True), 1080, 1920, out)
    texts = [plain(e["text"]) for e in dialogues(out) if e["style"] == "Text"]
    assert texts == ["DÉJÀ VU", arabic]


def test_long_line_scaled_to_fit_margins(tmp_path: Path) -> None:
    out = tmp_path / "c.ass"
    words = "W" * 40
    write_ass([page(words), page("short", start=5)],
              CaptionStyle(font_file=BOLD, font_size=64, margin_x=110), 1080, 1920, out)
    first, second = (e["text"] for e in dialogues(out) if e["style"] == "Text")
    scale = float(re.search(r"\\fscx([\d.]+)", first).group(1))
    assert 20 < scale < 100
    assert "\\fscx" not in second


def test_karaoke_one_event_per_state_with_accent_on_spoken_word(tmp_path: Path) -> None:
    # Words at 0.0-0.4, 0.5-0.9 (gap 0.1 s is bridged), 2.0-2.4 (gap 1.1 s is not).
    p = CaptionPage(0.0, 3.0, ((Word("one", 0.0, 0.4), Word("two", 0.5, 0.9), Word("three", 2.0, 2.4)),))
    out = tmp_path / "k.ass"
    write_ass([p], CaptionStyle(style="karaoke", font_file=BOLD, accent_colour="#00FF00"), 1080, 1920, out)
    events = dialogues(out)
    spans = [(e["start"], e["end"]) for e in events]
    assert spans == [("0:00:00.00", "0:00:00.50"), ("0:00:00.50", "0:00:00.90"),
                     ("0:00:00.90", "0:00:02.00"), ("0:00:02.00", "0:00:02.40"),
                     ("0:00:02.40", "0:00:03.00")]
    accent = "{\\1c&H00FF00&\\1a&H00&}"
    marked = [re.findall(re.escape(accent) + r"(\w+)", e["text"]) for e in events]
    assert marked == [["one"], ["two"], [], ["three"], []]
    assert all(plain(e["text"]) == "one two three" for e in events)


def test_highlight_states_cover_page_contiguously() -> None:
    p = page("a b c d", start=1.23, step=0.31, dur=0.2, end=3.0)
    states = highlight_states(p)
    assert states[0].start == 1.23 and states[-1].end == 3.0
    for x, y in zip(states, states[1:]):
        assert x.end == y.start
    assert [s.index for s in states if s.index is not None] == [0, 1, 2, 3]


def test_pop_groups_of_at_most_three_words_scaling_in(tmp_path: Path) -> None:
    words = [Word(f"w{i}", i * 0.25, i * 0.25 + 0.2) for i in range(600)]  # 150 s, 4 words/s
    pages = [CaptionPage(words[i].start, words[i + 5].end, (tuple(words[i:i + 3]), tuple(words[i + 3:i + 6])))
             for i in range(0, 600, 6)]
    out = tmp_path / "p.ass"
    write_ass(pages, CaptionStyle(style="pop", font_file=BOLD), 1080, 1920, out)
    events = dialogues(out)
    assert len(events) <= len(words)
    assert len(events) == 200  # 3 words per group, one event per group
    for e in events:
        assert 1 <= len(plain(e["text"]).split()) <= 3
        assert re.search(r"\\fscx60\\fscy60\\t\(0,120,\\fscx100\\fscy100\)", e["text"])
    # Groups on one page follow each other with no hole and no overlap.
    assert events[0]["end"] == events[1]["start"]


def test_pop_groups_merge_words_with_no_time_of_their_own() -> None:
    ws = (Word("a", 0.0, 0.1), Word("b", 0.0, 0.1), Word("c", 0.0, 0.1), Word("d", 0.0, 0.1))
    groups = pop_groups(CaptionPage(0.0, 1.0, (ws,)), CaptionStyle())
    assert [[w.text for w in g[2]] for g in groups] == [["a", "b", "c", "d"]]
    assert groups[0][:2] == (0.0, 1.0)


def test_boxed_box_only_behind_spoken_word(tmp_path: Path) -> None:
    p = CaptionPage(0.0, 2.0, ((Word("boil", 0.0, 0.5), Word("water", 1.0, 1.5)),))
    out = tmp_path / "b.ass"
    write_ass([p], CaptionStyle(style="boxed", font_file=BOLD), 1080, 1920, out)
    pills = [e for e in dialogues(out) if e["style"] == "Pill"]
    assert [(e["start"], e["end"]) for e in pills] == [("0:00:00.00", "0:00:00.50"),
                                                      ("0:00:01.00", "0:00:01.50")]
    assert "{\\3a&H00&}boil{\\3a&HFF&}" in pills[0]["text"]
    assert "{\\3a&H00&}water{\\3a&HFF&}" in pills[1]["text"]
    assert styles(out)["Pill"][5] == "&H0000D4FF"  # accent as the box colour
    # White on the yellow accent fails 4.5:1, so the spoken word turns black.
    assert on_accent_colour(CaptionStyle()) == "#000000"
    assert contrast_ratio((0, 0, 0), (255, 212, 0)) > 4.5


def test_unknown_style_is_a_caption_error(tmp_path: Path) -> None:
    with pytest.raises(CaptionError, match="unknown caption style 'wavy'"):
        write_ass([page("x")], CaptionStyle(style="wavy"), 1080, 1920, tmp_path / "x.ass")


def test_ass_filter_escapes_both_levels() -> None:
    f = ass_filter(Path("/tmp/a b/it's:[x],y;z.ass"), Path("/fonts dir "))
    assert f == ("ass=filename=/tmp/a b/it\\\\\\'s\\\\:\\[x\\]\\,y\\;z.ass"
                 ":fontsdir=/fonts dir /")
