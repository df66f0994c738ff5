"""Pronunciations of Dutch, German, French and Spanish words as English (ARPABET) phones.

pocketsphinx ships an acoustic model of US English only. A forced alignment needs a phone
sequence per word that the model can follow through the audio; the exact vowel quality
matters little (the decoder is constrained to the known words, so it only has to find
where each word's sounds begin and end), the number and kind of sounds matter a lot. So
each word is pronounced by espeak-ng in its own language (``espeak-ng -v nl -q --ipa``: the
same rules that read numbers, elisions and compounds) and each IPA phone is mapped to the
nearest English one: Dutch /ʋ/ -> V, German /ç/ -> HH, French /ʁ/ -> R, Spanish /β/ -> B,
nasal vowels to their oral vowel, front rounded vowels to the nearest English vowel.

espeak-ng is a system program (Debian's ``espeak-ng``, which ``make system`` installs). It is
run once per batch of words, with every word on its own line, and answers are cached per
process. Without it the languages other than English keep the recogniser/onset timing.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Sequence

from reelkit.speech.languages import ELIDED_PHONES

ESPEAK_VOICES = {"nl": "nl", "de": "de", "fr": "fr-fr", "es": "es"}
"""espeak-ng voice per caption language."""
TIMEOUT = 30.0

# IPA phone (stress removed) -> ARPABET. Looked up whole, then without length/diacritics.
_IPA_TO_ARPABET: dict[str, str] = {
    # vowels
    "a": "AA", "ɑ": "AA", "ä": "AA", "ɒ": "AA", "æ": "AE", "ɐ": "AH", "ə": "AH", "ʌ": "AH",
    "ɛ": "EH", "e": "EY", "ɪ": "IH", "i": "IY", "ɨ": "IH", "ɔ": "AO", "o": "OW", "ʊ": "UH",
    "u": "UW", "ɯ": "UW", "y": "UW", "ʏ": "UH", "ø": "ER", "œ": "AH", "ɵ": "UH", "ɜ": "ER",
    "ɚ": "ER", "ɝ": "ER",
    # diphthongs
    "aɪ": "AY", "ai": "AY", "ɑɪ": "AY", "aʊ": "AW", "ɑu": "AW", "au": "AW", "ʌʊ": "AW",
    "eɪ": "EY", "ɛɪ": "EY", "ɛi": "EY", "ei": "EY", "eʊ": "EY UW", "oʊ": "OW", "əʊ": "OW",
    "ɔɪ": "OY", "ɔʏ": "OY", "ɔø": "OY", "oi": "OY", "œy": "AW", "ɔy": "OY", "ui": "UW IY",
    # consonants
    "p": "P", "b": "B", "t": "T", "d": "D", "k": "K", "ɡ": "G", "g": "G", "f": "F", "v": "V",
    "s": "S", "z": "Z", "ʃ": "SH", "ʒ": "ZH", "θ": "TH", "ð": "DH", "h": "HH", "ɦ": "HH",
    "x": "HH", "χ": "HH", "ç": "HH", "ɣ": "G", "m": "M", "n": "N", "ŋ": "NG", "ɲ": "N Y",
    "l": "L", "ɫ": "L", "ʎ": "L Y", "r": "R", "ɾ": "R", "ɹ": "R", "ʁ": "R", "ʀ": "R",
    "j": "Y", "ʝ": "Y", "w": "W", "ɥ": "W", "ʋ": "V", "β": "B", "ts": "T S", "tʃ": "CH",
    "dʒ": "JH", "pf": "P F", "dz": "D Z", "ʔ": "",
}
_MARKS = str.maketrans("", "", "ˈˌ-‿|")


def available() -> bool:
    """True when the espeak-ng program is installed."""
    return shutil.which("espeak-ng") is not None


def ipa_to_arpabet(phone: str) -> str:
    """The nearest ARPABET phone(s) for one IPA phone ("ʋ" -> "V", "ɛ̃" -> "EH"); "" for none."""
    p = phone.translate(_MARKS)
    for candidate in (p, p.replace("ː", ""), _bare(p)):
        if candidate in _IPA_TO_ARPABET:
            return _IPA_TO_ARPABET[candidate]
    bare = _bare(p)
    # An unknown cluster: map it symbol by symbol.
    return " ".join(x for x in (_IPA_TO_ARPABET.get(ch, "") for ch in bare) if x)


def _bare(phone: str) -> str:
    folded = unicodedata.normalize("NFD", phone.replace("ː", "").replace("ˑ", ""))
    return "".join(ch for ch in folded if not unicodedata.combining(ch) and ch not in "ʰʲʷ")


def ipa_line_to_arpabet(line: str) -> str:
    """One word's espeak IPA output (phones joined by ``_``) as an ARPABET string."""
    line = re.sub(r"\([a-z-]+\)", "", line)  # espeak's language-switch markers: "(en)"
    phones: list[str] = []
    for chunk in line.split():
        for phone in chunk.split("_"):
            mapped = ipa_to_arpabet(phone) if phone.translate(_MARKS) else ""
            if mapped:
                phones.extend(mapped.split())
    return " ".join(phones)


def _speakable(word: str) -> str:
    """The word without surrounding punctuation (espeak would read some aloud)."""
    return re.sub(r"^[^\w£$€]+|[^\w%]+$", "", word.replace("\u2019", "'"))


def _espeak_lines(words: Sequence[str], language: str) -> list[str] | None:
    """espeak-ng's IPA for each word (one line each), or None when it cannot answer."""
    voice = ESPEAK_VOICES.get(language)
    if voice is None or not available() or not words:
        return None
    text = "\n".join(f"{w}." for w in words) + "\n"
    try:
        done = subprocess.run(["espeak-ng", "-v", voice, "-q", "--ipa", "--sep=_", "-b", "1"],
                              input=text.encode("utf-8"), capture_output=True, timeout=TIMEOUT)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    lines = [ln for ln in done.stdout.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines if len(lines) == len(words) else None


@functools.lru_cache(maxsize=65536)
def _one(word: str, language: str) -> str:
    lines = _espeak_lines([word], language)
    return ipa_line_to_arpabet(" ".join(lines)) if lines else ""


def arpabet(words: Sequence[str], language: str) -> list[str]:
    """ARPABET pronunciation per word ("" where none could be had), spoken in ``language``.

    One espeak-ng run per batch of words; a batch whose answer does not line up one line per
    word (a word espeak splits into clauses) is asked word by word.
    """
    fixed = ELIDED_PHONES.get(language, {})
    cores = tuple(_speakable(w) for w in words)
    kept = [w.lower() for w in _apostrophe_kept(words)]
    said = _batch(tuple("" if w in fixed else c for w, c in zip(kept, cores)), language)
    return [fixed.get(w, p) for w, p in zip(kept, said)]


def _apostrophe_kept(words: Sequence[str]) -> list[str]:
    """Words with outer punctuation removed but a leading apostrophe kept ("'s")."""
    return [re.sub(r"[^\w%']+$", "", re.sub(r"^[^\w£$€']+", "", w.replace("\u2019", "'"))) for w in words]


@functools.lru_cache(maxsize=4096)
def _batch(cores: tuple[str, ...], language: str) -> tuple[str, ...]:
    todo = sorted({c for c in cores if c})
    lines = _espeak_lines(todo, language)
    if lines is not None:
        found = {w: ipa_line_to_arpabet(line) for w, line in zip(todo, lines)}
    else:
        found = {w: _one(w, language) for w in todo}
    return tuple(found.get(c, "") if c else "" for c in cores)
