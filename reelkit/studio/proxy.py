"""The proxy preview: the edited plan rendered small and fast by the project's own engine.

The proxy is the plan at half size (540x960 for a 1080x1920 plan): the same cuts and crops
(in source pixels), the caption look and overlay positions scaled, the overlay PNGs resized
once (content-addressed), one output with the x264 ``ultrafast`` preset, a keyframe every
second and no B-frames so the browser seeks at once. It goes through
:func:`reelkit.render.engines.get_engine`, so what the proxy shows is what Render will burn.

Decoding full-size sources is most of a proxy's cost, so after the first proxy each source
gets *proxy media* once (:func:`make_proxy_media`: the source at the proxy's scale, cheap to
decode, cached by content): later proxies read those, with every crop scaled to match.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from PIL import Image

from reelkit.io.atomic import atomic_path
from reelkit.io.ffmpeg import run_ffmpeg
from reelkit.plan.model import Crop, Cut, OutputSpec, Overlay, Plan, Source
from reelkit.render.engine import RenderOptions
from reelkit.render.engines import get_engine
from reelkit.render.graph import proxy_media_args

SCALE = 0.5
PROXY_PRESET = "ultrafast"


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def _scaled_image(image: str, factor: float, folder: Path) -> str:
    """``image`` resized by ``factor`` into ``folder`` (named by its content and the factor)."""
    src = Path(image)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()[:20]
    out = folder / f"overlay-{digest}-{factor:g}.png"
    if not out.is_file():
        with Image.open(src) as im:
            im.load()
            size = (max(1, round(im.width * factor)), max(1, round(im.height * factor)))
            small = im.resize(size, Image.Resampling.LANCZOS)
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(out) as partial:
            small.save(partial, format="PNG")
    return str(out)


def _scaled_overlay(ov: Overlay, factor: float, folder: Path) -> Overlay:
    return replace(ov, image=_scaled_image(ov.image, factor, folder), x=round(ov.x * factor), y=round(ov.y * factor))


def _media_key(src: Source, factor: float) -> str:
    st = Path(src.path).stat()
    return hashlib.sha256(f"{Path(src.path).resolve()}|{st.st_size}|{st.st_mtime_ns}|{factor}".encode()).hexdigest()[:20]


def _media_size(src: Source, factor: float) -> tuple[int, int]:
    return _even(src.width * factor), _even(src.height * factor)


def media_path(src: Source, folder: Path, factor: float = SCALE) -> Path:
    """Where the proxy media of ``src`` is (or will be) kept."""
    return folder / f"media-{_media_key(src, factor)}.mp4"


def make_proxy_media(plan: Plan, folder: Path, factor: float = SCALE) -> None:
    """Write the proxy media of every source of ``plan`` not made yet (atomically)."""
    folder.mkdir(parents=True, exist_ok=True)
    for src in plan.sources:
        out = media_path(src, folder, factor)
        if out.is_file() or not src.has_video:
            continue
        w, h = _media_size(src, factor)
        with atomic_path(out) as partial:
            run_ffmpeg(proxy_media_args(src.path, str(partial), w, h, max(1, round(src.fps))), stage="proxy media",
                       duration=src.duration)


def _scale_crop(crop: Crop, fx: float, fy: float, w: int, h: int) -> Crop:
    x, y = min(w - 2, round(crop.x * fx)), min(h - 2, round(crop.y * fy))
    return Crop(x=x, y=y, w=max(2, min(w - x, round(crop.w * fx))), h=max(2, min(h - y, round(crop.h * fy))))


def on_proxy_media(plan: Plan, folder: Path, factor: float = SCALE) -> Plan:
    """``plan`` reading each source's proxy media where it exists, crops scaled to it."""
    sources: list[Source] = []
    scale: dict[str, tuple[float, float, int, int]] = {}
    for src in plan.sources:
        media = media_path(src, folder, factor)
        if not (src.has_video and media.is_file()):
            sources.append(src)
            continue
        w, h = _media_size(src, factor)
        scale[src.id] = (w / src.width, h / src.height, w, h)
        sources.append(replace(src, path=str(media), width=w, height=h, rotation=0))
    cuts: list[Cut] = []
    for cut in plan.cuts:
        if cut.source not in scale:
            cuts.append(cut)
            continue
        fx, fy, w, h = scale[cut.source]
        keys = tuple(replace(k, x=round(k.x * fx), y=round(k.y * fy)) for k in cut.crop_path)
        cuts.append(replace(cut, crop=_scale_crop(cut.crop, fx, fy, w, h), crop_path=keys))
    return replace(plan, sources=tuple(sources), cuts=tuple(cuts))


def proxy_plan(plan: Plan, path: Path, folder: Path, factor: float = SCALE) -> Plan:
    """``plan`` at ``factor`` of its size with one fast output at ``path``, on proxy media where
    made; resized overlay images go to ``folder``."""
    plan = on_proxy_media(plan, folder, factor)
    style = plan.caption_style
    style = replace(style, font_size=max(8, round(style.font_size * factor)), position_y=round(style.position_y * factor),
                    margin_x=round(style.margin_x * factor), outline=style.outline * factor, shadow=style.shadow * factor)
    box = plan.safe_box and tuple(round(v * factor) for v in plan.safe_box)
    first = plan.outputs[0]
    spec = OutputSpec(platform="proxy", path=str(path), video_bitrate="3M", bufsize="4M",
                      gop_seconds=1.0, bframes=0, audio_bitrate="96k", audio_rate=first.audio_rate,
                      loudness_lufs=first.loudness_lufs, true_peak_db=first.true_peak_db, sidecars=())
    return replace(plan, width=_even(plan.width * factor), height=_even(plan.height * factor), caption_style=style,
                   overlays=tuple(_scaled_overlay(o, factor, folder) for o in plan.overlays),
                   outputs=(spec,), safe_box=box, captions=None, layout=())  # type: ignore[arg-type]


def render_proxy(plan: Plan, path: Path, workdir: Path, factor: float = SCALE) -> Path:
    """Render the proxy of ``plan`` to ``path`` (atomically, as every engine output)."""
    workdir.mkdir(parents=True, exist_ok=True)
    small = proxy_plan(plan, path, workdir / "overlays", factor)
    result = get_engine("ffmpeg")(small, workdir, RenderOptions(x264_preset=PROXY_PRESET))
    return result.files["proxy"]
