"""`audio: {clean: voice}` end to end: the delivered audio has the noise taken out of the pauses,
the picture and the timing are untouched, and it is off unless asked (outline, brand, --clean)."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from media import talking_clip
from noisy import mix_at_snr, traffic_noise
from reelkit.cli import main
from reelkit.decide.build import PlanRequest, voice_cleanup
from reelkit.errors import OutlineError
from reelkit.plan.model import Plan, VoiceCleanup
from reelkit.plan.planfile import dump_plans, parse_plans
from reelkit.plan.outline import load_outline
from reelkit.render import graph
from reelkit.render.ffmpeg_engine import RenderOptions, render_plan
from reelkit.speech.pcm import load_audio

from plans import outline_plan

DATA = Path(__file__).resolve().parent.parent / "data"
FAST = RenderOptions(x264_preset="ultrafast")
LEAD = 1.0  # seconds of room noise before the voice


@pytest.fixture(scope="module")
def noisy_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 4 s 320x180 clip: 1 s of traffic noise alone, then real speech in it at 10 dB SNR."""
    folder = tmp_path_factory.mktemp("clean")
    speech = load_audio(DATA / "librispeech_61-70968-0000.flac", end=3.0)
    voice = np.concatenate([np.zeros(int(LEAD * 16000), np.float32), speech])
    mix = mix_at_snr(voice, traffic_noise(voice.size, 16000, seed=7), 10.0, 16000)
    wav = folder / "noisy.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((np.clip(mix, -1, 1) * 32767).astype("<i2").tobytes())
    return talking_clip(folder / "noisy.mp4", wav, size="320x180", fps=25, duration=4.0)


def _plan(tmp_path: Path, clip: Path, name: str, cleanup: VoiceCleanup | None) -> Plan:
    doc = {"title": name, "segments": [{"clip": str(clip), "reframe": "crop"}]}
    return outline_plan(doc, tmp_path / f"{name}.yaml", tmp_path / name / "tiktok.mp4", title=name,
                        size=(360, 640), fps=25.0, voice_cleanup=cleanup, frame_rate="25")


def _frames(path: Path) -> int:
    import av

    with av.open(str(path)) as c:
        return sum(1 for p in c.demux(c.streams.video[0]) if p.size)


def _db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(x.astype(np.float64) ** 2) + 1e-20))


def test_clean_render_lowers_the_noise_in_pauses_and_keeps_time(tmp_path: Path, noisy_clip: Path) -> None:
    plain = render_plan(_plan(tmp_path, noisy_clip, "plain", None), ass_filter=None, options=FAST).files["tiktok"]
    result = render_plan(_plan(tmp_path, noisy_clip, "clean", VoiceCleanup(origin="--clean")),
                         ass_filter=None, options=FAST)
    cleaned = result.files["tiktok"]
    assert "clean voice" in result.timings
    a, b = load_audio(plain, sr=48000), load_audio(cleaned, sr=48000)
    assert a.size == b.size
    assert _frames(plain) == _frames(cleaned) == 100
    pause, speech = slice(4800, int(0.9 * 48000)), slice(int(1.3 * 48000), int(3.7 * 48000))
    # Both are loudness-normalised: compare the room's level under the voice's.
    plain_gap = _db(a[speech]) - _db(a[pause])
    clean_gap = _db(b[speech]) - _db(b[pause])
    assert clean_gap >= plain_gap + 8.0, (plain_gap, clean_gap)
    # The voice stays where it was in time (cross-correlation peak within 1 ms).
    x, y = a[speech], b[speech]
    corr = np.correlate(y[960:-960], x, "valid")
    assert abs(int(np.argmax(corr)) - 960) <= 48


def test_off_by_default_and_the_plain_graph_is_unchanged(tmp_path: Path, noisy_clip: Path) -> None:
    plan = _plan(tmp_path, noisy_clip, "plain", None)
    spec = plan.outputs[0]
    args = graph.render_args(plan, [spec], "m.mp4", ass_filter=None, measured=None)
    assert "f32le" not in args and args == graph.render_args(plan, [spec], "m.mp4", ass_filter=None,
                                                               measured=None, clean_voice=None)
    with_clean = graph.render_args(plan, [spec], "m.mp4", ass_filter=None, measured=None, clean_voice="/c/v.f32")
    at = with_clean.index("/c/v.f32")
    assert with_clean[at - 7:at + 1] == ["-f", "f32le", "-ar", "48000", "-ac", "1", "-i", "/c/v.f32"]
    graph_text = with_clean[with_clean.index("-filter_complex") + 1]
    assert "[1:a]aformat" in graph_text and "[0:a]" not in graph_text  # the voice is the cleaned input
    cleaned = _plan(tmp_path, noisy_clip, "c", VoiceCleanup())
    assert parse_plans(dump_plans([cleaned]), check_files=False)[0] == cleaned


class _Brand:
    def __init__(self, clean: str) -> None:
        self.audio = type("A", (), {"clean": clean})()


def test_who_asks_for_clean_up(tmp_path: Path, noisy_clip: Path) -> None:
    path = tmp_path / "o.yaml"
    base = {"title": "t", "segments": [{"clip": str(noisy_clip)}]}
    path.write_text(json.dumps(base))
    plain = load_outline(path)
    path.write_text(json.dumps({**base, "audio": {"clean": "voice"}}))
    asked = load_outline(path)
    path.write_text(json.dumps({**base, "audio": {"clean": "none"}}))
    refused = load_outline(path)
    request = PlanRequest(inputs=(path,))
    assert voice_cleanup(request, plain, _Brand("none")) is None
    assert voice_cleanup(request, plain, _Brand("voice")).origin == "brand"
    assert voice_cleanup(request, asked, _Brand("none")).origin == "outline"
    assert voice_cleanup(request, refused, _Brand("voice")) is None
    assert voice_cleanup(PlanRequest(inputs=(path,), clean=True), refused, _Brand("none")).origin == "--clean"
    path.write_text(json.dumps({**base, "audio": {"clean": "loud"}}))
    with pytest.raises(OutlineError, match="audio.clean"):
        load_outline(path)


def test_cli_plan_records_clean_and_a_plan_file_refuses_it(tmp_path: Path, noisy_clip: Path) -> None:
    srt = tmp_path / "c.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:03,500\nHe began a confused complaint\n", encoding="utf-8")
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(main, ["plan", str(noisy_clip), "--captions", str(srt), "--clean",
                                       "--platform", "tiktok", "-o", str(out), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    plans = data if isinstance(data, list) else data.get("plans", [data])
    assert plans[0]["voice_cleanup"]["origin"] == "--clean"
    assert plans[0]["voice_cleanup"]["model"] == "deepfilternet3"
    again = CliRunner().invoke(main, ["render", str(out), "--clean"])
    assert again.exit_code != 0 and "--clean does not apply to a plan file" in again.output


def test_metadata_voice_report(tmp_path: Path, noisy_clip: Path) -> None:
    from reelkit.deliver.metadata import voice_report

    report = voice_report(_plan(tmp_path, noisy_clip, "m", VoiceCleanup()), tmp_path)
    assert report is not None and report["snr_db"] == pytest.approx(10.0, abs=4.0)
    assert report["cleanup"] == "deepfilternet3" and report["speech_seconds"] > 2.0
    assert report["captions_may_suffer"] == (report["snr_db"] < 10.0)
    assert list(tmp_path.glob(".voice-snr*")) == []


def _write_wav(path: Path, x: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def test_very_quiet_source_reaches_the_target_without_pumping(tmp_path: Path) -> None:
    """A voice at -45 LUFS in room noise (20 dB SNR): both paths reach the platform's loudness
    within 1 LU; the plain one lifts noise and voice by the same gain (no pumping), the cleaned
    one also lowers the noise between the words."""
    from reelkit.render.loudness import measure_loudness

    speech = load_audio(DATA / "librispeech_61-70968-0000.flac", end=3.0)
    voice = np.concatenate([np.zeros(int(LEAD * 16000), np.float32), speech])
    mix = mix_at_snr(voice, traffic_noise(voice.size, 16000, seed=9), 20.0, 16000)
    probe = measure_loudness(_write_wav(tmp_path / "probe.wav", mix))
    quiet = mix * 10 ** ((-45.0 - probe.integrated_lufs) / 20)
    clip = talking_clip(tmp_path / "quiet.mp4", _write_wav(tmp_path / "quiet.wav", quiet), size="320x180",
                        fps=25, duration=4.0)
    assert measure_loudness(clip).integrated_lufs == pytest.approx(-45.0, abs=1.0)
    src = load_audio(clip, sr=48000)
    pause, speech_part = slice(4800, int(0.9 * 48000)), slice(int(1.3 * 48000), int(3.7 * 48000))
    lifts = {}
    for name, cleanup in (("plain", None), ("clean", VoiceCleanup())):
        plan = _plan(tmp_path, clip, name, cleanup)
        out = render_plan(plan, ass_filter=None, options=FAST).files["tiktok"]
        assert measure_loudness(out).integrated_lufs == pytest.approx(plan.outputs[0].loudness_lufs, abs=1.0)
        a = load_audio(out, sr=48000)
        lifts[name] = (_db(a[pause]) - _db(src[pause]), _db(a[speech_part]) - _db(src[speech_part]))
    assert lifts["plain"][0] == pytest.approx(lifts["plain"][1], abs=1.0), lifts  # one gain: no pumping
    assert lifts["clean"][0] <= lifts["clean"][1] - 6.0, lifts  # the noise floor comes down


def test_moviepy_engine_reads_the_same_cleaned_voice(tmp_path: Path, noisy_clip: Path) -> None:
    from reelkit.render.moviepy_engine import encode_args

    plan = _plan(tmp_path, noisy_clip, "mp", VoiceCleanup())
    args = encode_args(plan, [list(plan.outputs)], ["m.mp4"], None, clean="/c/v.f32")
    text = args[args.index("-filter_complex") + 1]
    assert args[args.index("/c/v.f32") - 7:args.index("/c/v.f32")] == ["-f", "f32le", "-ar", "48000", "-ac", "1", "-i"]
    assert "[1:a]aformat" in text and "[2:v]" in text and "[0:a]" not in text  # frames come after it
