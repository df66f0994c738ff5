"""Word timing on connected speech (issue 9): forced alignment, both ASR backends, real inference.

The speech is libespeak-ng's, with every word's true onset from its word events
(tests/espeak_events.py); gapped speech is word-by-word synthesis (tests/speech.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from espeak_events import have_libespeak, speak_connected, speak_connected_sentences
from speech import synth_words, write_wav
from reelkit.cli.main import main
from reelkit.speech.align import caption_words, normalise
from reelkit.speech.forced_align import letter_to_sound, pronunciations
from reelkit.speech.types import RecognisedWord, Segment, Transcript

pytestmark = pytest.mark.skipif(not have_libespeak(), reason="libespeak-ng not available")

SENTENCES = [
    "Next month, our crews replace the old water mains on Harbour Street.",
    "The work takes six weeks, said Amara Okafor.",
    "Your tap water stays safe to drink the whole time.",
    "Questions? Call the Water Board on 0800 1234.",
]
# The clip the CLI tests transcribe: two sentences (8 s) keep real inference short; the
# benchmark (scripts/bench_captions.py) measures 26 s of fluent speech.
CLIP = [SENTENCES[0], SENTENCES[3]]
SCRIPT = " ".join(CLIP)


@pytest.fixture(scope="session")
def connected(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray, list]:
    samples, truth = speak_connected_sentences(CLIP, gap=0.4)
    folder = tmp_path_factory.mktemp("connected")
    wav = write_wav(folder / "connected.wav", samples)
    (folder / "script.txt").write_text(SCRIPT + "\n", encoding="utf-8")
    return wav, samples, truth


def onset_errors(words: list[dict], truth: list) -> np.ndarray:
    assert [w["text"] for w in words] == [t.text for t in truth]
    return np.array([abs(w["start"] - t.start) for w, t in zip(words, truth) if t.start == t.start])


@pytest.mark.parametrize("backend", ["faster-whisper", "openai-whisper"])
def test_transcribe_script_on_connected_speech_within_50ms_mean_100ms_p90(
        connected, backend: str, tmp_path: Path) -> None:
    wav, _, truth = connected
    out = tmp_path / "words.json"
    result = CliRunner().invoke(main, ["transcribe", str(wav), "-o", str(out), "--script",
                                       str(wav.parent / "script.txt"), "--asr", backend],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    words = json.loads(out.read_text(encoding="utf-8"))["words"]
    errors = onset_errors(words, truth)  # also: the script's words exactly (0 % WER)
    assert errors.size >= len(truth) - 3
    assert errors.mean() <= 0.050 and np.percentile(errors, 90) <= 0.100, errors
    assert {w["timing"] for w in words} <= {"forced", "onset", "whisper"}
    assert sum(w["timing"] == "forced" for w in words) >= 0.9 * len(words)


def test_gapped_speech_stays_sample_accurate() -> None:
    words = "Crews pull out the old quay walls on Monday.".split()
    samples, truth = synth_words(words, [0.05, 0.2, 0.1, 0.15, 0.25, 0.08, 0.12, 0.3], noise_db=-60)
    # Recogniser times 120 ms late, as tiny.en often is.
    heard = tuple(RecognisedWord(" " + w.text, w.start + 0.12, w.end + 0.12, 0.9) for w in truth)
    tr = Transcript("en", "test", "hand", (Segment(heard[0].start, heard[-1].end, "", heard),))
    got = caption_words(tr, samples, script=" ".join(words))
    errors = np.array([abs(g.start - t.start) for g, t in zip(got, truth)])
    assert [g.text for g in got] == words
    assert errors.mean() <= 0.010 and errors.max() <= 0.050, errors


def test_empty_transcript_with_script_still_timed_from_the_audio(connected) -> None:
    # Defect (a): openai-whisper with the script prompt returned no words for connected
    # speech, and the render published no captions. Given the same empty transcript, the
    # script is now timed from the audio itself.
    _, samples, truth = connected
    empty = Transcript("en", "openai-whisper", "tiny.en", ())
    got = caption_words(empty, samples, script=SCRIPT)
    assert [w.text for w in got] == [t.text for t in truth]
    errors = np.array([abs(g.start - t.start) for g, t in zip(got, truth) if t.start == t.start])
    assert np.percentile(errors, 90) <= 0.100, errors


def test_spoken_adlib_kept_unspoken_dropped() -> None:
    # Defect (b): a confidently recognised word between good script matches was captioned
    # although never spoken ("free in this winter"). With a script, an unscripted word needs
    # the audio's evidence: the decoder keeps it only where it was said.
    script = "Your tap water stays safe to drink the whole time."
    for spoken, extra in (("Your tap water stays really safe to drink the whole time.", True),
                          (script, False)):
        samples, truth = speak_connected(spoken)
        words = [t for t in truth if normalise(t.text) != "really"]
        heard = [RecognisedWord(" " + t.text, t.start + 0.08, t.end + 0.05, 0.95) for t in words]
        k = 4  # after "stays"
        at = heard[k - 1].end
        heard.insert(k, RecognisedWord(" really", at, at + 0.12, 0.9))
        tr = Transcript("en", "faster-whisper", "tiny.en",
                        (Segment(heard[0].start, heard[-1].end, "", tuple(heard)),))
        got = [w.text for w in caption_words(tr, samples, script=script)]
        assert ("really" in got) is extra, got
        assert [w for w in got if w != "really"] == script.split()


def test_pronunciations_for_words_outside_the_dictionary() -> None:
    lookup = {"six": "S IH K S", "weeks": "W IY K S", "oh": "OW", "eight": "EY T", "hundred": "HH AH N D R AH D",
              "zero": "Z IH R OW", "harbour": "HH AA R B ER"}.get
    phones, how = pronunciations("0800", lookup)
    assert "OW EY T OW OW" in phones and how == "dictionary"
    phones, how = pronunciations("Okafor,", lookup)
    assert phones == [letter_to_sound("okafor")] and how == "letter-to-sound"
    assert letter_to_sound("Okafor") == "OW K AE F AO R"
    assert pronunciations("Harbour's", lookup)[0] == ["HH AA R B ER Z"]


def test_plan_with_script_never_has_empty_captions_over_speech(tmp_path: Path, speech_clip: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # Defect (a) end to end: the recogniser's transcript comes back empty (as openai-whisper's
    # did with the script prompt); the plan still captions every script word, from the audio.
    import shutil

    from conftest import SPEECH_SCRIPT
    from reelkit.decide.build import PlanRequest, build_plan
    from reelkit.plan.outline import load_outline
    from reelkit.speech import cache as tcache

    monkeypatch.setenv("REELKIT_CACHE_DIR", str(tmp_path / "cache"))
    shutil.copy(speech_clip, tmp_path / "talk.mp4")
    path = tmp_path / "ep.yaml"
    path.write_text(json.dumps({"title": "Empty", "platforms": ["tiktok"], "script": SPEECH_SCRIPT,
                                "segments": [{"clip": "talk.mp4"}]}), encoding="utf-8")
    request = PlanRequest(inputs=(path,), asr_backend="faster-whisper")
    first = build_plan(load_outline(path), request, tmp_path / "out")
    assert [w.text for w in first.words] == SPEECH_SCRIPT.split()
    entries = list((tmp_path / "cache").rglob("*.json"))
    assert entries
    for entry in entries:  # every cached transcript of this audio now says: no words
        tcache.store_cached(entry.parent.parent, entry.stem, Transcript("en", "openai-whisper", "tiny.en", ()))
    plan = build_plan(load_outline(path), request, tmp_path / "out")
    assert [w.text for w in plan.words] == SPEECH_SCRIPT.split()
    assert all(w.timing == "forced" for w in plan.words)
    assert plan.pages and all(p.end > p.start for p in plan.pages)
    for got, ref in zip(plan.words, first.words):
        assert abs(got.start - ref.start) < 0.15


def test_a_word_put_on_no_speech_moves_onto_the_sound_after_the_pause() -> None:
    """A word the decoder put on a stop's release burst, a pause before its own sound
    (issue 17: "ripped, uh, the ledger" with the "uh" cut), starts where that sound does;
    a word on real sound, or one with no pause after it, stays."""
    from reelkit.speech.forced_words import _onto_sound
    from reelkit.speech.onsets import analyse

    sr = 16000
    rng = np.random.default_rng(3)
    samples = np.zeros(int(2.0 * sr), np.float32)
    for a, b in ((0.20, 0.70), (0.82, 0.85), (1.20, 1.70)):  # "ripped", its release, "the ledger"
        samples[int(a * sr):int(b * sr)] = 0.3 * rng.standard_normal(int(b * sr) - int(a * sr))
    activity = analyse(samples, sr)
    spans = [(0.20, 0.78), (0.80, 0.87), (1.18, 1.70)]
    moved = _onto_sound(["ripped", "the", "ledger"], list(spans), activity)
    assert moved[0] == spans[0]
    assert abs(moved[1][0] - 1.20) < 0.03 and moved[1][1] == moved[2][0] and moved[1][1] - moved[1][0] < 0.15
    assert moved[2][1] == 1.70
    # On sound (the word covers "ripped"'s end): unchanged
    assert _onto_sound(["a", "b"], [(0.50, 0.70), (1.18, 1.70)], activity) == [(0.50, 0.70), (1.18, 1.70)]
    # No pause between the word's span and the next sound: unchanged
    assert _onto_sound(["a", "b"], [(1.05, 1.15), (1.18, 1.70)], activity) == [(1.05, 1.15), (1.18, 1.70)]
