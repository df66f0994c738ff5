"""Voice on one channel, inverted dual-mono, 5.1: the delivered stereo carries the voice in
both channels, at the platform's loudness (generated sources, real analysis and render)."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import pytest

from media import speak_sentences
from reelkit.io.ffmpeg import run_ffmpeg
from reelkit.plan.model import Plan
from reelkit.render.ffmpeg_engine import RenderOptions, render_plan
from reelkit.render.loudness import measure_loudness
from reelkit.speech.channels import channel_facts, decode_stereo

from plans import outline_plan
from conftest import needs_espeak

# Source layouts made from one spoken mono voice [0:a] and steady hiss [1:a].
LAYOUTS = {
    "left_only": ("pan=stereo|c0=c0|c1=0*c0", "left"),
    "right_voice_left_hiss": ("[0:a][1:a]amerge=inputs=2,pan=stereo|c0=c1|c1=c0", "right"),
    "inverted_dual_mono": ("pan=stereo|c0=c0|c1=-1*c0", "mix_inverted"),
    "five_one_centre": ("pan=5.1|FC=c0|FL=0.05*c0|FR=0.05*c0", "stereo"),
    "balanced_stereo": ("pan=stereo|c0=c0|c1=c0", "stereo"),
}
W, H = 108, 192


@pytest.fixture(scope="module")
def voice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wav = tmp_path_factory.mktemp("voice") / "voice.wav"
    speak_sentences(["Crews replace the water mains.", "The work takes six weeks."], wav, gap=0.3)
    return wav


def make_source(voice: Path, folder: Path, name: str) -> Path:
    graph, _ = LAYOUTS[name]
    out = folder / f"{name}.mp4"
    chain = graph if graph.startswith("[") else f"[0:a]{graph}"
    run_ffmpeg(["-i", str(voice), "-f", "lavfi", "-i", "anoisesrc=c=pink:a=0.003:r=22050",
                "-f", "lavfi", "-i", "color=c=gray:s=96x64:r=30",
                "-filter_complex", f"{chain}[a]", "-map", "2:v", "-map", "[a]", "-shortest",
                "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-b:a", "128k", str(out)],
               stage=f"make {name}")
    return out


def plan_for(clip: Path, folder: Path, setting: str = "auto", audio: dict | None = None) -> Plan:
    doc = {"title": "channels", "segments": [{"clip": str(clip), "reframe": "crop", "captions": False}]}
    if audio:
        doc["audio"] = audio
    return outline_plan(doc, folder / "o.yaml", folder / "out" / "tiktok.mp4", title="c", size=(W, H),
                        channels=audio["channels"] if audio else setting)


@needs_espeak
@pytest.mark.parametrize("name", list(LAYOUTS))
def test_voice_in_both_channels_at_target(voice: Path, tmp_path: Path, name: str) -> None:
    clip = make_source(voice, tmp_path, name)
    plan = plan_for(clip, tmp_path)
    assert plan.sources[0].channels == LAYOUTS[name][1], plan.sources[0].channels_reason
    out = render_plan(plan, ass_filter=None, options=RenderOptions(x264_preset="ultrafast")).files["tiktok"]
    facts = channel_facts(decode_stereo(out))
    assert abs(facts.balance_db) <= 1.0, facts
    assert facts.correlation > 0.9  # the two sides agree: summed to mono the voice stays
    target = plan.outputs[0].loudness_lufs
    assert measure_loudness(out).integrated_lufs == pytest.approx(target, abs=1.0)


@needs_espeak
def test_outline_override_and_off_centre_warning(voice: Path, tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    clip = make_source(voice, tmp_path, "left_only")
    plan = plan_for(clip, tmp_path, audio={"channels": "right"})
    assert (plan.sources[0].channels, plan.sources[0].channels_reason) == ("right", "outline audio.channels")
    # Kept as recorded: the render says the voice is off-centre.
    plan = plan_for(clip, tmp_path, audio={"channels": "stereo"})
    with caplog.at_level(logging.WARNING, logger="reelkit.render.ffmpeg_engine"):
        out = render_plan(plan, ass_filter=None, options=RenderOptions(x264_preset="ultrafast")).files["tiktok"]
    assert any("off-centre" in r.getMessage() and "right channel is silent" in r.getMessage()
               for r in caplog.records), [r.getMessage() for r in caplog.records]
    assert math.isinf(channel_facts(decode_stereo(out)).balance_db)


@needs_espeak
def test_recognition_hears_inverted_dual_mono(voice: Path, tmp_path: Path) -> None:
    from reelkit.speech.pcm import load_audio

    clip = make_source(voice, tmp_path, "inverted_dual_mono")
    heard = load_audio(clip)
    plain = load_audio(clip, channels="stereo")  # both channels averaged: the voice cancels
    level = lambda x: 10 * math.log10(float((x.astype("float64") ** 2).mean()) + 1e-20)  # noqa: E731
    assert level(heard) - level(plain) > 30
