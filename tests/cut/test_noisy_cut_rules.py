"""Rules of the script cut for noisy rooms (issue 17 point 4), each on a raw take of real
speech (MIT, tests/data/realspeech) or on the alignment data the rule reads:

- a run of recognised words with no duration (openai-whisper under babble wrote a line's
  words again, all at one instant, inside the real reading) is no take of the line;
- sound between two aligned words that the recogniser places where the decoder does is
  removed (an "uh" the decoder took for silence under traffic noise), not kept in the cut.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import realspeech as rs
from reelkit.cut.unexplained import confirmed_gaps
from reelkit.cut.heard import clip_audio, without_collapsed
from reelkit.cut.script_cut import decide_cut
from reelkit.plan.edit import EditSettings
from reelkit.speech import locate
from reelkit.speech.take_align import TakeAlignment
from reelkit.speech.types import RecognisedWord

FPS = 30.0


def _word(text: str, start: float, end: float) -> RecognisedWord:
    return RecognisedWord(text, start, end, 0.9)


def test_a_run_of_words_without_duration_is_dropped_a_single_one_stays() -> None:
    words = [_word("Mary", 1.0, 1.0), _word("rolled", 1.0, 1.3), _word("the", 1.3, 1.3), _word("barrel.", 1.3, 1.3),
             _word("Mary", 1.3, 1.3), _word("rolled", 1.3, 1.6), _word("the", 1.7, 1.8)]
    kept = [w.text for w in without_collapsed(words)]
    assert kept == ["Mary", "rolled", "rolled", "the"]


@pytest.mark.skipif(not locate.available(), reason="pocketsphinx is not installed")
def test_a_collapsed_repetition_inside_the_last_reading_is_not_a_take() -> None:
    recs = rs.recordings(rs.PROJECT_DATA, ("praatio_bobby", "praatio_mary"))
    samples, ref, script = rs.raw_take(recs)
    heard = [_word(w.text, w.start, w.end) for w in ref if w.label != "filler"]
    rolled = max(k for k, w in enumerate(ref) if w.text == "rolled" and w.label == "keep:1")
    at = ref[rolled].end
    # As openai-whisper wrote it: the line's words again, at one instant, after "rolled".
    heard[rolled:rolled] = [_word(t, at, at) for t in ("the", "barrel.", "Mary", "rolled")]
    heard.sort(key=lambda w: w.start)
    clip = clip_audio(Path("take.wav"), samples, heard, 0, samples.size / rs.SR, (0.0, samples.size / rs.SR))
    decision = decide_cut(script, [clip], EditSettings(), FPS)
    pieces = decision.pieces
    for w in ref:
        if w.label.startswith("keep"):  # no kept word clipped
            assert any(p.start <= w.start and w.end <= p.end for p in pieces), (w, pieces)
        else:  # the false start, the filler and the earlier reading are cut
            inside = sum(max(0.0, min(p.end, w.end) - max(p.start, w.start)) for p in pieces)
            assert inside <= 0.2 * (w.end - w.start), (w, pieces)


def _voiced(islands):  # type: ignore[no-untyped-def]
    return lambda a, b: [(max(a, x), min(b, y)) for x, y in islands if y > a and x < b]


def test_sound_between_words_both_place_alike_is_removed() -> None:
    # "ripped" and "the" aligned where the recogniser heard them; an "uh" (sound) between.
    result = TakeAlignment(words=((6.68, 7.05), (7.05, 7.32), (8.39, 8.50), (8.50, 8.91)), removed=())
    voiced = _voiced([(6.68, 7.32), (7.62, 8.15), (8.39, 8.91)])
    heard = {0: (6.78, 7.08), 1: (7.08, 7.38), 2: (8.00, 8.58), 3: (8.58, 8.90)}
    fixed = confirmed_gaps(result, voiced, heard)
    assert fixed is not None and fixed.words == result.words
    (kind, s, e), = fixed.removed
    assert kind == "filler" and s <= 7.62 + 1e-6 and e >= 8.15 - 1e-6
    assert s >= 7.32 and e <= 8.39  # never into a kept word


def test_sound_between_words_the_recogniser_places_elsewhere_is_not_removed() -> None:
    # "the" aligned just after "ripped", the recogniser heard it a second later: the words may
    # be on something else, so the sound between is not cut (the alignment stays rejected).
    result = TakeAlignment(words=((6.68, 7.05), (7.05, 7.30), (7.30, 7.38), (8.40, 8.91)), removed=())
    voiced = _voiced([(6.68, 7.38), (7.62, 8.15), (8.40, 8.91)])
    heard = {0: (6.78, 7.08), 1: (7.08, 7.38), 2: (8.00, 8.58), 3: (8.58, 8.90)}
    assert confirmed_gaps(result, voiced, heard) is None
    assert confirmed_gaps(result, voiced, {0: heard[0], 1: heard[1]}) is None  # unheard words: no say
