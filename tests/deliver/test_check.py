"""Platform checks: MP4 box reader, loudness parsing, the rules, and real files made with ffmpeg.

The media are tiny (2 s; a flat colour at 1080x1920 encodes in a fraction of a second). The
"bad" files differ from the good one in one property each, so each must fail exactly one rule.
"""

from __future__ import annotations

import dataclasses
import math
import struct
import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from reelkit.deliver.check import CheckReport, FileFacts, check_file, evaluate, probe_file
from reelkit.errors import MediaError
from reelkit.io.ffmpeg import ffmpeg_exe
from reelkit.render.loudness import Loudness, measure_loudness, parse_ebur128_summary
from reelkit.deliver.mp4atoms import edit_lists, has_edit_lists, has_faststart, top_level_boxes
from reelkit.plan.platforms import get_platform, load_platforms

# --- synthetic MP4 boxes -----------------------------------------------------------------------


def box(kind: str, payload: bytes = b"") -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind.encode()) + payload


def large_box(kind: str, payload: bytes = b"") -> bytes:
    return struct.pack(">I4sQ", 1, kind.encode(), 16 + len(payload)) + payload


def elst(entries: list[tuple[int, int]], version: int = 0) -> bytes:
    fmt = ">Qqhh" if version == 1 else ">Iihh"
    body = bytes([version, 0, 0, 0]) + struct.pack(">I", len(entries))
    body += b"".join(struct.pack(fmt, dur, media_time, 1, 0) for dur, media_time in entries)
    return box("elst", body)


def movie(*tracks: bytes, moov_first: bool = True) -> bytes:
    moov = box("moov", box("mvhd", bytes(100)) + b"".join(tracks))
    mdat = box("mdat", bytes(64))
    ftyp = box("ftyp", b"isom\x00\x00\x02\x00isomiso2")
    return ftyp + (moov + mdat if moov_first else mdat + moov)


def trak(edit: bytes | None) -> bytes:
    return box("trak", box("tkhd", bytes(84)) + (box("edts", edit) if edit else b"") + box("mdia", bytes(16)))


def test_top_level_boxes_reads_sizes_64_bit_sizes_and_size_zero(tmp_path: Path) -> None:
    data = box("ftyp", b"isom") + large_box("mdat", bytes(40)) + struct.pack(">I4s", 0, b"free") + bytes(30)
    path = tmp_path / "boxes.mp4"
    path.write_bytes(data)
    assert top_level_boxes(path) == [("ftyp", 0, 12), ("mdat", 12, 56), ("free", 68, 38)]


@pytest.mark.parametrize(("data", "problem"), [
    (b"this is plain text, not a movie at all", "not an MP4 file"),
    (box("ftyp", b"isom") + struct.pack(">I4s", 500, b"mdat") + bytes(10), "truncated MP4 file"),
    (struct.pack(">I4s", 4, b"ftyp"), "has size 4"),
])
def test_malformed_files_raise_media_error(tmp_path: Path, data: bytes, problem: str) -> None:
    path = tmp_path / "bad.mp4"
    path.write_bytes(data)
    with pytest.raises(MediaError, match=problem):
        top_level_boxes(path)


def test_faststart_is_moov_before_mdat(tmp_path: Path) -> None:
    first, last = tmp_path / "first.mp4", tmp_path / "last.mp4"
    first.write_bytes(movie(trak(None)))
    last.write_bytes(movie(trak(None), moov_first=False))
    assert has_faststart(first) and not has_faststart(last)
    nomoov = tmp_path / "nomoov.mp4"
    nomoov.write_bytes(box("ftyp", b"isom") + box("mdat", bytes(8)))
    with pytest.raises(MediaError, match="no moov"):
        has_faststart(nomoov)


@pytest.mark.parametrize(("tracks", "expected"), [
    ([trak(None)], False),
    ([trak(elst([(1000, 0)]))], False),  # one entry from media time 0: trivial, allowed
    ([trak(elst([(1000, 0)], version=1))], False),
    ([trak(elst([(1000, 1024)]))], True),  # skips the first 1024 ticks (AAC priming, B-frame delay)
    ([trak(elst([(1000, 2**40)], version=1))], True),
    ([trak(elst([(500, -1), (1000, 0)]))], True),  # empty edit: a delayed start
    ([trak(elst([(1000, 0)])), trak(elst([(1000, 0), (1000, 5000)]))], True),
])
def test_edit_list_definition(tmp_path: Path, tracks: list[bytes], expected: bool) -> None:
    path = tmp_path / "e.mp4"
    path.write_bytes(movie(*tracks))
    assert has_edit_lists(path) is expected


def test_edit_lists_found_inside_a_64_bit_moov(tmp_path: Path) -> None:
    moov = large_box("moov", trak(elst([(1000, 0), (10, 20)])))
    path = tmp_path / "large.mp4"
    path.write_bytes(box("ftyp", b"isom") + moov + box("mdat", bytes(4)))
    assert edit_lists(path) == [[(1000, 0), (10, 20)]]


# --- loudness summary parsing ------------------------------------------------------------------

SUMMARY = """[Parsed_ebur128_0 @ 0x1] Summary:

  Integrated loudness:
    I:         -14.2 LUFS
    Threshold: -24.3 LUFS

  Loudness range:
    LRA:         6.1 LU
    Threshold: -34.4 LUFS
    LRA low:   -18.0 LUFS
    LRA high:  -11.9 LUFS

  True peak:
    Peak:       -1.3 dBFS
"""


def test_parse_ebur128_summary() -> None:
    assert parse_ebur128_summary("noise\nI: -3 LUFS\n" + SUMMARY) == Loudness(-14.2, -1.3, 6.1)
    silent = SUMMARY.replace("-14.2", "-70.0").replace("-1.3", "-inf")
    assert math.isinf(parse_ebur128_summary(silent).true_peak_db)
    with pytest.raises(ValueError):
        parse_ebur128_summary("no summary here")


# --- rules on facts (no media) -----------------------------------------------------------------

GOOD_FACTS = FileFacts(
    path="/x/good.mp4", size_bytes=2_000_000, container="mov,mp4,m4a,3gp,3g2,mj2", duration=20.0,
    width=1080, height=1920, rotation=0, video_codec="h264", profile="High", level=4.1,
    pix_fmt="yuv420p", sample_aspect="1:1", fps=30.0, constant_fps=True,
    frame_interval_ms=(33.3, 33.3), has_audio=True, audio_codec="aac", audio_profile="LC",
    audio_rate=48000, audio_channels=2, is_mp4=True, faststart=True, edit_lists=False,
    loudness=Loudness(-14.0, -1.5, 4.0))


def rules(platform: str = "tiktok", **changes: object) -> CheckReport:
    return evaluate(dataclasses.replace(GOOD_FACTS, **changes), get_platform(platform))


def test_good_facts_pass_every_shipped_preset_but_snapchat_loudness() -> None:
    for name in ("tiktok", "reels", "shorts"):
        report = rules(name)
        assert report.passed and report.failures == [] and report.warnings == []
        assert report.summary.startswith("good.mp4: OK for")
    assert rules("snapchat").failures == ["loudness -14.0 LUFS, expected -16.0 ± 1 LU"]


@pytest.mark.parametrize(("changes", "failure"), [
    ({"width": 1280, "height": 720}, "resolution 1280x720, expected 1080x1920"),
    ({"video_codec": "hevc", "profile": "Main"}, "video codec hevc, expected h264"),
    ({"profile": "Main"}, "profile Main, expected High"),
    ({"level": 5.1}, "level 5.1, expected at most 4.1"),
    ({"pix_fmt": "yuv444p"}, "pixel format yuv444p, expected yuv420p"),
    ({"sample_aspect": "4:3"}, "pixel aspect 4:3, expected square (1:1)"),
    ({"rotation": 90}, "rotation 90 degrees in metadata, expected none (re-encode upright)"),
    ({"fps": 15.0}, "frame rate 15 fps, expected 23-60 fps"),
    ({"constant_fps": False, "frame_interval_ms": (33.3, 66.7)},
     "frame rate variable (33.3-66.7 ms between frames), expected constant"),
    ({"size_bytes": 4_100_000_000}, "file size 4100.0 MB, expected at most 4096 MB"),
    ({"loudness": Loudness(-15.2, -3.0, 1.0)}, "loudness -15.2 LUFS, expected -14.0 ± 1 LU"),
    ({"loudness": Loudness(-14.0, -0.85, 1.0)}, "true peak -0.8 dBTP, expected at most -1.0 dBTP"),
    ({"faststart": False},
     "faststart missing: moov after mdat, expected moov first (remux with -movflags +faststart)"),
    ({"edit_lists": True}, "edit list present (elst with an offset or several entries), expected none"),
    ({"audio_codec": "mp3"}, "audio codec mp3, expected aac"),
    ({"audio_profile": "HE-AAC"}, "audio profile AAC HE-AAC, expected AAC LC"),
    ({"audio_rate": 44100}, "audio rate 44100 Hz, expected 48000 Hz"),
    ({"audio_channels": 1}, "audio channels 1, expected 2"),
    ({"has_audio": False, "loudness": None}, "audio missing, expected aac 48000 Hz stereo"),
    ({"is_mp4": False, "container": "matroska,webm", "faststart": None, "edit_lists": None},
     "container matroska,webm, expected MP4"),
])
def test_each_rule_fails_alone_with_its_line(changes: dict[str, object], failure: str) -> None:
    report = rules(**changes)
    assert report.failures == [failure]
    assert "FAILED 1 rule for TikTok" in report.summary


def test_tolerances_at_their_edges() -> None:
    assert rules(loudness=Loudness(-13.05, -1.5, 1.0)).passed  # within 1 LU
    assert rules(loudness=Loudness(-14.0, -0.95, 1.0)).passed  # within 0.1 dB over -1 dBTP
    assert rules(fps=29.97).passed  # tiktok accepts 23-60 fps
    assert rules("snapchat", fps=29.97, loudness=Loudness(-16, -2, 1)).passed  # fps: source keeps 29.97
    assert rules("snapchat", fps=15.0, loudness=Loudness(-16, -2, 1)).failures == [
        "frame rate 15 fps, expected 23-60 fps"]


def test_duration_policy_warning_or_error() -> None:
    reels = rules("reels", duration=200.0)  # reels: warning policy, max 180 s
    assert reels.passed and reels.warnings == ["duration 200.0 s, expected at most 180 s"]
    assert "1 warning" in reels.summary
    shorts = rules("shorts", duration=200.0)  # shorts: error policy
    assert shorts.failures == ["duration 200.0 s, expected at most 180 s"] and shorts.warnings == []
    assert rules("snapchat", duration=2.0, loudness=Loudness(-16, -2, 1)).warnings == [
        "duration 2.0 s, expected at least 5 s"]


def test_fps_source_and_range_from_a_user_preset(tmp_path: Path) -> None:
    user = tmp_path / "p.yaml"
    user.write_text("platforms:\n  web:\n    fps: source\n    fps_range: [24, 30]\n"
                    "  any:\n    fps: source\n", encoding="utf-8")
    presets = load_platforms(user)
    assert evaluate(dataclasses.replace(GOOD_FACTS, fps=25.0), presets["web"]).passed
    assert evaluate(dataclasses.replace(GOOD_FACTS, fps=50.0), presets["web"]).failures == [
        "frame rate 50 fps, expected 24-30 fps"]
    assert evaluate(dataclasses.replace(GOOD_FACTS, fps=50.0), presets["any"]).passed


# --- real files ------------------------------------------------------------------------------

LEVEL_14 = 10 ** (-14 / 20)  # a stereo 997 Hz sine at -14 dBFS peak measures -14 LUFS (BS.1770)
LEVEL_9 = 10 ** (-9 / 20)  # 5 LU too loud


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args],
                   check=True, capture_output=True)


def encode(out: Path, *, size: str = "1080x1920", level: float = LEVEL_14, mux: tuple[str, ...] = (
        "-movflags", "+faststart+negative_cts_offsets", "-use_editlist", "0")) -> Path:
    tone = f"{level:.5f}*sin(2*PI*997*t)"
    ffmpeg("-f", "lavfi", "-i", f"color=c=0x3050a0:s={size}:r=30:d=2",
           "-f", "lavfi", "-i", f"aevalsrc={tone}|{tone}:s=48000:d=2",
           # ultrafast alone signals Main profile (no 8x8dct): switch it on to get real High.
           "-c:v", "libx264", "-preset", "ultrafast", "-x264-params", "8x8dct=1:cabac=1",
           "-profile:v", "high", "-level:v", "4.1", "-pix_fmt", "yuv420p", "-bf", "2",
           "-c:a", "aac", "-b:a", "128k", *mux, str(out))
    return out


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("check")
    good = encode(d / "good.mp4")
    files = {"good": good,
             "small": encode(d / "small.mp4", size="720x1280"),
             "loud": encode(d / "loud.mp4", level=LEVEL_9)}
    # Same streams, moov written after mdat.
    files["slow"] = d / "slow.mp4"
    ffmpeg("-i", str(good), "-c", "copy", "-movflags", "+negative_cts_offsets", "-use_editlist", "0",
           str(files["slow"]))
    # Cutting a stream copy between keyframes: the muxer keeps the earlier frames and writes an
    # elst whose media_time skips them (a real edit list, as phone and NLE trims produce).
    files["edited"] = d / "edited.mp4"
    ffmpeg("-ss", "0.5", "-i", str(good), "-c", "copy", "-movflags", "+faststart", str(files["edited"]))
    # Frame 10 dropped with timestamps kept: a gap of two frame times.
    files["vfr"] = d / "vfr.mp4"
    ffmpeg("-i", str(good), "-vf", "select='not(eq(n\\,10))'", "-fps_mode", "passthrough",
           "-c:v", "libx264", "-preset", "ultrafast", "-x264-params", "8x8dct=1", "-profile:v", "high",
           "-c:a", "copy", "-movflags", "+faststart+negative_cts_offsets", "-use_editlist", "0",
           str(files["vfr"]))
    files["wav"] = d / "tone.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=d=1", str(files["wav"]))
    files["text"] = d / "notes.mp4"
    files["text"].write_text("not a video", encoding="utf-8")
    return files


def test_good_file_passes_with_measured_loudness(media: dict[str, Path]) -> None:
    report = check_file(media["good"], get_platform("tiktok"))
    assert report.failures == [] and report.warnings == []
    facts = report.facts
    assert facts is not None
    assert (facts.width, facts.height, facts.profile, facts.pix_fmt) == (1080, 1920, "High", "yuv420p")
    assert facts.fps == pytest.approx(30.0) and facts.constant_fps
    assert facts.faststart is True and facts.edit_lists is False
    assert facts.loudness is not None
    assert facts.loudness.integrated_lufs == pytest.approx(-14.0, abs=0.3)
    assert facts.loudness.true_peak_db <= -1.0
    assert report.summary.startswith("good.mp4: OK for TikTok (1080x1920, 30 fps, h264 High, 2.0 s")


@pytest.mark.parametrize(("name", "rule"), [
    ("small", "resolution 720x1280, expected 1080x1920"),
    ("loud", "loudness -9."),
    ("slow", "faststart missing"),
    ("edited", "edit list present"),
    ("vfr", "frame rate variable"),
])
def test_each_wrong_file_fails_its_rule_only(media: dict[str, Path], name: str, rule: str) -> None:
    report = check_file(media[name], get_platform("tiktok"))
    assert len(report.failures) == 1, report.failures
    assert report.failures[0].startswith(rule)


def test_loud_file_measures_five_lu_over(media: dict[str, Path]) -> None:
    good = measure_loudness(media["good"]).integrated_lufs
    loud = measure_loudness(media["loud"]).integrated_lufs
    assert loud - good == pytest.approx(5.0, abs=0.2)


def test_stream_copy_trim_really_writes_an_elst_with_media_time(media: dict[str, Path]) -> None:
    lists = edit_lists(media["edited"])
    assert any(entries and entries[0][1] > 0 for entries in lists)
    assert edit_lists(media["good"]) == []


@pytest.mark.parametrize(("name", "problem"), [
    ("text", "not a video file"), ("wav", "no video stream")])
def test_not_a_video_raises_one_line_media_error(media: dict[str, Path], name: str, problem: str) -> None:
    with pytest.raises(MediaError, match=problem) as info:
        probe_file(media[name])
    assert len(str(info.value).splitlines()) == 1
    with pytest.raises(MediaError, match="file not found"):
        probe_file(media["good"].with_name("missing.mp4"))


# --- commands ----------------------------------------------------------------------------------

@pytest.fixture
def cli() -> click.Group:
    """The real `reelkit` group: its one error handler is part of what the commands do."""
    from reelkit.cli.main import main

    return main


def test_check_command_exit_codes_and_lines(cli: click.Group, media: dict[str, Path]) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["check", str(media["good"]), "--platform", "tiktok"])
    assert ok.exit_code == 0
    assert ok.output.count("\n") == 1 and ok.output.startswith("good.mp4: OK for TikTok")
    bad = runner.invoke(cli, ["check", str(media["small"]), "--platform", "tiktok"])
    assert bad.exit_code == 1
    assert bad.output.splitlines() == ["resolution 720x1280, expected 1080x1920"]
    notvideo = runner.invoke(cli, ["check", str(media["text"]), "--platform", "tiktok"])
    assert notvideo.exit_code == 1 and "not a video file" in notvideo.output
    unknown = runner.invoke(cli, ["check", str(media["good"]), "--platform", "vine"])
    assert unknown.exit_code == 1 and "unknown platform 'vine'" in unknown.output


def test_check_command_uses_a_user_preset(cli: click.Group, media: dict[str, Path], tmp_path: Path) -> None:
    user = tmp_path / "p.yaml"
    user.write_text("platforms:\n  small:\n    width: 720\n    height: 1280\n    max_duration: 1\n"
                    "    duration_policy: error\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(media["small"]), "-p", "small", "--platforms-file", str(user)])
    assert result.exit_code == 1
    assert result.output.splitlines() == ["duration 2.0 s, expected at most 1 s"]


def test_platforms_command_lists_presets(cli: click.Group, tmp_path: Path) -> None:
    user = tmp_path / "p.yaml"
    user.write_text("platforms:\n  feed:\n    label: Feed 4:5\n    height: 1350\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["platforms", "--platforms-file", str(user)])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["name", "label", "size"]
    snapchat = next(line for line in lines if line.startswith("snapchat"))
    for cell in ("1080x1920", "-16 LUFS, -1 dBTP", "5-60 s (warning)", "150/150/64/64"):
        assert cell in snapchat
    assert any(line.startswith("feed") and "1080x1350" in line and "Feed 4:5" in line for line in lines)
    broken = tmp_path / "broken.yaml"
    broken.write_text("platforms:\n  feed:\n    width: 1081\n", encoding="utf-8")
    bad = CliRunner().invoke(cli, ["platforms", "--platforms-file", str(broken)])
    assert bad.exit_code == 1
    assert f"{broken}:3: platforms.feed.width: must be even" in bad.output
