"""Caption timing on real human speech (issue 17): the outline path on recordings of real
people with reference word times (MIT, tests/data/realspeech), clean and with generated
babble and traffic noise; a falsetto recording never loses a script word; known words timed
on kept audio are never dropped; translated cues stay inside their spoken source line."""

from __future__ import annotations

import numpy as np
import pytest

import realspeech as rs
from reelkit.speech import transcribe
from reelkit.speech.align import caption_words, interpolate_unplaced, script_prompt, script_tokens, time_known_words


def _caption(audio: np.ndarray, script: str, backend: str):
    tr = transcribe(audio, backend=backend, initial_prompt=script_prompt(script) or None, use_cache=False)
    return caption_words(tr, audio, script=script)


@pytest.mark.slow
@pytest.mark.parametrize("backend, noise", [("faster-whisper", None), ("openai-whisper", None),
                                            ("faster-whisper", "traffic")])
def test_outline_path_on_real_speech(backend: str, noise: str | None) -> None:
    pool = rs.recordings(rs.PROJECT_DATA)
    errors = []
    for rec in pool:
        audio = rs.noisy(rec, noise, 10.0, pool) if noise else rec.samples
        script = rs.script_text(rec)
        words = _caption(audio, script, backend)
        assert [w.text for w in words] == script_tokens(script)  # 0 % WER, none missing
        assert all(w.timing == "forced" for w in words), [(w.text, w.timing) for w in words]
        errors += [rs.start_error(r, w.start) for r, w in zip(rec.words, words)]
    assert np.mean(errors) <= 0.05 and np.percentile(errors, 90) <= 0.1, errors


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["faster-whisper", "openai-whisper"])
def test_outline_path_in_babble_places_every_word_inside_its_spoken_span(backend: str) -> None:
    # Other voices at 5 dB under the speaker: the forced aligner must still place every
    # script word (none interpolated, none missing), in order, each starting inside the
    # stretch where the reference says it was spoken (a stop's closure allowed before it).
    pool = rs.recordings(rs.PROJECT_DATA)
    for rec in pool:
        audio = rs.noisy(rec, "babble", 5.0, pool)
        script = rs.script_text(rec)
        words = _caption(audio, script, backend)
        assert [w.text for w in words] == script_tokens(script)  # 0 % WER, none missing
        assert all(w.timing == "forced" for w in words), [(w.text, w.timing) for w in words]
        assert all(a.end <= b.start + 1e-6 for a, b in zip(words, words[1:]))
        for ref, w in zip(rec.words, words):
            assert ref.start - 0.05 <= w.start < ref.end, (rec.name, ref, w)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["faster-whisper", "openai-whisper"])
def test_falsetto_keeps_every_script_word(backend: str) -> None:
    from reelkit.speech import load_audio

    audio = load_audio(rs.PROJECT_DATA / "mfa_test_falsetto2.flac")
    script = (rs.PROJECT_DATA / "mfa_test_falsetto2.txt").read_text(encoding="utf-8").strip().capitalize() + "."
    words = _caption(audio, script, backend)
    assert [w.text for w in words] == script_tokens(script)
    assert all(w.timing for w in words)
    starts = [w.start for w in words]
    assert starts == sorted(starts) and all(a.end <= b.start + 1e-6 for a, b in zip(words, words[1:]))


def test_known_words_are_never_dropped_and_say_how_they_were_timed() -> None:
    # Silence: the aligner can place nothing, so every word is interpolated, in order.
    words = time_known_words(["Water", "is", "off."], [(0.5, 0.8), (0.8, 0.9), (0.9, 1.4)],
                             np.zeros(32000, dtype=np.float32))
    assert [w.text for w in words] == ["Water", "is", "off."]
    assert all(w.timing == "interpolated" for w in words)
    assert all(a.end <= b.start for a, b in zip(words, words[1:]))
    # Unplaced words share the room between placed neighbours.
    spans = interpolate_unplaced([(0.0, 0.4), (0.1, 0.2), (0.1, 0.3), (1.0, 1.4)], [True, False, False, True], 2.0)
    assert spans[0] == (0.0, 0.4) and spans[3] == (1.0, 1.4)
    assert spans[1] == (0.4, 0.7) and spans[2] == (0.7, 1.0)


@pytest.mark.slow
def test_translated_cues_lie_inside_their_spoken_source_line() -> None:
    from espeak_events import have_libespeak, speak_connected_sentences
    from reelkit.captions.translations import translated_pages
    from reelkit.plan.model import CaptionRules

    if not have_libespeak():
        pytest.skip("libespeak-ng not available")
    lines = ["Next month, our crews replace the old water mains.", "Questions?", "Call the Water Board today."]
    dutch = ["Volgende maand vervangen onze ploegen de oude waterleidingen.", "Vragen?", "Bel vandaag het Waterbedrijf."]
    audio, truth = speak_connected_sentences(lines, gap=0.9)
    script = "\n".join(lines)
    words = _caption(audio, script, "faster-whisper")
    pages = translated_pages(script, "\n".join(dutch), words, CaptionRules(), 30.0)
    firsts, k = [], 0
    for line in lines:  # true onset of each line's first word
        firsts.append(truth[k].start)
        k += len(script_tokens(line))
    spans = [(a, b) for a, b in zip(firsts, firsts[1:] + [audio.size / rs.SR])]
    for page in pages:
        text = page.text.replace("\n", " ")
        n = next(i for i, d in enumerate(dutch) if text.split()[0] in d.split())
        lo, hi = spans[n]
        assert lo - 0.25 <= page.start and page.end <= hi + 0.25, (text, page.start, page.end, spans[n])
