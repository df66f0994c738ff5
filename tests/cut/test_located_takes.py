"""Takes found by forced alignment of the script, without recognition (issue 17 part 2):
a raw take of real speech (MIT, tests/data/realspeech) whose recognised words are withheld,
so every line must be found by the locator; a line that was never said is not invented."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

import realspeech as rs
from reelkit.cut.heard import clip_audio
from reelkit.cut.script_cut import decide_cut
from reelkit.errors import InputError
from reelkit.plan.edit import EditSettings
from reelkit.speech import locate
from reelkit.speech.align import script_tokens

pytestmark = pytest.mark.skipif(not locate.available(), reason="pocketsphinx is not installed")
FPS = 30.0


@pytest.fixture(scope="module")
def take():
    recs = rs.recordings(rs.PROJECT_DATA, ("praatio_bobby", "praatio_mary"))
    samples, ref, script = rs.raw_take(recs)
    return samples, ref, script


def _unheard(samples: np.ndarray):  # type: ignore[no-untyped-def]
    """The take as a clip with nothing recognised in it (as tiny.en in babble at 5 dB)."""
    return clip_audio(Path("take.wav"), samples, [], 0, samples.size / rs.SR, (0.0, samples.size / rs.SR))


def test_lines_nobody_recognised_are_found_by_forced_alignment(take) -> None:
    samples, ref, script = take
    decision = decide_cut(script, [_unheard(samples)], EditSettings(), FPS)
    pieces = decision.pieces
    for w in ref:
        if w.label.startswith("keep"):  # every kept word whole
            assert any(p.start <= w.start and w.end <= p.end for p in pieces), (w, pieces)
        else:  # the false start, the filler inside line 2, the earlier reading of line 2
            inside = sum(max(0.0, min(p.end, w.end) - max(p.start, w.start)) for p in pieces)
            assert inside <= 0.2 * (w.end - w.start), (w, pieces)
    assert [w.text for w in decision.words] == script_tokens(script)
    for d in decision.lines:
        assert d.kept is not None and "forced alignment" in d.reason
    # Line 2 was read twice: the last complete reading is kept, the earlier one is a take too.
    assert len(decision.lines[1].takes) == 2 and decision.lines[1].kept == 1
    # The words in time order, each inside a kept piece, the lines' first words on theirs.
    starts = [w.start for w in decision.words]
    assert starts == sorted(starts)
    assert all(any(p.start <= w.start and w.end <= p.end for p in pieces) for w in decision.words)
    firsts = [next(w for w in ref if w.label == f"keep:{n}") for n in (0, 1)]
    for n, r in zip((0, 4), firsts):
        assert r.start - 0.1 <= decision.words[n].start <= r.end


def test_a_line_never_said_is_not_invented(take, caplog: pytest.LogCaptureFixture) -> None:
    samples, ref, script = take
    extra = script + "Crews repair the water main tonight.\n"
    with pytest.raises(InputError, match="found in no clip"):
        decide_cut(extra, [_unheard(samples)], EditSettings(), FPS)
    with caplog.at_level(logging.WARNING, logger="reelkit.cut"):
        decision = decide_cut(extra, [_unheard(samples)], EditSettings(missing_lines="warn"), FPS)
    assert decision.missing == ("Crews repair the water main tonight.",)
    assert [d.kept is not None for d in decision.lines] == [True, True, False]
    assert any("not found" in r.message for r in caplog.records)


def test_the_right_line_fits_its_reading_better_than_another(take) -> None:
    samples, ref, script = take
    lines = [script_tokens(x) for x in script.splitlines() if x.strip()]
    first = [w for w in ref if w.label == "keep:0"]
    right, wrong = locate.fits(lines, samples, first[0].start - 0.05, first[-1].end + 0.05)
    assert right is not None and (wrong is None or wrong < right - 5)
    placed = locate.locate(lines, samples, 0.0, samples.size / rs.SR)
    assert placed is not None and placed[0][0] < placed[1][0]
