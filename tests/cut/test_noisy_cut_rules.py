"""Rules of the script cut for noisy rooms (issue 17 point 4), each on a raw take of real
speech (MIT, tests/data/realspeech) or on the alignment data the rule reads:

- a run of recognised words with no duration (openai-whisper under babble wrote a line's
  words again, all at one instant, inside the real reading) is no take of the line;
- sound between two aligned words that the recogniser places where the decoder does is
  removed (an "uh" the decoder took for silence under traffic noise), not kept in the cut;
- a recognised word where the voice map hears no sound ("Thank you." written on room tone
  after the last line) does not bound the take's region (it clipped "scratch");
- a stretched word whose start the recogniser confirms ends where the recogniser ends it, the
  rest of the stretch removed ("to" drawn over "to, uh, offer" under babble);
- on the benchmark's raw take in babble at 5 dB SNR (../shared recordings; skipped without
  them), the whole cut: no kept word clipped, no dropped word kept, pauses at the settings
  (a line's last word drawn into the babble ends where the locator or the recogniser ends it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import realspeech as rs
from reelkit.cut.checks import heard_ends, on_sound
from reelkit.cut.checks import confirmed_gaps, sounds_alone
from reelkit.cut.heard import clip_audio, without_collapsed
from reelkit.cut.script_cut import decide_cut
from reelkit.cut.takes import StreamWord
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


def test_a_sound_on_its_own_that_nobody_wrote_a_word_on_is_removed() -> None:
    # "Bobby ripped, uh, the ledger." heard as "Bobby Rip ledger." (openai-whisper, traffic
    # 10 dB): neither word beside the "uh" was heard as itself, so confirmed_gaps has no say.
    result = TakeAlignment(words=((6.68, 7.06), (7.05, 7.32), (8.39, 8.50), (8.49, 8.91)), removed=())
    voiced = _voiced([(6.60, 7.33), (7.61, 8.15), (8.38, 8.95)])
    spoken = [(6.70, 7.05), (7.05, 7.40), (8.30, 8.90)]
    assert confirmed_gaps(result, voiced, {0: spoken[0]}) is None
    fixed = sounds_alone(result, voiced, spoken)
    assert fixed is not None and fixed.words == result.words
    (kind, s, e), = fixed.removed
    assert kind == "filler" and abs(s - 7.61) < 1e-6 and abs(e - 8.15) < 1e-6
    # the recogniser wrote a word on it: a word, kept (the alignment stays rejected)
    assert sounds_alone(result, voiced, [*spoken, (7.70, 8.10)]) is None
    # sound running into the next aligned word: that word's own (it was put too late)
    late = TakeAlignment(words=((6.68, 7.06), (7.05, 7.32), (8.39, 8.50), (8.49, 8.91)), removed=())
    assert sounds_alone(late, _voiced([(6.60, 7.33), (7.61, 8.36), (8.38, 8.95)]), spoken) is None
    # longer than a hesitation: a word
    assert sounds_alone(result, _voiced([(6.60, 7.33), (7.45, 8.30), (8.38, 8.95)]), spoken) is None


def test_a_stretched_word_ends_where_the_recogniser_ends_it() -> None:
    tokens = ["It", "is", "futile", "to", "offer"]
    # "to" (T AH) drawn over the "uh" after it, up to "offer".
    result = TakeAlignment(words=((6.25, 6.40), (6.40, 6.53), (6.53, 7.08), (7.08, 8.28), (8.28, 8.58)), removed=())
    heard = {2: (6.70, 7.06), 3: (7.06, 7.28), 4: (7.28, 8.44)}
    voiced = _voiced([(6.25, 7.19), (7.48, 8.02), (8.31, 8.58)])
    fixed = heard_ends(tokens, result, voiced, heard)
    assert fixed is not None
    assert fixed.words[3] == (7.08, 7.28) and fixed.words[4] == result.words[4]
    assert ("filler", 7.28, 8.28) in fixed.removed  # the "uh" (7.48-8.02) is cut, "to" kept whole
    # Where the recogniser heard "to" elsewhere (or not at all), nothing is trusted.
    assert heard_ends(tokens, result, voiced, {**heard, 3: (7.40, 7.60)}) is None
    assert heard_ends(tokens, result, voiced, {2: heard[2], 4: heard[4]}) is None


@pytest.mark.slow
@pytest.mark.skipif(not rs.shared_available(), reason="needs ../shared/testdata/realspeech")
@pytest.mark.parametrize("backend", ["faster-whisper", "openai-whisper"])
def test_bench_raw_take_in_babble_is_cut_cleanly(backend: str) -> None:
    from reelkit.cut.heard import FILLER_PROMPT
    from reelkit.speech import transcribe
    from reelkit.speech.align import script_prompt

    names = ("emu_ae_msajc003", "emu_ae_msajc010", "emu_ae_msajc012", "emu_ae_msajc015", "emu_ae_msajc022")
    pool: dict[str, rs.Recording] = {}
    for folder in (rs.PROJECT_DATA, rs.SHARED_DATA):  # as scripts/bench_realspeech.py pools them
        for rec in rs.recordings(folder):
            pool.setdefault(rec.name, rec)
    if not all(n in pool for n in names):
        pytest.skip("the benchmark's recordings are not all in ../shared")
    samples, ref, script = rs.raw_take([pool[n] for n in names])
    others = [r.samples for n, r in sorted(pool.items()) if n not in names]
    audio = rs.mix(samples, rs.babble(others[:4], samples.size, 21), 5.0)
    tr = transcribe(audio, backend=backend, initial_prompt=f"{FILLER_PROMPT} {script_prompt(script)}",
                    keep_repeats=True, use_cache=False)
    clip = clip_audio(Path("take.wav"), audio, tr.words, 0, audio.size / rs.SR, (0.0, audio.size / rs.SR))
    settings = EditSettings()
    pieces = decide_cut(script, [clip], settings, FPS).pieces
    for w in ref:
        if w.label.startswith("keep"):
            assert any(p.start <= w.start and w.end <= p.end for p in pieces), (w, pieces)
        else:  # the false start, the "uh" inside line 2 and the earlier reading of line 3
            inside = sum(max(0.0, min(p.end, w.end) - max(p.start, w.start)) for p in pieces)
            assert inside <= 0.2 * (w.end - w.start), (w, pieces)
    keep = [w for w in ref if w.label.startswith("keep")]
    pads = settings.pad_before + settings.pad_after
    for a, b in zip(keep, keep[1:]):  # what the cut keeps of the pause between two kept words
        kept = sum(max(0.0, min(p.end, b.start) - max(p.start, a.end)) for p in pieces)
        assert kept <= (settings.pause_inside if a.label == b.label else settings.pause_between) + pads, (a, b)


def test_a_word_heard_on_no_sound_is_no_neighbour() -> None:
    voiced = _voiced([(24.0, 25.175)])  # "scratch" fades out at 25.175 s; room tone after
    assert not on_sound(StreamWord(0, "Thank", 25.14, 25.30, 0.01), voiced)
    assert not on_sound(StreamWord(0, "you.", 25.30, 25.30, 0.98), voiced)  # no duration: its first 0.15 s
    assert on_sound(StreamWord(0, "scratch.", 24.80, 25.14), voiced)
    assert on_sound(StreamWord(0, "Mary", 24.90, 24.90), voiced)  # no duration, on sound
    assert on_sound(StreamWord(0, "Thank", 25.14, 25.30), None)  # no voice map: every word counts
