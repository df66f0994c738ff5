"""Script words as text: tokens as written, their normalised form, and how numbers are spoken.

Shared by the alignment of recognised words to the script (:mod:`.align`) and the forced
alignment of the script to the audio (:mod:`.forced_align`), which both need the same readings
of "2026" or "£5".
"""

from __future__ import annotations

import functools
import re
import unicodedata


def script_tokens(script: str) -> list[str]:
    """The script's words as written; punctuation-only tokens join the word before them."""
    out: list[str] = []
    for tok in script.split():
        if not any(ch.isalnum() for ch in tok):
            if out:
                out[-1] = f"{out[-1]} {tok}"
            continue
        out.append(tok)
    return out


@functools.lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Lower case, accents folded, everything but letters and digits removed."""
    folded = unicodedata.normalize("NFKD", text.lower().replace("ß", "ss"))
    return "".join(ch for ch in folded if ch.isalnum() and not unicodedata.combining(ch))


_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _below_1000(n: int, and_word: bool) -> str:
    words: list[str] = []
    if n >= 100:
        words += [_ONES[n // 100], "hundred"]
        n %= 100
        if n and and_word:
            words.append("and")
    if n >= 20:
        words.append(_TENS[n // 10])
        if n % 10:
            words.append(_ONES[n % 10])
    elif n or not words:
        words.append(_ONES[n])
    return " ".join(words)


def spell_number(n: int, and_word: bool = False) -> str:
    """An integer in English words ("two thousand twenty six")."""
    if n < 0:
        return "minus " + spell_number(-n, and_word)
    if n < 1000:
        return _below_1000(n, and_word)
    parts: list[str] = []
    for value, name in ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand")):
        if n >= value:
            parts.append(f"{spell_number(n // value, and_word)} {name}")
            n %= value
    if n:
        if and_word and n < 100:
            parts.append("and")
        parts.append(_below_1000(n, and_word))
    return " ".join(parts)


def number_phrases(token: str) -> set[str]:
    """Ways a token with digits may be spoken, as words: "2026" -> "twenty twenty six", ..."""
    text = token.replace(",", "")
    m = re.fullmatch(r"[^\w£$€]*([£$€]?)(\d+)(?:\.(\d+))?(%|st|nd|rd|th|s|m|k|bn)?\W*", text, re.I)
    if not m:
        return set()
    currency, whole, frac, suffix = m.group(1), int(m.group(2)), m.group(3), (m.group(4) or "").lower()
    bases = {spell_number(whole), spell_number(whole, and_word=True)}
    if 1100 <= whole <= 2099 and whole % 100:
        # Years: "nineteen eighty four", "twenty twenty six".
        hi, lo = divmod(whole, 100)
        bases.add(f"{spell_number(hi)} {'oh ' if lo < 10 else ''}{spell_number(lo)}")
    if len(m.group(2)) > 1 and m.group(2).startswith("0") or len(m.group(2)) >= 4:
        bases.add(" ".join(_ONES[int(d)] for d in m.group(2)))  # phone numbers, codes
        if m.group(2).startswith("0"):
            bases.add(" ".join("oh" if d == "0" else _ONES[int(d)] for d in m.group(2)))
    if frac:
        bases = {f"{b} point {' '.join(_ONES[int(d)] for d in frac)}" for b in bases}
    tail = {"%": "percent", "m": "million", "k": "thousand", "bn": "billion"}.get(suffix, "")
    money = {"£": "pounds", "$": "dollars", "€": "euros"}.get(currency, "")
    return {" ".join(f"{b} {tail} {money}".split()) for b in bases}


def number_readings(token: str) -> set[str]:
    """Normalised ways a token with digits may be spoken: "2026" -> twentytwentysix, ..."""
    return {normalise(p) for p in number_phrases(token)}
