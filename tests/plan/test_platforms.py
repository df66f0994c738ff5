"""Platform presets: shipped values, user files that add or change presets, and validation."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from reelkit.errors import InputError
from reelkit.plan.platform_values import CHECKS, SafeZone
from reelkit.plan.platforms import DEFAULT_PLATFORMS, Platform, get_platform, load_platforms


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # A developer's own ~/.config/reelkit/platforms.yaml must not leak into these tests.
    monkeypatch.delenv("REELKIT_PLATFORMS", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "platforms.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_presets_follow_the_platform_specs() -> None:
    platforms = load_platforms()
    assert set(DEFAULT_PLATFORMS) <= set(platforms)
    for name in DEFAULT_PLATFORMS:
        p = platforms[name]
        assert (p.width, p.height) == (1080, 1920)
        assert p.true_peak_db == -1.0
        assert p.video_codec == "libx264" and p.profile == "high" and p.pix_fmt == "yuv420p"
        assert p.audio_codec == "aac" and p.audio_rate == 48000 and p.audio_channels == 2
    assert platforms["snapchat"].loudness_lufs == -16.0
    assert {platforms[n].loudness_lufs for n in ("tiktok", "reels", "shorts")} == {-14.0}
    assert platforms["snapchat"].max_duration == 60 and platforms["snapchat"].min_duration == 5
    assert platforms["shorts"].duration_policy == "error"
    assert platforms["reels"].safe_zone == SafeZone(top=270, bottom=672, left=65, right=65)
    assert platforms["tiktok"].fps_range == (23.0, 60.0)
    assert platforms["reels"].safe_box() == (65, 270, 1015, 1248)


def test_every_platform_field_has_a_validator() -> None:
    assert set(CHECKS) == {f.name for f in fields(Platform)} - {"name"}


def test_user_file_adds_feed_and_website_without_code(tmp_path: Path) -> None:
    user = write(tmp_path, """
platforms:
  feed:
    label: Instagram feed 4:5
    height: 1350
    safe_zone: {top: 0, bottom: 0, left: 0, right: 0}
  website:
    label: Website 16:9
    width: 1920
    height: 1080
    fps: source
    burn_captions: false
    sidecars: [vtt]
    safe_zone: {top: 54, bottom: 54, left: 96, right: 96}
""")
    platforms = load_platforms(user)
    feed, site = platforms["feed"], platforms["website"]
    assert (feed.width, feed.height) == (1080, 1350)
    assert feed.loudness_lufs == -14.0 and feed.audio_codec == "aac"  # from the shipped defaults
    assert (site.width, site.height, site.fps, site.burn_captions) == (1920, 1080, "source", False)
    assert site.sidecars == ("vtt",)
    assert site.safe_box() == (96, 54, 1824, 1026)
    spec = feed.output_spec("out/feed.mp4")
    assert (spec.platform, spec.path, spec.profile, spec.loudness_lufs) == ("feed", "out/feed.mp4", "high", -14.0)
    assert set(DEFAULT_PLATFORMS) <= set(platforms)


def test_user_file_changes_one_field_of_a_shipped_preset(tmp_path: Path) -> None:
    user = write(tmp_path, "platforms:\n  tiktok:\n    max_duration: 60\n    duration_policy: error\n")
    tiktok = load_platforms(user)["tiktok"]
    shipped = load_platforms()["tiktok"]
    assert (tiktok.max_duration, tiktok.duration_policy) == (60.0, "error")
    assert tiktok.audio_bitrate == shipped.audio_bitrate and tiktok.safe_zone == shipped.safe_zone


def test_user_defaults_fill_fields_platforms_leave_unset(tmp_path: Path) -> None:
    user = write(tmp_path, "defaults:\n  loudness_lufs: -16\n  level: 4.2\n")
    platforms = load_platforms(user)
    assert platforms["tiktok"].loudness_lufs == -16.0
    assert platforms["tiktok"].level == "4.2"  # YAML reads 4.2 as a number; kept as text


def test_environment_variable_names_the_user_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = write(tmp_path, "platforms:\n  square:\n    height: 1080\n")
    monkeypatch.setenv("REELKIT_PLATFORMS", str(user))
    assert load_platforms()["square"].height == 1080


@pytest.mark.parametrize(("body", "key", "problem"), [
    ("  feed:\n    width: 1081\n", "platforms.feed.width", "must be even"),
    ("  feed:\n    height: -1350\n", "platforms.feed.height", "between 16 and 8192"),
    ("  feed:\n    width: wide\n", "platforms.feed.width", "expected a whole number"),
    ("  feed:\n    width: true\n", "platforms.feed.width", "expected a whole number"),
    ("  feed:\n    video_codec: h264\n", "platforms.feed.video_codec", "unknown value 'h264'"),
    ("  feed:\n    audio_codec: mp3\n", "platforms.feed.audio_codec", "unknown value 'mp3'"),
    ("  feed:\n    video_codec: libx265\n", "platforms.feed.video_codec", "does not suit libx265"),
    ("  feed:\n    colour: red\n", "platforms.feed.colour", "unknown field 'colour'"),
    ("  feed:\n    fps: fast\n", "platforms.feed.fps", "frame rate"),
    ("  feed:\n    fps: 0\n", "platforms.feed.fps", "frame rate"),
    ("  feed:\n    fps_range: [60, 24]\n", "platforms.feed.fps_range", "above max"),
    ("  feed:\n    video_bitrate: lots\n", "platforms.feed.video_bitrate", "bitrate"),
    ("  feed:\n    crf: 60\n", "platforms.feed.crf", "between 0 and 51"),
    ("  feed:\n    crf: best\n", "platforms.feed.crf", "expected a number"),
    ("  feed:\n    maxrate: 12M\n", "platforms.feed.maxrate", "no longer used"),
    ("  feed:\n    loudness_lufs: 3\n", "platforms.feed.loudness_lufs", "between -70 and 0"),
    ("  feed:\n    max_file_mb: 0\n", "platforms.feed.max_file_mb", "greater than 0"),
    ("  feed:\n    duration_policy: fatal\n", "platforms.feed.duration_policy", "unknown value"),
    ("  feed:\n    sidecars: [srt, ass]\n", "platforms.feed.sidecars", "unknown value 'ass'"),
    ("  feed:\n    min_duration: 90\n    max_duration: 60\n", "platforms.feed.min_duration", "above max_duration"),
    ("  snapchat:\n    max_duration: 2\n", "platforms.snapchat.max_duration", "above max_duration"),
    ("  feed:\n    width: 128\n", "platforms.feed.width", "leaves no safe area"),
    ("  feed:\n    safe_zone: {top: 1000, bottom: 1000, left: 0, right: 0}\n", "platforms.feed.safe_zone",
     "leaves no safe area"),
    ("  feed:\n    safe_zone: {top: 10}\n", "platforms.feed.safe_zone", "top, bottom, left and right"),
    ("  Feed Post:\n    height: 1350\n", "platforms.Feed Post", "lower-case"),
])
def test_bad_user_values_raise_one_error_naming_file_key_and_problem(
        tmp_path: Path, body: str, key: str, problem: str) -> None:
    user = write(tmp_path, "platforms:\n" + body)
    with pytest.raises(InputError) as info:
        load_platforms(user)
    err = info.value
    assert err.path == str(user)
    assert err.key == key
    assert problem in str(err)
    assert err.line is not None and err.line >= 2  # the line of the key inside the user file
    assert len(str(err).splitlines()) == 1


def test_error_line_points_at_the_bad_key(tmp_path: Path) -> None:
    user = write(tmp_path, "platforms:\n  feed:\n    label: Feed\n    height: 1351\n")
    with pytest.raises(InputError) as info:
        load_platforms(user)
    assert info.value.line == 4
    assert str(info.value).startswith(f"{user}:4: platforms.feed.height: must be even")


def test_bad_user_default_is_reported_at_its_origin(tmp_path: Path) -> None:
    user = write(tmp_path, "defaults:\n  pix_fmt: rgb24\n")
    with pytest.raises(InputError) as info:
        load_platforms(user)
    assert (info.value.path, info.value.key, info.value.line) == (str(user), "defaults.pix_fmt", 2)


def test_unknown_top_level_key_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown top-level key 'platform'"):
        load_platforms(write(tmp_path, "platform:\n  feed: {}\n"))
    with pytest.raises(InputError, match="file not found"):
        load_platforms(tmp_path / "missing.yaml")


def test_get_platform_lists_known_names() -> None:
    assert get_platform("reels").label == "Instagram Reels"
    with pytest.raises(InputError, match="unknown platform 'vine'.*known: .*tiktok"):
        get_platform("vine")


def test_crf_and_bitrate_cap_are_honoured_from_a_user_file(tmp_path: Path) -> None:
    user = write(tmp_path, "platforms:\n  tiktok:\n    crf: 20\n    video_bitrate: 6M\n")
    spec = load_platforms(user)["tiktok"].output_spec("/o/tiktok.mp4")
    assert (spec.crf, spec.video_bitrate) == (20.0, "6M")
    assert load_platforms()["reels"].crf == 23.0
