"""Caption accuracy benchmark: words and word-start times, both Whisper backends.

Material:
- "timed": espeak-ng speech made word by word and joined with known gaps, so every word's true
  start is known exactly (a few sentences with tricky words: "Crews pull out the old quay walls");
- "fluent": whole-sentence espeak-ng speech with exact word onsets from libespeak-ng's word
  events (tests/espeak_events.py): ordinary connected speech, no pauses between words;
- "natural": whole-sentence espeak-ng speech (connected; WER only);
- "jfk": tests/data/jfk.flac, 11 s of real speech with a known text (WER only).

Per backend it prints: WER of the raw transcript, of the transcript with the script's rare
words as prompt, and of the caption words with the script; the mean and 90th percentile of the
word-start error, raw (recogniser), refined by onsets only (the path before forced alignment,
still used for languages other than English) and final (caption words, with and without the
script), and which method timed the caption words;
and speed in seconds of audio per second of recognition. Targets (issue): caption WER 0 % with
a script; refined start error mean <= 50 ms and p90 <= 100 ms.

With ``--languages [nl,de,fr,es]``: for each language, connected espeak-ng speech with exact
word onsets (libespeak-ng word events), the multilingual base model on both backends: the
recognition WER without a script (a figure to watch), the caption WER with the script and
the word-start error (targets: 0 %, mean <= 50 ms, p90 <= 100 ms).

With ``--real``: real human speech with reference word times, clean and noisy, through the
outline path and the script cut (scripts/bench_realspeech.py).

Run: .venv/bin/python scripts/bench_captions.py [--backend faster-whisper] [--noise-db -60] [--real]
     .venv/bin/python scripts/bench_captions.py --languages [nl,de]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

from reelkit.speech.align import align_tokens, caption_words, normalise, script_prompt  # noqa: E402
from reelkit.speech import load_audio, transcribe  # noqa: E402
from speech import have_espeak, synth_sentence, synth_words  # noqa: E402
from espeak_events import have_libespeak, speak_connected_sentences  # noqa: E402
from reelkit.speech.types import Transcript  # noqa: E402

TIMED_SCRIPT = [
    "Crews pull out the old quay walls on Monday.",
    "The water main under Harbour Street burst at 6 a.m., flooding 40 homes.",
    "Our engineers expect the road to reopen by Friday, said Amara Okafor.",
    "Please avoid the area and check the council website for updates.",
]
NATURAL_SCRIPT = [
    "Crews pull out the old quay walls on Monday.",
    "Residents near the reservoir should boil their tap water until further notice.",
    "The new bus lanes open in March and will cut journey times by a quarter.",
]
JFK_TEXT = ("And so, my fellow Americans, ask not what your country can do for you, "
            "ask what you can do for your country.")


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate after normalising case and punctuation."""
    ref = [t for t in (normalise(w) for w in reference.split()) if t]
    hyp = [t for t in (normalise(w) for w in hypothesis.split()) if t]
    d = np.arange(len(hyp) + 1, dtype=int)
    for i, r in enumerate(ref, 1):
        prev, d[0] = d[0], i
        for j, h in enumerate(hyp, 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (r != h))
            prev, d[j] = d[j], cur
    return float(d[len(hyp)]) / max(1, len(ref))


def start_errors(true_words, texts_starts) -> list[float]:
    """|start - true start| for words aligned one to one with the true words."""
    pairs = align_tokens([w.text for w in true_words], [t for t, _ in texts_starts])
    out = []
    for p in pairs:
        if p.s1 - p.s0 == 1 and p.r1 - p.r0 == 1:
            out.append(abs(texts_starts[p.r0][1] - true_words[p.s0].start))
    return out


def stats(errors: list[float]) -> str:
    if not errors:
        return "n/a"
    e = np.array(errors) * 1000
    return f"mean {e.mean():5.0f} ms  p90 {np.percentile(e, 90):5.0f} ms  (n={e.size})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", action="append", choices=["faster-whisper", "openai-whisper"])
    ap.add_argument("--noise-db", type=float, default=-60.0, help="white noise added to the timed speech")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("-v", "--verbose", action="store_true", help="print every timed word")
    ap.add_argument("--languages", nargs="?", const=",".join(LANGUAGE_SCRIPTS), default=None,
                    help="benchmark these languages (comma-separated; default all) instead")
    ap.add_argument("--real", action="store_true", help="real human speech with reference times (bench_realspeech.py)")
    args = ap.parse_args()
    backends = args.backend or ["faster-whisper", "openai-whisper"]
    if args.languages is not None:
        return bench_languages(args.languages.split(","), backends, args.verbose)
    if args.real:
        from bench_realspeech import main as real_main

        return real_main(backends)
    if not have_espeak():
        print("espeak-ng is not installed: cannot build the benchmark speech", file=sys.stderr)
        return 1

    words = " ".join(TIMED_SCRIPT).split()
    timed_script = " ".join(TIMED_SCRIPT)
    natural_script = " ".join(NATURAL_SCRIPT)

    def joined(lo: float, hi: float, seed: int) -> tuple[np.ndarray, list]:
        rng = np.random.default_rng(seed)
        gaps = [0.55 if w.endswith((".", "?", "!")) else float(rng.uniform(lo, hi)) for w in words[:-1]]
        return synth_words(words, gaps, noise_db=args.noise_db, seed=seed)

    # "timed": pauses of 50-300 ms between words (the acceptance material);
    # "connected": 0-30 ms, closer to fluent speech, where onsets are much harder to see.
    timed_audio, truth = joined(0.05, 0.30, args.seed)
    connected_audio, connected_truth = joined(0.0, 0.03, args.seed + 1)
    natural_audio = np.concatenate([synth_sentence(s) for s in NATURAL_SCRIPT])
    jfk_audio = load_audio(ROOT / "tests" / "data" / "jfk.flac")
    print(f"timed speech {timed_audio.size / 16000:.1f} s and connected {connected_audio.size / 16000:.1f} s "
          f"({len(truth)} words each, noise {args.noise_db} dBFS); natural {natural_audio.size / 16000:.1f} s; "
          f"jfk {jfk_audio.size / 16000:.1f} s")
    truths = {"timed": truth, "connected": connected_truth}
    materials = [("timed", timed_audio, timed_script), ("connected", connected_audio, timed_script)]
    if have_libespeak():
        fluent_sentences = TIMED_SCRIPT + NATURAL_SCRIPT[1:]
        fluent_audio, fluent_truth = speak_connected_sentences(fluent_sentences, gap=0.5)
        fluent_truth = [w for w in fluent_truth if w.start == w.start]  # espeak merged a few
        truths["fluent"] = fluent_truth
        materials.append(("fluent", fluent_audio, " ".join(fluent_sentences)))
        print(f"fluent speech {fluent_audio.size / 16000:.1f} s ({len(fluent_truth)} words with onsets)")
    materials += [("natural", natural_audio, natural_script), ("jfk", jfk_audio, JFK_TEXT)]

    for backend in backends:
        print(f"\n== {backend} (tiny.en)")
        transcribe(jfk_audio[:16000 * 3], backend=backend, use_cache=False)  # load the model
        audio_s = 0.0
        busy = 0.0
        for name, audio, script in materials:
            t0 = time.perf_counter()
            tr = transcribe(audio, backend=backend, use_cache=False)
            busy += time.perf_counter() - t0
            audio_s += audio.size / 16000
            prompt = script_prompt(script)
            tr_p = transcribe(audio, backend=backend, use_cache=False, initial_prompt=prompt or None)
            with_script = caption_words(tr, audio, script=script)
            with_script_p = caption_words(tr_p, audio, script=script)
            # The path before forced alignment: the same words, refined by onsets only.
            onset_only = caption_words(Transcript("xx", tr_p.backend, tr_p.model, tr_p.segments),
                                       audio, script=script)
            no_script = caption_words(tr, audio)
            caption_text = " ".join(w.text for w in with_script)
            print(f"  {name:9s} WER raw {wer(script, tr.text):6.1%}   prompted {wer(script, tr_p.text):6.1%}   "
                  f"captions+script {wer(script, caption_text):6.1%} "
                  f"(prompted run {wer(script, ' '.join(w.text for w in with_script_p)):5.1%})")
            if name in truths:
                truth = truths[name]
                raw = start_errors(truth, [(w.text, w.start) for w in tr.words])
                ref_script = start_errors(truth, [(w.text, w.start) for w in with_script])
                ref_script_p = start_errors(truth, [(w.text, w.start) for w in with_script_p])
                ref_onset = start_errors(truth, [(w.text, w.start) for w in onset_only])
                ref_plain = start_errors(truth, [(w.text, w.start) for w in no_script])
                early = [w.start - t.start for w, t in zip(with_script, truth)
                         if len(with_script) == len(truth)]
                print(f"    start error raw              {stats(raw)}")
                print(f"    start error onsets only, prompt (before) {stats(ref_onset)}")
                print(f"    start error final, script    {stats(ref_script)}")
                print(f"    start error final, prompt    {stats(ref_script_p)}")
                methods = {}
                for w in with_script_p:
                    methods[w.timing] = methods.get(w.timing, 0) + 1
                print(f"    timed by: {methods}")
                print(f"    start error refined, no script {stats(ref_plain)}")
                if early:
                    e = np.array(early) * 1000
                    print(f"    signed (caption - true): min {e.min():.0f} ms, max {e.max():.0f} ms, "
                          f"{(e < -20).sum()} words more than 20 ms early")
                if args.verbose:
                    for w, t in zip(with_script, truth):
                        print(f"      {t.text:12s} true {t.start:6.3f}  cap {w.text:12s} {w.start:6.3f} {w.end:6.3f}")
        print(f"  speed: {audio_s / busy:5.1f} s of audio per second (transcription only, model loaded)")
    return 0


# --- other languages (issue 18) -------------------------------------------------------------

LANGUAGE_SCRIPTS = {
    "nl": ["Het waterschap sluit het gemaal over vijf minuten.",
           "'s Avonds controleren de medewerkers de dijk bij het dorp.",
           "Bewoners kunnen 24 uur per dag de informatielijn bellen.",
           "Door de storing is het drinkwater in drie wijken niet te gebruiken."],
    "de": ["Die Stadt sperrt die Brücke am Montag für drei Wochen.",
           "Die Straßenbahnhaltestelle am Rathaus bleibt bis Ende Mai geschlossen.",
           "Rund 40 Haushalte haben seit gestern kein Wasser.",
           "Die Feuerwehr warnt vor Glätte auf den Straßen im Norden."],
    "fr": ["La ville ferme le pont de l'écluse pendant deux semaines.",
           "L'agence de santé conseille aux habitants de faire bouillir l'eau.",
           "Les travaux coûtent 30 millions d'euros et finissent en juin.",
           "Le centre de vaccination reste ouvert jusqu'à dix-neuf heures."],
    "es": ["El ayuntamiento cierra el puente durante tres semanas.",
           "Los vecinos del barrio pueden llamar al teléfono de información.",
           "La obra cuesta 12 millones y termina en el mes de julio.",
           "El centro de salud abre de nuevo el lunes por la mañana."],
}


def bench_languages(langs: list[str], backends: list[str], verbose: bool = False) -> int:
    """Per language and backend: recognition WER, caption WER with the script, start errors."""
    if not have_libespeak():
        print("libespeak-ng is not available: cannot build the benchmark speech", file=sys.stderr)
        return 1
    unknown = [lang for lang in langs if lang not in LANGUAGE_SCRIPTS]
    if unknown:
        print(f"unknown language(s) {', '.join(unknown)}; choose from {', '.join(LANGUAGE_SCRIPTS)}", file=sys.stderr)
        return 2
    rows = []
    for lang in langs:
        audio, truth = speak_connected_sentences(LANGUAGE_SCRIPTS[lang], voice=lang, gap=0.5)
        script = " ".join(LANGUAGE_SCRIPTS[lang])
        for backend in backends:
            rows.append(_bench_language(lang, backend, audio, truth, script, verbose))
    print(f"\n{'lang':5s} {'backend':15s} {'recog WER':>9s} {'script WER':>10s} {'start mean':>10s} "
          f"{'p90':>6s} {'raw mean':>8s}  timed by")
    for r in rows:
        print(f"{r[0]:5s} {r[1]:15s} {r[2]:9.1%} {r[3]:10.1%} {r[4]:8.0f}ms {r[5]:4.0f}ms {r[6]:6.0f}ms  {r[7]}")
    return 0


def _bench_language(lang: str, backend: str, audio: np.ndarray, truth, script: str, verbose: bool) -> tuple:
    tr = transcribe(audio, backend=backend, language=lang, use_cache=False)
    prompted = transcribe(audio, backend=backend, language=lang, use_cache=False,
                          initial_prompt=script_prompt(script, lang) or None)
    words = caption_words(prompted, audio, script=script)
    errors = np.array(start_errors(truth, [(w.text, w.start) for w in words])) * 1000
    raw = np.array(start_errors(truth, [(w.text, w.start) for w in tr.words]) or [np.nan]) * 1000
    methods: dict[str, int] = {}
    for w in words:
        methods[w.timing] = methods.get(w.timing, 0) + 1
    if verbose:
        for w, t in zip(words, truth):
            print(f"  {lang} {backend} {t.text:16s} true {t.start:6.3f}  caption {w.start:6.3f} ({w.timing})")
    return (lang, backend, wer(script, tr.text), wer(script, " ".join(w.text for w in words)),
            float(errors.mean()), float(np.percentile(errors, 90)), float(np.nanmean(raw)), methods)


if __name__ == "__main__":
    sys.exit(main())
