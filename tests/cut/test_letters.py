"""Takes found by their letters when the recogniser wrote a reading as other words, and short
words the recogniser dropped (issue 17: recognition of real speech under traffic noise at 10 dB
in a noisy room)."""

from __future__ import annotations

from reelkit.cut.letters import LETTERS_MATCH, letters, read_by_letters
from reelkit.cut.takes import StreamWord, find_takes, script_lines

SCRIPT = "She had your dark suit in greasy wash water all year. Bobby ripped the ledger."


def stream(text: str) -> list[StreamWord]:
    return [StreamWord(0, w, i * 0.4, i * 0.4 + 0.3) for i, w in enumerate(text.split())]


def test_a_reading_heard_as_other_words_is_one_complete_take_after_its_false_start() -> None:
    # openai-whisper's words for the bench's raw take under traffic at 10 dB
    words = stream("She had your ducks. She had your ducks. It was in washboard all year. Bobby Rip ledger.")
    first, second = find_takes(script_lines(SCRIPT), words)
    assert [(t.complete, words[t.first].start) for t in first] == [(False, 0.0), (True, 1.6)]
    assert words[first[1].last].text == "year."  # the whole reading, up to its last word
    assert first[0].coverage < 0.5 <= LETTERS_MATCH <= first[1].coverage
    # "the" was not heard: leaving a short word out costs half a gap ("Bobby Rip ledger." is a take)
    assert [(t.complete, words[t.first].text, words[t.last].text) for t in second] == [(True, "Bobby", "ledger.")]


def test_a_different_sentence_with_the_same_opening_stays_a_false_start() -> None:
    words = stream("She had your dark coat in the kitchen all day. Bobby ripped the ledger.")
    first, _ = find_takes(script_lines(SCRIPT), words)
    assert [t.complete for t in first] == [False]


def test_the_letter_run_stops_at_a_restart_and_at_a_long_pause() -> None:
    line = "She had your dark suit in greasy wash water all year.".split()
    assert letters(["Don't", "stop,", "2"]) == "dontstop2"
    words = stream("She had your ducks. It was in washboard all year.")
    content = list(range(len(words)))
    free = [False] * len(words)
    import numpy as np
    end, ratio = read_by_letters(line, words, content, 0, np.array(free))  # type: ignore[misc]
    assert words[end].text == "year." and ratio >= LETTERS_MATCH
    restart = stream("She had your ducks. She had your ducks. It was in washboard all year.")
    assert read_by_letters(line, restart, list(range(len(restart))), 0, np.zeros(len(restart), bool)) is None
    paused = [*words[:4], *(StreamWord(0, w.text, w.start + 2.0, w.end + 2.0) for w in words[4:])]
    assert read_by_letters(line, paused, content, 0, np.array(free)) is None
