"""Episodes rendered once for the accessibility tests (TikTok only, ultrafast): the sample
episode, and an accessible one (espeak speech with long pauses, two description cues and a
sign-language interpreter on a green backdrop)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from access.access_clips import BACKDROP, CUES, GAP, SENTENCES, interpreter_clip
from media import have_espeak, speak_sentences, talking_clip

from reelkit.pipeline import EpisodeResult, RenderRequest, render_episode
from reelkit.render.engine import RenderOptions

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "water-main" / "outline.yaml"


@pytest.fixture(scope="session")
def sample_episode(tmp_path_factory: pytest.TempPathFactory) -> EpisodeResult:
    out = tmp_path_factory.mktemp("access-sample")
    request = RenderRequest(inputs=(SAMPLE,), platforms=("tiktok",), out_dir=out,
                            options=RenderOptions(x264_preset="ultrafast"))
    return render_episode(request)


@pytest.fixture(scope="session")
def described(tmp_path_factory: pytest.TempPathFactory) -> tuple[EpisodeResult, list[tuple[float, float]]]:
    if not have_espeak():
        pytest.skip("espeak-ng not installed (speech for the programme)")
    tmp = tmp_path_factory.mktemp("describe")
    spans = speak_sentences(SENTENCES, tmp / "voice.wav", gap=GAP)
    clip = talking_clip(tmp / "talk.mp4", tmp / "voice.wav", size="640x360", fps=25)
    signer = interpreter_clip(tmp / "signer.mp4", spans[-1][1] + 1.5)
    cues = [{"at": round(spans[0][1] + 0.2, 2), "text": CUES[0]}, {"at": round(spans[1][1] + 0.2, 2), "text": CUES[1]}]
    outline = tmp / "ep.yaml"
    outline.write_text(json.dumps({"title": "Described", "brand": "default", "platforms": ["tiktok"],
                                   "script": "\n".join(SENTENCES), "describe": cues,
                                   "sign_language": {"clip": str(signer), "offset": 0, "key": BACKDROP},
                                   "segments": [{"clip": str(clip), "reframe": "crop"}]}), encoding="utf-8")
    result = render_episode(RenderRequest(inputs=(outline,), out_dir=tmp / "out",
                                          options=RenderOptions(x264_preset="ultrafast")))
    return result, spans
