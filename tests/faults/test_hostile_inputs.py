"""Hostile outlines, brand presets and output locations: one clear line, nothing written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from hostile import can_mount, cli, listing, refused, tmpfs


def _outline(tmp_path: Path, text: str | bytes, name: str = "ep.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _render(outline: Path, out: Path, *extra: str) -> list[str]:
    return ["render", str(outline), "--out", str(out), "--quiet", "--preset", "ultrafast", *extra]


def test_yaml_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    # "Billion laughs": 9 levels of 9 aliases, 387 million strings if expanded.
    levels = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        levels.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    outline = _outline(tmp_path, "title: Bomb\n" + "\n".join(levels) + "\nsegments: [{clip: x.mp4}]\n")
    refused(_render(outline, tmp_path / "out"), "ep.yaml", "too many values", "aliases")
    assert listing(tmp_path / "out") == []


@pytest.mark.parametrize("value, expect", [(".nan", "nan is not a finite number"), (".inf", "inf is not a finite"),
                                           ("1.0e+12", "beyond the clip's duration")])
def test_absurd_segment_times(tmp_path: Path, landscape_clip: Path, value: str, expect: str) -> None:
    outline = _outline(tmp_path, f"title: T\nsegments:\n  - clip: {landscape_clip}\n    end: {value}\n")
    line = refused(_render(outline, tmp_path / "out"), "ep.yaml:4", expect)
    assert "segments.0.end" in line


def test_start_of_1e12(tmp_path: Path, landscape_clip: Path) -> None:
    outline = _outline(tmp_path, f"title: T\nsegments:\n  - clip: {landscape_clip}\n    start: 1.0e+12\n")
    refused(_render(outline, tmp_path / "out"), "segments.0.start", "must be before end")


def test_fifty_megabyte_outline(tmp_path: Path) -> None:
    outline = _outline(tmp_path, "title: Big\nsegments: [{clip: x.mp4}]\n" + "# padding\n" * 5_300_000)
    assert outline.stat().st_size > 50_000_000
    refused(_render(outline, tmp_path / "out"), "ep.yaml", "larger than 8 MB")


def test_ten_thousand_segments(tmp_path: Path, landscape_clip: Path) -> None:
    outline = _outline(tmp_path, json.dumps({"title": "Many", "segments": [{"clip": str(landscape_clip)}] * 10_000}))
    refused(_render(outline, tmp_path / "out"), "segments", "10,000 items, more than the 1,000 allowed")


def test_non_utf8_bytes(tmp_path: Path) -> None:
    outline = _outline(tmp_path, b"title: caf\xe9 \xff\xfe\nsegments: [{clip: x.mp4}]\n")
    refused(_render(outline, tmp_path / "out"), "ep.yaml", "not a UTF-8 text file")


def test_control_characters(tmp_path: Path) -> None:
    outline = _outline(tmp_path, "title: a\x00b\nsegments: [{clip: x.mp4}]\n")
    refused(_render(outline, tmp_path / "out"), "ep.yaml", "not valid YAML")


def test_deep_nesting(tmp_path: Path) -> None:
    outline = _outline(tmp_path, "title: x\nextra: " + "[" * 1200 + "]" * 1200 + "\n")
    refused(_render(outline, tmp_path / "out"), "ep.yaml", "nested too deeply")


@pytest.mark.parametrize("target", ["directory", "device"])
def test_clip_that_is_a_directory_or_device(tmp_path: Path, target: str) -> None:
    clip = str(tmp_path) if target == "directory" else "/dev/zero"
    outline = _outline(tmp_path, json.dumps({"title": "T", "segments": [{"clip": clip}]}))
    expect = "is a folder" if target == "directory" else "not a regular file"
    refused(_render(outline, tmp_path / "out"), clip, expect)


def test_outline_that_is_a_device(tmp_path: Path) -> None:
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    refused(_render(link, tmp_path / "out"), "zero.yaml")


def test_one_megabyte_script(tmp_path: Path, landscape_clip: Path) -> None:
    outline = _outline(tmp_path, json.dumps({"title": "T", "script": "word " * 210_000,
                                             "segments": [{"clip": str(landscape_clip)}]}))
    refused(_render(outline, tmp_path / "out"), "script", "1,050,000 characters, more than the 200,000 allowed")


# --- brand presets --------------------------------------------------------------------------

def _preset(tmp_path: Path, body: str, files: dict[str, bytes]) -> Path:
    folder = tmp_path / "brand-x"
    (folder / "fonts").mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / "brand.yaml").write_text("extends: default\n" + body, encoding="utf-8")
    return folder


def _episode(tmp_path: Path, clip: Path) -> Path:
    return _outline(tmp_path, json.dumps({"title": "Brand", "platforms": ["tiktok"],
                                          "segments": [{"clip": str(clip), "end": 1, "captions": False}]}))


def test_font_of_random_bytes_fails_validate_and_render(tmp_path: Path, landscape_clip: Path) -> None:
    import random

    noise = random.Random(7).randbytes(40_000)
    preset = _preset(tmp_path, "fonts:\n  caption: fonts/X.ttf\n  title: fonts/X.ttf\n", {"fonts/X.ttf": noise})
    result = cli(["brand", "validate", str(preset)])
    assert result.exit_code == 1 and "fonts.caption: font does not load" in result.output
    refused(_render(_episode(tmp_path, landscape_clip), tmp_path / "out", "--brand", str(preset)),
            "brand.yaml", "fonts.title: font does not load", "X.ttf", "unknown file format")
    assert not list((tmp_path / "out").rglob("*.mp4"))


@pytest.mark.parametrize("case", ["text", "huge"])
def test_logo_not_an_image_or_too_wide(tmp_path: Path, landscape_clip: Path, case: str) -> None:
    if case == "text":
        data, expect = b"<html>not a logo</html>", "logo is not an image"
    else:
        import io

        buf = io.BytesIO()
        Image.new("RGBA", (20_000, 20), "red").save(buf, format="PNG")
        data, expect = buf.getvalue(), "logo is 20000x20 px, larger than 8192 px"
    preset = _preset(tmp_path, "logo:\n  file: logo.png\n", {"logo.png": data})
    result = cli(["brand", "validate", str(preset)])
    assert result.exit_code == 1 and expect in result.output
    refused(_render(_episode(tmp_path, landscape_clip), tmp_path / "out", "--brand", str(preset)),
            "logo.file", expect)


# --- output location: checked before planning and transcription ------------------------------

def _speech_outline(tmp_path: Path, clip: Path) -> Path:
    return _outline(tmp_path, json.dumps({"title": "Out", "segments": [{"clip": str(clip), "end": 1}]}))


def _no_transcription_ran(cache: Path) -> bool:
    return not list(cache.rglob("*.json"))


def test_out_naming_a_file(tmp_path: Path, landscape_clip: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REELKIT_CACHE_DIR", str(tmp_path / "cache"))
    target = tmp_path / "taken"
    target.write_text("a file", encoding="utf-8")
    refused(_render(_speech_outline(tmp_path, landscape_clip), target), "taken: is a file, not a folder", "--out")
    assert target.read_text(encoding="utf-8") == "a file"
    assert _no_transcription_ran(tmp_path / "cache")


@pytest.mark.skipif(not can_mount(), reason="needs root to mount a read-only file system")
def test_read_only_output_folder(tmp_path: Path, landscape_clip: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REELKIT_CACHE_DIR", str(tmp_path / "cache"))
    with tmpfs(tmp_path / "ro", "1m", read_only=True) as ro:
        refused(_render(_speech_outline(tmp_path, landscape_clip), ro), "cannot write to the output folder",
                "Read-only file system")
        assert listing(ro) == []
    assert _no_transcription_ran(tmp_path / "cache")


def test_callout_after_the_end(tmp_path: Path, landscape_clip: Path) -> None:
    outline = _outline(tmp_path, json.dumps({"title": "Late", "platforms": ["tiktok"],
                                             "callouts": [{"text": "Too late", "at": 1e12}],
                                             "segments": [{"clip": str(landscape_clip), "end": 1, "captions": False}]}))
    refused(_render(outline, tmp_path / "out"), "callouts.0.at", "starts after the end of the episode")


def test_copying_fixture_works(tmp_path: Path, landscape_clip: Path) -> None:
    """Control: the same outline shape renders, so the refusals above are about the values."""
    shutil.copy(landscape_clip, tmp_path / "c.mp4")
    outline = _outline(tmp_path, json.dumps({"title": "Fine", "platforms": ["tiktok"],
                                             "segments": [{"clip": "c.mp4", "end": 1, "captions": False}]}))
    result = cli(_render(outline, tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert listing(tmp_path / "out" / "fine") == ["cover-2.png", "cover-3.png", "cover.png", "fine.srt", "fine.vtt", "metadata.json",
                                                  "plan.json", "tiktok.mp4"]
