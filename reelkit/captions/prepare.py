"""Caption preparation shared by both engines: the plan's pages -> an ASS script for libass
plus Pillow-drawn pages (emoji) as PNG overlays.

Done once when the plan is made (:func:`prepare_captions`, recorded in ``Plan.captions``) and
reused by every render of that plan; :func:`captions_for_render` checks that the recorded
artefacts still belong to the plan's pages (a hand edit changes the fingerprint) and that
their files exist, and prepares them again otherwise. Files are content-addressed (named by
the fingerprint), so preparing again what exists already writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from reelkit.captions import ass_filter, split_pillow_pages, write_ass
from reelkit.io.dataclass_data import to_data
from reelkit.plan.model import Overlay, Plan, PreparedCaptions

_PREPARE_VERSION = "1"  # bump when the ASS writer or the Pillow drawing changes


@dataclass(frozen=True)
class RenderCaptions:
    """What an engine draws: the ``ass`` filter text (or None) and Pillow caption overlays."""

    ass_path: Path | None
    ass_filter: str | None
    overlays: tuple[Overlay, ...]


def caption_fingerprint(plan: Plan) -> str:
    """A hash of everything the caption artefacts are drawn from."""
    payload = {"v": _PREPARE_VERSION, "pages": to_data(plan.burned_pages()), "style": to_data(plan.caption_style),
               "size": [plan.width, plan.height], "burn": plan.burn_captions}
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:20]


def prepare_captions(plan: Plan, folder: Path) -> PreparedCaptions | None:
    """Write the plan's caption artefacts under ``folder``; None when nothing is burned."""
    if not (plan.burn_captions and plan.burned_pages()):
        return None
    key = caption_fingerprint(plan)
    ass_pages, overlays = split_pillow_pages(plan.burned_pages(), plan.caption_style, plan.width, plan.height, folder)
    ass = ""
    if ass_pages:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"captions-{key}.ass"
        if not path.is_file():
            write_ass(ass_pages, plan.caption_style, plan.width, plan.height, path)
        ass = str(path)
    return PreparedCaptions(key=key, ass=ass, overlays=tuple(overlays))


def _usable(prepared: PreparedCaptions | None, plan: Plan) -> bool:
    if prepared is None or prepared.key != caption_fingerprint(plan):
        return False
    files = ([prepared.ass] if prepared.ass else []) + [o.image for o in prepared.overlays]
    return all(Path(f).is_file() for f in files)


def captions_for_render(plan: Plan, workdir: Path) -> RenderCaptions:
    """The caption artefacts to draw: the plan's own when they still fit its pages, else new
    ones prepared from the pages into ``workdir``."""
    if not (plan.burn_captions and plan.burned_pages()):
        return RenderCaptions(None, None, ())
    prepared = plan.captions if _usable(plan.captions, plan) else prepare_captions(plan, workdir)
    assert prepared is not None
    if not prepared.ass:
        return RenderCaptions(None, None, prepared.overlays)
    ass_path = Path(prepared.ass)
    return RenderCaptions(ass_path, ass_filter(ass_path, Path(plan.caption_style.font_file).parent),
                          prepared.overlays)
