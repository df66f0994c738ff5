"""The pocketsphinx decoder the forced aligners share: one per process (no language model),
its dictionary grown with the words grammars need, and audio fed to it as 16-bit PCM."""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from collections.abc import Sequence

import numpy as np

from reelkit.speech import phonemes
from reelkit.speech.languages import fillers
from reelkit.speech.pronounce import clean_part, pronunciations

HESITATIONS = ("uh", "um", "ah", "er", "hmm", "mm")
"""English hesitation words (dictionary words of the bundled model) a take grammar lets the
speaker say between any two words."""

FRAME = 0.01
"""pocketsphinx's frame step (s)."""
START_BIAS = 0.005
"""pocketsphinx's frame starts run this much late against true onsets (espeak, measured)."""


class Aligner:
    """One pocketsphinx decoder (no language model) and the words added to its dictionary."""

    def __init__(self, second_passes: bool = True, wide_beams: bool = True) -> None:
        # lazy: pocketsphinx loads only when words are aligned
        from pocketsphinx import Decoder

        # Wide beams: with the default ones a word the model hears poorly (espeak's "main")
        # prunes the only path through the grammar and the whole chunk fails.
        # ``second_passes=False`` keeps only the first (tree) pass: under babble at 5 dB the
        # flat and best-path passes lost the grammar's end on short recordings ("Mary rolled"
        # stretched to the end) where the first pass had every word.
        # ``wide_beams=False``: narrower beams, for grammars with a phone loop in them (the
        # take locator: with the wide ones 11 s of audio took 150 s to search, with these
        # 0.7 s). pocketsphinx's defaults, 1e-48, prune a line the loop outscores a little
        # under babble, so the line then has no path at all.
        beams = dict(beam=1e-80, pbeam=1e-80, wbeam=1e-60) if wide_beams else dict(beam=1e-64, pbeam=1e-64, wbeam=1e-44)
        self.decoder = Decoder(lm=None, loglevel="FATAL", fwdflat=second_passes, bestpath=second_passes, **beams)
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
            core = clean_part(re.sub(r"^[^\w£$€]+|[^\w%']+$", "", token))
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

    def names(self, texts: Sequence[str], language: str = "en") -> list[str] | None:
        """The grammar name of each of ``texts`` (spoken in ``language``: other languages
        through espeak-ng's phones mapped to English ones); None when one has none."""
        if language == "en":
            entries = [self.entry(t) for t in texts]
        else:
            entries = [self.entry(t, p) for t, p in zip(texts, phonemes.arpabet(texts, language))]
        return None if any(e is None for e in entries) else [e[0] for e in entries]  # type: ignore[index]

    def hesitations(self, language: str = "en") -> list[str]:
        """Grammar names of the hesitations a speaker of ``language`` may make: English "uh",
        "um"... (a held vowel sounds alike in any language) and, for another language, its
        own fillers (:func:`reelkit.speech.languages.fillers`: "ehm", "äh", "euh", "este")."""
        found = [h for h in HESITATIONS if self.lookup(h)]
        if language != "en":
            own = sorted(fillers(language) - set(HESITATIONS))
            for word, phones in zip(own, phonemes.arpabet(own, language)):
                e = self.entry(word, phones) if phones else None
                if e is not None and e[0] not in found:
                    found.append(e[0])
        return found

    def score(self) -> float | None:
        """The last decode's path score (log, per pocketsphinx's frame-normalised scores)."""
        hyp = self.decoder.hyp()
        return None if hyp is None else float(self.decoder.get_logmath().log(hyp.best_score))

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
            while j < len(segs) and is_noise(segs[j][0]):
                j += 1  # silences and noises between words
            if j < len(segs) and base_word(segs[j][0]) == name:
                _, f0, f1 = segs[j]
                out.append((f0 * FRAME, (f1 + 1) * FRAME))
                k = j + 1
            elif opt:
                out.append(None)  # the decoder explained the audio without this word
            else:
                return None
        return out

    def align_retried(self, names: Sequence[str], optional: Sequence[bool],
                      pcm: bytes) -> list[tuple[float, float] | None] | None:
        """:meth:`align`, tried again with the first-pass-only decoder when no path fits (it
        is made on first need; the same dictionary entries are added to it)."""
        result = self.align(names, optional, pcm)
        if result is not None:
            return result
        again = shared_aligner(False)
        if again is None or again is self:
            return None
        with again.lock:
            for key, name in self._added.items():
                if key not in again._added:
                    for n, phones in enumerate(key, 1):
                        again.decoder.add_word(name if n == 1 else f"{name}({n})", phones, update=True)
                    again._added[key] = name
            return again.align(names, optional, pcm)

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


def is_noise(word: str) -> bool:
    return word.startswith(("<", "[", "+", "(NULL"))  # (NULL): the first pass's final node


def base_word(word: str) -> str:
    return re.sub(r"\(\d+\)$", "", word)


@functools.cache
def shared_aligner(second_passes: bool = True, wide_beams: bool = True) -> Aligner | None:
    """The process's decoder, made on first use (0.3 s); None when pocketsphinx is missing.
    ``second_passes=False``: the first-pass-only decoder a failed region is tried again with;
    ``wide_beams=False`` too: the take locator's (:mod:`reelkit.speech.locate`)."""
    try:
        return Aligner(second_passes, wide_beams)
    except (ImportError, RuntimeError, ValueError):
        return None


def pcm16(samples: np.ndarray, lo: int, hi: int) -> bytes:
    """Samples lo..hi as 16-bit PCM for the decoder, read for this region only (``samples`` may
    be a file-backed :class:`~reelkit.speech.pcm.PcmFile`).

    pocketsphinx's features break on digital silence (log of zero energy): a path through the
    grammar is then lost and the alignment fails. Faint fixed noise (-70 dBFS) avoids it.
    """
    lo = max(0, lo)  # a region padded before the clip's start
    chunk = np.asarray(samples[lo:hi], dtype=np.float64)
    noise = np.random.default_rng(lo).normal(0.0, 10 ** (-70 / 20), chunk.size)
    return (np.clip(chunk + noise, -1.0, 1.0) * 32767).astype("<i2").tobytes()

