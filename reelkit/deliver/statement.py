"""The accessibility statement of one episode (WCAG 2.1 AA / EN 301 549 facts, measured).

Written into metadata.json under ``accessibility``, shown in the batch report and printed by
``reelkit check --accessibility``. Every figure is measured on what was delivered or read from
the plan that made it; nothing is assumed:

- ``caption_coverage_percent``: share of the voiced seconds of the programme voice (Silero
  VAD on the plan's voice track) inside a caption page (1.2.2);
- ``caption_timing``: how the caption words were timed (plan words' ``timing``), counted;
- ``worst_reading_speed_cps`` against the ``max_cps`` of those captions' language (brand, else shipped);
- ``contrast_min``: the lowest caption contrast measured on the rendered frames (1.4.3);
- ``flash``: the WCAG 2.3.1 check of every delivered file (of its frame size's picture: the
  frames the encode tapped, which every file of that size carries);
- ``audio_description`` / ``sign_language``: whether such variants were delivered (1.2.5, 1.2.6);
- ``sidecar_languages``: the languages of the caption files.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from reelkit.deliver.flash import FlashResult
from reelkit.deliver.legibility import PageContrast, measure_contrast, worst_reading_speed
from reelkit.plan.colours import MIN_CONTRAST
from reelkit.plan.model import CaptionPage, Plan
from reelkit.speech.coverage import covered_share, voiced_regions
from reelkit.speech.pcm import PcmFile, decode_voice_file

PAGE_REACH = 0.25
"""Seconds either side of a caption page counted as covered (speech runs into a page's edge)."""


def page_coverage(regions: Sequence[tuple[float, float]], pages: Sequence[CaptionPage]) -> float:
    """Share (0..1) of the seconds in ``regions`` that lie within reach of a caption page;
    1 when there is no speech."""
    return covered_share(regions, [(p.start - PAGE_REACH, p.end + PAGE_REACH) for p in pages])


def voiced_regions_of_plan(plan: Plan, voice: PcmFile | None = None) -> list[tuple[float, float]]:
    """Speech regions (output seconds) of the plan's voice track (``voice``: decoded at
    16 kHz already, else decoded here)."""
    if not any(plan.source(c.source).has_audio for c in plan.cuts):
        return []
    if voice is not None:
        return voiced_regions(voice)
    with tempfile.TemporaryDirectory(prefix="reelkit-statement-") as tmp:
        pcm = decode_voice_file(plan, Path(tmp) / "voice.f32")
        return voiced_regions(pcm)


def timing_counts(plan: Plan) -> dict[str, int]:
    """How many caption words were timed by each method (``forced``, ``onset``, ...)."""
    counts = Counter(w.timing or "unknown" for page in plan.pages for line in page.lines for w in line)
    return dict(sorted(counts.items()))


def build_statement(plan: Plan, *, regions: Sequence[tuple[float, float]],
                    contrast: Sequence[PageContrast], flashes: Mapping[str, FlashResult],
                    sidecar_languages: Sequence[str], audio_description: bool = False,
                    sign_language: bool = False) -> dict[str, Any]:
    """The statement as a JSON-ready dict (pure: the measurements are given)."""
    measured = [c.ratio for c in contrast if c.ratio is not None]
    cps = worst_reading_speed(plan.burned_pages() if plan.burn_captions else plan.pages)
    limit = (plan.burned_rules() if plan.burn_captions else plan.caption_rules).max_cps  # that language's
    flash_failures = [line for name in sorted(flashes) for line in
                      (f"{name}: {f}" for f in flashes[name].failures())]
    return {
        "caption_coverage_percent": round(100 * page_coverage(regions, plan.pages), 1),
        "caption_words": sum(len(line) for page in plan.pages for line in page.lines),
        "caption_timing": timing_counts(plan),
        "worst_reading_speed_cps": round(cps, 1),
        "reading_speed_limit_cps": limit,
        "reading_speed_passed": cps <= limit + 1e-6,
        "contrast_min": round(min(measured), 2) if measured else None,
        "contrast_required": MIN_CONTRAST,
        "contrast_passed": all(c.passed for c in contrast) if measured else None,
        "contrast_problems": [c.text() for c in contrast if not c.passed],
        "contrast_pages_measured": len(measured),
        "flash_passed": not flash_failures if flashes else None,
        "flash_failures": flash_failures,
        "audio_description": audio_description,
        "sign_language": sign_language,
        "sidecar_languages": list(dict.fromkeys(sidecar_languages)),
    }


def statement_rows(statement: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The statement as (label, value) rows, problems last (label ``problem``)."""
    def yes(v: object) -> str:
        return "n/a" if v is None else ("pass" if v else "FAIL")

    timing = ", ".join(f"{k} {v}" for k, v in (statement.get("caption_timing") or {}).items()) or "none"
    contrast = statement.get("contrast_min")
    rows = [
        ("captions (1.2.2)", f"{statement.get('caption_coverage_percent')} % of speech covered, "
                             f"{statement.get('caption_words', 0)} words ({timing})"),
        ("reading speed", f"worst {statement.get('worst_reading_speed_cps')} cps, limit "
                          f"{statement.get('reading_speed_limit_cps')} cps: {yes(statement.get('reading_speed_passed'))}"),
        ("caption contrast (1.4.3)", f"minimum {'n/a' if contrast is None else f'{contrast}:1'}, required "
                                     f"{statement.get('contrast_required')}:1: {yes(statement.get('contrast_passed'))}"),
        ("flashes (2.3.1)", yes(statement.get("flash_passed"))),
        ("audio description (1.2.5)", "yes" if statement.get("audio_description") else "no"),
        ("sign language (1.2.6)", "yes" if statement.get("sign_language") else "no"),
        ("caption files", ", ".join(statement.get("sidecar_languages") or []) or "none"),
    ]
    rows += [("problem", str(p)) for p in statement.get("contrast_problems") or []]
    rows += [("problem", str(p)) for p in statement.get("flash_failures") or []]
    return rows


def statement_lines(statement: Mapping[str, Any]) -> list[str]:
    """The statement as lines for a terminal (``reelkit check --accessibility``)."""
    return [f"  {value}" if label == "problem" else f"{label:<27}{value}"
            for label, value in statement_rows(statement)]




def episode_statement(plans: Sequence[Plan], files: Mapping[str, Path], flashes: Mapping[str, FlashResult],
                      sidecar_languages: Sequence[str], *, audio_description: bool = False,
                      sign_language: bool = False, contrast: Sequence[PageContrast] | None = None,
                      regions: Sequence[tuple[float, float]] | None = None) -> dict[str, Any]:
    """Measure and build the statement of one episode: caption contrast on the first file of
    each frame size, speech coverage of the first plan's voice. ``contrast`` and ``regions``:
    those measured already (:func:`reelkit.deliver.legibility.measure_contrast`,
    :func:`voiced_regions_of_plan`), so nothing is decoded again."""
    if contrast is None:
        contrast = []
        for plan in plans:
            video = next((files[o.platform] for o in plan.outputs if o.platform in files), None)
            if video is not None:
                contrast += measure_contrast(plan, Path(video))
    first = plans[0]
    if regions is None:
        regions = voiced_regions_of_plan(first)
    return build_statement(first, regions=regions, contrast=contrast, flashes=flashes,
                           sidecar_languages=sidecar_languages, audio_description=audio_description,
                           sign_language=sign_language)


__all__ = ["build_statement", "episode_statement", "page_coverage", "statement_lines", "statement_rows",
           "timing_counts",
           "voiced_regions_of_plan"]
