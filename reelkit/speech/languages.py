"""What reelkit knows about each caption language: one table per concern, in one place.

- :data:`SUPPORTED`: the languages captioned offline (``en`` with tiny.en; ``nl``, ``de``,
  ``fr``, ``es`` with the multilingual base model);
- :func:`fillers`: hesitation sounds a speaker makes in that language ("ehm", "äh", "euh",
  "este"), which the script cut removes and captions never show;
- :func:`binding_words`: articles, prepositions, conjunctions and possessives that bind to
  the next word, so a caption line should not end on one ("de/het/een/van/op",
  "der/die/das/und/mit", "le/la/les/de/et", "el/la/de/y/en");
- :func:`number_phrases`: how a written number is spoken ("25" -> "vijfentwintig",
  "fünfundzwanzig", "vingt-cinq", "veinticinco"; "3,5" with the decimal comma), by num2words;
- :func:`elided_forms`: a token without its elided article or pronoun (French "l'écluse" ->
  "écluse", Dutch "'s Avonds" as "s"), for matching recognised words to the script;
- :data:`ELIDED_PHONES`: how elided tokens sound alone (espeak reads a bare "'s" as a letter).
"""

from __future__ import annotations

import functools
import re
import unicodedata

SUPPORTED = ("en", "nl", "de", "fr", "es")

_FILLERS = {
    "en": "um uh er erm ah eh hmm mm mhm uhm hm",
    "nl": "eh ehm uh uhm hm hmm mm ah euh",
    "de": "äh ähm öh öhm hm hmm mm ah eh ehm",
    "fr": "euh heu hum hm hmm mm ben bah eh",
    "es": "eh em este mm hmm ah pues ehm",
}
# Words that are fillers only in their own language ("este" is "this" elsewhere, "ben" a
# Dutch verb): kept out of the fillers every language shares.
_OWN_ONLY = frozenset({"este", "pues", "ben", "bah"})

_BINDING = {
    "nl": """de het een dit dat deze die mijn jouw zijn haar ons onze hun uw
        van op in aan met voor naar bij uit over onder om tot door tegen zonder tussen na
        sinds vanaf langs binnen buiten per en of maar want dus als omdat terwijl hoewel dan
        dat te 's 't""",
    "de": """der die das den dem des ein eine einen einem einer eines kein keine mein meine
        dein sein seine ihr ihre unser unsere euer
        von mit auf in an zu für bei nach aus über unter vor um durch gegen ohne bis seit
        zwischen am im zum zur vom beim ins ans aufs
        und oder aber denn sondern weil dass ob wenn als wie sowie""",
    "fr": """le la les l' un une des du de d' au aux ce cet cette ces mon ma mes ton ta tes
        son sa ses notre nos votre vos leur leurs
        à en dans sur sous pour par avec sans chez vers entre depuis pendant avant après
        contre jusqu'à
        et ou mais donc car ni que qu' si quand comme lorsque puisque""",
    "es": """el la los las lo un una unos unas del al este esta estos estas ese esa mi mis
        tu tus su sus nuestro nuestra nuestros nuestras
        de en a con por para sin sobre entre hasta desde hacia según contra durante tras
        y e o u pero ni que si porque cuando como aunque""",
}

_UNITS = {
    "nl": """procent euro cent km meter kilometer kilo minuut minuten uur uren dag dagen week weken
        maand maanden jaar jaren graden woningen huizen mensen""",
    "de": """prozent euro cent km meter kilometer kilo minute minuten stunde stunden tag tage tagen
        woche wochen monat monate jahr jahre jahren grad haushalte häuser menschen""",
    "fr": """pour cent euros euro km mètres kilomètres kilos minute minutes heure heures jour jours
        semaine semaines mois an ans années degrés logements maisons personnes""",
    "es": """por ciento euros euro km metros kilómetros kilos minuto minutos hora horas día días
        semana semanas mes meses año años grados viviendas casas personas""",
}

ELIDED_PHONES = {
    "nl": {"'s": "S", "'t": "AH T", "'n": "AH N"},
}
"""ARPABET for elided tokens that espeak-ng misreads when they stand alone."""

_ELISION = {
    "fr": re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)['\u2019](?=\w)", re.I),
    "nl": re.compile(r"^['\u2019](?:s|t|n)-?(?=\w)", re.I),
    "es": re.compile(r"^$"),
    "de": re.compile(r"^$"),
}


@functools.cache
def fillers(language: str | None = None) -> frozenset[str]:
    """Filler sounds of ``language`` (normalised spelling); None: those every language shares."""
    if language is None:
        words = set()
        for text in _FILLERS.values():
            words |= set(text.split())
        return frozenset(_fold(w) for w in words - _OWN_ONLY)
    return frozenset(_fold(w) for w in _FILLERS.get(language, _FILLERS["en"]).split())


# Fillers only: with a discourse word in it ("nou", "also") Whisper base loops on the prompt.
_FILLER_PROMPTS = {"nl": "Eh, ehm.", "de": "Äh, ähm, äh...", "fr": "Euh, hum, euh...", "es": "Eh, em, eh..."}


def filler_prompt(language: str) -> str:
    """A prompt that makes Whisper write the fillers it hears in ``language`` ("" for English:
    the cut keeps its own)."""
    return _FILLER_PROMPTS.get(language, "")


@functools.cache
def binding_words(language: str) -> frozenset[str]:
    """Words of ``language`` a caption line should not end on (lower case, as written)."""
    return frozenset(_BINDING.get(language, "").split())


@functools.cache
def units(language: str) -> frozenset[str]:
    """Words of ``language`` that belong with a number before them ("vijf minuten")."""
    return frozenset(_UNITS.get(language, "").split())


@functools.cache
def number_words(language: str) -> frozenset[str]:
    """Numbers 0..100 written out in ``language`` (num2words), each word of them."""
    if language not in _BINDING:
        return frozenset()
    from num2words import num2words  # heavy-ish; needed only for these languages

    out: set[str] = set()
    for n in range(101):
        out |= set(num2words(n, lang=language).lower().replace("-", " ").split())
    return frozenset(out)


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.lower().replace("ß", "ss"))
    return "".join(ch for ch in folded if ch.isalnum() and not unicodedata.combining(ch))


def elided_forms(token: str, language: str) -> set[str]:
    """``token`` without an elided article/pronoun in front ("l'écluse" -> {"écluse"})."""
    pattern = _ELISION.get(language)
    if pattern is None:
        return set()
    rest = pattern.sub("", token.strip())
    return {rest} if rest and rest != token.strip() else set()


_NUMBER = re.compile(r"[^\w€$£]*([€$£]?)(\d{1,3}(?:[.\s]\d{3})+|\d+)(?:,(\d+))?(%|e|ste|de|er|ème|º|ª)?\W*", re.I)
_MONEY = {"nl": "euro", "de": "Euro", "fr": "euros", "es": "euros"}
_PERCENT = {"nl": "procent", "de": "Prozent", "fr": "pour cent", "es": "por ciento"}


def number_phrases(token: str, language: str) -> set[str]:
    """Ways ``token`` (digits, as written in ``language``) may be spoken, as words.

    "25" -> {"vijfentwintig"}; "3,5" -> {"drie komma vijf"}; "1.200" -> {"duizend tweehonderd"...};
    years both ways; ordinals ("1e", "15." is left to the cardinal). Empty for English (the
    English readings live in :mod:`reelkit.speech.align`) and for tokens without digits.
    """
    if language == "en" or language not in SUPPORTED or not any(ch.isdigit() for ch in token):
        return set()
    m = _NUMBER.fullmatch(token.strip())
    if not m:
        return set()
    from num2words import num2words  # covers nl, de, fr, es; imported on first number

    currency, whole_text, frac, suffix = m.group(1), m.group(2), m.group(3), (m.group(4) or "").lower()
    whole = int(re.sub(r"\D", "", whole_text))
    out: set[str] = set()
    try:
        bases = {num2words(whole, lang=language)}
        if 1100 <= whole <= 2099:
            bases.add(num2words(whole, lang=language, to="year"))
        if suffix and suffix not in ("%",):
            bases.add(num2words(whole, lang=language, to="ordinal"))
        if frac:
            bases = {num2words(float(f"{whole}.{frac}"), lang=language)}
    except (NotImplementedError, OverflowError, ValueError):
        return set()
    for base in bases:
        words = [base]
        if suffix == "%":
            words.append(_PERCENT[language])
        if currency == "€":
            words.append(_MONEY[language])
        out.add(" ".join(words).replace("-", " "))
    return out
