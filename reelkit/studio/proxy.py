"""The proxy preview: the edited plan rendered small and fast by the project's own engine.

The proxy is the plan at half size (540x960 for a 1080x1920 plan): the same cuts and crops
(in source pixels), the caption look and overlay positions scaled, the overlay PNGs resized
once (content-addressed), one output with the x264 ``ultrafast`` preset, a keyframe every
second and no B-frames so the browser seeks at once. It goes through
:func:`reelkit.render.engine.get_engine`, so what the proxy shows is what Render will burn.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from reelkit.io.atomic import atomic_path
from reelkit.plan.model import OutputSpec, Overlay, Plan
from reelkit.render.engine import RenderOptions, get_engine

SCALE = 0.5
PROXY_PRESET = "ultrafast"


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def _scaled_image(image: str, factor: float, folder: Path) -> str:
    """``image`` resized by ``factor`` into ``folder`` (named by its content and the factor)."""
    from PIL import Image

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


def proxy_plan(plan: Plan, path: Path, folder: Path, factor: float = SCALE) -> Plan:
    """``plan`` at ``factor`` of its size with one fast output at ``path``; resized overlay
    images go to ``folder``."""
    style = plan.caption_style
    style = replace(style, font_size=max(8, round(style.font_size * factor)), position_y=round(style.position_y * factor),
                    margin_x=round(style.margin_x * factor), outline=style.outline * factor, shadow=style.shadow * factor)
    box = plan.safe_box and tuple(round(v * factor) for v in plan.safe_box)
    first = plan.outputs[0]
    spec = OutputSpec(platform="proxy", path=str(path), video_bitrate="2M", maxrate="3M", bufsize="4M",
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
