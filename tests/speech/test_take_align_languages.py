"""The take grammar speaks the clip's language (issue 18 part 6): a Dutch, German, French or
Spanish line is pronounced through espeak-ng's phones, and the language's own fillers
("ehm", "ähm", "euh", "este") are hesitations the cut removes, not words."""

from __future__ import annotations

import pytest

from conftest import needs_espeak
from reelkit.speech.sphinx import HESITATIONS, shared_aligner

pytestmark = pytest.mark.skipif(shared_aligner() is None, reason="pocketsphinx is not installed")


def test_english_hesitations_are_the_dictionary_ones() -> None:
    aligner = shared_aligner(True, False)
    assert aligner.hesitations("en") == [h for h in HESITATIONS if aligner.lookup(h)]


@needs_espeak
@pytest.mark.parametrize("language", ["nl", "de", "fr", "es"])
def test_each_language_adds_its_own_fillers(language: str) -> None:
    aligner = shared_aligner(True, False)
    own = aligner.hesitations(language)
    english = aligner.hesitations("en")
    assert own[:len(english)] == english and len(own) > len(english)
    # A line of that language gets a pronunciation for every word.
    line = {"nl": "Het werk duurt zes weken.", "de": "Die Arbeit dauert sechs Wochen.",
            "fr": "Les travaux durent six semaines.", "es": "La obra dura seis semanas."}[language]
    names = aligner.names(line.split(), language)
    assert names is not None and len(names) == len(line.split())
