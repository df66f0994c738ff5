"""Generate the shipped presets' logos and music beds, deterministically.

    .venv/bin/python scripts/make_brand_assets.py [--only logos|music]

Logos are drawn with Pillow from simple shapes (no third-party artwork); music beds are
synthesised by ffmpeg's ``aevalsrc`` from sine chords (no samples), so both are ours to
ship. Each bed is 8 s and starts and ends in silence at a chord change, so the renderer can
loop it (``-stream_loop -1``) without a click.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reelkit.io.ffmpeg import escape_filter_value, run_ffmpeg  # noqa: E402

SS = 4  # supersampling factor: draw large, scale down, for smooth edges


def _finish(big: Image.Image, size: int) -> Image.Image:
    return big.resize((size, size), Image.Resampling.LANCZOS)


def default_logo(size: int = 512) -> Image.Image:
    """Neutral mark: a white disc with a charcoal 'play' triangle and a thin ring."""
    s = size * SS
    im = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.ellipse((0, 0, s - 1, s - 1), fill=(255, 255, 255, 255))
    ring = s * 0.07
    d.ellipse((ring, ring, s - ring, s - ring), outline=(45, 55, 72, 255), width=round(s * 0.03))
    cx, cy, r = s / 2 + s * 0.04, s / 2, s * 0.24
    pts = [(cx + r * math.cos(a), cy + r * math.sin(a)) for a in (0, 2 * math.pi / 3, 4 * math.pi / 3)]
    d.polygon(pts, fill=(45, 55, 72, 255))
    return _finish(im, size)


def civic_logo(size: int = 512) -> Image.Image:
    """Civic mark: a teal shield with a gold rim and a white town-hall (pediment, columns, steps)."""
    s = size * SS
    im = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    teal, gold, white = (0, 89, 79, 255), (255, 184, 28, 255), (255, 255, 255, 255)

    def shield(inset: float) -> list[tuple[float, float]]:
        top, bottom, left, right = s * 0.04 + inset, s * 0.98 - inset * 1.4, s * 0.1 + inset, s * 0.9 - inset
        pts = [(left, top), (right, top), (right, s * 0.55)]
        for k in range(1, 20):  # lower curve of the shield
            t = k / 20
            pts.append((right - (right - left) * t, s * 0.55 + (bottom - s * 0.55) * math.sin(math.pi * t)))
        pts.append((left, s * 0.55))
        return pts

    d.polygon(shield(0), fill=gold)
    d.polygon(shield(s * 0.04), fill=teal)
    # Pediment, columns, base and steps of a town hall.
    d.polygon([(s * 0.26, s * 0.36), (s * 0.5, s * 0.2), (s * 0.74, s * 0.36)], fill=white)
    for k in range(4):
        x = s * (0.3 + k * 0.12)
        d.rectangle((x, s * 0.39, x + s * 0.06, s * 0.62), fill=white)
    d.rectangle((s * 0.26, s * 0.64, s * 0.74, s * 0.68), fill=white)
    d.rectangle((s * 0.32, s * 0.7, s * 0.68, s * 0.73), fill=gold)
    return _finish(im, size)


def _chord_expr(chords: list[list[float]], seconds_each: float, pluck: float | None) -> str:
    """aevalsrc expression: each chord for ``seconds_each`` s, with a sine swell (pad) or an
    exponential decay every half second (pluck); the envelope is 0 at every chord change."""
    n = len(chords)
    terms = []
    for index, chord in enumerate(chords):
        gate = f"between(mod(t,{n * seconds_each}),{index * seconds_each},{(index + 1) * seconds_each - 1e-6})"
        tones = "+".join(f"sin(2*PI*{f:.3f}*t)" for f in chord)
        terms.append(f"{gate}*({tones})")
    if pluck is None:
        env = f"pow(sin(PI*mod(t,{seconds_each})/{seconds_each}),2)"
    else:
        env = f"exp(-{pluck}*mod(t,0.5))*sin(PI*mod(t,{seconds_each})/{seconds_each})"
    return f"0.07*{env}*({'+'.join(terms)})"


# Equal-tempered frequencies of the notes used below.
NOTE = {"A2": 110.0, "C3": 130.81, "D3": 146.83, "E3": 164.81, "F3": 174.61, "G3": 196.0, "A3": 220.0,
        "B3": 246.94, "C4": 261.63, "D4": 293.66, "E4": 329.63, "F4": 349.23, "G4": 392.0}


def make_music(out: Path, chords: list[list[str]], pluck: float | None) -> None:
    """An 8 s AAC bed (48 kHz stereo, 64 kb/s) from ``chords``."""
    freqs = [[NOTE[n] for n in chord] for chord in chords]
    expr = _chord_expr(freqs, 8.0 / len(chords), pluck)
    out.parent.mkdir(parents=True, exist_ok=True)
    run_ffmpeg(["-f", "lavfi", "-i", f"aevalsrc=exprs={escape_filter_value(expr + '|' + expr)}:s=48000:d=8",
                "-af", "lowpass=f=3000", "-c:a", "aac", "-b:a", "64k", "-map_metadata", "-1",
                "-fflags", "+bitexact", "-flags:a", "+bitexact", str(out)], stage="brand-music")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("logos", "music"))
    args = parser.parse_args()
    if args.only in (None, "logos"):
        default_logo().save(ROOT / "reelkit/data/brand/default/logo.png", optimize=True)
        civic_logo().save(ROOT / "reelkit/data/brand/civic/logo.png", optimize=True)
    if args.only in (None, "music"):
        # default: a slow I-vi-IV-V pad; civic: a brighter plucked I-V-vi-IV.
        make_music(ROOT / "reelkit/data/brand/default/music/bed.m4a",
                   [["C3", "E3", "G3"], ["A2", "E3", "C4"], ["F3", "A3", "C4"], ["G3", "B3", "D4"]], pluck=None)
        make_music(ROOT / "reelkit/data/brand/civic/music/bed.m4a",
                   [["C4", "E4", "G4"], ["G3", "B3", "D4"], ["A3", "C4", "E4"], ["F3", "A3", "C4"]], pluck=3.0)
    for p in sorted((ROOT / "reelkit" / "data" / "brand").glob("*/logo.png")) + sorted((ROOT / "reelkit" / "data" / "brand").glob("*/music/*")):
        print(f"{p.relative_to(ROOT)}  {p.stat().st_size} bytes")


if __name__ == "__main__":
    main()
