"""Connected speech with exact word onsets, from libespeak-ng's own word events (ctypes).

Synthesising word by word gives exact times only for speech with pauses between words. For
fluent (connected) speech, libespeak-ng reports a *word* event while it synthesises, carrying
the audio position of the word's start; this binding collects the samples and those events:

    samples, words = speak_connected("The work takes six weeks.")   # 16 kHz float32

Each :class:`speech.SpokenWord` has the word's text (as written, from the event's character
position), its onset (the event's sample position) and its end (the next word's onset, or the
end of the sentence's sound). Used by the timing tests and ``scripts/bench_captions.py``.

The library is opened on first use; :func:`have_libespeak` says whether it can be. One
synthesis at a time (the library keeps global state), guarded by a lock.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import threading
from collections.abc import Sequence

import numpy as np

from speech import SR, SpokenWord, TRIM_LEVEL

AUDIO_OUTPUT_SYNCHRONOUS = 2
POS_CHARACTER = 1
ESPEAK_CHARS_UTF8 = 1
ESPEAK_RATE = 1
EVENT_WORD = 1


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    """``espeak_EVENT`` from speak_lib.h."""

    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint),
                ("text_position", ctypes.c_int), ("length", ctypes.c_int),
                ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _EventId)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                             ctypes.POINTER(_Event))
_LOCK = threading.Lock()


@functools.cache
def _library() -> tuple[ctypes.CDLL, int] | None:
    name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                 ctypes.c_uint, ctypes.c_uint, ctypes.POINTER(ctypes.c_uint),
                                 ctypes.c_void_p]
    rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 200, None, 0)
    if rate <= 0:
        return None
    return lib, rate


def have_libespeak() -> bool:
    """True when libespeak-ng can be loaded and initialised."""
    return _library() is not None


def _resample(x: np.ndarray, rate: int, sr: int) -> np.ndarray:
    """Band-limited resampling by FFT (exact length, no phase shift)."""
    if rate == sr or x.size == 0:
        return x.astype(np.float32)
    n = int(round(x.size * sr / rate))
    spec = np.fft.rfft(x.astype(np.float64))
    keep = n // 2 + 1
    out_spec = np.zeros(keep, dtype=complex)
    m = min(keep, spec.size)
    out_spec[:m] = spec[:m]
    return (np.fft.irfft(out_spec, n) * (n / x.size)).astype(np.float32)


def speak_connected(text: str, *, voice: str = "en-us", speed: int = 165, sr: int = SR,
                    pad: float = 0.3) -> tuple[np.ndarray, list[SpokenWord]]:
    """Speak ``text`` in one go; return ``sr`` Hz float32 samples and each word's true onset.

    ``pad`` seconds of silence are kept before the first word and after the last. Words are
    the text's whitespace tokens holding a letter or digit, each timed by the word event whose
    character position falls inside it (espeak reports one event per written word).
    """
    found = _library()
    if found is None:
        raise RuntimeError("libespeak-ng is not available (apt-get install espeak-ng)")
    lib, rate = found
    chunks: list[np.ndarray] = []
    events: list[tuple[int, int]] = []  # (1-based character position, sample at native rate)
    total = [0]

    def on_synth(wav, numsamples, evs):  # type: ignore[no-untyped-def]
        if numsamples > 0 and wav:
            chunks.append(np.ctypeslib.as_array(wav, shape=(numsamples,)).astype(np.float32) / 32768)
            total[0] += numsamples
        i = 0
        while evs[i].type != 0:
            if evs[i].type == EVENT_WORD:
                events.append((evs[i].text_position, evs[i].audio_position * rate // 1000))
            i += 1
        return 0

    callback = _CALLBACK(on_synth)  # kept alive for the duration of the call
    data = text.encode("utf-8")
    with _LOCK:
        lib.espeak_SetSynthCallback(callback)
        lib.espeak_SetVoiceByName(voice.encode())
        lib.espeak_SetParameter(ESPEAK_RATE, speed, 0)
        err = lib.espeak_Synth(data, len(data) + 1, 0, POS_CHARACTER, 0, ESPEAK_CHARS_UTF8, None, None)
    if err != 0:
        raise RuntimeError(f"espeak_Synth failed with code {err}")
    audio = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    tokens = _tokens(text)
    onsets = _onsets_for(tokens, events, data)
    audio16 = _resample(audio, rate, sr)
    loud = np.flatnonzero(np.abs(audio16) > TRIM_LEVEL)
    first, last = (int(loud[0]), int(loud[-1]) + 1) if loud.size else (0, audio16.size)
    starts = [min(max(round(s * sr / rate), first), last) for s in onsets]
    lead = int(round(pad * sr)) - first
    body = audio16[first:last]
    samples = np.concatenate([np.zeros(int(round(pad * sr)), np.float32), body,
                              np.zeros(int(round(pad * sr)), np.float32)])
    words = []
    for i, (tok, s) in enumerate(zip(tokens, starts)):
        end = starts[i + 1] if i + 1 < len(starts) else last
        words.append(SpokenWord(tok[2], (s + lead) / sr, (end + lead) / sr))
    return samples, words


def speak_connected_sentences(sentences: Sequence[str], *, gap: float = 0.5, **kw) -> tuple[np.ndarray, list[SpokenWord]]:
    """Each sentence spoken fluently, sentences joined by ``gap`` seconds; words' onsets shifted."""
    sr = kw.get("sr", SR)
    pieces: list[np.ndarray] = []
    words: list[SpokenWord] = []
    pos = 0
    for i, sentence in enumerate(sentences):
        audio, ws = speak_connected(sentence, pad=0.0, **kw)
        silence = np.zeros(int(round((0.3 if i == 0 else gap) * sr)), np.float32)
        pieces += [silence, audio]
        pos += silence.size
        words += [SpokenWord(w.text, w.start + pos / sr, w.end + pos / sr) for w in ws]
        pos += audio.size
    pieces.append(np.zeros(int(round(0.3 * sr)), np.float32))
    return np.concatenate(pieces), words


def _tokens(text: str) -> list[tuple[int, int, str]]:
    """(byte start, byte end, token) of whitespace tokens holding a letter or digit."""
    out = []
    pos = 0
    for tok in text.split():
        start = text.index(tok, pos)
        pos = start + len(tok)
        if any(ch.isalnum() for ch in tok):
            b0 = len(text[:start].encode("utf-8"))
            out.append((b0, b0 + len(tok.encode("utf-8")), tok))
    return out


def _onsets_for(tokens: list[tuple[int, int, str]], events: list[tuple[int, int]], data: bytes) -> list[int]:
    """The sample of the first word event inside each token (espeak counts characters from 1)."""
    text = data.decode("utf-8")
    # text_position counts characters; convert each event to a byte offset.
    byte_at = [len(text[:k].encode("utf-8")) for k in range(len(text) + 1)]
    onsets: list[int] = []
    for b0, b1, tok in tokens:
        inside = [s for pos, s in events if 0 < pos <= len(text) and b0 <= byte_at[pos - 1] < b1]
        if not inside:
            raise RuntimeError(f"espeak reported no word event for {tok!r}")
        onsets.append(min(inside))
    return onsets
