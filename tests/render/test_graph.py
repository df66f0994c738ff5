"""ffmpeg argument builders: pure functions compared as text, plus escaping."""

from __future__ import annotations

import pytest

from reelkit.render.loudness import Loudness
from reelkit.render import graph
from reelkit.io.ffmpeg import escape_filter_value
from reelkit.plan.model import Crop, Cut, MusicBed, OutputSpec, Overlay, Plan, Source


def make_plan(**over) -> Plan:
    src = Source(id="s0", path="/media/it's: a [clip], 100%.mp4", duration=10, width=1920, height=1080, rotation=0,
                 fps=25, has_video=True, has_audio=True, audio_rate=44100)
    silent = Source(id="s1", path="/media/broll.mp4", duration=5, width=1280, height=720, rotation=0, fps=30,
                    has_video=True, has_audio=False, audio_rate=0)
    cuts = (Cut("s0", 1.0, 3.0, 0.0, 2.0, "crop", Crop(656, 0, 608, 1080)),
            Cut("s1", 0.0, 1.0, 2.0, 3.0, "fit", Crop(0, 0, 1280, 720), captions=False))
    outs = (OutputSpec(platform="tiktok", path="/o/tiktok.mp4"),
            OutputSpec(platform="reels", path="/o/reels.mp4", audio_bitrate="128k"))
    base = dict(title="T", slug="t", width=1080, height=1920, fps=30.0, duration=3.0, sources=(src, silent),
                cuts=cuts, outputs=outs)
    base.update(over)
    return Plan(**base)


def test_inputs_are_argv_items_not_shell_text() -> None:
    args = graph.cut_inputs(make_plan())
    # Seeked PREROLL (0.2 s) before the cut at 1 s; the pre-roll is trimmed off by timestamp.
    assert args[:6] == ["-ss", "0.8", "-t", "2.3", "-i", "/media/it's: a [clip], 100%.mp4"]
    assert graph.cut_inputs(make_plan(), audio_only=True)[0] == "-vn"


def test_segments_are_frame_exact_and_joined() -> None:
    chains, label = graph.video_graph(make_plan(), overlay_first_input=2, ass_filter=None)
    text = ";".join(chains)
    assert "trim=end_frame=60" in text and "trim=end_frame=30" in text
    assert "crop=608:1080:656:0,scale=1080:1920:flags=lanczos:out_color_matrix=bt709" in text
    assert "boxblur" in text  # fit: blurred fill
    assert "[v0][v1]concat=n=2:v=1:a=0[vcat]" in text
    assert label == "vout" and text.count("out_color_matrix=bt709") == 3  # crop scale, fit fg + fill


def test_silent_clip_gets_generated_silence_of_exact_length() -> None:
    chains, label = graph.voice_graph(make_plan())
    assert chains[1] == "anullsrc=r=48000:cl=stereo,atrim=duration=1[a1]"
    assert "apad,atrim=duration=2," in chains[0] and chains[0].endswith("[a0]")
    assert chains[-1] == "[a0][a1]concat=n=2:v=0:a=1[voice]"


def test_one_video_encode_and_one_audio_track_per_platform() -> None:
    plan = make_plan()
    args = graph.render_args(plan, plan.outputs, "/tmp/master.mp4", ass_filter=None, measured=None)
    assert args.count("-c:v") == 1
    assert args.count("[aout0]") == 1 and args.count("[aout1]") == 1
    assert args[args.index("-b:a:1") + 1] == "128k"
    assert args[args.index("-aac_coder:a:1") + 1] == "fast"  # 2-3x cheaper than twoloop, no worse
    assert args[args.index("-g") + 1] == "15"  # closed GOP of half a second at 30 fps
    # Constant quality with the preset's bitrate as the cap (VBV), not an average bitrate.
    assert args[args.index("-crf") + 1] == "23" and "-b:v" not in args
    assert args[args.index("-maxrate") + 1] == "8M" and args[args.index("-bufsize") + 1] == "16M"
    capped = graph.render_args(make_plan(outputs=(OutputSpec(platform="x", path="/o/x.mp4", crf=19.5,
                                                             video_bitrate="5M"),)),
                               [OutputSpec(platform="x", path="/o/x.mp4", crf=19.5, video_bitrate="5M")],
                               "/tmp/m.mp4", ass_filter=None, measured=None)
    assert capped[capped.index("-crf") + 1] == "19.5" and capped[capped.index("-maxrate") + 1] == "5M"
    fc = args[args.index("-filter_complex") + 1]
    assert "asplit=2[pre0][pre1]" in fc and "loudnorm" not in fc  # nothing measured: no gain
    measured = Loudness(integrated_lufs=-20.0, true_peak_db=-8.0, lra=3)
    quiet = graph.loudness_filter(plan.outputs[0], measured)
    # -20 LUFS -> -14: +6 dB, peak -2 dBTP stays under -2; the AAC priming (1024 samples) is
    # trimmed from the start because the platform files carry no edit list.
    assert quiet == "volume=6dB,aresample=48000,atrim=start_sample=1024,asetpts=PTS-STARTPTS"
    loud_peaks = Loudness(integrated_lufs=-20.0, true_peak_db=-3.0, lra=3)
    assert "alimiter=limit=0.7943" in graph.loudness_filter(plan.outputs[0], loud_peaks)


def test_overlays_fades_and_progress_bar() -> None:
    overlays = (Overlay("logo", "/a/logo.png", 900, 160, 0, 3),
                Overlay("lower_third", "/a/lt.png", 80, 1200, 0.5, 2.5, fade_in=0.3, fade_out=0.3),
                Overlay("progress", "/a/bar.png", 0, 1900, 0, 3, motion="progress"))
    plan = make_plan(overlays=overlays)
    inputs = graph.overlay_inputs(overlays, 30)
    assert inputs == ["-i", "/a/logo.png", "-loop", "1", "-framerate", "30", "-t", "2", "-i", "/a/lt.png",
                      "-i", "/a/bar.png"]
    chains, _ = graph.video_graph(plan, 2, None)
    text = ";".join(chains)
    assert "fade=t=in:st=0:d=0.3:alpha=1" in text and "fade=t=out:st=1.7:d=0.3:alpha=1" in text
    assert "setpts=PTS-STARTPTS+0.5/TB" in text
    assert "x='-w+w*min(t/3,1)'" in text
    assert "enable='between(t,0.5,2.5)'" in text
    slide = make_plan(overlays=(Overlay("lower_third", "/a/lt.png", 80, 1200, 0.5, 2.5, fade_in=0.4,
                                        motion="slide"),))
    chains, _ = graph.video_graph(slide, 2, None)
    assert "x='80-(80+w)*(pow(max(0,1-(t-0.5)/0.4),2))'" in ";".join(chains)


def test_music_is_ducked_under_voice() -> None:
    plan = make_plan(music=MusicBed(path="/m/bed.m4a", level_db=-18, duck_db=-10))
    chains, label = graph.mix_graph(plan, music_index=2)
    text = ";".join(chains)
    assert label == "mix" and "sidechaincompress" in text and "volume=-18dB" in text
    assert graph.music_input(plan) == ["-stream_loop", "-1", "-vn", "-i", "/m/bed.m4a"]


def test_remux_is_faststart_without_edit_lists() -> None:
    args = graph.remux_args("/t/m.mp4", 1, "/o/x.mp4")
    assert "+faststart+negative_cts_offsets" in args and args[args.index("-use_editlist") + 1] == "0"
    assert args[args.index("-map") + 3] == "0:a:1"


def test_escape_filter_value_survives_a_real_filtergraph(tmp_path, landscape_clip) -> None:
    """ffmpeg's movie source reads a file whose name has every character that breaks graphs."""
    import shutil

    from reelkit.io.ffmpeg import run_ffmpeg

    weird = tmp_path / "it's: a [clip], 100% ; $HOME \\ ü.mp4"
    shutil.copy(landscape_clip, weird)
    out = tmp_path / "frame.png"
    run_ffmpeg(["-f", "lavfi", "-i", f"movie=filename={escape_filter_value(str(weird))},scale=32:18",
                "-frames:v", "1", str(out)], stage="escape test")
    assert out.stat().st_size > 0


def test_programme_loudness_is_read_from_a_real_ebur128_pass_and_silence_is_none() -> None:
    """The renderers' measuring pass uses the checks' meter: a -20 dBFS sine reads about
    -23 LUFS (a sine's BS.1770 weighting), its peak -20 dBTP; digital silence gives None."""
    from reelkit.render.loudness import parse_programme_loudness
    from reelkit.io.ffmpeg import run_ffmpeg

    def measure(source: str) -> Loudness | None:
        return parse_programme_loudness(run_ffmpeg(
            ["-nostats", "-f", "lavfi", "-i", source, "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-"],
            stage="measure"))

    tone = measure("aevalsrc=0.1*sin(2*PI*997*t):s=48000:d=4")
    assert tone is not None
    assert abs(tone.integrated_lufs - (-23.0)) < 0.5
    assert abs(tone.true_peak_db - (-20.0)) < 0.3
    assert measure("anullsrc=r=48000:cl=stereo:d=4") is None
    with pytest.raises(ValueError):
        parse_programme_loudness("no summary here")



def test_picture_tap_splits_the_finished_picture_into_a_raw_output_after_the_master() -> None:
    from pathlib import Path

    from reelkit.render.engine import PictureTap

    plan = make_plan()
    tap = PictureTap(small=(48, 86), small_path=Path("/t/small.rgb"))
    args = graph.render_args(plan, plan.outputs, "/tmp/master.mp4", ass_filter=None, measured=None, tap=tap)
    fc = args[args.index("-filter_complex") + 1]
    assert "[vout]split=2[venc][tapall]" in fc
    assert "[tapall]scale=48:86:flags=area,format=rgb24[tapsmall]" in fc
    # No output that gets only a few frames (a select) beside the encode: it could hang ffmpeg.
    assert "select" not in fc
    assert args[args.index("-map") + 1] == "[venc]"  # the encode takes the split's first branch
    master = args.index("/tmp/master.mp4")
    assert args[master + 1:master + 3] == ["-map", "[tapsmall]"] and args[-1] == "/t/small.rgb"
    assert args[args.index("/t/small.rgb") - 1] == str(plan.frame_count)  # -frames:v of the small tap
    no_tap = graph.render_args(plan, plan.outputs, "/tmp/master.mp4", ass_filter=None, measured=None)
    assert no_tap[-1] == "/tmp/master.mp4" and "tapsmall" not in " ".join(no_tap)
