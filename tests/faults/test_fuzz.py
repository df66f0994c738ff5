"""Property tests: random and mutated user files fed to every loader raise only reelkit's errors.

The suite runs a few dozen examples per loader and strategy; ``make fuzz`` sets
REELKIT_FUZZ_EXAMPLES=10000 for the long run.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reelkit.errors import ReelkitError

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("REELKIT_FUZZ_EXAMPLES", "20"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES < 1000, database=None,
                suppress_health_check=list(HealthCheck))

SRT = ("1\n00:00:00,000 --> 00:00:01,500\nCrews replace the <i>water</i> mains.\n\n"
       "2\n00:00:01,600 --> 00:00:03,000\nThe work takes\nsix weeks.\n")
VTT = ("WEBVTT\n\nNOTE made by hand\n\n00:00.000 --> 00:01.500 align:middle\nCrews replace the mains.\n\n"
       "cue-2\n00:00:01.600 --> 00:00:03.000\n<v Ann>Six weeks.</v>\n")
SEEDS = {
    "outline": (REPO / "samples" / "water-main" / "outline.yaml").read_text(encoding="utf-8"),
    "brand": (REPO / "brand" / "civic" / "brand.yaml").read_text(encoding="utf-8"),
    "platforms": (REPO / "reelkit" / "data" / "platforms.yaml").read_text(encoding="utf-8"),
    "srt": SRT,
    "vtt": VTT,
}
# Tokens that stress YAML and the formats: anchors, tags, odd numbers, timestamps, markup.
TOKENS = ["&a ", "*a", "<<: *a\n", "!!python/object:os.system ", "!!binary ", ".nan", "-.inf", "1e400", "0x1F", "~",
          "null", "[", "]", "{", "}", ": ", "- ", "\n  ", "\t", "'", '"', "#", "|\n", ">\n", "%YAML 1.1\n", "---\n",
          "...\n", "\x00", "\ufeff", "\u202e", "-->", "00:00:00,000 --> 99:99:99,999", "00:00.000 --> 00:00.000",
          "WEBVTT", "<b>", "</i>", "&amp;", "-1", "999999999999999999999", "1.5e-320", "true", "2026-12-01"]


@st.composite
def mutated(draw: st.DrawFn, seed: str) -> bytes:
    """``seed`` with a few random edits: cut, duplicate, insert a token or random text, flip bytes."""
    data = bytearray(seed.encode("utf-8"))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["cut", "dup", "token", "text", "byte", "truncate"]))
        if op == "cut":
            del data[at: at + draw(st.integers(1, 40))]
        elif op == "dup":
            data[at:at] = data[at: at + draw(st.integers(1, 80))]
        elif op == "token":
            data[at:at] = draw(st.sampled_from(TOKENS)).encode("utf-8")
        elif op == "text":
            data[at:at] = draw(st.text(max_size=12)).encode("utf-8", "surrogatepass")
        elif op == "byte":
            data[at] = draw(st.integers(0, 255))
        else:
            del data[at:]
    return bytes(data)


scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=True),
                    st.text(max_size=20), st.sampled_from(["#FFFFFF", "#12345678", "red", "0:12.5", "1:99", "top",
                                                           "fonts/none.ttf", "tiktok", "source", "auto", ""]))


def structured(keys: list[str]) -> st.SearchStrategy[bytes]:
    """Random nested documents whose keys are the format's real keys (and a few others)."""
    key = st.sampled_from(keys + ["x", "0", ""])
    tree = st.recursive(scalars, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(key, kids, max_size=6),
                        max_leaves=25)
    return st.dictionaries(key, tree, max_size=8).map(
        lambda d: yaml.safe_dump(d, allow_unicode=True, sort_keys=False).encode("utf-8"))


def _keys(seed: str) -> list[str]:
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                found.add(str(k))
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(yaml.safe_load(seed))
    return sorted(found)


def only_reelkit_errors(load: Callable[[Path], object], data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            load(path)
        except ReelkitError:
            pass


# --- loaders --------------------------------------------------------------------------------

def _outline(path: Path) -> object:
    from reelkit.plan.outline import load_outline

    return load_outline(path, check_media=False)


def _brand(path: Path) -> object:
    from reelkit.brand.preset import load_brand
    from reelkit.brand.validate import validate_brand

    folder = path.parent / "preset"
    folder.mkdir()
    shutil.copytree(REPO / "brand" / "civic" / "fonts", folder / "fonts")
    path.replace(folder / "brand.yaml")
    validate_brand(folder)
    return load_brand(folder)


def _platforms(path: Path) -> object:
    from reelkit.plan.platforms import load_platforms

    return load_platforms(path)


def _captions(path: Path) -> object:
    from reelkit.captions import read_captions

    return read_captions(path)


@FUZZ
@given(data=mutated(SEEDS["outline"]) | structured(_keys(SEEDS["outline"])))
def test_fuzz_outline(data: bytes) -> None:
    only_reelkit_errors(_outline, data, "outline.yaml")


@FUZZ
@given(data=mutated(SEEDS["brand"]) | structured(_keys(SEEDS["brand"])))
def test_fuzz_brand_preset(data: bytes) -> None:
    only_reelkit_errors(_brand, data, "brand.yaml")


@FUZZ
@given(data=mutated(SEEDS["platforms"]) | structured(_keys(SEEDS["platforms"])))
def test_fuzz_platform_file(data: bytes) -> None:
    only_reelkit_errors(_platforms, data, "platforms.yaml")


@FUZZ
@given(data=mutated(SEEDS["srt"]) | st.binary(max_size=200))
def test_fuzz_srt(data: bytes) -> None:
    only_reelkit_errors(_captions, data, "captions.srt")


@FUZZ
@given(data=mutated(SEEDS["vtt"]) | st.binary(max_size=200))
def test_fuzz_vtt(data: bytes) -> None:
    only_reelkit_errors(_captions, data, "captions.vtt")


@pytest.fixture(scope="module")
def plan_seed(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A real plan.json, made by planning the sample outline without transcription."""
    from dataclasses import replace

    from reelkit.decide.build import PlanRequest, build_plans
    from reelkit.plan.outline import load_outline
    from reelkit.plan.planfile import dump_plans

    sample = REPO / "samples" / "water-main" / "outline.yaml"
    if not all((sample.parent / "clips").glob("*.mp4")):
        pytest.skip("sample clips not generated")
    outline = load_outline(sample)
    outline = replace(outline, segments=tuple(replace(s, captions=False) for s in outline.segments))
    return dump_plans(build_plans(outline, PlanRequest(inputs=(sample,)), tmp_path_factory.mktemp("plan")))


def test_fuzz_plan_file(plan_seed: str) -> None:
    from reelkit.plan.planfile import read_plan_file as load

    keys = _keys(plan_seed)

    @FUZZ
    @given(data=mutated(plan_seed) | structured(keys).map(lambda b: json.dumps(yaml.safe_load(b), default=str)
                                                          .encode("utf-8")))
    def run(data: bytes) -> None:
        only_reelkit_errors(load, data, "plan.json")

    run()
