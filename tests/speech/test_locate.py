"""The take locator's garbage penalty (issues 17 and 18): a line the English model hears
poorly (word-by-word espeak Dutch through English phones) is found among a phone loop
before and after it, and a line never said is not placed where it fits."""

from __future__ import annotations

import pytest

from conftest import needs_espeak
from speech import SR, synth_words
from reelkit.cut.located import FIT_MIN
from reelkit.speech import locate
from reelkit.speech.align import script_tokens

pytestmark = [needs_espeak, pytest.mark.skipif(not locate.available(), reason="pocketsphinx is not installed")]
LINE = "Het waterschap vervangt de dijk bij het dorp."
# A false start of the line, a pause, the whole line, a pause, another sentence.
SAID = ["Het", "waterschap", "vervangt", *LINE.split(), *"Het werk duurt zes weken.".split()]
GAPS = [0.14, 0.14, 0.9, 0.14, 0.14, 0.3, 0.14, 0.14, 0.14, 0.14, 1.2, 0.14, 0.14, 0.14, 0.14]


@pytest.fixture(scope="module")
def take():
    samples, placed = synth_words(SAID, GAPS, lead=0.6, tail=0.6, voice="nl", noise_db=-62)
    return samples, placed[3].start, placed[10].end


def test_a_poorly_heard_line_is_found_among_the_phone_loop(take) -> None:
    samples, start, end = take
    after_false_start = start - 0.5  # the loop before the line: the pause and the false start's end
    found = locate.locate([script_tokens(LINE)], samples, after_false_start, samples.size / SR, "nl")
    assert found is not None
    (a, b), = found
    assert abs(a - start) < 0.2 and abs(b - end) < 0.3, (a, b, start, end)
    fit = locate.fits([script_tokens(LINE)], samples, a - 0.05, b + 0.05, "nl")[0]
    assert fit is not None and fit >= FIT_MIN


def test_a_line_never_said_does_not_fit_where_it_is_placed(take) -> None:
    samples, _, _ = take
    never = script_tokens("De burgemeester opent morgen de nieuwe brug.")
    found = locate.locate([never], samples, 0.0, samples.size / SR, "nl")
    if found is not None:  # drawn somewhere by the strong penalty: the fit says it is not there
        (a, b), = found
        fit = locate.fits([never], samples, a - 0.05, b + 0.05, "nl")[0]
        assert fit is None or fit < FIT_MIN
