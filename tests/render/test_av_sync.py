"""A/V sync of delivered MP4s against their sources, at every audio rate and codec.

Each source has a white flash frame and a sample-exact beep at every whole second; its own
flash-to-beep offset is measured as a player plays it (edit lists, pre-skip, timestamps), and
so is the delivered file's. All sources are cut into one plan (one render, small frames), so
the matrix costs one encode; each cut is measured inside its own span of the output.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelkit.render.ffmpeg_engine import RenderOptions, render_plan

from plans import outline_plan
from sync_media import SyncSource, beep_onsets, flash_times, make_sync_source, pair_offsets

TOLERANCE_MS = 2.0

SOURCES = [SyncSource(f"aac{r}", "aac", r) for r in (8000, 16000, 22050, 32000, 44100, 48000, 96000)] + [
    SyncSource("opus48000", "opus", 48000),
    SyncSource("opus48000_mkv", "opus", 48000, container="mkv"),
    SyncSource("mp3_44100", "mp3", 44100),
    SyncSource("mp3_22050", "mp3", 22050),
    SyncSource("mp3_8000_mkv", "mp3", 8000, container="mkv"),
    SyncSource("pcm48000", "pcm", 48000, container="mov"),
    SyncSource("pcm8000", "pcm", 8000, container="mov"),
    SyncSource("aac44100_no_editlist", "aac", 44100, editlist=False),
    SyncSource("aac48000_audio_delayed", "aac", 48000, audio_delay=0.25),
    SyncSource("aac48000_audio_delayed_no_editlist", "aac", 48000, audio_delay=0.25, editlist=False),
    SyncSource("aac32000_start_offset", "aac", 32000, start_offset=0.5),
    SyncSource("mp3_16000_start_offset", "mp3", 16000, start_offset=0.4, container="mkv"),
]
# Most cuts start mid-clip (input seeking); these also start at the clip's first frame.
FROM_START = ("aac8000", "mp3_44100", "aac48000_audio_delayed")
W, H = 108, 192


def _cases() -> list[tuple[SyncSource, float]]:
    return [(s, 0.5) for s in SOURCES] + [(s, 0.0) for s in SOURCES if s.name in FROM_START]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, float], list[float]]:
    """Per (source, cut start): the delivered offsets minus the source's own (ms)."""
    folder = tmp_path_factory.mktemp("sync")
    own: dict[str, float] = {}
    paths: dict[str, Path] = {}
    for spec in SOURCES:
        path = paths[spec.name] = make_sync_source(spec, folder)
        offsets = pair_offsets(flash_times(path), beep_onsets(path), window=(0.5, 99))
        assert len(offsets) >= 2, f"{spec.name}: the source's own flashes and beeps were not found"
        own[spec.name] = float(np.median(offsets))
    cases = _cases()
    segments = [{"clip": str(paths[s.name]), "start": start, "end": start + 2.0, "reframe": "crop",
                 "captions": False} for s, start in cases]
    plan = outline_plan({"title": "sync", "segments": segments}, folder / "sync.yaml",
                        folder / "out" / "tiktok.mp4", title="sync", size=(W, H))
    cuts = plan.cuts
    out = render_plan(plan, ass_filter=None, options=RenderOptions(x264_preset="ultrafast")).files["tiktok"]
    flashes, onsets = flash_times(out), beep_onsets(out)
    result = {}
    for (s, start), cut in zip(cases, cuts):
        delivered = pair_offsets(flashes, onsets, window=(cut.out_start + 0.2, cut.out_end - 0.1))
        result[(s.name, start)] = [(d - own[s.name]) * 1000 for d in delivered]
    return result


@pytest.mark.parametrize(("spec", "start"), _cases(), ids=lambda v: v.name if isinstance(v, SyncSource) else f"from{v}")
def test_delivered_keeps_source_alignment(rendered: dict, spec: SyncSource, start: float) -> None:
    deltas = rendered[(spec.name, start)]
    # Every flash inside the cut (1 or 2 of them) has its beep, at the source's own offset.
    assert len(deltas) >= (2 if start else 1), f"{spec.name}: flashes/beeps missing in the delivered cut"
    assert max(abs(d) for d in deltas) <= TOLERANCE_MS, f"{spec.name} from {start}s: {deltas} ms"
