"""The script cut on a Dutch raw take (issue 18): a false start, Dutch fillers ("ehm", "eh")
and a line read twice, cut by the Dutch script; every word's time is exact (espeak-ng, word
by word)."""

from __future__ import annotations

import pytest

from conftest import needs_espeak
from media import talking_clip
from speech import SR, synth_words, write_wav
from reelkit.cut.heard import listen
from reelkit.cut.script_cut import decide_cut
from reelkit.plan.edit import EditSettings
from reelkit.speech.align import script_tokens

pytestmark = [needs_espeak, pytest.mark.slow]
SCRIPT = "Het waterschap vervangt de dijk bij het dorp.\nHet werk duurt zes weken.\n"
PERFORMANCE = [
    *[(w, 0.14, "false_start") for w in "Het waterschap".split()],
    ("vervangt", 0.9, "false_start"),
    *[(w, 0.14, "keep:0") for w in "Het waterschap vervangt".split()],
    ("ehm", 0.3, "filler"),
    *[(w, 0.14, "keep:0") for w in "de dijk bij het".split()],
    ("dorp.", 1.2, "keep:0"),
    *[(w, 0.14, "earlier_take") for w in "Het werk duurt zes".split()],
    ("weken.", 0.9, "earlier_take"),
    ("eh", 0.9, "filler"),
    *[(w, 0.14, "keep:1") for w in "Het werk duurt zes".split()],
    ("weken.", 0.6, "keep:1"),
]


@pytest.fixture(scope="module")
def take(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("dutch")
    samples, placed = synth_words([w for w, _, _ in PERFORMANCE], [g for _, g, _ in PERFORMANCE[:-1]],
                                  lead=0.6, tail=0.6, voice="nl", noise_db=-62)
    wav = write_wav(folder / "take.wav", samples, SR)
    clip = talking_clip(folder / "take.mp4", wav, size="320x180", fps=25, duration=samples.size / SR, crf=34)
    return clip, [(p.start, p.end, lab) for p, (_, _, lab) in zip(placed, PERFORMANCE)]


def _kept(pieces, a: float, b: float) -> float:
    return sum(max(0.0, min(p.end, b) - max(p.start, a)) for p in pieces) / (b - a)


@pytest.mark.xfail(run=False, reason="Whisper base mishears word-by-word espeak Dutch, so the lines are found by "
                   "the forced-alignment locator (now it finds both: garbage penalty), but the word-by-word alignment "
                   "of line 2's last reading (English phones for espeak Dutch) puts 'Het' on 'werk' and cuts the real "
                   "'Het' as a restart")
def test_dutch_take_is_cut_by_its_dutch_script(take) -> None:
    clip, words = take
    heard = listen([clip], SCRIPT, language="nl")
    decision = decide_cut(SCRIPT, heard, EditSettings(), 30.0)
    for a, b, label in words:
        share = _kept(decision.pieces, a, b)
        if label.startswith("keep"):
            assert share > 0.9, (label, a, b, share)
        else:
            assert share <= 0.2, (label, a, b, share)
    assert [w.text for w in decision.words] == script_tokens(SCRIPT)
    assert decision.lines[1].kept == 1 and len(decision.lines[1].takes) == 2
