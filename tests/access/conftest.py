"""The sample episode rendered once for the accessibility tests (TikTok only, ultrafast)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelkit.pipeline import EpisodeResult, RenderRequest, render_episode
from reelkit.render.engine import RenderOptions

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "water-main" / "outline.yaml"


@pytest.fixture(scope="session")
def sample_episode(tmp_path_factory: pytest.TempPathFactory) -> EpisodeResult:
    out = tmp_path_factory.mktemp("access-sample")
    request = RenderRequest(inputs=(SAMPLE,), platforms=("tiktok",), out_dir=out,
                            options=RenderOptions(x264_preset="ultrafast"))
    return render_episode(request)
