"""Brand presets: finding, reading with extends (deep merge), errors with file/line/key,
the plan's caption look and rules, music, and the `brand list` / `brand new` commands."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from reelkit.brand import caption_rules, caption_style, find_brand, list_brands, load_brand, music_bed, validate_brand
from reelkit.errors import BrandError
from reelkit.plan.model import CaptionRules, CaptionStyle

REPO_BRAND = Path(__file__).resolve().parents[2] / "brand"
COMMON_BOX = (65, 270, 930, 1248)  # shared safe box of all four platforms at 1080x1920


def write_preset(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "brand.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def child_of_default(tmp_path: Path, body: str, name: str = "child") -> Path:
    return write_preset(tmp_path / name, f"extends: {REPO_BRAND / 'default'}\n{body}")


def test_shipped_presets_load_with_absolute_existing_assets() -> None:
    for name in ("default", "civic"):
        brand = load_brand(name)
        assert brand.name == name
        for path in (brand.fonts.title, brand.fonts.caption, brand.fonts.body, brand.logo.file, brand.music.file):
            assert path and Path(path).is_absolute() and Path(path).is_file()


def test_presets_look_different() -> None:
    default, civic = load_brand("default"), load_brand("civic")
    assert civic.extends == "default"
    assert default.colours.primary != civic.colours.primary
    assert Path(default.fonts.caption).name != Path(civic.fonts.caption).name
    assert (default.captions.style, civic.captions.style) == ("classic", "boxed")
    assert default.logo.file != civic.logo.file


def test_find_brand_by_name_folder_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = (REPO_BRAND / "civic" / "brand.yaml").resolve()
    assert find_brand("civic") == expected
    assert find_brand(REPO_BRAND / "civic") == expected
    assert find_brand(str(expected)) == expected
    # $REELKIT_BRAND_PATH entries are searched too.
    write_preset(tmp_path / "extra" / "acme", "extends: default\n")
    monkeypatch.setenv("REELKIT_BRAND_PATH", str(tmp_path / "extra"))
    assert find_brand("acme") == (tmp_path / "extra" / "acme" / "brand.yaml").resolve()
    assert {"default", "civic", "acme"} <= {b.name for b in list_brands()}
    assert next(b for b in list_brands() if b.name == "acme").extends == "default"


def test_unknown_brand_lists_known_names() -> None:
    with pytest.raises(BrandError) as info:
        find_brand("no-such-brand")
    assert "no-such-brand" in str(info.value) and "default" in str(info.value)


def test_extends_merges_deeply_and_paths_resolve_against_defining_file(tmp_path: Path) -> None:
    path = child_of_default(tmp_path, "captions:\n  size: 72\n  rules:\n    max_lines: 3\nlogo:\n  corner: bottom-right\n")
    brand = load_brand(path)
    base = load_brand("default")
    # Overridden leaves change; their siblings keep the parent's values.
    assert brand.captions.size == 72 and brand.captions.rules.max_lines == 3
    assert brand.captions.rules.max_chars_per_line == base.captions.rules.max_chars_per_line
    assert brand.captions.text_colour == base.captions.text_colour
    assert brand.logo.corner == "bottom-right" and brand.logo.scale == base.logo.scale
    # Inherited assets still point into the parent's folder.
    assert brand.fonts.caption == base.fonts.caption
    assert brand.logo.file == str((REPO_BRAND / "default" / "logo.png").resolve())
    # Messages point at the file that set the value.
    assert brand.where("captions.size") == (str(path.resolve()), 3)
    assert brand.where("colours.primary")[0] == str((REPO_BRAND / "default" / "brand.yaml").resolve())


def test_two_level_extends_and_palette_references(tmp_path: Path) -> None:
    child_of_default(tmp_path, 'colours:\n  primary: "#123456"\n', name="middle")
    leaf = write_preset(tmp_path / "leaf", "extends: middle\nlower_third:\n  background: accent\n")
    brand = load_brand(leaf)
    assert brand.colours.primary == "#123456"
    assert brand.hook.background == "#123456"  # default says `background: primary`
    assert brand.lower_third.background == brand.colours.accent


def test_extends_loop_is_reported(tmp_path: Path) -> None:
    write_preset(tmp_path / "a", "extends: b\n")
    write_preset(tmp_path / "b", "extends: a\n")
    with pytest.raises(BrandError, match="loop"):
        load_brand(tmp_path / "a")


def test_errors_name_file_line_and_key(tmp_path: Path) -> None:
    path = child_of_default(tmp_path, "captions:\n  size: 60\n  colour: \"#FFFFFF\"\n")
    with pytest.raises(BrandError) as info:
        load_brand(path)
    err = info.value
    assert (err.path, err.line, err.key) == (str(path.resolve()), 4, "captions.colour")
    assert "unknown key 'colour'" in str(err) and "did you mean" in str(err)


@pytest.mark.parametrize("body, key, words", [
    ("captions:\n  size: big\n", "captions.size", "whole number"),
    ("captions:\n  uppercase: 3\n", "captions.uppercase", "true or false"),
    ("logo:\n  corner: middle\n", "logo.corner", "top-left"),
    ("colours:\n  accent: #FFD400\n", "colours.accent", "quote"),
    ("captions:\n  text_colour: \"#GGHHII\"\n", "captions.text_colour", "malformed colour"),
    ("captions: 5\n", "captions", "mapping"),
])
def test_wrong_types(tmp_path: Path, body: str, key: str, words: str) -> None:
    path = child_of_default(tmp_path, body)
    with pytest.raises(BrandError) as info:
        load_brand(path)
    assert info.value.key == key and words in str(info.value)
    assert info.value.line is not None and info.value.line >= 2


def test_missing_asset_raises(tmp_path: Path) -> None:
    path = child_of_default(tmp_path, "logo:\n  file: nowhere.png\n")
    with pytest.raises(BrandError, match="nowhere.png") as info:
        load_brand(path)
    assert info.value.key == "logo.file" and info.value.line == 3


def test_caption_style_sits_in_safe_box() -> None:
    for name in ("default", "civic"):
        brand = load_brand(name)
        style = caption_style(brand, COMMON_BOX)
        assert isinstance(style, CaptionStyle)
        assert style.font_file == brand.fonts.caption and style.font_family in ("DejaVu Sans", "Inter")
        assert style.font_size == brand.captions.size and style.style == brand.captions.style
        assert COMMON_BOX[1] + 100 < style.position_y < COMMON_BOX[3] - 100
        assert style.margin_x >= 1080 - COMMON_BOX[2]  # clear of the right rail on both sides


def test_caption_style_positions(tmp_path: Path) -> None:
    top = load_brand(child_of_default(tmp_path, "captions:\n  position: top\n", "t"))
    bottom = load_brand(child_of_default(tmp_path, "captions:\n  position: bottom\n", "b"))
    px = load_brand(child_of_default(tmp_path, "captions:\n  position: 700\n", "p"))
    y_top = caption_style(top, COMMON_BOX).position_y
    y_bottom = caption_style(bottom, COMMON_BOX).position_y
    assert COMMON_BOX[1] < y_top < y_bottom < COMMON_BOX[3]
    assert caption_style(px, COMMON_BOX).position_y == 700


def test_caption_rules_and_music() -> None:
    civic = load_brand("civic")
    rules = caption_rules(civic)
    assert isinstance(rules, CaptionRules)
    assert rules.max_cps == 15.0 and rules.max_chars_per_line == 24 and rules.max_lines == 2
    bed = music_bed(civic)
    assert bed is not None and bed.path == civic.music.file and bed.level_db == -24.0


def test_music_can_be_switched_off(tmp_path: Path) -> None:
    assert music_bed(load_brand(child_of_default(tmp_path, "music:\n  enabled: false\n"))) is None


def _cli() -> click.Group:
    """The real `reelkit` group: its one error handler is part of what the commands do."""
    from reelkit.cli.main import main

    return main


def test_cli_list_shows_name_path_extends() -> None:
    result = CliRunner().invoke(_cli(), ["brand", "list"])
    assert result.exit_code == 0
    civic_line = next(ln for ln in result.output.splitlines() if ln.startswith("civic"))
    assert "brand.yaml" in civic_line and "extends default" in civic_line


def test_cli_new_scaffolds_a_valid_preset(tmp_path: Path) -> None:
    result = CliRunner().invoke(_cli(), ["brand", "new", "acme", "--from", "civic", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "acme" / "brand.yaml").read_text(encoding="utf-8")
    assert "extends: civic" in text and "# captions:" in text
    assert (tmp_path / "acme" / "logo.png").is_file()
    brand = load_brand(tmp_path / "acme")
    assert brand.logo.file == str((tmp_path / "acme" / "logo.png").resolve())
    assert brand.colours == load_brand("civic").colours
    assert validate_brand(tmp_path / "acme") == []
    # An editor uncomments a section header and one field: the file stays valid YAML.
    edited = text.replace("# colours:", "colours:").replace('  # primary: "#00594F"', '  primary: "#102030"')
    (tmp_path / "acme" / "brand.yaml").write_text(edited, encoding="utf-8")
    assert load_brand(tmp_path / "acme").colours.primary == "#102030"
    again = CliRunner().invoke(_cli(), ["brand", "new", "acme", "--dir", str(tmp_path)])
    assert again.exit_code == 1 and "already exists" in again.output


def test_readme_documents_every_field() -> None:
    from reelkit.brand.schema import settable_fields
    from reelkit.brand.schema import Brand

    readme = (REPO_BRAND / "README.md").read_text(encoding="utf-8")

    def keys(cls: type, prefix: str) -> list[str]:
        out = []
        for name, f in settable_fields(cls).items():
            key = f"{prefix}.{name}" if prefix else name
            out.append(key)
            if "section" in f.metadata:
                out += keys(f.metadata["section"], key)
        return out

    missing = [k for k in keys(Brand, "") if f"`{k}`" not in readme]
    assert missing == []


def test_published_brand_schema_is_the_generated_one() -> None:
    import json

    import jsonschema

    from reelkit.brand.schema import brand_schema
    from reelkit.brand.preset import shipped_brand_dir

    published = json.loads((shipped_brand_dir().parent / "brand.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(published)
    assert published == brand_schema(), "run `make schema` after changing reelkit/brand/schema.py"


def test_every_problem_of_a_file_is_reported_and_the_valid_rest_kept(tmp_path: Path) -> None:
    path = child_of_default(tmp_path, "captions:\n  size: 300\n  style: karaoke\n  colour: red\nlogo:\n  corner: 5\n")
    from reelkit.brand.preset import read_preset

    problems: list[BrandError] = []
    raw = read_preset(find_brand(path), problems)
    assert [(p.line, p.key) for p in problems] == [(3, "captions.size"), (5, "captions.colour"), (7, "logo.corner")]
    assert "must be between 16 and 200, got 300" in str(problems[0])
    # The bad values are dropped, so the parent's stay in force; the good one is kept.
    assert raw.data["captions"]["style"] == "karaoke" and raw.data["captions"].get("size") != 300
