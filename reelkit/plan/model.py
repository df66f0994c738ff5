"""The plan: the resolved edit, the contract between deciding and rendering.

Everything a renderer needs is here, resolved: sources with their probed facts, cuts on the
output timeline with their crop, caption words and pages with output-timeline times, the
caption look, drawn overlays (PNG files) with positions and times, music, and one
:class:`OutputSpec` per platform file. Frozen dataclasses, written to ``plan.json`` with a
schema version and read back equal by :mod:`reelkit.plan.planfile`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from reelkit.plan.frames import exact_rate, frame_seconds, rate_text, to_frames

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Word:
    """One caption word on the output timeline (seconds)."""

    text: str
    start: float
    end: float
    timing: str = ""
    """How the start was found: ``forced`` (acoustic alignment of the script), ``onset``
    (recogniser time snapped onto the speech), ``whisper`` (recogniser time), ``estimate``
    (spread over the speech), ``interpolated`` (a known word the aligner could not place, timed
    between its placed neighbours), ``spread`` (a cue's span shared by characters); "" unknown."""


@dataclass(frozen=True)
class CaptionPage:
    """Words shown together; ``lines`` holds one tuple of words per screen line."""

    start: float
    end: float
    lines: tuple[tuple[Word, ...], ...]

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for line in self.lines for w in line)

    @property
    def text(self) -> str:
        """The page as plain text, lines joined by newlines."""
        return "\n".join(" ".join(w.text for w in line) for line in self.lines)


@dataclass(frozen=True)
class CaptionRules:
    """Grouping rules for caption pages (defaults follow docs/platform-specs.md)."""

    max_chars_per_line: int = 32
    max_lines: int = 2
    max_cps: float = 17.0
    min_duration: float = 0.83
    max_duration: float = 7.0
    pause_break: float = 0.5
    min_gap_frames: int = 2
    language: str = "en"  # whose line-break rules apply (its articles, prepositions...)


@dataclass(frozen=True)
class TranslatedCaptions:
    """Captions in another language: each translated script line over its source line's span."""

    language: str
    source: str  # the translated script file
    pages: tuple[CaptionPage, ...] = ()
    # The reading rules its pages were made by (that language's limits); None in older plans,
    # whose translations were paged by the plan's caption_rules.
    rules: CaptionRules | None = None


@dataclass(frozen=True)
class CaptionStyle:
    """How burned captions look; pixel figures are for the plan's frame size."""

    style: str = "classic"  # classic | karaoke | pop | boxed
    font_file: str = ""  # absolute path of the bundled font file
    font_family: str = ""  # family name inside that font (what libass matches on)
    font_size: int = 64
    bold: bool = True
    text_colour: str = "#FFFFFF"
    accent_colour: str = "#FFD400"
    box_colour: str = "#000000"
    box_opacity: float = 0.6
    outline_colour: str = "#000000"
    outline: float = 3.0
    shadow: float = 0.0
    uppercase: bool = False
    position_y: int = 1150  # vertical centre of the caption block, px from the top
    margin_x: int = 110  # px kept free left and right
    emoji_font: str = ""  # colour emoji font file, drawn by Pillow


@dataclass(frozen=True)
class Source:
    """A probed input clip. ``width``/``height`` are as displayed (rotation applied)."""

    id: str
    path: str
    duration: float
    width: int
    height: int
    rotation: int
    fps: float
    has_video: bool
    has_audio: bool
    audio_rate: int
    video_start: float = 0.0
    """Seconds from the file's start (ffmpeg's seek origin) to its first video frame; the
    cut's frames and its audio are both taken from this origin plus the cut's start."""
    hdr: str = ""
    """The picture's HDR transfer: ``hlg`` or ``pq`` (HDR10; Dolby Vision by its base layer),
    "" for SDR. HDR sources are tone-mapped to SDR BT.709 in the render."""
    channels: str = ""
    """How the voice reaches both output channels (reelkit.speech.channels.CHOICES): ``left``
    or ``right`` (that channel to both sides), ``mix``, ``mix_inverted`` (the right channel's
    polarity flipped before averaging), ``stereo`` or "" (as recorded; more than two channels
    downmixed by their layout)."""
    channels_reason: str = ""
    """Why: the analysis's finding, or "outline" when ``audio.channels`` chose it."""
    clipped: tuple[tuple[float, float], ...] = ()
    """Source-time spans (seconds) where the audio is clipped (runs of full-scale samples)."""


@dataclass(frozen=True)
class Crop:
    """A source region in displayed source pixels."""

    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class CropKey:
    """Where a moving crop is at output time ``t`` (seconds on the plan's timeline).

    The crop keeps its cut's ``crop.w`` x ``crop.h``; between keys ``x`` and ``y`` (displayed
    source pixels, top-left corner) move linearly, before the first key and after the last
    they hold. A jump at a shot change is two keys one output frame apart.
    """

    t: float
    x: int
    y: int


@dataclass(frozen=True)
class Cut:
    """One segment: ``[src_start, src_end)`` of a source placed at ``[out_start, out_end)``."""

    source: str
    src_start: float
    src_end: float
    out_start: float
    out_end: float
    reframe: str  # crop | fit
    crop: Crop
    captions: bool = True
    # Exact positions in frames of the plan's rate (see reelkit.plan.frames): the seconds
    # above are derived from these. None in plans written before they existed.
    src_start_frame: int | None = None
    src_end_frame: int | None = None
    out_start_frame: int | None = None
    out_end_frame: int | None = None
    # Subject tracking (issue 10): empty = the static ``crop`` above, as before tracking.
    crop_path: tuple[CropKey, ...] = ()

    @property
    def duration(self) -> float:
        return self.out_end - self.out_start

    @property
    def frames(self) -> int | None:
        """The cut's length in frames (None for a plan without frame fields)."""
        if self.src_start_frame is None or self.src_end_frame is None:
            return None
        return self.src_end_frame - self.src_start_frame


@dataclass(frozen=True)
class Overlay:
    """A drawn PNG placed at (x, y) from ``start`` to ``end`` on the output timeline.

    ``motion`` is ``static``; ``slide`` (moves in from the left frame edge during ``fade_in``,
    fading as it comes); or ``progress`` (the image slides in from the left so that the visible
    part grows linearly over the whole video: a progress bar). ``motion_out`` is ``static`` or
    ``slide`` (moves out to the left frame edge during ``fade_out``, fading as it goes).
    """

    kind: str  # logo | lower_third | hook | end_card | progress | callout | watermark | emoji
    image: str
    x: int
    y: int
    start: float
    end: float
    fade_in: float = 0.0
    fade_out: float = 0.0
    motion: str = "static"
    motion_out: str = "static"


@dataclass(frozen=True)
class LayoutBox:
    """Where one element sits on the output frame from ``start`` to ``end`` (seconds).

    ``kind`` is an overlay kind, ``caption`` (a caption page's block) or ``face`` (the
    tracked subject's face as the crop shows it); ``x0, y0`` inclusive, ``x1, y1`` exclusive,
    in output pixels. Recorded so overlap can be checked without decoding video.
    """

    kind: str
    x0: int
    y0: int
    x1: int
    y1: int
    start: float
    end: float


@dataclass(frozen=True)
class MusicBed:
    """Background music mixed under the voice, ducked where speech is."""

    path: str
    level_db: float = -18.0
    duck_db: float = -10.0
    fade_in: float = 1.0
    fade_out: float = 1.5


@dataclass(frozen=True)
class VoiceCleanup:
    """Background noise removed from the voice before the mix (``audio: {clean: voice}``,
    a brand's ``audio.clean``, or ``--clean``); the render cleans the joined voice once (cached)
    and plays that in place of the source audio."""

    model: str = "deepfilternet3"
    atten_limit_db: float = 12.0
    """The most the model may lower the noise (dB): more strips a clean room's own tone too."""
    origin: str = ""
    """Who asked for it: ``outline``, ``brand`` or ``--clean``."""


@dataclass(frozen=True)
class OutputSpec:
    """One platform file and the encode settings its preset asks for."""

    platform: str
    path: str
    video_codec: str = "libx264"
    profile: str = "high"
    level: str = "4.1"
    pix_fmt: str = "yuv420p"
    crf: float = 23.0
    """Constant quality (x264/x265 CRF) of the video."""
    video_bitrate: str = "8M"
    """The video's bitrate cap (the encoder's maxrate) over a VBV buffer of ``bufsize``."""
    bufsize: str = "16M"
    gop_seconds: float = 0.5
    bframes: int = 2
    audio_codec: str = "aac"
    audio_rate: int = 48000
    audio_channels: int = 2
    audio_bitrate: str = "192k"
    loudness_lufs: float = -14.0
    true_peak_db: float = -1.0
    sidecars: tuple[str, ...] = ("srt", "vtt")  # caption files published with this platform

    def video_key(self) -> tuple[Any, ...]:
        """Outputs with equal keys can share one video encode."""
        return (self.video_codec, self.profile, self.level, self.pix_fmt, self.crf, self.video_bitrate,
                self.bufsize, self.gop_seconds, self.bframes)


@dataclass(frozen=True)
class PreparedCaptions:
    """Caption artefacts both engines draw from, prepared once when the plan is made.

    ``ass`` is the libass script of the pages drawn by libass (empty when every page is drawn
    by Pillow), ``overlays`` the Pillow-drawn pages (emoji) as PNG overlays. ``key`` is a
    fingerprint of the pages and the caption look they were made from: a renderer uses the
    artefacts only while the plan's pages still match it (a hand-edited caption word is drawn
    again, from the edited pages).
    """

    key: str
    ass: str = ""
    overlays: tuple[Overlay, ...] = ()


@dataclass(frozen=True)
class DescriptionCue:
    """One audio-description cue (WCAG 1.2.5): its text voiced offline and placed in a pause
    of the programme voice (output seconds); ``at`` is where the outline asked for it."""

    text: str
    at: float
    start: float
    end: float
    audio: str  # the voiced cue (WAV), in the cache folder
    voice: str = ""  # the TTS engine and voice that spoke it, e.g. "piper:en_US-joe-medium"


@dataclass(frozen=True)
class SignLanguage:
    """A sign-language interpreter (WCAG 1.2.6) drawn picture-in-picture on a ``.sl`` variant:
    ``clip`` from ``offset`` seconds, scaled into the box ``x, y, w, h`` (output px, its own
    shape kept), ``key`` a backdrop colour keyed out ("" for none)."""

    clip: str
    offset: float
    x: int
    y: int
    w: int
    h: int
    key: str = ""


@dataclass(frozen=True)
class ScriptTake:
    """One take of a script line found in a source (``source`` indexes ``Plan.sources``)."""

    source: int
    start: float
    end: float
    coverage: float


@dataclass(frozen=True)
class ScriptRemoval:
    """Source audio the script-driven cut left out: pause, filler, false_start, repetition, off_script."""

    kind: str
    source: int
    start: float
    end: float


@dataclass(frozen=True)
class ScriptLineCut:
    """The script-driven cut's decision for one script line: its takes, the kept one, and why."""

    line: str
    takes: tuple[ScriptTake, ...] = ()
    kept: int | None = None
    reason: str = ""
    removed: tuple[ScriptRemoval, ...] = ()


@dataclass(frozen=True)
class Plan:
    """The whole resolved edit of one episode."""

    title: str
    slug: str
    width: int
    height: int
    fps: float
    duration: float
    sources: tuple[Source, ...]
    cuts: tuple[Cut, ...]
    words: tuple[Word, ...] = ()
    pages: tuple[CaptionPage, ...] = ()
    caption_rules: CaptionRules = field(default_factory=CaptionRules)
    caption_style: CaptionStyle = field(default_factory=CaptionStyle)
    burn_captions: bool = True
    overlays: tuple[Overlay, ...] = ()
    music: MusicBed | None = None
    outputs: tuple[OutputSpec, ...] = ()
    language: str = "en"
    description: str = ""
    hashtags: tuple[str, ...] = ()
    script_cut: tuple[ScriptLineCut, ...] = ()
    translations: tuple[TranslatedCaptions, ...] = ()
    burn_language: str = ""  # "" = ``language``; else one of ``translations`` is burned in
    schema_version: int = SCHEMA_VERSION
    # Exact frame rate ("30000/1001", "30"); ``fps`` is the same rate as a float for readers
    # that need no exactness. Empty in plans written before it existed (fps is then exact).
    frame_rate: str = ""
    # The caption/overlay safe box (x0, y0, x1, y1): the intersection of the platforms' zones.
    safe_box: tuple[int, int, int, int] | None = None
    # The platform presets the plan was made for, as data (reelkit.plan.platforms.preset_data),
    # so later checks use the same presets, including ones from a --platforms-file.
    platform_presets: tuple[dict[str, Any], ...] = ()
    captions: PreparedCaptions | None = None
    # Overlay layout (issue 10): the box of every caption page, overlay and tracked face.
    layout: tuple[LayoutBox, ...] = ()
    voice_cleanup: VoiceCleanup | None = None
    # Audio description (issue 21): placed cues; rendered as <platform>.ad.mp4 when not empty,
    # the programme ducked by ``description_duck_db`` (the brand's amount) under each cue.
    descriptions: tuple[DescriptionCue, ...] = ()
    description_duck_db: float = -12.0
    # Sign language (issue 21): set on the ``.sl`` variant plan only (outputs ``<platform>.sl``).
    sign_language: SignLanguage | None = None

    @property
    def rate(self) -> Fraction:
        """The exact frame rate."""
        return exact_rate(self.frame_rate or self.fps)

    @property
    def frame_count(self) -> int:
        """Frames in the finished picture."""
        return sum(se - ss for ss, se, _, _ in (cut_frames(c, self.rate) for c in self.cuts))

    def burned_pages(self) -> tuple[CaptionPage, ...]:
        """The pages burned into the picture: the outline language's, or the translation
        ``burn_language`` names."""
        for t in self.translations:
            if self.burn_language and t.language == self.burn_language:
                return t.pages
        return self.pages

    def burned_rules(self) -> CaptionRules:
        """The reading rules of :meth:`burned_pages` (a burned translation's own limits)."""
        for t in self.translations:
            if self.burn_language and t.language == self.burn_language:
                return t.rules or dataclasses.replace(self.caption_rules, language=t.language)
        return self.caption_rules

    def source(self, source_id: str) -> Source:
        for src in self.sources:
            if src.id == source_id:
                return src
        raise KeyError(source_id)


# --- frames of the plan's cuts ---------------------------------------------------------------

def cut_frames(cut: Cut, rate: Fraction) -> tuple[int, int, int, int]:
    """(src_start, src_end, out_start, out_end) of ``cut`` in frames, from its frame fields
    when set, else from its seconds."""
    if cut.src_start_frame is not None and cut.src_end_frame is not None:
        ss, se = cut.src_start_frame, cut.src_end_frame
    else:
        ss = to_frames(cut.src_start, rate)
        se = ss + max(1, to_frames(cut.src_end - cut.src_start, rate))
    os_ = cut.out_start_frame if cut.out_start_frame is not None else to_frames(cut.out_start, rate)
    return ss, se, os_, os_ + (se - ss)


def with_exact_frames(plan: Plan) -> Plan:
    """The plan with exact frame fields everywhere and every seconds field derived from them.

    The rule for a hand-edited plan: a cut's length is ``src_end_frame - src_start_frame``;
    cuts are laid back to back on the output timeline, so ``out_start_frame``/``out_end_frame``
    and the plan's duration follow from the source frames, and ``frame_rate`` is written out.
    A plan without frame fields (written before they existed) gets them from its seconds.
    """
    rate = plan.rate
    cuts: list[Cut] = []
    cursor = 0
    for cut in plan.cuts:
        ss, se, _, _ = cut_frames(cut, rate)
        if se <= ss:
            raise ValueError(f"cut of {cut.source} ends at frame {se}, not after its start {ss}")
        n = se - ss
        cuts.append(dataclasses.replace(
            cut, src_start_frame=ss, src_end_frame=se, out_start_frame=cursor, out_end_frame=cursor + n,
            src_start=frame_seconds(ss, rate), src_end=frame_seconds(se, rate),
            out_start=frame_seconds(cursor, rate), out_end=frame_seconds(cursor + n, rate)))
        cursor += n
    duration = frame_seconds(cursor, rate) if cuts else plan.duration
    return dataclasses.replace(plan, cuts=tuple(cuts), duration=duration, fps=float(rate), frame_rate=rate_text(rate))
