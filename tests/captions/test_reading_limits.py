"""Reading limits per language (issue 18, part 4): shipped figures, brand overrides, validation."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pysrt
import pytest
from click.testing import CliRunner

from conftest import SPEECH_SENTENCES
from reelkit.brand import caption_rules, load_brand
from reelkit.brand.reading import GENERAL, SHIPPED
from reelkit.captions import check_page_rules, paginate
from reelkit.captions.translations import translated_pages
from reelkit.cli.main import main
from reelkit.errors import BrandError
from reelkit.plan.model import CaptionPage, Word
from reelkit.plan.planfile import read_plan_file
from reelkit.speech.languages import SUPPORTED

FPS = 25.0
DUTCH = ("Volgende maand vervangen onze ploegen de oude waterleiding in de Havenstraat. "
         "Het werk duurt zes weken en begint op de eerste maart. "
         "Uw kraanwater blijft de hele tijd veilig om te drinken.")


def brand_file(root: Path, body: str, name: str = "acme") -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "brand.yaml").write_text(textwrap.dedent(body), encoding="utf-8")
    return folder


def steady_words(text: str, step: float = 0.9) -> list[Word]:
    """Words at 67 words a minute: slow enough for every limit below to be met by timing."""
    return [Word(tok, 0.5 + i * step, 0.5 + i * step + step * 0.85) for i, tok in enumerate(text.split())]


def page_lines(pages: tuple[CaptionPage, ...]) -> list[str]:
    return [" ".join(w.text for w in line) for p in pages for line in p.lines]


def test_one_shipped_row_per_caption_language() -> None:
    assert set(SHIPPED) == set(SUPPORTED)
    rules = caption_rules(load_brand("default"), "nl")
    assert (rules.max_chars_per_line, rules.max_cps, rules.language) == (22, 17.0, "nl")
    assert caption_rules(load_brand("default"), "it").max_cps == GENERAL.max_cps  # no row: general


def test_dutch_pages_respect_the_dutch_limits(tmp_path: Path) -> None:
    brand = load_brand(brand_file(tmp_path, """\
        extends: default
        captions:
          languages:
            nl: {max_chars_per_line: 16, max_cps: 12}
        """))
    nl, en = caption_rules(brand, "nl"), caption_rules(brand, "en")
    assert (nl.max_chars_per_line, nl.max_cps, nl.language) == (16, 12.0, "nl")
    assert (en.max_chars_per_line, en.max_cps) == (22, 17.0)  # English keeps its shipped row
    words = steady_words(DUTCH)
    pages = paginate(words, nl, FPS)
    assert " ".join(w.text for p in pages for w in p.words) == DUTCH
    assert check_page_rules(pages, nl, FPS) == []
    assert max(len(line) for line in page_lines(pages) if " " in line) <= 16
    assert max(len(p.text) / (p.end - p.start) for p in pages) <= 12.0 + 0.01
    # The same words by the English limits of the same brand fill longer lines: the Dutch
    # figure is what bound them.
    assert max(len(line) for line in page_lines(paginate(words, en, FPS))) > 16


def test_precedence_language_then_general_then_shipped(tmp_path: Path) -> None:
    general = load_brand(brand_file(tmp_path, """\
        extends: default
        captions:
          rules: {max_cps: 14, max_chars_per_line: 20}
          languages:
            de: {max_cps: 13}
        """, "general"))
    assert (caption_rules(general, "de").max_cps, caption_rules(general, "de").max_chars_per_line) == (13.0, 20)
    assert (caption_rules(general, "fr").max_cps, caption_rules(general, "fr").max_chars_per_line) == (14.0, 20)
    assert caption_rules(general, "it").max_cps == 14.0  # a user's general value beats the general default
    # civic sets general values (for every language); a child of civic can unset them with null.
    assert caption_rules(load_brand("civic"), "es").max_cps == 15.0
    unset = load_brand(brand_file(tmp_path, """\
        extends: civic
        captions:
          rules: {max_cps: null}
        """, "plain"))
    assert caption_rules(unset, "es").max_cps == SHIPPED["es"].max_cps
    assert caption_rules(unset, "es").max_chars_per_line == 24  # still civic's


def test_bad_language_key_refused_with_one_line(tmp_path: Path) -> None:
    folder = brand_file(tmp_path, """\
        extends: default
        captions:
          languages:
            it: {max_cps: 15}
        """)
    with pytest.raises(BrandError) as err:
        load_brand(folder)
    assert str(err.value).startswith(f"{folder / 'brand.yaml'}:4: captions.languages.it: unknown key 'it'")
    assert "en, nl, de, fr, es" in str(err.value)
    result = CliRunner().invoke(main, ["brand", "validate", str(folder)])
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "captions.languages.it" in lines[0] and ":4:" in lines[0], result.output
    (folder / "brand.yaml").write_text("extends: default\ncaptions:\n  languages:\n    nl: {max_cps: 90}\n",
                                       encoding="utf-8")
    with pytest.raises(BrandError, match=r"brand.yaml:4: captions.languages.nl.max_cps: 90 is out of range"):
        load_brand(folder)


def test_translated_pages_use_the_translation_language(tmp_path: Path) -> None:
    brand = load_brand(brand_file(tmp_path, """\
        extends: default
        captions:
          languages:
            nl: {max_chars_per_line: 14}
        """))
    script = "Crews replace the old water mains on Harbour Street next month."
    words = steady_words(script)
    pages = translated_pages(script, DUTCH.split(". ")[0], words, caption_rules(brand, "nl"), FPS)
    assert max(len(line) for line in page_lines(pages) if " " in line) <= 14
    english = paginate(words, caption_rules(brand, "en"), FPS)
    assert max(len(line) for line in page_lines(english)) > 14


@pytest.mark.slow
def test_render_burns_dutch_by_the_dutch_limits(tmp_path: Path, speech_clip: Path) -> None:
    """End to end: the brand's Dutch limits page the Dutch sidecars and burned captions, the
    plan carries them with the translation, and the statement checks reading speed by them."""
    brand = brand_file(tmp_path / "brands", """\
        extends: default
        captions:
          languages:
            nl: {max_chars_per_line: 14, max_cps: 12}
        """)
    (tmp_path / "narration.nl.txt").write_text(
        "Ploegen vervangen de waterleidingen in de Havenstraat.\nHet werk duurt zes weken.\n", encoding="utf-8")
    outline = tmp_path / "outline.yaml"
    outline.write_text(json.dumps({
        "title": "Vertaald", "platforms": ["tiktok"], "brand": str(brand), "burn": "nl",
        "script": "\n".join(SPEECH_SENTENCES) + "\n", "translations": {"nl": "narration.nl.txt"},
        "segments": [{"clip": str(speech_clip), "reframe": "crop"}]}), encoding="utf-8")
    result = CliRunner().invoke(main, ["render", str(outline), "--out", str(tmp_path / "out"), "--quiet",
                                       "--preset", "ultrafast"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    folder = tmp_path / "out" / "vertaald"
    plan = read_plan_file(folder / "plan.json")[0]
    tr = plan.translations[0]
    assert tr.rules is not None and (tr.rules.language, tr.rules.max_chars_per_line, tr.rules.max_cps) == ("nl", 14, 12.0)
    assert (plan.caption_rules.language, plan.caption_rules.max_chars_per_line) == ("en", 22)
    assert plan.burned_rules() == tr.rules
    cues = pysrt.open(str(folder / "vertaald.nl.srt"), encoding="utf-8")
    assert max(len(line) for c in cues for line in c.text.splitlines() if " " in line) <= 14
    assert max(len(line) for c in pysrt.open(str(folder / "vertaald.srt"), encoding="utf-8")
               for line in c.text.splitlines()) > 14  # English keeps its own, longer lines
    statement = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))["accessibility"]
    assert statement["reading_speed_limit_cps"] == 12.0
