"""Levels: a clipped source is reported with its times (plan, log, metadata.json); a very quiet
source reaches the platform's loudness with one constant gain (the noise floor does not pump)."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from media import speak_sentences
from reelkit.deliver.metadata import build_metadata
from reelkit.io.ffmpeg import run_ffmpeg
from reelkit.plan.model import Plan
from reelkit.render.ffmpeg_engine import RenderOptions, render_plan
from reelkit.render.loudness import measure_loudness
from reelkit.speech.pcm import load_audio

from plans import outline_plan
from conftest import needs_espeak

W, H = 108, 192
BURSTS = ((1.2, 1.3), (2.0, 2.05))


def clip_with(audio_graph: str, inputs: list[str], out: Path) -> Path:
    run_ffmpeg(inputs + ["-f", "lavfi", "-i", "color=c=gray:s=96x64:r=30", "-filter_complex", f"{audio_graph}[a]",
                         "-map", f"{inputs.count('-i')}:v", "-map", "[a]", "-shortest", "-c:v", "libx264",
                         "-preset", "ultrafast", "-c:a", "pcm_s16le", str(out)], stage="make clip")
    return out


def plan_for(clip: Path, folder: Path) -> Plan:
    doc = {"title": "levels", "segments": [{"clip": str(clip), "reframe": "crop", "captions": False}]}
    return outline_plan(doc, folder / "o.yaml", folder / "out" / "tiktok.mp4", title="l", size=(W, H),
                        channels="auto")


def test_clipped_source_reported_with_times(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # A 300 Hz tone at -20 dBFS with two bursts driven to twice full scale (clipped in s16).
    bursts = "+".join(f"between(t,{a},{b})" for a, b in BURSTS)
    expr = f"sin(2*PI*300*t)*(0.1+1.9*({bursts}))"
    clip = clip_with(f"aevalsrc='{expr}':s=48000:d=3,aformat=sample_fmts=s16", [], tmp_path / "clipped.mov")
    with caplog.at_level(logging.WARNING, logger="reelkit.decide.build"):
        plan = plan_for(clip, tmp_path)
    spans = plan.sources[0].clipped
    assert len(spans) == 2
    for (a, b), (ea, eb) in zip(spans, BURSTS):
        assert a == pytest.approx(ea, abs=0.01) and b == pytest.approx(eb, abs=0.01)
    assert any("clipped" in r.getMessage() and "0:01.20-0:01.30" in r.getMessage() for r in caplog.records)
    out = tmp_path / "out"
    out.mkdir()
    video = out / "tiktok.mp4"
    video.write_bytes(b"x")
    meta = build_metadata(out / "metadata.json", plan=plan, files={"tiktok": video}, captions={}, cover=None,
                          checks={}, created=datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert meta["audio"][0]["clipped"] == [list(s) for s in spans]


@needs_espeak
def test_quiet_source_reaches_target_with_constant_gain(tmp_path: Path) -> None:
    wav = tmp_path / "voice.wav"
    spans = speak_sentences(["Crews replace the water mains.", "The work takes six weeks."], wav, gap=0.8)
    voice_lufs = measure_loudness(wav).integrated_lufs
    # The voice at -45 LUFS over a steady noise floor 35 dB below it.
    graph = (f"[0:a]volume={-45 - voice_lufs:.2f}dB,aresample=48000[v];"
             f"anoisesrc=c=white:a=0.0004:r=48000:seed=7[n];[v][n]amix=inputs=2:duration=first:normalize=0")
    clip = clip_with(graph, ["-i", str(wav)], tmp_path / "quiet.mov")
    source_lufs = measure_loudness(clip).integrated_lufs
    assert source_lufs == pytest.approx(-45, abs=1.5)
    plan = plan_for(clip, tmp_path)
    video = render_plan(plan, ass_filter=None, options=RenderOptions(x264_preset="ultrafast")).files["tiktok"]
    target = plan.outputs[0].loudness_lufs
    assert measure_loudness(video).integrated_lufs == pytest.approx(target, abs=1.0)
    # One gain for everything: the noise in the lead-in and in the pause between the sentences,
    # and the speech, all rise by the same dB (a compressor or AGC would lift the pauses more).
    src, out = load_audio(clip), load_audio(video)
    rate = 16000

    def level(x: np.ndarray, a: float, b: float) -> float:
        seg = x[int(a * rate):int(b * rate)]
        return 10 * np.log10(np.mean(seg.astype(np.float64) ** 2))

    windows = {"lead-in": (0.05, 0.25), "pause": (spans[0][1] + 0.2, spans[1][0] - 0.2), "speech": spans[0]}
    gains = {k: level(out, *w) - level(src, *w) for k, w in windows.items()}
    assert max(gains.values()) - min(gains.values()) < 1.0, gains
    assert gains["speech"] == pytest.approx(target - source_lufs, abs=1.5), gains
