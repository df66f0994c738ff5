"""HDR sources (HLG, PQ: 10-bit HEVC, BT.2020) beside an SDR clip in one outline: the
delivered file is SDR BT.709 throughout, the HDR cuts match a hand-written zscale + tonemap
conversion of the same frames, and ``reelkit check`` fails a file with mixed colour tags."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from reelkit.cut.timeline import build_timeline
from reelkit.reframe.crop import frame_cuts
from reelkit.deliver.check import colour_rules, probe_file
from reelkit.io.ffmpeg import ffmpeg_exe, run_ffmpeg
from reelkit.io.probe import probe
from reelkit.plan.model import Plan
from reelkit.plan.outline import load_outline
from reelkit.plan.platforms import load_platforms
from reelkit.render.ffmpeg_engine import RenderOptions, render_plan

from conftest import frame_at

W, H = 108, 192
PATTERN = f"testsrc2=s={W}x{H}:r=30:d=1"
TRANSFER = {"hlg": "arib-std-b67", "pq": "smpte2084"}
SSIM_MIN = 0.995
"""The delivered HDR cut against the reference conversion: the same maths, then an H.264
encode of tiny frames (the reference is compared unencoded; measured 0.9999)."""


def hdr_clip(folder: Path, kind: str) -> Path:
    """The SDR test pattern carried into HLG or PQ (BT.2020, 10-bit HEVC, tagged as such)."""
    out = folder / f"{kind}.mp4"
    t = TRANSFER[kind]
    run_ffmpeg(["-f", "lavfi", "-i", PATTERN, "-vf",
                f"zscale=tin=bt709:pin=bt709:min=bt709:t={t}:p=bt2020:m=bt2020nc:r=tv:npl=100,format=yuv420p10le",
                "-c:v", "libx265", "-preset", "ultrafast",
                "-x265-params", f"lossless=1:colorprim=bt2020:transfer={t}:colormatrix=bt2020nc:log-level=error",
                str(out)], stage=f"make {kind} clip")
    return out


def reference_chain(kind: str) -> str:
    """The reference conversion, written out by hand: linearise at 100 nits, BT.2020 -> BT.709
    primaries, mobius tone curve in linear light, BT.709 transfer and matrix, limited range."""
    return (f"zscale=tin={TRANSFER[kind]}:pin=bt2020:min=bt2020nc:t=linear:npl=100,format=gbrpf32le,"
            "zscale=p=bt709,tonemap=tonemap=mobius:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p")


def ssim(a: Path, a_start: float, b: Path, b_chain: str = "format=yuv420p", frames: int = 25) -> float:
    """Mean SSIM of ``frames`` frames of ``a`` from ``a_start`` seconds (a whole frame at 30 fps)
    against the first frames of ``b`` passed through ``b_chain``."""
    proc = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(a), "-i", str(b), "-filter_complex",
                           f"[0:v]trim=start_frame={round(a_start * 30)},setpts=PTS-STARTPTS,format=yuv420p[x];"
                           f"[1:v]{b_chain}[y];[x][y]ssim", "-frames:v", str(frames), "-f", "null", "-"],
                          capture_output=True, text=True, check=True)
    return float(re.findall(r"All:([0-9.]+)", proc.stderr)[-1])


@pytest.fixture(scope="module")
def delivered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Plan, dict[str, Path]]:
    folder = tmp_path_factory.mktemp("hdr")
    clips = {"hlg": hdr_clip(folder, "hlg"), "pq": hdr_clip(folder, "pq"), "sdr": folder / "sdr.mp4"}
    run_ffmpeg(["-f", "lavfi", "-i", PATTERN, "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0",
                "-pix_fmt", "yuv420p", str(clips["sdr"])], stage="make sdr clip")
    doc = {"title": "hdr", "segments": [{"clip": str(clips[k]), "reframe": "crop", "captions": False}
                                        for k in ("sdr", "hlg", "pq")]}
    (folder / "o.yaml").write_text(json.dumps(doc), encoding="utf-8")
    loaded = load_outline(folder / "o.yaml")
    sources, cuts = build_timeline(loaded, 30.0)
    cuts = frame_cuts(loaded.segments, sources, cuts, W, H)
    # Near-lossless (CRF 10): the test compares the tone mapping, not the preset's CRF 23, which
    # on this detailed test pattern at ultrafast alone holds SSIM near 0.99.
    spec = replace(load_platforms()["tiktok"].output_spec(str(folder / "out" / "tiktok.mp4")), crf=10.0)
    plan = Plan(title="hdr", slug="hdr", width=W, height=H, fps=30.0, duration=cuts[-1].out_end,
                sources=sources, cuts=cuts, outputs=(spec,))
    out = render_plan(plan, ass_filter=None, options=RenderOptions(x264_preset="ultrafast")).files["tiktok"]
    return out, plan, clips


def test_sources_detected_from_their_tags(delivered: tuple) -> None:
    _, plan, clips = delivered
    assert [s.hdr for s in plan.sources] == ["", "hlg", "pq"]
    assert probe(clips["pq"]).colour.bit_depth == 10


def test_every_output_tag_is_bt709(delivered: tuple) -> None:
    out, _, _ = delivered
    colour = probe(out).colour
    assert (colour.matrix, colour.primaries, colour.transfer, colour.range) == ("bt709", "bt709", "bt709", "tv")
    assert colour.bit_depth == 8 and colour_rules(probe_file(out, measure_audio=False).colour) == []


@pytest.mark.parametrize("kind", ["hlg", "pq"])
def test_hdr_cut_matches_reference_tone_mapping(delivered: tuple, kind: str, tmp_path: Path) -> None:
    out, plan, clips = delivered
    cut = plan.cuts[["sdr", "hlg", "pq"].index(kind)]
    assert ssim(out, cut.out_start, clips[kind], reference_chain(kind)) >= SSIM_MIN
    # Mixed clips come out alike: the tone-mapped HDR cut resembles the SDR original it was made
    # from (tone mapping is not the exact inverse of the SDR -> HDR conversion: about 0.87-0.88).
    assert ssim(out, cut.out_start, clips["sdr"]) >= 0.8


def test_check_fails_mixed_colour_tags(tmp_path: Path) -> None:
    bad = tmp_path / "mistagged.mp4"
    # The tags as the issue found them on a render of an HLG clip (encoders take the frames' tags).
    run_ffmpeg(["-f", "lavfi", "-i", PATTERN, "-vf", "setparams=colorspace=bt709:color_primaries=bt2020:"
                "color_trc=arib-std-b67:range=tv", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                str(bad)],
               stage="make mis-tagged file")
    problems = colour_rules(probe_file(bad, measure_audio=False).colour)
    assert any("colour tags disagree" in p and "matrix bt709" in p and "transfer arib-std-b67" in p
               for p in problems), problems
    assert any(p.startswith("bit depth 8 cannot carry the arib-std-b67 transfer") for p in problems), problems


def test_cover_and_preview_frames_use_the_same_mapping(delivered: tuple, tmp_path: Path) -> None:
    from reelkit.render import graph
    from reelkit.render.brand_preview import preview_args
    from reelkit.render.colour import tone_map

    _, plan, clips = delivered
    hlg_cut = plan.cuts[1]
    frames = graph.clean_frames_args(plan, [(hlg_cut, 0.5), (plan.cuts[0], 0.5)], rgb=True, out=str(tmp_path / "f.rgb"))
    graph_text = frames[frames.index("-filter_complex") + 1]
    assert graph_text.count(tone_map("hlg").lstrip(",")) == 1  # the HLG cut only, not the SDR one
    # The cover's raw frame of the HLG cut equals the delivered picture at that time.
    run_ffmpeg(frames, stage="clean frames")
    raw = (tmp_path / "f.rgb").read_bytes()
    cover = np.frombuffer(raw[: W * H * 3], dtype="uint8").reshape(H, W, 3).astype(float)
    delivered_frame = frame_at(delivered[0], hlg_cut.out_start + 0.5 + 1 / 60, (W, H)).astype(float)
    assert abs(cover.mean() - delivered_frame.mean()) < 3
    preview = preview_args([], [], None, (0, 0, W, H), W, H, tmp_path / "p.png", (clips["pq"], 0.5), "pq")
    assert tone_map("pq").lstrip(",") in preview[preview.index("-filter_complex") + 1]
