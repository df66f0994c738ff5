"""The episode outline a producer writes: loading, then the checks its schema cannot express
(clips exist and have video, times inside the clips, translations match the script).

The schema is ``reelkit/data/outline.schema.json``, checked by :mod:`reelkit.plan.validation`."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reelkit.errors import InputError, OutlineError
from reelkit.io.probe import MediaInfo, probe
from reelkit.io.yamlfile import Located, load_yaml
from reelkit.plan.edit import EditSettings
from reelkit.plan.frames import exact_rate
from reelkit.plan.timecode import parse_time
from reelkit.plan.validation import data_schema, validate


@dataclass(frozen=True)
class LowerThird:
    name: str
    role: str = ""


@dataclass(frozen=True)
class Segment:
    """One cut of a clip as the outline asks for it (source times in seconds)."""

    clip: Path
    start: float
    end: float
    reframe: str = "auto"
    focus: float = 0.5
    captions: bool = True
    lower_third: LowerThird | None = None
    media: MediaInfo | None = None
    line: int | None = None
    script_cut: bool = False
    """``cut: script``: the script decides the kept spans; ``start``/``end`` only bound the search."""


@dataclass(frozen=True)
class Callout:
    text: str
    at: float
    duration: float = 3.0


@dataclass(frozen=True)
class Describe:
    """An audio-description cue as the outline asks for it (``at``: output seconds)."""

    at: float
    text: str


@dataclass(frozen=True)
class SignLanguageClip:
    """``sign_language:``: an interpreter recorded against the finished edit."""

    clip: Path
    offset: float = 0.0
    key: str = ""  # "#RRGGBB" backdrop to key out, "" for none
    corner: str = "right"
    media: MediaInfo | None = None
    line: int | None = None


@dataclass(frozen=True)
class Outline:
    """A validated outline with its segments' media probed."""

    path: Path
    title: str
    segments: tuple[Segment, ...]
    brand: str = "default"
    platforms: tuple[str, ...] = ()
    language: str = "en"
    script: str | None = None
    hook: str | None = None
    cta: str | None = None
    description: str = ""
    hashtags: tuple[str, ...] = ()
    callouts: tuple[Callout, ...] = ()
    fps: float | str | None = None  # a number, "30000/1001", or "source" (the clips' own rate)
    edit: EditSettings = EditSettings()
    translations: tuple[tuple[str, Path], ...] = ()  # (language, translated script file)
    burn: str | None = None  # language of the burned captions (default: ``language``)
    clean: str | None = None  # ``audio.clean``: "voice", "none", or None (the brand decides)
    describe: tuple[Describe, ...] = ()  # audio-description cues (WCAG 1.2.5)
    sign_language: SignLanguageClip | None = None  # interpreter picture-in-picture (WCAG 1.2.6)
    audio_channels: str = "auto"  # audio.channels: auto | left | right | mix | stereo

    @property
    def slug(self) -> str:
        return slugify(self.title)

    def brand_ref(self, override: str | None = None) -> str:
        """The brand to load: ``override`` (``--brand``), else the outline's own; a path given in
        the outline is relative to the outline file, like its clips."""
        if override:
            return override
        candidate = self.path.parent / self.brand
        is_path = "/" in self.brand or self.brand.endswith(".yaml")
        return str(candidate) if is_path and candidate.exists() else self.brand


def outline_schema() -> dict[str, Any]:
    """The published JSON Schema of the outline format."""
    return data_schema("outline")


def slugify(text: str) -> str:
    """ASCII, lower-case, hyphen-separated name for folders ("Water mains: why?" -> "water-mains-why")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-zA-Z0-9]+", "-", ascii_text).strip("-").lower()
    return slug[:60].strip("-") or "episode"


def load_outline(path: str | Path, *, check_media: bool = True) -> Outline:
    """Load and validate an outline; probe each clip; raise OutlineError/MediaError naming file, line and key."""
    return outline_from_doc(load_yaml(Path(path), OutlineError), check_media=check_media)


def outline_from_doc(doc: Located, *, base: Path | None = None, check_media: bool = True) -> Outline:
    """An outline from loaded YAML (a file, or one inline in a series file); clip paths are
    relative to ``base`` (default: the folder of ``doc.path``)."""
    path = doc.path
    validate(doc, "outline", error=OutlineError)  # the schema first; media and cross-checks below
    data = doc.data
    base = base if base is not None else path.parent
    segments = []
    for index, raw in enumerate(data["segments"]):
        key = f"segments.{index}"
        clip = (base / raw["clip"]).resolve() if not Path(raw["clip"]).is_absolute() else Path(raw["clip"])
        start = parse_time(raw.get("start", 0))
        end = parse_time(raw["end"]) if "end" in raw else None
        media = None
        if check_media:
            if not clip.exists():
                raise OutlineError(f"clip not found: {clip}", path=str(path), line=doc.line_of(f"{key}.clip"),
                                   key=f"{key}.clip", hint="paths are relative to the outline file")
            media = probe(clip)
            if not media.has_video:
                raise OutlineError(f"clip has no video stream: {clip}", path=str(path),
                                   line=doc.line_of(f"{key}.clip"), key=f"{key}.clip")
            if end is None:
                end = media.duration
            if end > media.duration + 0.05:
                raise OutlineError(f"end {end:g}s is beyond the clip's duration {media.duration:.2f}s",
                                   path=str(path), line=doc.line_of(f"{key}.end"), key=f"{key}.end")
            end = min(end, media.duration)
        if end is not None and start >= end:
            which = "end" if "end" in raw else "start"
            raise OutlineError(f"start {start:g}s must be before end {end:g}s", path=str(path),
                               line=doc.line_of(f"{key}.{which}"), key=f"{key}.{which}")
        lower = raw.get("lower_third")
        segments.append(Segment(
            clip=clip, start=start, end=end if end is not None else start, reframe=raw.get("reframe", "auto"),
            focus=float(raw.get("focus", 0.5)), captions=bool(raw.get("captions", True)),
            lower_third=LowerThird(lower["name"], lower.get("role", "")) if lower else None,
            media=media, line=doc.line_of(key), script_cut=raw.get("cut") == "script"))
        if segments[-1].script_cut and not (data.get("script") or "").strip():
            raise OutlineError("a segment cut by the script needs the outline's 'script'", path=str(path),
                               line=doc.line_of(f"{key}.cut"), key=f"{key}.cut",
                               hint="add a script: block with the narration, or give start/end times")
    callouts = tuple(Callout(c["text"], parse_time(c["at"]), float(c.get("duration", 3.0)))
                     for c in data.get("callouts", []))
    total = sum(seg.end - seg.start for seg in segments)
    describe = _describe(doc, total if check_media else None)
    for index, callout in enumerate(callouts):
        if check_media and callout.at >= total:
            raise OutlineError(f"callout at {callout.at:g}s starts after the end of the episode ({total:.2f}s)",
                               path=str(path), line=doc.line_of(f"callouts.{index}.at"), key=f"callouts.{index}.at")
    translations = check_translations(path, doc, data)
    return Outline(
        path=path, title=data["title"], segments=tuple(segments), brand=data.get("brand", "default"),
        platforms=tuple(data.get("platforms", ())), language=data.get("language", "en"),
        script=data.get("script"), hook=data.get("hook"), cta=data.get("cta"),
        description=data.get("description", ""), hashtags=tuple(data.get("hashtags", ())),
        callouts=callouts, fps=_fps(doc, data.get("fps")), edit=EditSettings.from_mapping(data.get("edit")),
        translations=translations, burn=data.get("burn"), describe=describe, clean=(data.get("audio") or {}).get("clean"),
        audio_channels=(data.get("audio") or {}).get("channels", "auto"),
        sign_language=_sign_language(doc, base, check_media))


def _describe(doc: Located, total: float | None) -> tuple[Describe, ...]:
    """The ``describe:`` cues; one starting after the episode's end (``total``) is refused."""
    cues = tuple(Describe(parse_time(d["at"]), d["text"].strip()) for d in doc.data.get("describe", []))
    for index, cue in enumerate(cues):
        if total is not None and cue.at >= total:
            raise OutlineError(f"description cue at {cue.at:g}s starts after the end of the episode ({total:.2f}s)",
                               path=str(doc.path), line=doc.line_of(f"describe.{index}.at"), key=f"describe.{index}.at")
    return cues


def _sign_language(doc: Located, base: Path, check_media: bool) -> SignLanguageClip | None:
    """The ``sign_language:`` block, its clip probed (a video stream is required)."""
    raw = doc.data.get("sign_language")
    if raw is None:
        return None
    clip = Path(raw["clip"]) if Path(raw["clip"]).is_absolute() else (base / raw["clip"]).resolve()
    media = None
    if check_media:
        where = dict(path=str(doc.path), line=doc.line_of("sign_language.clip"), key="sign_language.clip")
        if not clip.exists():
            raise OutlineError(f"interpreter clip not found: {clip}", **where, hint="paths are relative to the outline file")
        media = probe(clip)
        if not media.has_video:
            raise OutlineError(f"interpreter clip has no video stream: {clip}", **where)
    key = raw.get("key") or ""
    return SignLanguageClip(clip=clip, offset=parse_time(raw.get("offset", 0)), key=key.upper(),
                            corner=raw.get("corner", "right"), media=media, line=doc.line_of("sign_language"))


def _fps(doc: Located, value: Any) -> float | str | None:
    """The outline's ``fps``: a number, ``"source"``, or a rational rate such as ``"30000/1001"``."""
    if not isinstance(value, str) or value == "source":
        return value

    try:
        rate = exact_rate(value)
    except ValueError as exc:
        raise OutlineError(str(exc), path=str(doc.path), line=doc.line_of("fps"), key="fps") from None
    if rate > 120:
        raise OutlineError(f"frame rate {value} is above 120", path=str(doc.path), line=doc.line_of("fps"), key="fps")
    return value


def outline_for_clips(clips: list[Path], script: str | None = None) -> Outline:
    """A default outline for media files given alone: each whole clip, default brand, all platforms.

    With ``script`` every clip is cut by the script (``cut: script``): the lines are found
    across the clips and come out in script order.
    """
    segments = []
    for clip in clips:
        media = probe(clip)
        if not media.has_video:
            raise OutlineError("has no video stream", path=str(clip), hint="give a video clip or an outline")
        segments.append(Segment(clip=clip.resolve(), start=0.0, end=media.duration, media=media,
                                script_cut=script is not None))
    title = clips[0].stem
    return Outline(path=clips[0], title=title, segments=tuple(segments), script=script)


# --- translated scripts (timed into captions by reelkit.captions.translations) -----------------

MAX_TRANSLATION_BYTES = 1_000_000
"""Largest translated script read (a narration is a few kilobytes)."""


def script_lines(text: str) -> list[str]:
    """The non-blank lines of a script, stripped."""
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


def check_translations(outline_path: Path, doc: Any, data: dict[str, Any]) -> tuple[tuple[str, Path], ...]:
    """Validate an outline's ``translations`` and ``burn``: files exist, are UTF-8 text and
    have as many lines as the script. Returns (language, resolved path) pairs."""
    raw = data.get("translations") or {}
    burn = data.get("burn")
    language = data.get("language", "en")
    if burn and burn != language and burn not in raw:
        raise OutlineError(f"burn: '{burn}' is neither the outline language '{language}' nor a translation",
                           path=str(outline_path), line=doc.line_of("burn"), key="burn",
                           hint="add it under translations, or remove burn")
    if not raw:
        return ()
    script = data.get("script")
    if not script or not script.strip():
        raise OutlineError("translations need a script to time them by", path=str(outline_path),
                           line=doc.line_of("translations"), key="translations",
                           hint="add the narration as script")
    n_script = len(script_lines(script))
    out: list[tuple[str, Path]] = []
    for lang, name in raw.items():
        key = f"translations.{lang}"
        file = Path(name) if Path(name).is_absolute() else (outline_path.parent / name)
        text = read_translation(file, outline_path, doc.line_of(key), key)
        n = len(script_lines(text))
        if n != n_script:
            raise OutlineError(f"{file.name} has {n} lines but the script in {outline_path.name} has "
                               f"{n_script}", path=str(file), line=doc.line_of(key), key=key,
                               hint="give one translated line per script line")
        out.append((lang, file.resolve()))
    return tuple(out)


def read_translation(file: Path, outline_path: Path, line: int | None, key: str) -> str:
    """A translated script's text; OutlineError naming the file when unreadable or too big."""
    try:
        size = file.stat().st_size
        if size > MAX_TRANSLATION_BYTES:
            raise OutlineError(f"translation file is {size} bytes (max {MAX_TRANSLATION_BYTES})",
                               path=str(file), key=key)
        return file.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise OutlineError(f"translation file not found: {file}", path=str(outline_path), line=line, key=key,
                           hint="paths are relative to the outline file") from None
    except UnicodeDecodeError:
        raise OutlineError("translation file is not UTF-8 text", path=str(file), key=key,
                           hint="save it as UTF-8") from None
    except OSError as exc:
        raise OutlineError(f"cannot read translation file: {exc.strerror or exc}", path=str(file),
                           key=key) from None
