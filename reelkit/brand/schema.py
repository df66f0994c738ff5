"""The ``brand.yaml`` schema, as dataclasses: the :class:`Brand` and its sections.

Each settable field carries its kind, default and allowed values in ``metadata``, so the
checker (:mod:`.preset`), the defaults, the scaffold written by ``reelkit brand new``
(:mod:`.scaffold`) and the built :class:`Brand` cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass
from pathlib import Path
from typing import Any

from reelkit.speech.languages import SUPPORTED as CAPTION_LANGUAGES

PALETTE_NAMES = ("primary", "accent", "text", "background")
CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")
ANCHORS = ("safe", "frame")
#: Named vertical positions: the centre of the element as a fraction of the safe box height.
POSITIONS = {"top": 0.12, "upper": 0.25, "middle": 0.5, "lower": 0.74, "bottom": 0.88}
CAPTION_STYLES = ("classic", "karaoke", "pop", "boxed")
ANIMATIONS = ("fade", "slide")
DEFAULT_SAMPLE_TEXT = ("Ärger über Öl, façade, naïve, São Tomé, Łódź, Žižkov, Ærø, Åland, "
                       "œuvre, Straße, Dún Laoghaire, Eskişehir - 1,5 % € «ok»")
MAX_EXTENDS_DEPTH = 8


def _opt(kind: str, default: Any, *, choices: tuple[str, ...] = (), lo: float | None = None,
         hi: float | None = None, doc: str = "", nullable: bool = False) -> Any:
    """A settable preset field: ``kind`` drives checking and conversion; a ``nullable`` one
    also takes null, meaning "not set here" (an inherited value is unset too)."""
    return field(default=default, metadata={"kind": kind, "choices": choices, "lo": lo, "hi": hi,
                                            "doc": doc, "nullable": nullable})


def _section(cls: type, doc: str = "") -> Any:
    """A nested mapping of settable fields described by dataclass ``cls``."""
    return field(default_factory=cls, metadata={"section": cls, "doc": doc})


# --- the schema, as dataclasses -----------------------------------------------------------

@dataclass(frozen=True)
class Colours:
    """The palette; other colour fields may name one of these instead of a hex value."""

    primary: str = _opt("hex", "#2D3748", doc="brand colour: plates, cards")
    accent: str = _opt("hex", "#FFD400", doc="highlights, progress bar")
    text: str = _opt("hex", "#FFFFFF", doc="text on primary/background")
    background: str = _opt("hex", "#1A202C", doc="neutral dark background")


@dataclass(frozen=True)
class Fonts:
    """Bundled font files (paths relative to the brand.yaml that names them)."""

    title: str | None = _opt("file", None, doc="hook, end card, lower-third name, callouts")
    caption: str | None = _opt("file", None, doc="burned captions")
    body: str | None = _opt("file", None, doc="lower-third role, handle, watermark (default: caption)")


@dataclass(frozen=True)
class LogoSpec:
    """The logo drawn over the whole video."""

    file: str | None = _opt("file", None, doc="PNG with transparency; null for no logo")
    corner: str = _opt("choice", "top-left", choices=CORNERS)
    anchor: str = _opt("choice", "safe", choices=ANCHORS,
                       doc="safe: margin from the platform safe box; frame: from the frame edge")
    margin: int = _opt("int", 24, lo=0, hi=600, doc="px")
    scale: float = _opt("number", 0.14, lo=0.02, hi=0.6, doc="logo width as a fraction of frame width")
    opacity: float = _opt("number", 0.9, lo=0.0, hi=1.0)


@dataclass(frozen=True)
class CaptionRulesSpec:
    """How words are grouped into caption pages (-> plan.CaptionRules)."""

    max_chars_per_line: int | None = _opt("int", None, lo=8, hi=60, nullable=True,
                                          doc="every language; null: each language's shipped figure")
    max_lines: int = _opt("int", 2, lo=1, hi=4)
    max_cps: float | None = _opt("number", None, lo=5, hi=40, nullable=True,
                                 doc="reading speed, characters per second, every language; null: each language's shipped figure")
    min_duration: float = _opt("number", 0.83, lo=0.1, hi=10, doc="seconds")
    max_duration: float = _opt("number", 7.0, lo=0.5, hi=30, doc="seconds")
    pause_break: float = _opt("number", 0.5, lo=0.0, hi=5, doc="a pause this long starts a new page")
    min_gap_frames: int = _opt("int", 2, lo=0, hi=30)


@dataclass(frozen=True)
class ReadingLimitsSpec:
    """One language's reading limits; null: the brand's general rule, else the shipped figure."""

    max_chars_per_line: int | None = _opt("int", None, lo=8, hi=60, nullable=True,
                                          doc="null: captions.rules, else the shipped figure")
    max_cps: float | None = _opt("number", None, lo=5, hi=40, nullable=True, doc="characters per second")


# One section per caption language reelkit supports, so an unknown code is refused like any
# unknown key (file, line, key and the known codes).
CaptionLanguagesSpec = make_dataclass(
    "CaptionLanguagesSpec", [(lang, ReadingLimitsSpec, _section(ReadingLimitsSpec)) for lang in CAPTION_LANGUAGES],
    frozen=True, namespace={"__doc__": "Reading limits per caption language (see brand/README.md for the order)."})


@dataclass(frozen=True)
class CaptionSpec:
    """Burned captions."""

    style: str = _opt("choice", "classic", choices=CAPTION_STYLES)
    size: int = _opt("int", 60, lo=16, hi=200, doc="font size in px at 1080x1920")
    text_colour: str = _opt("colour", "text")
    accent_colour: str = _opt("colour", "accent", doc="spoken word: its colour (karaoke), its box (boxed)")
    outline_colour: str = _opt("colour", "#000000")
    outline: float = _opt("number", 4.0, lo=0, hi=20, doc="px")
    shadow: float = _opt("number", 1.0, lo=0, hi=20, doc="px")
    uppercase: bool = _opt("bool", False)
    position: str | int = _opt("position", "lower",
                               doc="top|upper|middle|lower|bottom (inside the safe box) or px of the block centre")
    margin: int = _opt("int", 16, lo=0, hi=400, doc="extra px kept free inside the safe box, left and right")
    box_colour: str = _opt("colour", "#000000", doc="page box behind the text (style classic)")
    box_opacity: float = _opt("number", 0.0, lo=0.0, hi=1.0)
    rules: CaptionRulesSpec = _section(CaptionRulesSpec)
    languages: Any = _section(CaptionLanguagesSpec)  # a CaptionLanguagesSpec


@dataclass(frozen=True)
class LowerThirdSpec:
    """Name/role plates shown at the outline's lower-third cues."""

    enabled: bool = _opt("bool", True)
    layout: str = _opt("choice", "bar", choices=("bar", "card", "underline"))
    background: str = _opt("colour", "primary")
    background_opacity: float = _opt("number", 0.92, lo=0.0, hi=1.0)
    name_colour: str = _opt("colour", "text")
    role_colour: str = _opt("colour", "accent")
    size: int = _opt("int", 50, lo=16, hi=160, doc="name size in px; the role is 0.65 of it")
    position: str | int = _opt("position", "bottom")
    anchor: str = _opt("choice", "safe", choices=ANCHORS)
    margin: int = _opt("int", 24, lo=0, hi=600)
    animation_in: str = _opt("choice", "slide", choices=ANIMATIONS)
    animation_out: str = _opt("choice", "fade", choices=ANIMATIONS)
    animation_duration: float = _opt("number", 0.35, lo=0.0, hi=3.0, doc="seconds")


@dataclass(frozen=True)
class HookSpec:
    """The outline's ``hook`` over the first seconds."""

    enabled: bool = _opt("bool", True)
    mode: str = _opt("choice", "over_footage", choices=("over_footage", "brand_colour"))
    duration: float = _opt("number", 2.5, lo=0.5, hi=15, doc="seconds")
    size: int = _opt("int", 64, lo=20, hi=200)
    text_colour: str = _opt("colour", "text")
    background: str = _opt("colour", "primary", doc="band (over_footage) or whole frame (brand_colour)")
    background_opacity: float = _opt("number", 0.85, lo=0.0, hi=1.0, doc="band opacity (over_footage)")
    uppercase: bool = _opt("bool", False)
    position: str | int = _opt("position", "middle", doc="band position (over_footage)")


@dataclass(frozen=True)
class EndCardSpec:
    """The outline's ``cta`` plus the handle, full frame over the last seconds."""

    enabled: bool = _opt("bool", True)
    duration: float = _opt("number", 2.5, lo=0.5, hi=15, doc="seconds")
    background: str = _opt("colour", "primary")
    text_colour: str = _opt("colour", "text")
    handle_colour: str = _opt("colour", "accent")
    size: int = _opt("int", 80, lo=20, hi=200)
    fade: float = _opt("number", 0.4, lo=0.0, hi=3.0, doc="fade-in seconds")


@dataclass(frozen=True)
class ProgressSpec:
    """A bar that grows from left to right over the video."""

    enabled: bool = _opt("bool", True)
    colour: str = _opt("colour", "accent")
    opacity: float = _opt("number", 1.0, lo=0.0, hi=1.0)
    thickness: int = _opt("int", 10, lo=2, hi=80, doc="px")
    edge: str = _opt("choice", "bottom", choices=("top", "bottom"))
    anchor: str = _opt("choice", "safe", choices=ANCHORS,
                       doc="safe: at the safe box edge; frame: at the frame edge (under platform UI)")


@dataclass(frozen=True)
class MusicSpec:
    """Background music bed, looped under the voice and ducked where speech is."""

    enabled: bool = _opt("bool", True)
    file: str | None = _opt("file", None, doc="audio file; null for none")
    level_db: float = _opt("number", -20.0, lo=-60, hi=0)
    duck_db: float = _opt("number", -10.0, lo=-40, hi=0, doc="extra gain while speech plays")
    fade_in: float = _opt("number", 1.0, lo=0, hi=10)
    fade_out: float = _opt("number", 1.5, lo=0, hi=10)


@dataclass(frozen=True)
class AudioSpec:
    """What is done to the clips' sound (an outline's ``audio:`` wins over this)."""

    clean: str = _opt("choice", "none", choices=("none", "voice"),
                      doc="voice: remove background noise from the voice (offline model); none: as recorded")


@dataclass(frozen=True)
class AudioDescriptionSpec:
    """Audio description (outline `describe:`): how the programme makes room for the cues."""

    duck_db: float = _opt("number", -12.0, lo=-40, hi=0, doc="gain of the programme while a description cue plays")


@dataclass(frozen=True)
class WatermarkSpec:
    """Faint text over the whole video (empty text: none)."""

    text: str = _opt("text", "")
    corner: str = _opt("choice", "top-right", choices=CORNERS)
    anchor: str = _opt("choice", "safe", choices=ANCHORS)
    margin: int = _opt("int", 24, lo=0, hi=600)
    size: int = _opt("int", 28, lo=10, hi=120)
    colour: str = _opt("colour", "text")
    opacity: float = _opt("number", 0.5, lo=0.0, hi=1.0)


@dataclass(frozen=True)
class CalloutSpec:
    """Short emphasis boxes at the outline's callout cues."""

    enabled: bool = _opt("bool", True)
    background: str = _opt("colour", "accent")
    background_opacity: float = _opt("number", 0.95, lo=0.0, hi=1.0)
    text_colour: str = _opt("colour", "#111111")
    size: int = _opt("int", 54, lo=16, hi=160)
    position: str | int = _opt("position", "upper")
    fade: float = _opt("number", 0.2, lo=0.0, hi=2.0)


@dataclass(frozen=True)
class Brand:
    """A resolved preset: every colour is ``#RRGGBB``, every asset path absolute."""

    name: str = field(default="", metadata={"internal": True})
    path: str = field(default="", metadata={"internal": True})  # the brand.yaml read
    extends: str | None = field(default=None, metadata={"internal": True})
    label: str = _opt("text", "", doc="human name shown by `reelkit brand list`")
    handle: str = _opt("text", "", doc="account handle shown on the end card, e.g. @cityofexample")
    sample_text: str = _opt("text", DEFAULT_SAMPLE_TEXT,
                            doc="text whose characters the fonts must cover (validate)")
    colours: Colours = _section(Colours)
    fonts: Fonts = _section(Fonts)
    logo: LogoSpec = _section(LogoSpec)
    captions: CaptionSpec = _section(CaptionSpec)
    lower_third: LowerThirdSpec = _section(LowerThirdSpec)
    hook: HookSpec = _section(HookSpec)
    end_card: EndCardSpec = _section(EndCardSpec)
    progress_bar: ProgressSpec = _section(ProgressSpec)
    music: MusicSpec = _section(MusicSpec)
    audio: AudioSpec = _section(AudioSpec)
    audio_description: AudioDescriptionSpec = _section(AudioDescriptionSpec)
    watermark: WatermarkSpec = _section(WatermarkSpec)
    callouts: CalloutSpec = _section(CalloutSpec)
    # key path -> (file, line) of the value in force; for messages, not for equality.
    origins: tuple[tuple[str, str, int], ...] = field(default=(), compare=False, repr=False,
                                                      metadata={"internal": True})
    files: tuple[str, ...] = field(default=(), compare=False, repr=False,
                                   metadata={"internal": True})  # the extends chain, child first

    def where(self, key: str) -> tuple[str, int | None]:
        """(file, line) that set ``key`` or its nearest parent; the preset file if none did."""
        table = {k: (f, ln) for k, f, ln in self.origins}
        probe = key
        while probe:
            if probe in table:
                return table[probe]
            probe = probe.rpartition(".")[0]
        return (self.path, None)

    @property
    def body_font(self) -> str:
        """The font for small text: ``fonts.body``, else the caption font."""
        return self.fonts.body or self.fonts.caption or ""

    @property
    def directory(self) -> Path:
        return Path(self.path).parent


@dataclass(frozen=True)
class BrandInfo:
    """One preset found on the search path."""

    name: str
    path: Path
    extends: str | None
