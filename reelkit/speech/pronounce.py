"""Pronunciations for the forced aligner: a caption token -> ARPABET phone strings.

The bundled CMU dictionary's (with its alternates); numbers as their spoken readings
("2026": twenty twenty six / two thousand twenty six, as alternates); initialisms and
hyphenated words part by part; other words (names) by a small letter-to-sound fallback.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from reelkit.speech.words import number_phrases

_LETTER_NAMES = {
    "a": "EY", "b": "B IY", "c": "S IY", "d": "D IY", "e": "IY", "f": "EH F", "g": "JH IY",
    "h": "EY CH", "i": "AY", "j": "JH EY", "k": "K EY", "l": "EH L", "m": "EH M", "n": "EH N",
    "o": "OW", "p": "P IY", "q": "K Y UW", "r": "AA R", "s": "EH S", "t": "T IY", "u": "Y UW",
    "v": "V IY", "w": "D AH B AH L Y UW", "x": "EH K S", "y": "W AY", "z": "Z IY",
}

# Letter-to-sound rules, longest spelling first: crude, but a name spoken as "OW K AE F AO R"
# still has the right number of syllables and consonant classes, which is what the aligner
# needs to find its edges.
_LTS = sorted({
    "tch": "CH", "sch": "S K", "ough": "AO", "augh": "AO", "eigh": "EY", "igh": "AY",
    "tion": "SH AH N", "sion": "ZH AH N", "ph": "F", "sh": "SH", "ch": "CH", "th": "TH",
    "wh": "W", "ck": "K", "ng": "NG", "qu": "K W", "gh": "G", "kn": "N", "wr": "R",
    "ee": "IY", "ea": "IY", "oo": "UW", "ou": "AW", "ow": "OW", "oi": "OY", "oy": "OY",
    "ai": "EY", "ay": "EY", "au": "AO", "aw": "AO", "ie": "IY", "ei": "EY", "ey": "IY",
    "ue": "UW", "ui": "UW", "oa": "OW", "er": "ER", "ir": "ER", "ur": "ER", "ar": "AA R",
    "or": "AO R", "ce": "S EH", "ci": "S IH", "cy": "S IY", "ge": "JH EH", "gi": "JH IH",
    "a": "AE", "b": "B", "c": "K", "d": "D", "e": "EH", "f": "F", "g": "G", "h": "HH",
    "i": "IH", "j": "JH", "k": "K", "l": "L", "m": "M", "n": "N", "o": "AA", "p": "P",
    "q": "K", "r": "R", "s": "S", "t": "T", "u": "AH", "v": "V", "w": "W", "x": "K S",
    "y": "IY", "z": "Z",
}.items(), key=lambda kv: -len(kv[0]))


def letter_to_sound(word: str) -> str:
    """ARPABET phones guessed from spelling ("okafor" -> "OW K AE F AO R"); "" for no letters."""
    w = "".join(ch for ch in unicodedata.normalize("NFKD", word.lower()) if "a" <= ch <= "z")
    w = re.sub(r"([b-df-hj-np-tv-z])\1", r"\1", w)  # doubled consonants sound once
    if len(w) > 3 and w.endswith("e") and w[-2] not in "aeiouy":
        w = w[:-1]  # silent final e
    phones: list[str] = []
    i = 0
    while i < len(w):
        for spelling, sound in _LTS:
            if w.startswith(spelling, i):
                if spelling == "y" and i == 0 and len(w) > 1:
                    sound = "Y"
                elif spelling == "o" and i == 0:
                    sound = "OW"
                phones.extend(sound.split())
                i += len(spelling)
                break
        else:
            i += 1
    return " ".join(phones)


def clean_part(part: str) -> str:
    return part.lower().replace("\u2019", "'").strip("'")


def pronunciations(token: str, lookup) -> tuple[list[str], str]:  # type: ignore[no-untyped-def]
    """Phone strings (alternates) for a caption token, and how they were found.

    ``lookup(word)`` returns the dictionary's phones or None. The second value is
    ``dictionary`` when every part came from the dictionary (or is a number or a spelled
    initialism), else ``letter-to-sound``.
    """
    core = re.sub(r"^[^\w£$€]+|[^\w%]+$", "", token.replace("\u2019", "'"))
    if not core:
        return [], "dictionary"
    whole = lookup(core.lower())
    if whole:
        return [whole], "dictionary"
    if any(ch.isdigit() for ch in core):
        alternates: list[str] = []
        method = "dictionary"
        for phrase in sorted(number_phrases(core)):
            phones, how = _phrase_phones(phrase.split(), lookup)
            if phones and phones not in alternates:
                alternates.append(phones)
                method = how if how != "dictionary" else method
        if alternates:
            return alternates[:4], method
    if re.fullmatch(r"(?:[A-Za-z]\.){2,}[A-Za-z]?\.?|[A-Z]{2,5}s?", core):
        # An initialism: "a.m.", "BBC", "MPs" are spoken letter by letter.
        letters = [ch.lower() for ch in core if ch.isalpha()]
        return [" ".join(_LETTER_NAMES[ch] for ch in letters if ch in _LETTER_NAMES)], "dictionary"
    parts = [p for p in re.split(r"[^\w']+", core) if clean_part(p)]
    phones, how = _phrase_phones(parts, lookup)
    return ([phones] if phones else []), how


def _phrase_phones(parts: Sequence[str], lookup) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    out: list[str] = []
    how = "dictionary"
    for part in parts:
        word = clean_part(part)
        phones = lookup(word)
        if not phones and word.endswith("'s"):
            base = lookup(word[:-2])
            phones = f"{base} Z" if base else None
        if not phones:
            phones = letter_to_sound(word)
            how = "letter-to-sound"
        if phones:
            out.append(phones)
    return " ".join(out), how
