"""The accessibility statement: measured on the rendered sample episode, carried by
metadata.json, printed by ``reelkit check --accessibility`` and shown in the batch report."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image, ImageDraw, ImageFont

from reelkit.batch.report import episode_facts, render_html
from reelkit.batch.work import EpisodeOutcome
from reelkit.cli.main import main
from reelkit.deliver.legibility import region_contrast, worst_reading_speed
from reelkit.deliver.statement import page_coverage, statement_lines
from reelkit.plan.model import CaptionPage, Word
from reelkit.pipeline import EpisodeResult


def test_sample_episode_statement_in_metadata(sample_episode: EpisodeResult) -> None:
    meta = json.loads(Path(sample_episode.metadata).read_text(encoding="utf-8"))
    st = meta["accessibility"]
    plan = sample_episode.plan
    words = [w for p in plan.pages for line in p.lines for w in line]
    assert st["caption_words"] == len(words) > 30
    assert sum(st["caption_timing"].values()) == len(words)
    assert st["caption_timing"].get("forced", 0) > len(words) // 2  # English: forced alignment
    assert 90.0 <= st["caption_coverage_percent"] <= 100.0  # every spoken line is captioned
    assert 0 < st["worst_reading_speed_cps"] <= st["reading_speed_limit_cps"] == plan.caption_rules.max_cps
    assert st["reading_speed_passed"] is True
    # Every page was found and measured on the frames; the default brand outlines its text.
    assert st["contrast_pages_measured"] == len(plan.pages)
    assert st["contrast_min"] >= 4.5 and st["contrast_passed"] is True
    # A normal episode passes the flash check (and so every platform check).
    assert st["flash_passed"] is True and st["flash_failures"] == []
    assert sample_episode.checks["tiktok"] == []
    assert st["audio_description"] is False and st["sign_language"] is False
    assert st["sidecar_languages"] == ["en"]


def test_check_accessibility_prints_the_statement(sample_episode: EpisodeResult) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["check", "--accessibility", str(sample_episode.files["tiktok"])])
    assert result.exit_code == 0, result.output
    assert "captions (1.2.2)" in result.output and "% of speech covered" in result.output
    assert "flashes (2.3.1)            pass" in result.output
    missing = runner.invoke(main, ["check", "--accessibility", str(sample_episode.folder / "nowhere" / "x.mp4")])
    assert missing.exit_code == 1 and "no metadata.json" in missing.output


def test_batch_report_shows_the_statement(sample_episode: EpisodeResult, tmp_path: Path) -> None:
    out = Path(sample_episode.folder).parent
    outcome = EpisodeOutcome(key="k", title=sample_episode.plan.title, status="rendered", index=1,
                             folder=str(sample_episode.folder),
                             files={k: str(v) for k, v in sample_episode.files.items()})
    facts = episode_facts(outcome, out)
    assert facts["accessibility"]["flash_passed"] is True
    page = render_html({"series": "S", "episodes": [facts], "episodes_total": 1, "rendered": 1, "skipped": 0,
                        "failed": 0, "not_finished": 0, "wall_seconds": 1.0, "finished": "now", "reelkit": "x"})
    report = out / "report.html"
    report.write_text(page, encoding="utf-8")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium:  # what a browser shows, not just the text written
        page = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                               f"--user-data-dir={tmp_path / 'p'}", "--dump-dom", report.as_uri()],
                              capture_output=True, text=True, timeout=120, check=True).stdout
    table = page.split('<table class="a11y">')[1].split("</table>")[0]
    assert "caption contrast (1.4.3)" in table and "flashes (2.3.1)" in table and "% of speech covered" in table
    assert "FAIL" not in table


def _text_region(background: int, *, outline: int = 0, box: tuple[int, int, int] | None = None) -> np.ndarray:
    """White antialiased text (DejaVu-like default font at 40 px) on a flat background."""
    image = Image.new("RGB", (400, 80), (background,) * 3)
    draw = ImageDraw.Draw(image)
    if box is not None:
        draw.rectangle((5, 5, 395, 75), fill=box)
    font = ImageFont.load_default(size=40)
    draw.text((15, 15), "Harbour Street", font=font, fill=(255, 255, 255), stroke_width=outline,
              stroke_fill=(0, 0, 0))
    return np.asarray(image)


def test_contrast_of_text_against_what_is_behind_it() -> None:
    white = [(255, 255, 255)]
    low = region_contrast(_text_region(190), white)
    assert low is not None and 1.5 < low < 2.5  # white on light grey: ~1.9:1 (fails 4.5)
    outlined = region_contrast(_text_region(190, outline=3), white)
    assert outlined is not None and outlined > 15  # the black outline is what is behind it
    boxed = region_contrast(_text_region(230, box=(60, 60, 60)), white)
    # white on #3C3C3C is 10.4:1; antialiased edge pixels in the ring make the measure conservative
    assert boxed is not None and 8 < boxed <= 10.5
    assert region_contrast(np.full((80, 400, 3), 30, dtype=np.uint8), white) is None  # no text


def test_coverage_and_reading_speed() -> None:
    page = CaptionPage(start=1.0, end=3.0, lines=((Word("Hello", 1.0, 1.4), Word("there", 1.5, 2.0)),))
    assert worst_reading_speed((page,)) == pytest.approx(11 / 2.0)
    assert page_coverage([(1.0, 3.0), (5.0, 7.0)], [page]) == pytest.approx(0.5)
    assert page_coverage([], [page]) == 1.0
    lines = statement_lines({"flash_passed": False, "flash_failures": ["tiktok: WCAG 2.3.1: general flash 0:01.0-0:02.0"]})
    assert any("FAIL" in line for line in lines) and lines[-1].strip().startswith("tiktok: WCAG 2.3.1")
