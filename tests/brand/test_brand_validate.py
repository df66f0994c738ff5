"""validate_brand: each kind of problem is one line naming file, line, key and problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from reelkit.brand import validate_brand
from reelkit.plan.colours import contrast_ratio, parse_colour, worst_contrast_on_footage
from reelkit.plan.platforms import load_platforms

REPO_BRAND = Path(__file__).resolve().parents[2] / "brand"


def child(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "child"
    folder.mkdir()
    path = folder / "brand.yaml"
    path.write_text(f"extends: {REPO_BRAND / 'default'}\n{body}", encoding="utf-8")
    return path


def only_line(problems: list[str]) -> str:
    assert len(problems) == 1, problems
    return problems[0]


@pytest.mark.parametrize("name", ["default", "civic"])
def test_shipped_presets_pass_for_all_four_platforms(name: str) -> None:
    platforms = list(load_platforms().values())
    assert {p.name for p in platforms} >= {"tiktok", "reels", "shorts", "snapchat"}
    assert validate_brand(name, platforms) == []


def test_valid_child_passes(tmp_path: Path) -> None:
    assert validate_brand(child(tmp_path, 'colours:\n  primary: "#0A3D62"\n')) == []


def test_unknown_key(tmp_path: Path) -> None:
    path = child(tmp_path, "logo:\n  corner: top-left\n  opactiy: 0.5\n")
    line = only_line(validate_brand(path))
    assert line.startswith(f"{path.resolve()}:4: logo.opactiy: unknown key 'opactiy'")
    assert "did you mean 'opacity'" in line


def test_malformed_colour(tmp_path: Path) -> None:
    path = child(tmp_path, 'colours:\n  accent: "#FFD40"\n')
    line = only_line(validate_brand(path))
    assert line.startswith(f"{path.resolve()}:3: colours.accent: malformed colour '#FFD40'")


def test_missing_font_file(tmp_path: Path) -> None:
    path = child(tmp_path, "fonts:\n  caption: fonts/Missing-Bold.ttf\n")
    line = only_line(validate_brand(path))
    assert line.startswith(f"{path.resolve()}:3: fonts.caption: file not found: ")
    assert "Missing-Bold.ttf" in line


def test_font_without_glyphs(tmp_path: Path) -> None:
    # The sample text asks for characters DejaVu Sans lacks (CJK).
    path = child(tmp_path, 'sample_text: "Straße 漢字"\n')
    problems = validate_brand(path)
    assert problems and all("has no glyph for" in p for p in problems)
    assert any(":" in p and "fonts.caption" in p and "漢" in p for p in problems)


def test_caption_contrast_of_three_to_one(tmp_path: Path) -> None:
    grey = "#949494"  # white on this grey is 3.0:1
    assert round(contrast_ratio((255, 255, 255), parse_colour(grey)[:3]), 1) == 3.0
    path = child(tmp_path, f'captions:\n  outline_colour: "{grey}"\n')
    line = only_line(validate_brand(path))
    # The line names the key this preset changed, in this preset's file.
    assert line.startswith(f"{path.resolve()}:3: captions.outline_colour: caption text contrast 3.0:1")
    assert "below 4.5:1" in line


def test_caption_box_contrast_counts_opacity_over_footage(tmp_path: Path) -> None:
    # Black box at 30 %: over white footage it is light grey, so white text fails.
    assert worst_contrast_on_footage("#FFFFFF", "#000000", 0.3) < 4.5
    path = child(tmp_path, "captions:\n  box_opacity: 0.3\n")
    line = only_line(validate_brand(path))
    assert "captions.box_opacity" in line and "its box" in line and "30 %" in line


def test_title_contrast(tmp_path: Path) -> None:
    path = child(tmp_path, 'end_card:\n  background: "#FFFFFF"\n  text_colour: "#DDDDDD"\n  handle_colour: "#000000"\n')
    line = only_line(validate_brand(path))
    assert line.startswith(f"{path.resolve()}:4: end_card.text_colour: end-card text contrast")


def test_logo_under_tiktok_right_rail(tmp_path: Path) -> None:
    # Measured from the frame edge, a top-right logo sits under TikTok's right-hand buttons.
    path = child(tmp_path, "logo:\n  corner: top-right\n  anchor: frame\n  margin: 40\n")
    tiktok = load_platforms()["tiktok"]
    line = only_line(validate_brand(path, [tiktok]))
    assert line.startswith(f"{path.resolve()}:3: logo.corner: logo (x ")
    assert "outside the TikTok safe zone (x 64-930" in line


def test_caption_px_position_outside_reels_zone(tmp_path: Path) -> None:
    path = child(tmp_path, "captions:\n  position: 1500\n")
    platforms = load_platforms()
    problems = validate_brand(path, [platforms["reels"], platforms["snapchat"]])
    line = only_line(problems)  # inside Snapchat's zone, outside Reels'
    assert line.startswith(f"{path.resolve()}:3: captions.position: caption block")
    assert "Instagram Reels" in line


def test_key_given_twice(tmp_path: Path) -> None:
    path = child(tmp_path, "captions:\n  size: 70\nlogo:\n  scale: 0.1\ncaptions:\n  uppercase: true\n")
    line = only_line(validate_brand(path))
    assert line.startswith(f"{path.resolve()}:6: captions: key 'captions' is given twice (first on line 2)")


def test_all_problems_reported_together(tmp_path: Path) -> None:
    path = child(tmp_path, 'bogus: 1\ncolours:\n  text: "#12"\nfonts:\n  title: nope.ttf\n')
    problems = validate_brand(path)
    keys = [p.split(": ")[1] for p in problems]
    assert keys == ["bogus", "colours.text", "fonts.title"], problems


def test_cli_validate(tmp_path: Path) -> None:
    from reelkit.cli.main import main as group

    runner = CliRunner()
    ok = runner.invoke(group, ["brand", "validate", "civic", "--platform", "tiktok", "--platform", "reels"])
    assert (ok.exit_code, ok.output) == (0, "ok\n")
    bad = runner.invoke(group, ["brand", "validate", str(child(tmp_path, 'colours:\n  accent: "#FFD40"\n'))])
    assert bad.exit_code == 1 and len(bad.output.splitlines()) == 1 and "colours.accent" in bad.output
    unknown = runner.invoke(group, ["brand", "validate", "civic", "--platform", "myspace"])
    assert unknown.exit_code == 1 and "unknown platform" in unknown.output


def test_fonts_freetype_cannot_load_are_refused_by_validate_and_render(tmp_path: Path, landscape_clip: Path) -> None:
    import os
    import shutil

    from reelkit.cli.main import main

    # A copy of the shipped preset whose font files are random bytes under the same names:
    # Pillow's truetype() would quietly load the system's DejaVuSans.ttf instead.
    preset = Path(shutil.copytree(REPO_BRAND / "default", tmp_path / "broken"))
    fonts = sorted((preset / "fonts").glob("*.ttf"))
    assert fonts
    for font in fonts:
        font.write_bytes(os.urandom(font.stat().st_size))
    problems = validate_brand(preset / "brand.yaml")
    assert problems and all("font does not load" in p for p in problems)
    caption = next(p for p in problems if "fonts.caption" in p)
    assert caption.startswith(f"{preset / 'brand.yaml'}:") and "DejaVuSans-Bold.ttf" in caption
    result = CliRunner().invoke(main, ["brand", "validate", str(preset / "brand.yaml")])
    assert result.exit_code != 0 and "fonts.caption: font does not load" in result.output
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", str(landscape_clip), "--brand", str(preset / "brand.yaml"),
                                       "--out", str(out), "--quiet"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    line = result.output.strip().splitlines()[-1]
    assert str(preset / "brand.yaml") in line and "fonts." in line and ".ttf" in line and "does not load" in line
    assert not out.exists() or not any(out.rglob("*.mp4"))
