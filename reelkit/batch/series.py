"""The series file: one title, settings shared by every episode, and the episodes.

``series.yaml``::

    title: Harbour works
    brand: civic              # any outline key except title/segments is a shared setting
    platforms: [tiktok, reels]
    episodes:
      - ep01/outline.yaml     # a path, relative to the series file
      - title: Road closures  # or an inline outline (clip paths relative to the series file)
        segments: [{clip: clips/road.mp4}]

An episode's own value wins over the shared one; for a mapping value (such as ``edit:``) the
keys merge one level deep, the episode's keys winning. Errors name file:line: key like
outline errors do. Only YAML data is read (safe loader, bounded by the schema); nothing runs.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from reelkit.errors import OutlineError, ReelkitError
from reelkit.io.yamlfile import Located, load_yaml
from reelkit.plan.validation import data_schema, validate

SERIES_ONLY_KEYS = ("title", "episodes")
EPISODE_ONLY_KEYS = ("title", "segments")


class SeriesError(OutlineError):
    """The series file is malformed."""


@dataclass(frozen=True)
class EpisodeSource:
    """One episode as the batch was given it, with the shared settings merged in.

    ``doc`` is the merged outline document (its ``path`` and line numbers are where the
    episode is written: its own file or the series file); ``error`` is set instead when the
    episode's file could not be read at all.
    """

    index: int
    label: str
    base: Path
    doc: Located | None = None
    error: ReelkitError | None = None
    inline: bool = False
    shared: bool = False

    @property
    def title(self) -> str:
        if self.doc is not None and isinstance(self.doc.data.get("title"), str):
            return self.doc.data["title"]
        return self.label

    @property
    def needs_merged_file(self) -> bool:
        """Inline episodes and episodes with shared settings render from a merged copy."""
        return self.inline or self.shared


@dataclass(frozen=True)
class Series:
    """What one ``reelkit batch`` renders."""

    title: str
    path: Path | None
    episodes: tuple[EpisodeSource, ...]


@cache
def series_schema() -> dict[str, Any]:
    """The published JSON Schema of the series file, completed with every outline key.

    Outline keys added later (e.g. ``edit``) are shared settings too without editing this
    file: each missing one refers to the outline schema's own definition.
    """
    schema = copy.deepcopy(data_schema("series"))
    for key in data_schema("outline")["properties"]:
        if key not in EPISODE_ONLY_KEYS:
            schema["properties"].setdefault(key, {"$ref": f"outline.schema.json#/properties/{key}"})
    return schema


def is_series_file(path: Path) -> bool:
    """Whether ``path`` is a series file (a YAML mapping with an ``episodes`` key)."""
    try:
        doc = load_yaml(Path(path), SeriesError)
    except ReelkitError:
        return False
    return "episodes" in doc.data


def _path_like(value: str) -> bool:
    return "/" in value or value.endswith((".yaml", ".yml"))


def _shared_settings(doc: Located) -> dict[str, Any]:
    """Shared keys, with a brand given as a path made absolute (it is relative to the series file)."""
    shared = {k: copy.deepcopy(v) for k, v in doc.data.items() if k not in SERIES_ONLY_KEYS}
    brand = shared.get("brand")
    if isinstance(brand, str) and _path_like(brand) and (doc.path.parent / brand).exists():
        shared["brand"] = str((doc.path.parent / brand).resolve())
    return shared


def merge_settings(shared: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """``own`` over ``shared``; mappings merge one level deep (the episode's keys win)."""
    merged = copy.deepcopy(shared)
    for key, value in own.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def _sub_lines(lines: dict[str, int], prefix: str) -> dict[str, int]:
    return {k[len(prefix):]: v for k, v in lines.items() if k.startswith(prefix)}


def load_series(path: Path) -> Series:
    """Read and check a series file; episodes whose own file cannot be read carry the error.

    Raises SeriesError (file:line: key: problem) when the series file itself is wrong.
    """
    path = Path(path)
    doc = load_yaml(path, SeriesError)
    validate(doc, series_schema(), error=SeriesError)
    shared = _shared_settings(doc)
    episodes = []
    for i, item in enumerate(doc.data["episodes"]):
        index = i + 1
        if isinstance(item, str):
            file = (path.parent / item) if not Path(item).is_absolute() else Path(item)
            label = str(file)
            try:
                own = load_yaml(file, OutlineError)
            except ReelkitError as exc:
                line = doc.line_of(f"episodes.{i}")
                if "not found" in str(exc):
                    exc = SeriesError(f"episode file not found: {file}", path=str(path), line=line,
                                      key=f"episodes.{i}", hint="episode paths are relative to the series file")
                episodes.append(EpisodeSource(index, label, file.parent, error=exc))
                continue
            merged = Located(merge_settings(shared, own.data), own.lines, own.path)
            episodes.append(EpisodeSource(index, label, file.parent, merged, shared=bool(shared)))
        else:
            lines = _sub_lines(doc.lines, f"episodes.{i}.")
            merged = Located(merge_settings(shared, item), lines, path)
            label = f"{path}:{doc.line_of(f'episodes.{i}')} (episode {index})"
            episodes.append(EpisodeSource(index, label, path.parent, merged, inline=True, shared=bool(shared)))
    return Series(title=doc.data["title"], path=path, episodes=tuple(episodes))


def series_from_outlines(paths: list[Path]) -> Series:
    """A batch given as plain outline files (no shared settings; each renders from its own file)."""
    episodes = []
    for i, file in enumerate(paths):
        file = Path(file)
        try:
            doc = load_yaml(file, OutlineError)
        except ReelkitError as exc:
            episodes.append(EpisodeSource(i + 1, str(file), file.parent, error=exc))
            continue
        episodes.append(EpisodeSource(i + 1, str(file), file.parent, doc))
    return Series(title="reelkit batch", path=None, episodes=tuple(episodes))


def load_batch_inputs(paths: list[Path]) -> Series:
    """One series file, or any number of outline files."""
    if len(paths) == 1 and is_series_file(paths[0]):
        return load_series(paths[0])
    for p in paths:
        if is_series_file(p):
            raise SeriesError("a series file must be given alone", path=str(p),
                              hint="run one batch per series, or list its episodes in one series file")
    return series_from_outlines(list(paths))


def merged_outline_data(episode: EpisodeSource) -> dict[str, Any]:
    """The episode's outline with every clip (and a brand given as a path) made absolute, so
    the copy can live anywhere (the batch writes it under OUT/.reelkit-series/)."""
    assert episode.doc is not None
    data = copy.deepcopy(episode.doc.data)
    for seg in data.get("segments", []):
        if isinstance(seg, dict) and isinstance(seg.get("clip"), str) and not Path(seg["clip"]).is_absolute():
            seg["clip"] = str((episode.base / seg["clip"]).resolve())
    brand = data.get("brand")
    if isinstance(brand, str) and _path_like(brand) and not Path(brand).is_absolute() \
            and (episode.base / brand).exists():
        data["brand"] = str((episode.base / brand).resolve())
    return data
