"""`reelkit export`: a plan as an OpenTimelineIO timeline or Final Cut Pro 7 XML."""

from __future__ import annotations

from pathlib import Path

import click

from reelkit.deliver.export_otio import export_plan
from reelkit.errors import InputError
from reelkit.plan.planfile import read_plan_file


@click.command()
@click.argument("plan_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="edit.otio (OpenTimelineIO) or edit.xml (Final Cut Pro 7 XML, for Premiere and Resolve).")
@click.option("--size", help="Which frame size of a multi-size plan, e.g. 1080x1350 (default: the first).")
def export_command(plan_file: Path, output: Path, size: str | None) -> None:
    """Export PLAN_FILE (a plan.json) for an editor: one clip per cut referencing its source
    and source range, the audio, the overlays as still-image clips, the captions as markers
    and as an SRT beside the export.

    \b
    Examples:
      reelkit export out/episode/plan.json -o edit.otio
      reelkit export out/episode/plan.json -o edit.xml
    """
    plans = read_plan_file(plan_file)
    plan = plans[0]
    if size:
        chosen = [p for p in plans if f"{p.width}x{p.height}" == size]
        if not chosen:
            raise InputError(f"no plan of frame size {size}", key="--size",
                             hint="sizes in this plan: " + ", ".join(f"{p.width}x{p.height}" for p in plans))
        plan = chosen[0]
    timeline, srt = export_plan(plan, output)
    click.echo(f"wrote {timeline} ({len(plan.cuts)} cuts, {len(plan.overlays)} overlays, "
               f"{len(plan.pages)} caption markers) and {srt}")
