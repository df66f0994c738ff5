"""Real-speech mode of the caption benchmark (``bench_captions.py --real``).

Recordings of real people with reference word times (tests/realspeech.py: the project's
copyable ones and ../shared/testdata/realspeech), clean and mixed with babble (other voices)
at 5 dB SNR and traffic (shaped brown noise) at 10 dB SNR, through both paths:

- ``outline``: an outline with a script (transcribe with the script's glossary, caption words
  from the script, forced alignment), per recording;
- ``script cut``: raw takes built from the recordings (a false start, a line with an "uh"
  inside, a line read twice, long pauses), cut by their script (``render --script``'s
  decision), caption words timed on the kept audio.

Word-start error is measured against the reference, allowing a word-initial stop's closure
(tests/realspeech.py ``start_error``). Prints one row per backend, path and condition.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import realspeech as rs  # noqa: E402
from reelkit.speech import transcribe  # noqa: E402
from reelkit.speech.align import caption_words, normalise, script_prompt, script_tokens  # noqa: E402

CONDITIONS = (("clean", None, 0.0), ("babble 5 dB", "babble", 5.0), ("traffic 10 dB", "traffic", 10.0))
TAKES = (("emu_ae_msajc003", "emu_ae_msajc010", "emu_ae_msajc012", "emu_ae_msajc015", "emu_ae_msajc022"),
         ("timit_ldc93s1", "praatio_bobby", "praatio_mary", "emu_ae_msajc057"))


def _pool() -> list[rs.Recording]:
    seen: dict[str, rs.Recording] = {}
    for folder in (rs.PROJECT_DATA, rs.SHARED_DATA):
        if folder.is_dir():
            for rec in rs.recordings(folder):
                seen.setdefault(rec.name, rec)
    return sorted(seen.values(), key=lambda r: r.name)


def _noise(x: np.ndarray, kind: str | None, snr: float, others: list[np.ndarray], seed: int) -> np.ndarray:
    if kind is None:
        return x
    noise = rs.babble(others[:4], x.size, seed) if kind == "babble" else rs.traffic(x.size, seed)
    return rs.mix(x, noise, snr)


def _wer(ref: list[str], hyp: list[str]) -> tuple[float, int]:
    """Word error rate and the number of reference words missing (deleted) from ``hyp``."""
    r = [normalise(t) for t in ref if normalise(t)]
    h = [normalise(t) for t in hyp if normalise(t)]
    d = np.zeros((len(r) + 1, len(h) + 1), dtype=int)
    d[:, 0] = np.arange(len(r) + 1)
    d[0, :] = np.arange(len(h) + 1)
    for i in range(1, len(r) + 1):
        for j in range(1, len(h) + 1):
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + (r[i - 1] != h[j - 1]))
    missing = max(0, len(r) - len(h))
    return d[len(r), len(h)] / max(1, len(r)), missing


def _errors(ref: list[rs.RefWord], words) -> list[float]:  # type: ignore[no-untyped-def]
    """Start errors of caption words matched to reference words by text, in order."""
    out = []
    j = 0
    for w in ref:
        k = j
        while k < len(words) and normalise(words[k].text) != normalise(w.text):
            k += 1
        if k < len(words):
            out.append(rs.start_error(w, words[k].start))
            j = k + 1
    return out


def _signed(ref: list[rs.RefWord], words) -> list[float]:  # type: ignore[no-untyped-def]
    texts = [normalise(w.text) for w in words]
    out, j = [], 0
    for w in ref:
        if normalise(w.text) in texts[j:]:
            k = texts.index(normalise(w.text), j)
            out.append(words[k].start - w.start)
            j = k + 1
    return out


def outline_path(backend: str, pool: list[rs.Recording], kind: str | None, snr: float) -> dict:
    errs: list[float] = []
    wers: list[float] = []
    missing = 0
    words_total = 0
    for n, rec in enumerate(pool):
        others = [r.samples for r in pool if r.name != rec.name]
        audio = _noise(rec.samples, kind, snr, others, seed=11 + n)
        script = rs.script_text(rec)
        tr = transcribe(audio, backend=backend, initial_prompt=script_prompt(script) or None)
        words = caption_words(tr, audio, script=script)
        w, miss = _wer(script_tokens(script), [x.text for x in words])
        wers.append(w)
        missing += miss
        words_total += len(rec.words)
        errs += _errors(list(rec.words), list(words))
    return {"errors": errs, "wer": float(np.mean(wers)), "missing": missing, "words": words_total}


def _to_output(pieces, t: float) -> float | None:  # type: ignore[no-untyped-def]
    cursor = 0.0
    for p in pieces:
        if p.start - 1e-6 <= t <= p.end + 1e-6:
            return cursor + t - p.start
        cursor += p.end - p.start
    return None


def cut_path(backend: str, pool: list[rs.Recording], kind: str | None, snr: float) -> dict:
    from reelkit.cut.heard import FILLER_PROMPT, clip_audio
    from reelkit.cut.script_cut import decide_cut
    from reelkit.errors import InputError
    from reelkit.plan.edit import EditSettings
    from reelkit.plan.model import Word

    try:
        from reelkit.speech.align import time_known_words
    except ImportError:  # the code before issue 17: the decision's own word times
        time_known_words = None
    settings = EditSettings()
    by_name = {r.name: r for r in pool}
    out = {"errors": [], "wer": [], "missing": 0, "words": 0, "clipped": 0, "kept_dropped": 0, "max_pause": 0.0,
           "timing": {}}
    for n, names in enumerate(TAKES):
        recs = [by_name[x] for x in names if x in by_name]
        if len(recs) < 3:
            continue
        samples, ref, script = rs.raw_take(recs)
        others = [r.samples for r in pool if r.name not in names]
        audio = _noise(samples, kind, snr, others, seed=21 + n)
        prompt = f"{FILLER_PROMPT} {script_prompt(script)}".strip()
        tr = transcribe(audio, backend=backend, initial_prompt=prompt, keep_repeats=True)
        clip = clip_audio(Path(f"take{n}"), audio, tr.words, 0, audio.size / rs.SR, (0.0, audio.size / rs.SR))
        t0 = time.process_time()
        try:
            decision = decide_cut(script, [clip], settings, 30.0)
        except InputError as exc:  # a line found nowhere: the render fails (counted as missing)
            out["failed"] = out.get("failed", 0) + 1
            out["words"] += sum(1 for w in ref if w.label.startswith("keep"))
            out["missing"] += sum(1 for w in ref if w.label.startswith("keep"))
            print(f"    take {n}: {str(exc)[:140]}")
            continue
        finally:
            out["decide_cpu"] = out.get("decide_cpu", 0.0) + time.process_time() - t0
        pieces = list(decision.pieces)
        kept_audio = np.concatenate([audio[int(round(p.start * rs.SR)):int(round(p.end * rs.SR))] for p in pieces])
        guides = []
        for w in decision.words:
            a, b = _to_output(pieces, w.start), _to_output(pieces, w.end)
            if a is not None:
                guides.append(Word(w.text, a, b if b is not None else a + 0.1))
        guides.sort(key=lambda w: w.start)
        if time_known_words is not None:
            words = list(time_known_words([w.text for w in guides], [(w.start, w.end) for w in guides], kept_audio))
        else:
            words = guides
        for w in words:
            out["timing"][w.timing or "-"] = out["timing"].get(w.timing or "-", 0) + 1
        keep = [w for w in ref if w.label.startswith("keep")]
        out["words"] += len(keep)
        w_, miss = _wer(script_tokens(script), [x.text for x in words])
        out["wer"].append(w_)
        out["missing"] += miss
        mapped = []
        for w in keep:
            if not any(p.start <= w.start and w.end <= p.end for p in pieces):
                out["clipped"] += 1
            a = _to_output(pieces, w.start)
            if a is not None:
                mapped.append(rs.RefWord(w.text, a, a + w.end - w.start, w.label))
        for w in ref:
            if not w.label.startswith("keep"):
                inside = sum(max(0.0, min(p.end, w.end) - max(p.start, w.start)) for p in pieces)
                out["kept_dropped"] += inside > 0.2 * (w.end - w.start)
        for a, b in zip(mapped, mapped[1:]):
            out["max_pause"] = max(out["max_pause"], b.start - a.end)
        out["errors"] += _errors(mapped, words)
        out["signed"] = out.get("signed", []) + _signed(mapped, words)
    out["wer"] = float(np.mean(out["wer"])) if out["wer"] else float("nan")
    return out


def _row(name: str, r: dict) -> str:
    e = np.array(r["errors"]) * 1000 if r["errors"] else np.array([np.nan])
    within = float((e <= 50).mean()) if r["errors"] else float("nan")
    extra = ""
    if "clipped" in r:
        signed = np.mean(r.get("signed") or [np.nan]) * 1000
        extra = (f" | signed {signed:+4.0f} ms {r['clipped']:3d} clipped {r['kept_dropped']:2d} dropped-kept  max pause "
                 f"{r['max_pause']:.2f} s  {r['timing']}  cut decision {r.get('decide_cpu', 0.0):.1f} s CPU")
    return (f"  {name:34s} mean {np.mean(e):5.0f} ms  p90 {np.percentile(e, 90):5.0f} ms  {within:5.0%} <=50 ms"
            f"  WER {r['wer']:5.1%}  missing {r['missing']:3d}/{r['words']:<4d}{extra}")


def main(backends: list[str]) -> int:
    pool = _pool()
    if len(pool) < 3:
        print("real speech: need ../shared/testdata/realspeech (or tests/data/realspeech)", file=sys.stderr)
        return 1
    print(f"real speech: {len(pool)} recordings, {sum(len(r.words) for r in pool)} reference words "
          f"({', '.join(r.name for r in pool)})")
    print("start error allows a word-initial stop's closure (up to 50 ms after the reference start)")
    for backend in backends:
        print(f"\n== {backend} (tiny.en)")
        t0 = time.perf_counter()
        for label, kind, snr in CONDITIONS:
            print(_row(f"outline+script, {label}", outline_path(backend, pool, kind, snr)))
        for label, kind, snr in CONDITIONS:
            print(_row(f"raw take cut by script, {label}", cut_path(backend, pool, kind, snr)))
        print(f"  ({time.perf_counter() - t0:.0f} s)")
    return 0
