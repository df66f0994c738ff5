"""Finding script lines in audio without recognising them: forced alignment of the known
lines against a free phone loop (a keyword search for whole sentences).

The script cut finds takes from recognised words; in babble at 5 dB SNR tiny.en may hear
none of a take, and Whisper base mishears word-by-word Dutch. The words are known, though,
so the audio can be searched for them directly:

- :func:`locate`: one decode of a grammar "anything, line 1, anything, line 2, ...,
  anything" over a stretch of audio, where "anything" is a loop over the model's phones
  (the garbage a presenter says between takes: other takes, false starts, asides), each
  phone of it charged :data:`GARBAGE_WEIGHT` (keyword spotting's garbage penalty, below).
  Script order is the prior: the lines come out in order. Each line's words may have a
  hesitation between them (the language's fillers,
  :meth:`reelkit.speech.sphinx.Aligner.hesitations`).
- :func:`fits`: how well a line explains a stretch: the per-frame log score of the line
  forced over it minus that of the free phone loop over the same frames (0 when the line is
  as likely as the best phone string; wrong words score far below). The caller accepts a
  placement above a threshold measured on clean takes;
- :func:`which`: given alternatives (a line and its neighbours in the script), which one
  the decoder places in a stretch.

Why the garbage penalty: a free phone loop explains any audio at least as well as one fixed
phone string, so with the loop free the loop *before* a line outscored the line a little on
most frames and the search pruned the line's only path, however wide the beams (an 11-word
TIMIT sentence, clean, was lost that way). Charging each garbage phone keeps a real line's
path inside the beam while garbage still absorbs what is not a line (measured, see
:data:`GARBAGE_WEIGHT`).

Known limit: under babble at 5 dB SNR the same TIMIT sentence has no path even when forced
alone over its own span (no loop at all, the caption aligner's wide beams too): the English
model does not hear it there, so it stays missing (an error, never a guess).

Both use narrower beams than the caption aligner (:func:`reelkit.speech.sphinx.shared_aligner`
with ``wide_beams=False``): a phone loop under the aligner's widest beams searches for minutes.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence

import numpy as np

from reelkit.speech.audio import SAMPLE_RATE
from reelkit.speech.sphinx import FRAME, START_BIAS, Aligner, base_word, pcm16, shared_aligner

PHONES = ("AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH "
          "UH UW V W Y Z ZH").split()
"""The en-us model's phones: the garbage loop's words, one phone each."""
_GARBAGE = "rkg"
_LOOP = "rkphoneloop"
GARBAGE_WEIGHT = 3e-4
"""JSGF weight of one more garbage phone against leaving the loop (normalised by pocketsphinx
to W/(1+W) per phone; equal weights on the phones' alternatives would be normalised away).
Measured over the bench raw takes (clean, traffic 10 dB, babble 5 dB; each line searched
alone over its whole take, placed within 0.3 s of a reading of it): no weight (the free
loop) 18 of 27, 1e-2 18, 3e-3 19, 1e-3 19, 3e-4 21, 1e-4 21 (but a clean line then drawn
onto the false start before it). The misses left: three lines placed on a false start
(:mod:`reelkit.cut.located` passes over a placement that fails its checks) and the TIMIT
sentence under traffic and babble."""
STRONG_WEIGHT = 1e-10
"""The penalty tried when no path fits under :data:`GARBAGE_WEIGHT`: a line the model hears
poorly everywhere (word-by-word espeak Dutch through English phones) loses to the loop on
every frame by more than that charge; measured on tests/cut/test_script_cut_dutch.py's take,
its first line has a path only from 1e-10 on. So strong, garbage hardly absorbs anything and
the line is drawn onto the first stretch that resembles it (a false start):
:mod:`reelkit.cut.located` passes over a placement the line does not fit and searches on."""
GARBAGE_WEIGHTS = (GARBAGE_WEIGHT, STRONG_WEIGHT)


@functools.cache
def _locator() -> Aligner | None:
    """The locator's decoder: first pass only, default beams, the garbage words and the free
    phone loop (the bundled phone language model) added once."""
    aligner = shared_aligner(False, False)
    if aligner is None:
        return None
    import pocketsphinx  # the model folder; pocketsphinx is loaded by now

    with aligner.lock:
        for p in PHONES:
            aligner.decoder.add_word(f"{_GARBAGE}{p.lower()}", p, update=True)
        path = os.path.join(pocketsphinx.get_model_path(), "en-us", "en-us-phone.lm.bin")
        if not os.path.isfile(path):
            path = os.path.join(pocketsphinx.get_model_path(), "en-us-phone.lm.bin")
        try:
            aligner.decoder.add_allphone_file(_LOOP, path)
        except (RuntimeError, OSError):
            return None
    return aligner


def available() -> bool:
    """True when the locator can run (pocketsphinx and its phone model are present)."""
    return _locator() is not None


def _line_rule(name: str, words: Sequence[str], hes: Sequence[str]) -> str:
    fill = " [ <h> ]" if hes else ""
    return f"<{name}> = " + fill.join(f" {w}" for w in words) + " ;\n"


def _header(hes: Sequence[str], weight: float = GARBAGE_WEIGHT) -> str:
    """Rules ``<g>`` (one garbage phone), ``<G>`` (a garbage stretch, each phone charged
    ``weight``, right-recursive) and ``<h>`` (a hesitation)."""
    garbage = " | ".join(f"{_GARBAGE}{p.lower()}" for p in PHONES)
    return ("#JSGF V1.0;\ngrammar rk;\n" + f"<g> = {garbage} ;\n"
            + f"<G> = /{weight:g}/ <g> <G> | /1/ <NULL> ;\n"
            + (f"<h> = {' | '.join(hes)} ;\n" if hes else ""))


def _decode_lines(lines: Sequence[Sequence[str]], samples: np.ndarray, t0: float, t1: float, language: str,
                  sr: int, public: str, weight: float = GARBAGE_WEIGHT
                  ) -> tuple[list[list[str]], list[tuple[str, int, int]]] | None:
    """Decode ``samples[t0:t1]`` with the grammar of ``lines`` (rules ``<l0>``, ``<l1>``...,
    the garbage loop ``<g>``, hesitations ``<h>``) and the public rule ``public``: each line's
    grammar names and the decoded segments that are not garbage; None when it cannot run."""
    aligner = _locator()
    if aligner is None or not lines or sr != SAMPLE_RATE or t1 - t0 < 0.2:
        return None
    with aligner.lock:
        named = [aligner.names(list(words), language) for words in lines]
        if any(not n for n in named):
            return None
        hes = aligner.hesitations(language)
        grammar = _header(hes, weight) + "".join(_line_rule(f"l{i}", n, hes) for i, n in enumerate(named))  # type: ignore[arg-type]
        segs = aligner.decode(grammar + f"public <s> = {public} ;\n", pcm16(samples, int(t0 * sr), int(t1 * sr)))
    if segs is None:
        return None
    return named, [(base_word(w), f0, f1) for w, f0, f1 in segs if not w.startswith(_GARBAGE)]  # type: ignore[return-value]


def locate(lines: Sequence[Sequence[str]], samples: np.ndarray, t0: float, t1: float, language: str = "en",
           sr: int = SAMPLE_RATE, weights: Sequence[float] = GARBAGE_WEIGHTS) -> list[tuple[float, float]] | None:
    """Where each of ``lines`` (token lists, in script order) is spoken in ``samples[t0:t1]``:
    (first word's start, last word's end) per line, in clip seconds, in order.

    One reading per line is placed (the one that fits best; the caller searches what is left
    for more). The garbage penalties ``weights`` are tried in turn, the next only when no
    path fits under the one before. None when the decoder is missing, a word
    has no pronunciation, or no path through the grammar fits the audio.
    """
    public = "<G> " + " <G> ".join(f"<l{i}>" for i in range(len(lines))) + " <G>"
    decoded = None
    for weight in weights:
        decoded = _decode_lines(lines, samples, t0, t1, language, sr, public, weight)
        if decoded is not None:
            break
    if decoded is None:
        return None
    named, words = decoded
    out: list[tuple[float, float]] = []
    k = 0
    for names in named:
        placed: list[tuple[int, int]] = []
        for name in names:  # type: ignore[union-attr]
            while k < len(words) and words[k][0] != name:
                k += 1
            if k == len(words):
                return None
            placed.append((words[k][1], words[k][2]))
            k += 1
        out.append((round(t0 + placed[0][0] * FRAME - START_BIAS, 3), round(t0 + (placed[-1][1] + 1) * FRAME, 3)))
    return out


def fits(lines: Sequence[Sequence[str]], samples: np.ndarray, a: float, b: float, language: str = "en",
         sr: int = SAMPLE_RATE) -> list[float | None]:
    """Per line of ``lines``: the per-frame log score of its words forced over
    ``samples[a:b]`` (hesitations allowed between them) minus the free phone loop's over the
    same audio: near or above 0 for the words that were said there, below for others. None
    for a line no path of which fits at all (or when the locator cannot run)."""
    aligner = _locator()
    if aligner is None or sr != SAMPLE_RATE or b - a < 0.1:
        return [None] * len(lines)
    pcm = pcm16(samples, int(a * sr), int(b * sr))
    frames = max(1.0, (b - a) / FRAME)
    with aligner.lock:
        d = aligner.decoder
        d.activate_search(_LOOP)
        try:
            d.start_utt()
            d.process_raw(pcm, full_utt=True)
            d.end_utt()
        except RuntimeError:
            return [None] * len(lines)
        loop = aligner.score()
        hes = aligner.hesitations(language)
        out: list[float | None] = []
        for words in lines:
            names = aligner.names(list(words), language) if words else None
            line = None
            if names and loop is not None:
                grammar = _header(hes) + _line_rule("l", names, hes) + "public <s> = <l> ;\n"
                line = aligner.score() if aligner.decode(grammar, pcm) is not None else None
            out.append(None if line is None else (line - loop) / frames)  # type: ignore[operator]
    return out


def which(lines: Sequence[Sequence[str]], samples: np.ndarray, t0: float, t1: float, language: str = "en",
          sr: int = SAMPLE_RATE) -> int | None:
    """Which of ``lines`` (alternatives) the decoder places in ``samples[t0:t1]`` among the
    free phone loop: the index of the line that explains the audio best; None when none
    fits (or the locator cannot run)."""
    public = "<G> ( " + " | ".join(f"<l{i}>" for i in range(len(lines))) + " ) <G>"
    decoded = _decode_lines(lines, samples, t0, t1, language, sr, public)
    if decoded is None:
        return None
    named, segs = decoded
    said = [w for w, _, _ in segs]
    scores = [sum(1 for w in said if w in set(n)) / len(n) for n in named]  # type: ignore[arg-type]
    return int(np.argmax(scores)) if max(scores) > 0 else None
