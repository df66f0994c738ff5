"""video_graph builds its labels structurally: every label is produced once and consumed
once, with or without an ASS filter, with overlays and caption overlays together."""

from __future__ import annotations

import re

import pytest

from reelkit.plan.model import Overlay
from reelkit.render import graph

from test_graph import make_plan

_CHAIN = re.compile(r"^((?:\[[^\]]+\])*)(.*?)((?:\[[^\]]+\])*)$")


def _labels(chains: list[str]) -> tuple[list[str], list[str]]:
    """(consumed, produced) pad labels over all chains, stream specifiers like 0:v left out."""
    consumed, produced = [], []
    for chain in chains:
        for part in chain.split(";"):
            ins, _, outs = _CHAIN.match(part).groups()
            consumed += [x for x in re.findall(r"\[([^\]]+)\]", ins) if not re.match(r"^\d+:", x)]
            produced += re.findall(r"\[([^\]]+)\]", outs)
    return consumed, produced


@pytest.mark.parametrize("ass", [None, "ass=filename=c.ass"])
@pytest.mark.parametrize("n_overlays", [0, 2])
def test_caption_overlays_chain_onto_the_picture(ass: str | None, n_overlays: int) -> None:
    overlays = tuple(Overlay("logo", f"/a/logo{i}.png", 10, 10, 0, 3) for i in range(n_overlays))
    caps = (Overlay("caption", "/a/c0.png", 0, 900, 0.0, 1.0), Overlay("caption", "/a/c1.png", 0, 900, 1.0, 2.0))
    plan = make_plan(overlays=overlays)
    chains, out = graph.video_graph(plan, 2, ass, caps)
    consumed, produced = _labels(chains)
    assert out == "vout" and produced.count("vout") == 1
    assert sorted(set(produced)) == sorted(produced), "a label is produced twice"
    assert set(consumed) <= set(produced), f"consumed but never produced: {set(consumed) - set(produced)}"
    assert sorted(consumed + ["vout"]) == sorted(produced), "a produced label is never used"
    # Caption overlays read their own inputs, after the brand overlays.
    text = ";".join(chains)
    assert f"[{2 + n_overlays}:v]" in text and f"[{3 + n_overlays}:v]" in text
    if ass:
        assert text.index(ass) < text.index(f"[{2 + n_overlays}:v]")
