"""Outline loading: schema errors with file, line and key; media checks; time formats."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from reelkit.errors import MediaError, OutlineError
from reelkit.plan.outline import load_outline, outline_schema, slugify
from reelkit.plan.timecode import parse_time

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "water-main" / "outline.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "episode.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_sample_outline_loads_and_matches_published_schema() -> None:
    outline = load_outline(SAMPLE)
    assert outline.slug == "harbour-street-new-water-mains"
    assert [s.captions for s in outline.segments] == [True, False, True]
    assert outline.segments[0].lower_third and outline.segments[0].lower_third.name == "Anna de Vries"
    assert outline.segments[2].start == pytest.approx(7.45)  # "0:07.45"
    assert outline.segments[2].end == pytest.approx(outline.segments[2].media.duration)
    # The schema file is a valid JSON Schema document.
    jsonschema.Draft202012Validator.check_schema(outline_schema())


@pytest.mark.parametrize("value, seconds", [(3, 3.0), ("2.5", 2.5), ("1:02.5", 62.5), ("1:00:01", 3601.0)])
def test_parse_time(value: object, seconds: float) -> None:
    assert parse_time(value) == pytest.approx(seconds)


@pytest.mark.parametrize("value", ["1:75", "abc", -1, True, "1:2:3:4"])
def test_parse_time_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        parse_time(value)


def test_unknown_key_names_file_line_and_key(tmp_path: Path, landscape_clip: Path) -> None:
    path = write(tmp_path, f"title: T\nsegments:\n  - clip: {json.dumps(str(landscape_clip))}\n    colour: red\n")
    with pytest.raises(OutlineError) as err:
        load_outline(path)
    text = str(err.value)
    assert f"{path}:4" in text and "segments.0.colour" in text and "unknown key 'colour'" in text


def test_missing_clip(tmp_path: Path) -> None:
    path = write(tmp_path, "title: T\nsegments:\n  - clip: nowhere.mp4\n    end: 2\n")
    with pytest.raises(OutlineError, match=r"episode.yaml:3: segments.0.clip: clip not found"):
        load_outline(path)


def test_start_after_end(tmp_path: Path, landscape_clip: Path) -> None:
    path = write(tmp_path, f"title: T\nsegments:\n  - clip: {json.dumps(str(landscape_clip))}\n    start: 1.5\n    end: 1\n")
    with pytest.raises(OutlineError, match=r":5: segments.0.end: start 1.5s must be before end 1s"):
        load_outline(path)


def test_end_beyond_duration(tmp_path: Path, landscape_clip: Path) -> None:
    path = write(tmp_path, f"title: T\nsegments:\n  - clip: {json.dumps(str(landscape_clip))}\n    end: '0:09'\n")
    with pytest.raises(OutlineError, match=r"segments.0.end: end 9s is beyond the clip's duration"):
        load_outline(path)


def test_bad_time_value(tmp_path: Path, landscape_clip: Path) -> None:
    path = write(tmp_path, f"title: T\nsegments:\n  - clip: {json.dumps(str(landscape_clip))}\n    end: soon\n")
    with pytest.raises(OutlineError, match=r":4: segments.0.end: 'soon' is not a time"):
        load_outline(path)


def test_wrong_type(tmp_path: Path, landscape_clip: Path) -> None:
    path = write(tmp_path, f"title: T\nplatforms: tiktok\nsegments:\n  - clip: {json.dumps(str(landscape_clip))}\n")
    with pytest.raises(OutlineError, match=r":2: platforms: expected a list, got the string 'tiktok'"):
        load_outline(path)


def test_not_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "title: [unclosed\nsegments: {\n")
    with pytest.raises(OutlineError, match=r"episode.yaml:\d+: not valid YAML"):
        load_outline(path)


def test_binary_file_is_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "episode.yaml"
    path.write_bytes(b"\x00\xff\xfe\x00garbage")
    with pytest.raises(OutlineError, match="episode.yaml"):
        load_outline(path)


def test_truncated_clip(tmp_path: Path, landscape_clip: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(landscape_clip.read_bytes()[:3000])
    path = write(tmp_path, "title: T\nsegments:\n  - clip: broken.mp4\n")
    with pytest.raises(MediaError, match=r"broken.mp4: not a readable media file"):
        load_outline(path)


def test_audio_only_clip_is_refused(tmp_path: Path) -> None:
    from media import tone

    tone(tmp_path / "tone.wav", duration=1)
    path = write(tmp_path, "title: T\nsegments:\n  - clip: tone.wav\n")
    with pytest.raises(OutlineError, match=r"segments.0.clip: clip has no video stream"):
        load_outline(path)


def test_slugify() -> None:
    assert slugify("Harbour Street: new water mains!") == "harbour-street-new-water-mains"
    assert slugify("Café ‘Zürich’ / 2026") == "cafe-zurich-2026"
    assert slugify("???") == "episode"


@pytest.mark.parametrize("value, kept", [("source", "source"), ("30000/1001", "30000/1001"), (25, 25)])
def test_outline_fps_takes_source_and_rational_rates(tmp_path: Path, value: object, kept: object) -> None:
    path = write(tmp_path, json.dumps({"title": "T", "fps": value, "segments": [{"clip": "a.mp4", "end": 2}]}))
    assert load_outline(path, check_media=False).fps == kept


@pytest.mark.parametrize("value, message", [
    ("fast", "fps: .fast. is not a frame rate"), ("30/0", "fps: .*30/0"), (0, "fps: 0 is not a frame rate")])
def test_outline_fps_refuses_what_is_not_a_rate(tmp_path: Path, value: object, message: str) -> None:
    path = write(tmp_path, json.dumps({"title": "T", "fps": value, "segments": [{"clip": "a.mp4", "end": 2}]}))
    with pytest.raises(OutlineError, match=message):
        load_outline(path, check_media=False)


def test_mixed_rate_footage_picks_the_rate_of_most_of_it() -> None:
    from fractions import Fraction

    from reelkit.decide.build import source_rate
    from reelkit.io.probe import MediaInfo
    from reelkit.plan.outline import Outline, Segment

    def seg(fps: float, seconds: float) -> Segment:
        return Segment(clip=Path("c.mp4"), start=0.0, end=seconds,
                       media=MediaInfo(path="c.mp4", duration=seconds, has_video=True, has_audio=True, fps=fps))

    one = Outline(path=Path("e.yaml"), title="T", segments=(seg(29.97, 5), seg(29.98, 5)))
    assert source_rate(one) == (Fraction(30000, 1001), None)  # a phone's 29.98 is 30000/1001
    mixed = Outline(path=Path("e.yaml"), title="T", segments=(seg(25, 4), seg(29.97, 9), seg(25, 4)))
    rate, note = source_rate(mixed)
    assert rate == Fraction(30000, 1001) and note is not None
    assert note.startswith("the clips have different frame rates (30000/1001 and 25); rendering at 30000/1001")
