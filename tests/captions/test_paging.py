"""Caption paging: examples of each rule, and properties over random word streams."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reelkit.captions.linebreaks import is_binding
from reelkit.captions.paging import check_page_rules, is_sentence_end, paginate
from reelkit.plan.model import CaptionPage, CaptionRules, Word

RULES = CaptionRules()
FPS = 30.0
GAP = RULES.min_gap_frames / FPS


def timed(text: str, start: float = 0.0, step: float = 0.3, dur: float = 0.25) -> list[Word]:
    return [Word(w, start + i * step, start + i * step + dur) for i, w in enumerate(text.split())]


def texts(pages) -> list[str]:
    return [p.text for p in pages]


# --- examples ---------------------------------------------------------------------------------

def test_sentence_end_breaks_page_even_when_more_would_fit() -> None:
    pages = paginate(timed("Water is off. Crews are on site."), RULES, FPS)
    assert texts(pages) == ["Water is off.", "Crews are on site."]


def test_closing_quote_after_full_stop_ends_sentence() -> None:
    assert is_sentence_end('stop."')
    assert is_sentence_end("really?)")
    assert is_sentence_end("\u0645\u0627\u0630\u0627\u061f")  # Arabic question mark
    assert not is_sentence_end("3.5")
    pages = paginate(timed('He said "stop." Then left'), RULES, FPS)
    assert texts(pages) == ['He said "stop."', "Then left"]


def test_pause_longer_than_pause_break_splits() -> None:
    words = timed("one two") + timed("three four", start=0.6 + 0.55)
    pages = paginate(words, RULES, FPS)
    assert texts(pages) == ["one two", "three four"]
    # A pause just under the limit keeps them together.
    words = timed("one two") + timed("three four", start=0.55 + 0.45)
    assert texts(paginate(words, RULES, FPS)) == ["one two three four"]


def test_two_lines_are_balanced_no_orphan() -> None:
    text = "please boil all tap water before you drink it again"
    pages = paginate(timed(text, step=0.4, dur=0.35), RULES, FPS)
    assert len(pages) == 1
    top, bottom = pages[0].text.split("\n")
    assert abs(len(top) - len(bottom)) <= 8
    assert " " in top and " " in bottom
    assert len(top) <= 32 and len(bottom) <= 32


def test_single_word_longer_than_line_stays_alone() -> None:
    long = "Rechtsschutzversicherungsgesellschaften"  # 39 characters
    pages = paginate(timed(f"the {long} pays"), RULES, FPS)
    lines = [line for p in pages for line in p.lines]
    assert any(len(line) == 1 and line[0].text == long for line in lines)
    assert check_page_rules(pages, RULES, FPS) == []


def test_reading_speed_extends_into_following_gap() -> None:
    # 30 characters spoken in 0.9 s, then silence: needs 30/17 = 1.76 s on screen.
    words = timed("Temporary supply at the school", step=0.18, dur=0.16)
    pages = paginate(words, RULES, FPS)
    assert len(pages) == 1
    assert math.isclose(pages[0].end - pages[0].start, 30 / 17, rel_tol=1e-9)


def test_extension_stops_before_next_page_minus_gap() -> None:
    words = timed("Temporary supply at the school.", step=0.18, dur=0.16)
    nxt = timed("Bring bottles", start=1.2)
    pages = paginate(words + nxt, RULES, FPS)
    assert texts(pages) == ["Temporary supply at the school.", "Bring bottles"]
    assert math.isclose(pages[0].end, 1.2 - GAP, abs_tol=1e-9)


def test_short_page_extended_to_min_duration() -> None:
    pages = paginate([Word("Hi.", 1.0, 1.2), Word("Next", 5.0, 5.3)], RULES, FPS)
    assert math.isclose(pages[0].end, 1.0 + RULES.min_duration)


def test_touching_words_split_keep_gap() -> None:
    words = [Word("alpha.", 0.0, 1.0), Word("beta", 1.0, 2.0)]
    pages = paginate(words, RULES, FPS)
    assert pages[1].start == 1.0
    assert math.isclose(pages[1].start - pages[0].end, GAP)


def test_page_over_max_duration_is_split() -> None:
    words = timed("slow words keep coming one by one here", step=1.2, dur=1.0)
    pages = paginate(words, RULES, FPS)
    assert len(pages) > 1
    assert all(p.end - p.start <= RULES.max_duration for p in pages)
    assert [w.text for p in pages for w in p.words] == [w.text for w in words]


def test_too_fast_page_is_split_when_a_page_would_need_over_max_duration() -> None:
    rules = CaptionRules(max_duration=3.0)
    # 60 characters in 2.4 s: one page would need 3.5 s > max 3 s, two pages get ~1.8 s each.
    words = timed("aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll", step=0.2, dur=0.18)
    pages = paginate(words, rules, FPS)
    assert len(pages) == 2
    assert check_page_rules(pages, rules, FPS) == []


def test_windows_clip_pages_and_drop_outside_words() -> None:
    words = timed("one two three four five six", step=0.5, dur=0.4)  # 0.0 .. 2.9
    pages = paginate(words, RULES, FPS, windows=[(0.0, 1.3), (2.0, 4.0)])
    # "three" (1.0-1.4, midpoint 1.2) is inside the first window, clipped to it;
    # "four" (1.5-1.9) is in no window.
    assert [w.text for p in pages for w in p.words] == ["one", "two", "three", "five", "six"]
    first = [p for p in pages if p.start < 1.3]
    assert first and all(p.end <= 1.3 for p in first)
    assert all(w.end <= 1.3 for p in first for w in p.words)
    assert not any(p.start < 2.0 < p.end for p in pages)


def test_adjacent_windows_keep_gap_across_edge() -> None:
    words = [Word("left", 0.5, 0.99), Word("right", 1.0, 1.5)]
    pages = paginate(words, RULES, FPS, windows=[(0.0, 1.0), (1.0, 2.0)])
    assert texts(pages) == ["left", "right"]
    assert pages[0].end <= 1.0 - GAP + 1e-9


def test_comma_is_preferred_page_break() -> None:
    text = ("the plant on river road is closed for repairs, so the east side gets water "
            "from the north reservoir")
    pages = paginate(timed(text, step=0.4, dur=0.35), RULES, FPS)
    assert pages[0].words[-1].text == "repairs,"


def test_check_page_rules_reports_each_kind() -> None:
    w = Word
    pages = [
        CaptionPage(0.0, 0.3, ((w("a" * 10, 0, 0.1), w("b" * 30, 0.1, 0.2)),)),  # line too long
        CaptionPage(0.31, 9.0, ((w("x", 0.31, 0.4),), (w("y", 1, 2),), (w("z", 2, 3),))),
        CaptionPage(20.0, 20.3, ((w("Too", 20.0, 20.1), w("short", 20.1, 20.3)),)),
    ]
    problems = check_page_rules(pages, RULES, FPS, windows=[(0.0, 5.0), (10.0, 30.0)])
    joined = "\n".join(problems)
    assert "line 1 has 41 characters (max 32)" in joined
    assert "3 lines (max 2)" in joined
    assert "max 7.0 s" in joined
    assert "gap to the next page" in joined
    assert "not inside one caption window" in joined
    assert "page 3 (20.000-20.300 s): on screen 0.300 s (min 0.83 s)" in joined
    assert "page 3 (20.000-20.300 s): 9 characters in 0.300 s read at 30.0 chars/s (max 17)" in joined


def test_check_page_rules_accepts_short_page_when_next_follows_closely() -> None:
    pages = [CaptionPage(0.0, 0.4, ((Word("Yes.", 0, 0.4),),)),
             CaptionPage(0.4 + GAP, 2.0, ((Word("Go", 0.5, 0.8),),))]
    assert check_page_rules(pages, RULES, FPS) == []


def test_empty_and_blank_input() -> None:
    assert paginate([], RULES, FPS) == ()
    assert paginate([Word("  ", 0, 1)], RULES, FPS) == ()


# --- properties -------------------------------------------------------------------------------

plain_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéçüš", min_size=1, max_size=12)
long_word = st.text(alphabet="abcdefghij", min_size=33, max_size=50)
suffix = st.sampled_from(["", "", "", "", ".", ",", "?", '."', "!"])


@st.composite
def word_text(draw) -> str:
    base = draw(st.one_of(plain_word, plain_word, plain_word, plain_word, long_word))
    return base + draw(suffix)


@st.composite
def scenario(draw):
    n = draw(st.integers(0, 45))
    t = draw(st.floats(0.0, 2.0))
    words = []
    for _ in range(n):
        t += draw(st.one_of(st.just(0.0), st.floats(0.0, 0.4), st.floats(0.4, 3.0)))
        # Words last at least 0.2 s, so a word clipped at a window edge keeps 0.1 s: more
        # than the 2-frame gap at 24 fps, which keeps every rule satisfiable.
        dur = draw(st.floats(0.2, 1.5))
        words.append(Word(draw(word_text()), t, t + dur))
        t += dur
    rules = CaptionRules(max_chars_per_line=draw(st.integers(12, 42)),
                         max_lines=draw(st.integers(1, 3)),
                         max_cps=draw(st.sampled_from([13.0, 17.0, 20.0])),
                         max_duration=draw(st.sampled_from([3.0, 7.0])))
    fps = draw(st.sampled_from([24.0, 25.0, 30.0, 50.0, 60.0]))
    windows: list[tuple[float, float]] = []
    if draw(st.booleans()):
        cuts = sorted(draw(st.lists(st.floats(0.0, t + 1.0), min_size=2, max_size=8)))
        touching = draw(st.booleans())
        step = 1 if touching else 2
        windows = [(a, b) for a, b in zip(cuts[::step], cuts[1::step]) if b > a]
    return words, rules, fps, windows


def _window_of(page, windows):
    if not windows:
        return (-math.inf, math.inf)
    for a, b in windows:
        if a <= page.start and page.end <= b:
            return (a, b)
    return None


def _inside(word, windows) -> bool:
    if not windows:
        return True
    mid = (word.start + word.end) / 2
    return any(a <= mid < b for a, b in windows)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_pages_obey_rules(case) -> None:
    words, rules, fps, windows = case
    pages = paginate(words, rules, fps, windows)
    gap = rules.min_gap_frames / fps
    eps = 1e-9

    # No word lost inside the windows, none added, order kept.
    assert [w.text for p in pages for w in p.words] == [w.text for w in words if _inside(w, windows)]

    for i, page in enumerate(pages):
        assert page.end > page.start
        assert 1 <= len(page.lines) <= rules.max_lines
        for line in page.lines:
            assert line
            if len(line) > 1:
                assert len(" ".join(w.text for w in line)) <= rules.max_chars_per_line
        assert page.end - page.start <= rules.max_duration + eps
        window = _window_of(page, windows)
        assert window is not None, (page, windows)
        limit = window[1]
        if i + 1 < len(pages):
            assert pages[i + 1].start - page.end >= gap - eps
            limit = min(limit, pages[i + 1].start - gap)
        # Min duration and reading speed hold exactly where the time up to the next page
        # (minus the gap), the window end and max_duration leave room for them.
        room = min(limit, page.start + rules.max_duration) - page.start
        need = max(rules.min_duration, len(page.text) / rules.max_cps)
        assert page.end - page.start >= min(need, room) - eps

    assert check_page_rules(pages, rules, fps, windows) == []


@settings(max_examples=100, deadline=None)
@given(scenario())
def test_line_layout_has_no_avoidable_orphan(case) -> None:
    words, rules, fps, windows = case
    for page in paginate(words, rules, fps, windows):
        if len(page.lines) != 2:
            continue
        top, bottom = page.lines
        # Moving one word across the break never makes the longer line shorter.
        lengths = [len(" ".join(w.text for w in line)) for line in page.lines]
        worst = max(lengths)
        for moved in ((top[:-1], (top[-1], *bottom)), ((*top, bottom[0]), bottom[1:])):
            if not moved[0] or not moved[1]:
                continue
            alt = [len(" ".join(w.text for w in line)) for line in moved]
            fits = all(len(line) == 1 or n <= rules.max_chars_per_line for line, n in zip(moved, alt))
            # Avoided on purpose, even where it would balance the lines better: a break after
            # an article, preposition or conjunction (the language's reading rule), a line of
            # one word more than the page has, a top line longer than the one below it where
            # it was not, giving up a break after a sentence or clause.
            on_purpose = (is_binding(moved[0][-1].text, rules.language)
                          or _one_word_lines(moved) > _one_word_lines(page.lines)
                          or (alt[0] > alt[1] and lengths[0] <= lengths[1])
                          or (_ends_phrase(top[-1].text) and not _ends_phrase(moved[0][-1].text)))
            if fits and not on_purpose:
                assert max(alt) >= worst or sum(a * a for a in alt) >= sum(n * n for n in lengths)


def _one_word_lines(lines) -> int:
    return sum(1 for line in lines if len(line) == 1)


def _ends_phrase(text: str) -> bool:
    """Does ``text`` end a sentence or a clause (a break after it is preferred)?"""
    return text.rstrip("\"'\u201d\u2019").endswith((".", "!", "?", ",", ";", ":"))
