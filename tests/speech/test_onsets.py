"""Timing refinement on synthetic signals with exactly known onsets."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reelkit.speech.onsets import analyse, onset_candidates, pause_strength
from reelkit.speech.refine import refine_spans

SR = 16000


def syllable(duration: float, f0: float = 140.0, level: float = 0.3, fricative: float = 0.0,
             rng: np.random.Generator | None = None) -> np.ndarray:
    """A voiced burst (harmonics, 8 ms attack, 20 ms release), optionally led by a weak hiss."""
    rng = rng or np.random.default_rng(0)
    n = int(duration * SR)
    t = np.arange(n) / SR
    voiced = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 6))
    env = np.minimum(1.0, np.minimum(t / 0.008, (duration - t) / 0.02))
    out = level * voiced * env / 1.5
    if fricative:
        m = int(fricative * SR)
        hiss = 0.03 * rng.standard_normal(m) * np.minimum(1.0, np.arange(m) / (0.004 * SR))
        out = np.concatenate([hiss, out])
    return out.astype(np.float32)


def build(pieces: list[tuple[float, np.ndarray]], total: float, noise_db: float = -60.0,
          seed: int = 1) -> np.ndarray:
    """Place each piece at its start time over white noise."""
    rng = np.random.default_rng(seed)
    audio = rng.normal(0, 10 ** (noise_db / 20), int(total * SR)).astype(np.float32)
    for start, piece in pieces:
        a = int(round(start * SR))
        audio[a:a + piece.size] += piece
    return audio


def words_signal() -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Five 'words' with gaps of 60-300 ms; the third has a 25 ms stop closure inside."""
    rng = np.random.default_rng(3)
    truth: list[tuple[float, float]] = []
    pieces: list[tuple[float, np.ndarray]] = []
    t = 0.5
    for i, (dur, gap) in enumerate([(0.30, 0.20), (0.25, 0.06), (0.45, 0.15), (0.35, 0.30), (0.40, 0.0)]):
        if i == 2:  # two bursts with a closure: one word
            first = syllable(0.18, rng=rng)
            second = syllable(dur - 0.18 - 0.025, f0=170, rng=rng)
            pieces += [(t, first), (t + 0.18 + 0.025, second)]
            truth.append((t, t + dur))
        elif i == 3:  # starts with a weak fricative
            piece = syllable(dur - 0.06, fricative=0.06, rng=rng)
            pieces.append((t, piece))
            truth.append((t, t + piece.size / SR))
        else:
            piece = syllable(dur, f0=120 + 15 * i, rng=rng)
            pieces.append((t, piece))
            truth.append((t, t + dur))
        t = truth[-1][1] + gap
    return build(pieces, t + 0.6), truth


def test_recogniser_errors_are_pulled_onto_onsets() -> None:
    audio, truth = words_signal()
    # Recogniser-like spans: starts early into the pause or late into the word, contiguous.
    offsets = [-0.15, +0.12, -0.05, +0.18, -0.10]
    starts = [s + o for (s, _), o in zip(truth, offsets)]
    spans = [(a, b) for a, b in zip(starts, starts[1:] + [truth[-1][1] + 0.3])]
    refined = refine_spans(spans, audio, SR)
    for (ts, te), (rs, re_) in zip(truth, refined):
        assert abs(rs - ts) <= 0.015, (ts, rs)
        assert rs >= ts - 0.010  # never lights up before the word is spoken
        assert abs(re_ - te) <= 0.04, (te, re_)  # does not linger over the pause


def test_closure_inside_a_word_is_not_taken_as_the_next_word() -> None:
    audio, truth = words_signal()
    # Shift the fourth word's estimate early, close to the closure in word three.
    spans = [(s, e) for s, e in truth]
    spans[3] = (truth[2][0] + 0.25, truth[3][1])
    refined = refine_spans(spans, audio, SR)
    assert abs(refined[3][0] - truth[3][0]) <= 0.015
    assert abs(refined[2][0] - truth[2][0]) <= 0.015


def test_span_over_silence_moves_to_first_speech() -> None:
    audio = build([(1.0, syllable(0.3))], 2.0)
    refined = refine_spans([(0.3, 1.2)], audio, SR)
    assert 0.99 <= refined[0][0] <= 1.015
    assert refined[0][1] <= 1.34


def test_noise_only_has_no_active_islands() -> None:
    audio = build([], 2.0, noise_db=-40.0)
    assert analyse(audio, SR).islands() == []


def test_candidates_mark_pauses_strong() -> None:
    audio, truth = words_signal()
    cands = onset_candidates(analyse(audio, SR))
    strong = [c.time for c in cands if c.strength >= 0.3]
    assert len(strong) == len(truth)
    for (ts, _), c in zip(truth, strong):
        assert abs(c - ts) <= 0.015


def test_pause_strength_is_monotonic() -> None:
    values = [pause_strength(p) for p in np.linspace(0, 0.5, 26)]
    assert values == sorted(values)
    assert values[0] == 0.0 and values[-1] == 1.0


def test_hum_does_not_hide_onsets() -> None:
    # 50 Hz hum at -30 dBFS under the speech: the high-pass keeps onsets detectable.
    audio, truth = words_signal()
    t = np.arange(audio.size) / SR
    audio = audio + (0.03 * np.sin(2 * np.pi * 50 * t)).astype(np.float32)
    refined = refine_spans([(s + 0.1, e) for s, e in truth], audio, SR)
    for (ts, _), (rs, _) in zip(truth, refined):
        assert abs(rs - ts) <= 0.02


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 3.0), st.floats(0.0, 0.6)), min_size=1, max_size=12))
def test_refined_spans_are_ordered_and_inside_the_signal(raw: list[tuple[float, float]]) -> None:
    audio, _ = words_signal()
    duration = audio.size / SR
    spans = sorted((s, s + d) for s, d in raw)
    refined = refine_spans(spans, audio, SR)
    assert len(refined) == len(spans)
    for s, e in refined:
        assert 0.0 <= s < e <= duration + 0.1
    for (s0, e0), (s1, _) in zip(refined, refined[1:]):
        assert s0 < s1 and e0 <= s1 + 1e-9
