"""Preflight: every episode loaded, validated and its clips probed before the first render.

Problems come back one line each (file:line: key: what is wrong (what to do)); an episode
with problems is reported as failed and the others still render.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reelkit.batch.series import EpisodeSource, Series
from reelkit.brand import load_brand
from reelkit.errors import ReelkitError
from reelkit.io.probe import probe
from reelkit.io.yamlfile import Located
from reelkit.plan.outline import Outline, outline_from_doc
from reelkit.plan.platforms import get_platform, load_platforms


@dataclass
class Checked:
    """One episode after preflight: its outline when loadable, else the problems."""

    episode: EpisodeSource
    outline: Outline | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outline is not None and not self.problems

    @property
    def title(self) -> str:
        return self.outline.title if self.outline is not None else self.episode.title

    @property
    def duration(self) -> float:
        """Seconds of output the episode will have (segment lengths; cards not counted)."""
        if self.outline is None:
            return 0.0
        return sum(max(0.0, s.end - s.start) for s in self.outline.segments)


def _clip_problems(doc: Located, base: Path) -> list[str]:
    """One line per clip that is missing, unreadable or has no picture (all of them, not the first)."""
    problems = []
    for i, seg in enumerate(doc.data.get("segments", [])):
        key = f"segments.{i}.clip"
        clip = Path(seg["clip"])
        clip = clip if clip.is_absolute() else (base / clip).resolve()
        where = f"{doc.path}:{doc.line_of(key)}: {key}: "
        if not clip.exists():
            problems.append(f"{where}clip not found: {clip} (paths are relative to the outline file)")
            continue
        try:
            media = probe(clip)
        except ReelkitError as exc:
            problems.append(f"{where}{exc.one_line()}")
            continue
        if not media.has_video:
            problems.append(f"{where}clip has no video stream: {clip}")
    return problems


def _settings_problems(outline: Outline, brand: str | None, platforms: tuple[str, ...],
                       platforms_file: Path | None) -> list[str]:
    problems = []
    try:
        load_brand(outline.brand_ref(brand))
    except ReelkitError as exc:
        problems.append(f"{outline.path}: brand: {exc.one_line()}")
    try:
        presets = load_platforms(platforms_file)
        for name in platforms or outline.platforms:
            get_platform(name, presets)
    except ReelkitError as exc:
        problems.append(f"{outline.path}: platforms: {exc.one_line()}")
    return problems


def check_episode(episode: EpisodeSource, *, brand: str | None = None, platforms: tuple[str, ...] = (),
                  platforms_file: Path | None = None) -> Checked:
    """Load, validate and probe one episode; never raises for a problem of the episode."""
    checked = Checked(episode)
    if episode.error is not None:
        checked.problems.append(episode.error.one_line())
        return checked
    assert episode.doc is not None
    try:
        outline_from_doc(episode.doc, base=episode.base, check_media=False)  # schema first
    except ReelkitError as exc:
        checked.problems.append(exc.one_line())
        return checked
    checked.problems.extend(_clip_problems(episode.doc, episode.base))
    if checked.problems:
        return checked
    try:
        checked.outline = outline_from_doc(episode.doc, base=episode.base)  # times against clip lengths
    except ReelkitError as exc:
        checked.problems.append(exc.one_line())
        return checked
    checked.problems.extend(_settings_problems(checked.outline, brand, platforms, platforms_file))
    return checked


def preflight(series: Series, *, brand: str | None = None, platforms: tuple[str, ...] = (),
              platforms_file: Path | None = None) -> list[Checked]:
    """Check every episode of ``series``; two episodes with one title (one output folder) both fail."""
    checked = [check_episode(e, brand=brand, platforms=platforms, platforms_file=platforms_file)
               for e in series.episodes]
    seen: dict[str, Checked] = {}
    for c in checked:
        if c.outline is None:
            continue
        first = seen.setdefault(c.outline.slug, c)
        if first is not c:
            c.problems.append(f"{c.episode.label}: title: '{c.outline.title}' gives the same output folder "
                              f"'{c.outline.slug}' as episode {first.episode.index} (give each episode its own title)")
    return checked
