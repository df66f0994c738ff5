"""Every user-edited file kind reports its first problem the same way, through the one
validator (reelkit.plan.validation): one line, ``file:line: key.path: problem (hint)``, for a
value of the wrong type, an unknown key and a value out of range."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from reelkit.batch.series import load_series
from reelkit.brand.preset import load_brand
from reelkit.errors import InputError
from reelkit.plan.outline import load_outline
from reelkit.plan.planfile import dump_plans, read_plan_file
from reelkit.plan.platforms import load_platforms

from plans import make_plan

OUTLINE = "title: T\nplatforms: [tiktok]\nsegments:\n  - clip: missing.mp4\n"
SERIES = "title: S\nplatforms: [tiktok]\nepisodes: [a.yaml]\n"
BRAND = "extends: default\ncaptions:\n  style: classic\n"
PLATFORMS = "platforms:\n  feed:\n    label: Feed\n"

# (loader, file name, text, line, key, problem, hint or None)
YAML_CASES = [
    (load_outline, "outline.yaml", OUTLINE.replace("[tiktok]", "tiktok"), 2, "platforms",
     "expected a list, got the string 'tiktok'", None),
    (load_outline, "outline.yaml", OUTLINE + "titel: x\n", 5, "titel", "unknown key 'titel'", "did you mean 'title'?"),
    (load_outline, "outline.yaml", OUTLINE + "edit:\n  punch_in: 3\n", 6, "edit.punch_in",
     "must be between 1 and 1.5, got 3", None),
    (load_series, "series.yaml", SERIES.replace("[tiktok]", "tiktok"), 2, "platforms",
     "expected a list, got the string 'tiktok'", None),
    (load_series, "series.yaml", SERIES + "brnd: x\n", 4, "brnd", "unknown key 'brnd'", "did you mean 'brand'?"),
    (load_series, "series.yaml", SERIES + "edit:\n  pad_after: 2\n", 5, "edit.pad_after",
     "must be between 0.02 and 0.5, got 2", None),
    (load_brand, "acme/brand.yaml", BRAND + "  size: big\n", 4, "captions.size",
     "expected a whole number, got the string 'big'", None),
    (load_brand, "acme/brand.yaml", BRAND + "  colour: red\n", 4, "captions.colour",
     "unknown key 'colour'", "did you mean 'box_colour'?"),
    (load_brand, "acme/brand.yaml", BRAND + "  size: 300\n", 4, "captions.size", "must be between 16 and 200, got 300", None),
    (load_platforms, "platforms.yaml", PLATFORMS + "    width: wide\n", 4, "platforms.feed.width",
     "expected a whole number, got the string 'wide'", None),
    (load_platforms, "platforms.yaml", PLATFORMS + "    colour: red\n", 4, "platforms.feed.colour",
     "unknown key 'colour'", "known keys: label, width, height, fps,"),
    (load_platforms, "platforms.yaml", PLATFORMS + "    crf: 60\n", 4, "platforms.feed.crf",
     "must be between 0 and 51, got 60", "x264's default is 23; lower is sharper and bigger"),
]


def _one_line(error: InputError, path: Path, line: int, key: str, problem: str, hint: str | None) -> None:
    text = str(error)
    assert "\n" not in text
    assert (error.path, error.line, error.key) == (str(path), line, key)
    assert text.startswith(f"{path}:{line}: {key}: {problem}"), text
    if hint is not None:
        assert re.fullmatch(rf".*: {re.escape(problem)} \({re.escape(hint)}.*\)", text), text
    else:
        assert text == f"{path}:{line}: {key}: {problem}"


@pytest.mark.parametrize(("load", "name", "text", "line", "key", "problem", "hint"), YAML_CASES,
                         ids=[f"{c[1]}-{c[4]}" for c in YAML_CASES])
def test_yaml_files_report_file_line_key_problem_hint(tmp_path: Path, load: Callable[[Path], object], name: str,
                                                     text: str, line: int, key: str, problem: str,
                                                     hint: str | None) -> None:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load(path.parent if name.endswith("brand.yaml") else path)
    _one_line(info.value, path, line, key, problem, hint)


def _edited_plan(tmp_path: Path, edit: Callable[[dict], None]) -> Path:
    clip, logo = tmp_path / "c.mp4", tmp_path / "logo.png"
    clip.write_bytes(b"")
    logo.write_bytes(b"")
    data = json.loads(dump_plans([make_plan(clip, logo)]))
    edit(data)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")  # as reelkit writes it
    return path


@pytest.mark.parametrize(("edit", "written", "key", "problem", "hint"), [
    (lambda d: d.update(title=3), '"title": 3', "title", "expected a string, got the number 3", None),
    (lambda d: d["outputs"][0].update(bogus=1), '"bogus": 1', "outputs[0].bogus", "unknown key 'bogus'",
     "known keys: platform, path,"),
    (lambda d: d["outputs"][0].update(crf=99), '"crf": 99', "outputs[0].crf", "must be between 0 and 51, got 99",
     "x264's default is 23"),
    (lambda d: d["outputs"][0].update(loudness_lufs=5), '"loudness_lufs": 5', "outputs[0].loudness_lufs",
     "must be between -70 and 0, got 5", None),
], ids=["wrong-type", "unknown-key", "crf-out-of-range", "loudness-out-of-range"])
def test_plan_json_reports_file_line_key_problem_hint(tmp_path: Path, edit: Callable[[dict], None], written: str,
                                                      key: str, problem: str, hint: str | None) -> None:
    path = _edited_plan(tmp_path, edit)
    with pytest.raises(InputError) as info:
        read_plan_file(path)
    line = info.value.line
    assert line is not None and written in path.read_text(encoding="utf-8").splitlines()[line - 1]
    _one_line(info.value, path, line, key, problem, hint)


def test_a_retired_key_is_refused_with_what_replaces_it_and_left_out_of_known_keys(tmp_path: Path) -> None:
    path = tmp_path / "platforms.yaml"
    path.write_text(PLATFORMS + "    maxrate: 12M\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_platforms(path)
    _one_line(info.value, path, 4, "platforms.feed.maxrate", "field 'maxrate' is no longer used",
              "video_bitrate is the cap (maxrate) of the constant-quality encode now")
    path.write_text(PLATFORMS + "    colour: red\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_platforms(path)
    assert "maxrate" not in str(info.value)
