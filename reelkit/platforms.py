"""Platform delivery presets, as data: the shipped file plus an optional user file over it."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import InputError
from .plan import OutputSpec
from .yamlfile import load_yaml

DEFAULT_PLATFORMS = ("tiktok", "reels", "shorts", "snapchat")


@dataclass(frozen=True)
class SafeZone:
    """Pixels kept clear of platform UI on each edge, at the preset's frame size."""

    top: int
    bottom: int
    left: int
    right: int

    def box(self, width: int, height: int) -> tuple[int, int, int, int]:
        """The safe rectangle as (x0, y0, x1, y1)."""
        return (self.left, self.top, width - self.right, height - self.bottom)


@dataclass(frozen=True)
class Platform:
    """One delivery preset."""

    name: str
    label: str
    width: int
    height: int
    fps: float | str
    video_codec: str
    profile: str
    level: str
    pix_fmt: str
    video_bitrate: str
    maxrate: str
    bufsize: str
    gop_seconds: float
    bframes: int
    audio_codec: str
    audio_rate: int
    audio_channels: int
    audio_bitrate: str
    loudness_lufs: float
    true_peak_db: float
    min_duration: float | None
    max_duration: float | None
    duration_policy: str
    max_file_mb: float | None
    safe_zone: SafeZone
    burn_captions: bool
    sidecars: tuple[str, ...]

    def output_spec(self, path: str) -> OutputSpec:
        """The encode settings of this preset for a file at ``path``."""
        names = {f.name for f in fields(OutputSpec)} - {"platform", "path"}
        return OutputSpec(platform=self.name, path=path, **{n: getattr(self, n) for n in names})


def user_platforms_file() -> Path | None:
    """$REELKIT_PLATFORMS, else ~/.config/reelkit/platforms.yaml when it exists."""
    env = os.environ.get("REELKIT_PLATFORMS")
    if env:
        return Path(env)
    candidate = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "reelkit" / "platforms.yaml"
    return candidate if candidate.exists() else None


_FIELDS = {f.name for f in fields(Platform)} - {"name"}


def _build(name: str, merged: dict[str, Any], path: Path) -> Platform:
    unknown = set(merged) - _FIELDS
    if unknown:
        raise InputError(f"unknown field '{sorted(unknown)[0]}'", path=str(path), key=f"platforms.{name}",
                         hint=f"known fields: {', '.join(sorted(_FIELDS))}")
    missing = _FIELDS - set(merged) - {"label"}
    if missing:
        raise InputError(f"missing field '{sorted(missing)[0]}'", path=str(path), key=f"platforms.{name}")
    values = dict(merged)
    values.setdefault("label", name)
    zone = values["safe_zone"]
    try:
        values["safe_zone"] = SafeZone(**{k: int(zone[k]) for k in ("top", "bottom", "left", "right")})
    except (KeyError, TypeError, ValueError):
        raise InputError("safe_zone needs integer top, bottom, left and right", path=str(path),
                         key=f"platforms.{name}.safe_zone") from None
    values["sidecars"] = tuple(values["sidecars"] or ())
    return Platform(name=name, **values)


def load_platforms(user_file: Path | None = None) -> dict[str, Platform]:
    """All presets: the shipped ones, with ``user_file`` (or the user's config file) layered over."""
    shipped = resources.files("reelkit") / "data" / "platforms.yaml"
    with resources.as_file(shipped) as shipped_path:
        base = load_yaml(Path(shipped_path)).data
    defaults = dict(base["defaults"])
    raw: dict[str, dict[str, Any]] = {k: dict(v) for k, v in base["platforms"].items()}
    source_of: dict[str, Path] = {k: Path(str(shipped)) for k in raw}
    user_file = user_file or user_platforms_file()
    if user_file is not None:
        user = load_yaml(Path(user_file)).data
        defaults.update(user.get("defaults") or {})
        for name, over in (user.get("platforms") or {}).items():
            raw.setdefault(name, {}).update(over or {})
            source_of[name] = Path(user_file)
    return {name: _build(name, {**defaults, **values}, source_of[name]) for name, values in raw.items()}


def get_platform(name: str, platforms: dict[str, Platform] | None = None) -> Platform:
    """One preset by name, or an InputError listing the known names."""
    platforms = platforms if platforms is not None else load_platforms()
    try:
        return platforms[name]
    except KeyError:
        raise InputError(f"unknown platform '{name}'", key="platform",
                         hint=f"known: {', '.join(sorted(platforms))}") from None
