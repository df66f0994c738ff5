"""`reelkit export`: the plan as OpenTimelineIO and FCP7 XML, read back and compared frame by frame."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import opentimelineio as otio
import pysrt
import pytest
from click.testing import CliRunner

from reelkit.cli.main import main
from reelkit.plan.planfile import read_plan_file


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory, landscape_clip: Path, broll: Path) -> Path:
    """plan.json of a three-cut episode (hook, logo, lower third, callout, end card) with
    corrected captions, so nothing is transcribed."""
    folder = tmp_path_factory.mktemp("export")
    srt = folder / "fixed.srt"
    srt.write_text("1\n00:00:00,200 --> 00:00:01,000\nCrews replace\n\n2\n00:00:01,200 --> 00:00:01,900\nthe mains\n\n",
                   encoding="utf-8")
    outline = folder / "ep.yaml"
    outline.write_text(json.dumps({
        "title": "Export test", "hook": "Roadworks?", "cta": "Call us",
        "callouts": [{"text": "6 weeks", "at": 0.5, "duration": 1.0}],
        "segments": [
            {"clip": str(landscape_clip), "start": 0.2, "end": 1.2, "lower_third": {"name": "Anna"}},
            {"clip": str(broll), "end": 1.0, "captions": False},
            {"clip": str(landscape_clip), "start": "0:01.3"}]}), encoding="utf-8")
    plan_file = folder / "plan.json"
    result = CliRunner().invoke(main, ["plan", str(outline), "--platform", "tiktok", "--captions", str(srt),
                                       "-o", str(plan_file)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return plan_file


def export(plan_file: Path, out: Path) -> None:
    result = CliRunner().invoke(main, ["export", str(plan_file), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_otio_has_one_clip_per_cut_with_the_plans_ranges(planned: Path, tmp_path: Path) -> None:
    (plan,) = read_plan_file(planned)
    out = tmp_path / "edit.otio"
    export(planned, out)
    timeline = otio.adapters.read_from_file(str(out))
    video, audio, *overlay_tracks = timeline.tracks
    assert video.kind == otio.schema.TrackKind.Video and audio.kind == otio.schema.TrackKind.Audio
    clips = list(video.find_clips())
    assert len(clips) == len(plan.cuts)
    for clip, cut in zip(clips, plan.cuts):
        rng = clip.source_range
        assert rng.start_time.rate == pytest.approx(plan.fps)
        assert (rng.start_time.value, rng.duration.value) == (cut.src_start_frame, cut.frames)
        assert clip.media_reference.target_url == Path(plan.source(cut.source).path).as_uri()
        # Placed where the plan puts it on the output timeline, to the frame.
        placed = video.range_of_child(clip)
        assert placed.start_time.value == cut.out_start_frame
    assert video.duration().value == plan.frame_count
    # The b-roll has no sound: a gap of its length in the audio track.
    assert [type(i).__name__ for i in audio] == ["Clip", "Gap", "Clip"]
    assert audio.duration().value == plan.frame_count
    stills = [c for t in overlay_tracks for c in t.find_clips()]
    assert sorted(c.media_reference.target_url for c in stills) == sorted(Path(o.image).as_uri() for o in plan.overlays)
    assert {c.metadata["reelkit"]["kind"] for c in stills} >= {"hook", "lower_third", "callout", "end_card"}
    for track in overlay_tracks:  # each still where the plan shows it
        for clip in track.find_clips():
            ov = next(o for o in plan.overlays if Path(o.image).as_uri() == clip.media_reference.target_url
                      and round(o.start * plan.fps) == track.range_of_child(clip).start_time.value)
            assert track.range_of_child(clip).duration.value == round(ov.end * plan.fps) - round(ov.start * plan.fps)
    markers = timeline.tracks.markers
    assert [m.name for m in markers] == ["Crews replace", "the mains"]
    assert markers[0].marked_range.start_time.value == round(plan.pages[0].start * plan.fps)
    subs = pysrt.open(str(tmp_path / "edit.srt"), encoding="utf-8")
    assert [s.text for s in subs] == ["Crews replace", "the mains"]


def test_fcp_xml_parses_and_names_the_same_clips(planned: Path, tmp_path: Path) -> None:
    (plan,) = read_plan_file(planned)
    out = tmp_path / "edit.xml"
    export(planned, out)
    root = ET.parse(out).getroot()
    assert root.tag == "xmeml"
    otio_out = tmp_path / "edit.otio"
    export(planned, otio_out)
    names = [c.name for c in otio.adapters.read_from_file(str(otio_out)).tracks[0].find_clips()]
    video = next(root.iter("sequence")).find("./media/video")
    assert video is not None
    first_track = [ci.findtext("name") for ci in video.find("track").findall("clipitem")]
    assert first_track == names and len(names) == len(plan.cuts)
    back = otio.adapters.read_from_file(str(out), adapter_name="fcp_xml")
    clips = list(back.video_tracks()[0].find_clips())
    assert [(c.source_range.start_time.value, c.source_range.duration.value) for c in clips] == \
        [(c.src_start_frame, c.frames) for c in plan.cuts]


def test_unknown_format_is_one_line(planned: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", str(planned), "-o", str(tmp_path / "edit.edl")])
    assert result.exit_code == 1 and "unknown export format '.edl'" in result.output


def test_ntsc_rate_survives_fcp_xml(tmp_path: Path, landscape_clip: Path) -> None:
    from reelkit.deliver.export_otio import export_plan

    from plans import make_plan

    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG")
    plan = make_plan(landscape_clip, logo)  # 30000/1001
    out, _ = export_plan(plan, tmp_path / "edit.xml")
    assert "<ntsc>TRUE</ntsc>" in out.read_text(encoding="utf-8")
    back = otio.adapters.read_from_file(str(out), adapter_name="fcp_xml")
    got = [(c.source_range.start_time.value, c.source_range.duration.value) for c in back.video_tracks()[0].find_clips()]
    assert got == [(c.src_start_frame, c.frames) for c in plan.cuts]
