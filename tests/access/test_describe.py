"""Audio description end to end: two cues voiced offline (Piper), placed in the pauses of the
programme voice, the programme ducked by the brand's amount under them, ``tiktok.ad.mp4``
beside ``tiktok.mp4``, and a WebVTT descriptions file that Chromium loads as a track."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from reelkit.decide.describe import MARGIN, pauses, place, place_cues
from reelkit.plan.outline import Describe
from reelkit.speech.pcm import load_audio
from reelkit.speech.vad import speech_regions

from access.access_clips import CUES


def test_placement_picks_the_nearest_pause_that_holds_the_cue() -> None:
    voiced = [(0.0, 2.0), (3.0, 6.0), (9.0, 10.0)]
    free = pauses(voiced, 12.0)
    assert free == [(2.0, 3.0), (6.0, 9.0), (10.0, 12.0)]
    assert place(2.2, 0.5, free) == pytest.approx(2.2)  # fits where it was asked for
    assert place(2.0, 0.5, free) == pytest.approx(2.0 + MARGIN)  # moved just clear of the voice
    assert place(2.2, 1.5, free) == pytest.approx(6.0 + MARGIN)  # too long for it: the next one
    assert place(8.0, 2.5, free) == pytest.approx(9.0 - MARGIN - 2.5)
    assert place(1.0, 5.0, free) is None
    # Two cues asking for the same pause do not overlap: the second goes after the first.
    placed = place_cues([Describe(6.0, "a"), Describe(6.0, "b")], [1.0, 1.0], voiced, 12.0)
    (_, s1), (_, s2) = placed
    assert s1 == pytest.approx(6.15) and s2 >= s1 + 1.0 + 2 * MARGIN - 1e-9


def _overlap(a: tuple[float, float], regions: list[tuple[float, float]]) -> float:
    return sum(max(0.0, min(a[1], b) - max(a[0], s)) for s, b in regions)


def test_ad_variant_voices_the_cues_inside_pauses(described) -> None:  # type: ignore[no-untyped-def]
    result, _ = described
    plan = result.plan
    assert [c.text for c in plan.descriptions] == CUES
    assert all(c.voice.startswith("piper:") for c in plan.descriptions)  # the bundled neural voice
    ad = result.files["tiktok.ad"]
    assert ad.name == "tiktok.ad.mp4" and ad.parent == result.files["tiktok"].parent
    assert result.checks["tiktok.ad"] == []  # a platform-valid file (loudness, codecs, flashes)
    programme = speech_regions(load_audio(result.files["tiktok"]))
    described_audio = speech_regions(load_audio(ad))
    for cue in plan.descriptions:
        span = (cue.start, cue.end)
        # Measured on the files: no programme voice under the cue, the cue's voice in the .ad file.
        assert _overlap(span, programme) < 0.05, (span, programme)
        assert _overlap(span, described_audio) > 0.6 * (cue.end - cue.start)


def _duck_db(mixed: np.ndarray, plain: np.ndarray, plan) -> float:  # type: ignore[no-untyped-def]
    """The programme's gain under the cues relative to away from them, in dB: the projection
    of the mix onto the plain programme (the cue voice is uncorrelated with it)."""
    n = min(len(plain), len(mixed))
    plain, mixed = plain[:n].astype(np.float64), mixed[:n].astype(np.float64)
    t = np.arange(n) / 48000
    inside = np.zeros(n, dtype=bool)
    near = np.zeros(n, dtype=bool)
    for c in plan.descriptions:
        inside |= (t >= c.start) & (t <= c.end)
        near |= (t >= c.start - 1.0) & (t <= c.end + 1.0)

    def gain(mask: np.ndarray) -> float:
        return float(np.dot(mixed[mask], plain[mask]) / np.dot(plain[mask], plain[mask]))

    return 20 * np.log10(gain(inside) / gain(~near))


def test_programme_is_ducked_by_the_brands_amount(described, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from reelkit.io.ffmpeg import run_ffmpeg
    from reelkit.render.describe import cue_gains, described_mix_args

    result, _ = described
    plan = result.plan
    # The mix as the .ad file's encoder gets it (no codec in the way), cues in and cues silenced.
    gains = cue_gains(plan, None)
    run_ffmpeg(described_mix_args(plan, gains, str(tmp_path / "mix.wav")), stage="test")
    run_ffmpeg(described_mix_args(plan, gains, str(tmp_path / "bare.wav"), cues=False), stage="test")
    run_ffmpeg(described_mix_args(replace(plan, descriptions=()), [], str(tmp_path / "plain.wav")), stage="test")
    mix, bare, plain = (load_audio(tmp_path / f"{n}.wav", sr=48000) for n in ("mix", "bare", "plain"))
    # The programme's gain under the cues, with the cue voices silenced (measured -11.97 dB
    # for the default brand's -12). With the cues in, a projection cannot separate them: the
    # cue voice is ~20 dB above the bed, so a chance correlation of a few per cent swings it.
    assert _duck_db(bare, plain, plan) == pytest.approx(plan.description_duck_db, abs=0.5)
    # The cues are exactly what the described mix adds, and only inside their spans.
    n = min(len(mix), len(bare))
    added = (mix[:n] - bare[:n]).astype(np.float64)
    t = np.arange(n) / 48000
    inside = np.zeros(n, dtype=bool)
    for c in plan.descriptions:
        inside |= (t >= c.start) & (t <= c.end)
    rms = lambda x: float(np.sqrt(np.mean(x ** 2)))  # noqa: E731
    assert rms(added[inside]) > 5 * rms(bare[:n][inside])  # the cue voice over the ducked bed
    assert rms(added[~inside]) < 1e-4  # nothing added (or taken) away from the cues
    # On the delivered AAC files, away from the cues the programme is the same (the variant's
    # loudness pass may differ by a fraction of a dB).
    delivered = load_audio(result.files["tiktok"], sr=48000).astype(np.float64)
    ad = load_audio(result.files["tiktok.ad"], sr=48000).astype(np.float64)
    m = min(len(delivered), len(ad))
    away = np.ones(m, dtype=bool)
    tm = np.arange(m) / 48000
    for c in plan.descriptions:
        away &= (tm < c.start - 1.0) | (tm > c.end + 1.0)
    k = float(np.dot(ad[:m][away], delivered[:m][away]) / np.dot(delivered[:m][away], delivered[:m][away]))
    assert abs(20 * np.log10(k)) < 1.0


def test_descriptions_vtt_loads_in_chromium(described, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result, _ = described
    vtt = result.sidecars["vtt.descriptions"]
    text = vtt.read_text(encoding="utf-8")
    assert text.startswith("WEBVTT") and all(c in text for c in CUES)
    meta = json.loads(Path(result.metadata).read_text(encoding="utf-8"))
    assert meta["accessibility"]["audio_description"] is True
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium not installed")
    page = vtt.parent / "track.html"
    page.write_text(f"""<!DOCTYPE html><html><body><video id="v" muted>
<track id="t" kind="descriptions" srclang="en" label="Audio description" src="{vtt.name}" default></video>
<pre id="out">pending</pre><script>
const t = document.getElementById('t');
t.track.mode = 'hidden';
t.addEventListener('load', () => {{
  const cues = Array.from(t.track.cues);
  document.getElementById('out').textContent = 'cues=' + cues.length + ' kind=' + t.track.kind + ' ' +
    cues.map(c => c.startTime.toFixed(2) + '|' + c.text).join(';');
}});
t.addEventListener('error', () => {{ document.getElementById('out').textContent = 'error'; }});
</script></body></html>""", encoding="utf-8")
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                          "--allow-file-access-from-files", f"--user-data-dir={tmp_path / 'p'}",
                          "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    out = dom.split('<pre id="out">')[1].split("</pre>")[0]
    assert out.startswith("cues=2 kind=descriptions"), out
    for cue in result.plan.descriptions:
        assert f"{cue.start:.2f}|{cue.text}" in out
