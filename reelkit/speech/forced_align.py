"""Forced alignment: the known caption words placed on the audio acoustically (pocketsphinx).

Whisper's word times come from attention and run late on connected speech (tiny.en on espeak
sentences: 89 ms mean, 228 ms p90), and onset detection cannot see word boundaries where
there is no pause. But with a script the words are known, so recognition is not needed: a
forced alignment of the words' pronunciations to the audio gives 10 ms frame segments
(pocketsphinx 5's bundled US-English acoustic model and CMU dictionary; about 20 ms mean
error on the same speech).

How it is used (:func:`force_align`): the words arrive with guide times (the recogniser's,
refined); they are aligned in chunks (one sentence, at most :data:`CHUNK_WORDS` words) so the
search stays small on long files, each chunk's audio taken from the guide times with a
margin and with :data:`CONTEXT_WORDS` neighbouring words on each side included in the grammar
(so a margin that catches a neighbour's sound does not shift the chunk's own first word). A
word flagged *optional* (an unscripted word the recogniser claims to have heard) is a
``[word]`` in the chunk's JSGF grammar: the decoder keeps it only if the audio is better
explained with it than without (the evidence a caption word outside the script needs).

Pronunciations: the dictionary's (with its alternates); numbers as their spoken readings
("2026": twenty twenty six / two thousand twenty six, as alternates); initialisms and
hyphenated words part by part; other words (names) by a small letter-to-sound fallback.

Fallbacks, each per word, never silently for the whole file: a chunk the decoder cannot align
(no path through the grammar), or a word placed implausibly far from its guide, keeps its guide
time (the caller records that word as timed by onset or recogniser, not ``forced``).
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reelkit.speech import phonemes
from reelkit.speech.audio import SAMPLE_RATE
from reelkit.speech.sentences import sentence_guides
from reelkit.speech.words import number_phrases

FRAME = 0.01
"""pocketsphinx's frame step (s)."""
START_BIAS = 0.005
"""pocketsphinx's frame starts run this much late against true onsets (espeak, measured)."""
MAX_SHIFT = 2.0
"""A forced start this far (s) from a confident guide is distrusted: the guide is kept.
Generous: the recogniser's own times are sometimes a second off (a misheard word stretched
over its neighbour), and a region that aligned as a whole is self-consistent."""
LANGUAGES = frozenset({"en"})
"""Languages the bundled acoustic model and dictionary cover directly."""
MAPPED_LANGUAGES = frozenset(phonemes.ESPEAK_VOICES)
"""Languages aligned with the English model over espeak-ng's phones mapped to English ones
(:mod:`reelkit.speech.phonemes`), when espeak-ng is installed."""


@dataclass(frozen=True)
class Forced:
    """One word placed by the decoder: ``start``/``end`` seconds, and how it was pronounced
    (``dictionary`` or ``letter-to-sound``)."""

    start: float
    end: float
    pronunciation: str


def available(language: str) -> bool:
    """True when forced alignment can run for ``language`` (the model and library are present)."""
    if language in MAPPED_LANGUAGES:
        return phonemes.available() and _aligner() is not None
    return language in LANGUAGES and _aligner() is not None


# --- pronunciations ---------------------------------------------------------------------------

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


def _clean(part: str) -> str:
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
    parts = [p for p in re.split(r"[^\w']+", core) if _clean(p)]
    phones, how = _phrase_phones(parts, lookup)
    return ([phones] if phones else []), how


def _phrase_phones(parts: Sequence[str], lookup) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    out: list[str] = []
    how = "dictionary"
    for part in parts:
        word = _clean(part)
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


# --- the decoder -------------------------------------------------------------------------------

class _Aligner:
    """One pocketsphinx decoder (no language model) and the words added to its dictionary."""

    def __init__(self, second_passes: bool = True) -> None:
        from pocketsphinx import Decoder

        # Wide beams: with the default ones a word the model hears poorly (espeak's "main")
        # prunes the only path through the grammar and the whole chunk fails.
        # ``second_passes=False`` keeps only the first (tree) pass: under babble at 5 dB the
        # flat and best-path passes lost the grammar's end on short recordings ("Mary rolled"
        # stretched to the end) where the first pass had every word.
        self.decoder = Decoder(lm=None, loglevel="FATAL", beam=1e-80, pbeam=1e-80, wbeam=1e-60,
                               fwdflat=second_passes, bestpath=second_passes)
        self.lock = threading.Lock()
        self._added: dict[tuple[str, ...], str] = {}
        self._grammars = 0

    def lookup(self, word: str) -> str | None:
        if not word or not re.fullmatch(r"[a-z0-9'.\-]+", word):
            return None
        try:
            return self.decoder.lookup_word(word)
        except (RuntimeError, UnicodeError):
            return None

    def entry(self, token: str, phones: str | None = None) -> tuple[str, str] | None:
        """The dictionary name to put in a grammar for ``token``, and how it is pronounced;
        ``phones`` (ARPABET) are given for a word of another language (``espeak`` then)."""
        if phones is not None:
            alternates, how = ([phones] if phones else []), "espeak"
        else:
            core = _clean(re.sub(r"^[^\w£$€]+|[^\w%']+$", "", token))
            if core and re.fullmatch(r"[a-z']+", core) and self.lookup(core):
                return core, "dictionary"
            alternates, how = pronunciations(token, self.lookup)
        if not alternates:
            return None
        key = tuple(alternates)
        name = self._added.get(key)
        if name is None:
            name = "rk" + hashlib.sha1("|".join(key).encode()).hexdigest()[:12]
            for n, phones in enumerate(alternates, 1):
                try:
                    self.decoder.add_word(name if n == 1 else f"{name}({n})", phones, update=True)
                except RuntimeError:
                    if n == 1:
                        return None
            self._added[key] = name
        return name, how

    def align(self, names: Sequence[str], optional: Sequence[bool],
              pcm: bytes) -> list[tuple[float, float] | None] | None:
        """Frame times (s, from the start of ``pcm``) of each grammar word; None per word the
        decoder left out (only optional ones can be), None overall when no path fits."""
        items = [f"[ {n} ]" if opt else n for n, opt in zip(names, optional)]
        segs = self.decode("#JSGF V1.0;\ngrammar rk;\npublic <s> = " + " ".join(items) + " ;\n", pcm)
        if segs is None:
            return None
        out: list[tuple[float, float] | None] = []
        k = 0
        for name, opt in zip(names, optional):
            j = k
            while j < len(segs) and _is_filler(segs[j][0]):
                j += 1  # silences and noises between words
            if j < len(segs) and _base(segs[j][0]) == name:
                _, f0, f1 = segs[j]
                out.append((f0 * FRAME, (f1 + 1) * FRAME))
                k = j + 1
            elif opt:
                out.append(None)  # the decoder explained the audio without this word
            else:
                return None
        return out


    def decode(self, grammar: str, pcm: bytes) -> list[tuple[str, int, int]] | None:
        """Segments (word, first frame, last frame) of the best path through ``grammar``."""
        self._grammars += 1
        search = f"rk{self._grammars % 2}"
        d = self.decoder
        try:
            d.add_jsgf_string(search, grammar)
            d.activate_search(search)
            d.start_utt()
            d.process_raw(pcm, full_utt=True)
            d.end_utt()
        except RuntimeError:
            return None
        if d.hyp() is None:
            return None
        return [(s.word, s.start_frame, s.end_frame) for s in d.seg()]


def _is_filler(word: str) -> bool:
    return word.startswith(("<", "[", "+", "(NULL"))  # (NULL): the first pass's final node


def _base(word: str) -> str:
    return re.sub(r"\(\d+\)$", "", word)


@functools.cache
def _aligner(second_passes: bool = True) -> _Aligner | None:
    """The process's decoder, made on first use (0.3 s); None when pocketsphinx is missing.
    ``second_passes=False``: the first-pass-only decoder a failed region is tried again with."""
    try:
        return _Aligner(second_passes)
    except (ImportError, RuntimeError, ValueError):
        return None


# --- aligning caption words -------------------------------------------------------------------

def force_align(texts: Sequence[str], guides: Sequence[tuple[float, float]], samples: np.ndarray,
                sr: int = SAMPLE_RATE, *, optional: Sequence[bool] | None = None,
                trust: Sequence[float] | None = None, language: str = "en") -> list[Forced | None]:
    """Place each word of ``texts`` on ``samples`` by forced alignment.

    ``guides`` are rough (start, end) times per word, in order (recogniser times, refined);
    they cut long audio into regions at pauses. ``optional`` marks words the audio must prove
    (an unscripted word): when the decoder leaves one out, :func:`left_out` is true of its
    result. ``trust`` (0..1 per word) says how sure the guide is; a forced start more than
    :data:`MAX_SHIFT` (widened for unsure guides) from a sure guide is distrusted. Returns one
    :class:`Forced` or None ("keep the guide") per word. ``language`` other than English:
    pronunciations from espeak-ng mapped to English phones (:data:`MAPPED_LANGUAGES`).
    """
    n = len(texts)
    out: list[Forced | None] = [None] * n
    aligner = _aligner()
    if aligner is None or n == 0 or sr != SAMPLE_RATE:
        return out
    opt = list(optional) if optional is not None else [False] * n
    sure = list(trust) if trust is not None else [1.0] * n
    duration = samples.size / sr
    mapped = language in MAPPED_LANGUAGES
    with aligner.lock:
        if mapped:
            spoken = phonemes.arpabet(texts, language)
            entries = [aligner.entry(t, p) for t, p in zip(texts, spoken)]
        else:
            entries = [aligner.entry(t) for t in texts]
        spans = _align_regions(aligner, entries, opt, guides, samples, sr, lenient=False)
        if mapped:
            # The recogniser's times are poor in these languages (Whisper base on espeak Dutch
            # is seconds off), so its guides may cut the audio inside words and its starts
            # reject good forced ones: the sentences' pauses in the audio give better guides,
            # and a word whose mapped phones fit badly is passed over rather than losing its
            # sentence. Kept when it places at least as many words.
            better = sentence_guides(texts, samples, sr)
            if better is not None:
                again = _align_regions(aligner, entries, opt, better, samples, sr, lenient=True)
                if sum(sp is not None for sp in again) >= sum(sp is not None for sp in spans):
                    spans, guides = again, [g if sp is None else better[i]
                                            for i, (g, sp) in enumerate(zip(guides, again))]
    for i, span in enumerate(spans):
        if span is None:
            continue
        if span is _LEFT_SPAN:
            out[i] = _LEFT_OUT if opt[i] else None
            continue
        start, end = span
        limit = MAX_SHIFT + (1.0 - sure[i]) * 2.0
        if abs(start - guides[i][0]) > limit:
            continue
        out[i] = Forced(round(start, 3), round(max(end, start + FRAME), 3),
                        entries[i][1])  # type: ignore[index]
    return out


_LEFT_SPAN = (-1.0, -1.0)


def _align_regions(aligner: _Aligner, entries: Sequence[tuple[str, str] | None], opt: Sequence[bool],
                   guides: Sequence[tuple[float, float]], samples: np.ndarray, sr: int,
                   lenient: bool) -> list[tuple[float, float] | None]:
    """(start, end) per word from the decoder (:data:`_LEFT_SPAN` for a word it passed over,
    None where it gave nothing): the whole audio first, then halves split at the widest
    pause between guides. ``lenient``: a region with no strict path is tried again with every
    word optional, unless a pause splits it."""
    from reelkit.speech import pcm

    n = len(entries)
    duration = samples.size / sr
    spans: list[tuple[float, float] | None] = [None] * n
    # One region is at most one audio window, so a file-backed track is never read in bigger
    # pieces than the recogniser reads it.
    max_region = min(MAX_REGION, pcm.CHUNK_SECONDS)
    pending = [(0, n, 0.0, duration, False)]
    while pending:
        a, b, t0, t1, loose = pending.pop()
        idx = [i for i in range(a, b) if entries[i] is not None]
        if not idx:
            continue
        if t1 - t0 > max_region or (result := _align_once(
                aligner, [entries[i][0] for i in idx], [loose or opt[i] for i in idx],  # type: ignore[index]
                _pcm16(samples, int(t0 * sr), int(t1 * sr)))) is None:
            # Too long for one search, or no path: split at the widest pause between words
            # and try the halves (down to a few words).
            cut = _split_point(guides, a, b) if b - a >= 2 * MIN_REGION_WORDS else None
            paused = cut is not None and guides[cut[0]][0] - guides[cut[0] - 1][1] >= LENIENT_PAUSE
            if lenient and not loose and not paused and t1 - t0 <= LENIENT_REGION:
                pending.append((a, b, t0, t1, True))
                continue
            if cut is not None:
                k, t = cut
                pending += [(a, k, t0, t, loose), (k, b, t, t1, loose)]
            continue
        for i, span in zip(idx, result):
            if span is None:
                spans[i] = _LEFT_SPAN
            else:
                spans[i] = (max(0.0, t0 + span[0] - START_BIAS), min(duration, t0 + span[1]))
    return spans


def _align_once(aligner: _Aligner, names: Sequence[str], optional: Sequence[bool],
                pcm: bytes) -> list[tuple[float, float] | None] | None:
    """:meth:`_Aligner.align`, tried again with the first-pass-only decoder when no path fits
    (it is made on first need; the same dictionary entries are added to it)."""
    result = aligner.align(names, optional, pcm)
    if result is not None:
        return result
    again = _aligner(False)
    if again is None or again is aligner:
        return None
    with again.lock:
        for key, name in aligner._added.items():
            if key not in again._added:
                for n, phones in enumerate(key, 1):
                    again.decoder.add_word(name if n == 1 else f"{name}({n})", phones, update=True)
                again._added[key] = name
        return again.align(names, optional, pcm)


LENIENT_PAUSE = 0.15
"""A guide gap (s) this wide is a pause to split at before a lenient search is tried."""
LENIENT_REGION = 8.0
"""Longest region (s) searched with every word optional (that search is slow on long audio)."""
def _pcm16(samples: np.ndarray, lo: int, hi: int) -> bytes:
    """Samples lo..hi as 16-bit PCM for the decoder, read for this region only (``samples`` may
    be a file-backed :class:`~reelkit.speech.pcm.PcmFile`).

    pocketsphinx's features break on digital silence (log of zero energy): a path through the
    grammar is then lost and the alignment fails. Faint fixed noise (-70 dBFS) avoids it.
    """
    chunk = np.asarray(samples[lo:hi], dtype=np.float64)
    noise = np.random.default_rng(lo).normal(0.0, 10 ** (-70 / 20), chunk.size)
    return (np.clip(chunk + noise, -1.0, 1.0) * 32767).astype("<i2").tobytes()


MAX_REGION = 60.0
"""Longest audio (s) aligned in one decoder pass; longer audio is cut at pauses."""
MIN_REGION_WORDS = 3


def _split_point(guides: Sequence[tuple[float, float]], a: int, b: int) -> tuple[int, float] | None:
    """(first word of the second half, cut time) at the widest gap between guides in a..b,
    preferring gaps near the middle; None when the words overlap everywhere."""
    best: tuple[float, int, float] | None = None
    for k in range(a + MIN_REGION_WORDS, b - MIN_REGION_WORDS + 1):
        gap = guides[k][0] - guides[k - 1][1]
        centre = 1.0 - abs((k - a) / (b - a) - 0.5)
        score = max(gap, 0.0) + 0.05 * centre
        if best is None or score > best[0]:
            best = (score, k, (guides[k][0] + guides[k - 1][1]) / 2)
    return None if best is None else (best[1], best[2])


_LEFT_OUT = Forced(-1.0, -1.0, "left out")


def left_out(result: Forced | None) -> bool:
    """True for an optional word the decoder found no sound for."""
    return result is _LEFT_OUT


# --- aligning one take of a script line (the script cut) --------------------------------------

HESITATIONS = ("uh", "um", "ah", "er", "hmm", "mm")
"""Hesitation words the take grammar lets the speaker say between any two words (English;
dictionary words of the bundled model)."""
MIN_HESITATION = 0.12
"""A hesitation shorter than this (s) is not one (real "uh"s last 0.15 s and more)."""
MAX_RESTART_WORDS = 6
"""A false start of the line ("Amongst her... Amongst her friends") up to this many words."""


@dataclass(frozen=True)
class TakeAlignment:
    """A take of a script line placed on the audio: each line word's (start, end), and what
    else the speaker said there (``false_start`` and ``filler`` stretches), clip seconds."""

    words: tuple[tuple[float, float], ...]
    removed: tuple[tuple[str, float, float], ...]


def align_take(texts: Sequence[str], samples: np.ndarray, t0: float, t1: float,
               sr: int = SAMPLE_RATE, slots: Sequence[int] | None = None) -> TakeAlignment | None:
    """Place one reading of the line ``texts`` on ``samples[t0:t1]`` (seconds).

    The grammar lets the line be preceded by a restart of its first words and lets a
    hesitation ("uh", "um") sit before word ``i`` for each ``i`` in ``slots`` (every word when
    None; the caller gives the places the recogniser or the voice map heard something
    between words, as a hesitation anywhere lets the decoder explain a pause or a short word
    as one), so a complete take with a filler or a
    restart inside is placed word by word and the filler or restart is found, not captioned.
    None when the decoder is missing or no path fits (the caller keeps its own estimate).
    """
    aligner = _aligner()
    if aligner is None or sr != SAMPLE_RATE or not texts or t1 - t0 < 0.1:
        return None
    with aligner.lock:
        entries = [aligner.entry(t) for t in texts]
        if any(e is None for e in entries):
            return None
        names = [e[0] for e in entries]  # type: ignore[index]
        hes = [h for h in HESITATIONS if aligner.lookup(h)]
        fill = f" [ <h> ]" if hes else ""
        prefixes = [" ".join(names[:k]) for k in range(1, min(MAX_RESTART_WORDS, len(names) - 1) + 1)]
        restart = f"[ ( {' | '.join(prefixes)} ){fill} ] " if prefixes else ""
        body = "".join((fill if i and (slots is None or i in slots) else "") + f" {n}" for i, n in enumerate(names))
        grammar = ("#JSGF V1.0;\ngrammar rk;\n" + (f"<h> = {' | '.join(hes)} ;\n" if hes else "")
                   + f"public <s> = {restart}{body} ;\n")
        lo, hi = int(t0 * sr), int(t1 * sr)
        segs = aligner.decode(grammar, _pcm16(samples, lo, hi))
    if segs is None:
        return None
    spoken = [(_base(w), f0, f1) for w, f0, f1 in segs if not _is_filler(w)]
    content = [x for x in spoken if x[0] not in HESITATIONS]
    if len(content) < len(names) or [x[0] for x in content[-len(names):]] != names:
        return None
    line = content[-len(names):]
    first_frame = line[0][1]
    removed: list[tuple[str, float, float]] = []
    for w, f0, f1 in spoken:
        kind = "filler" if w in HESITATIONS else "false_start" if f1 < first_frame else ""
        if kind == "filler" and (f1 + 1 - f0) * FRAME < MIN_HESITATION:
            continue  # a few frames between two words: a transition, not a hesitation
        if kind:
            removed.append((kind, round(float(t0 + f0 * FRAME - START_BIAS), 3), round(float(t0 + (f1 + 1) * FRAME), 3)))
    words = tuple((round(float(t0 + max(0.0, f0 * FRAME - START_BIAS)), 3), round(float(t0 + (f1 + 1) * FRAME), 3))
                  for _, f0, f1 in line)
    return TakeAlignment(words=words, removed=tuple(removed))
