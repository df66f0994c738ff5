"""`reelkit plan`: decide everything for an episode and write plan.json; render nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from reelkit.cli.options import plan_request_args, planning_options
from reelkit.decide.build import PlanRequest
from reelkit.pipeline import plan_episode
from reelkit.plan.planfile import write_plans


@click.command()
@planning_options
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="The plan file to write (plan.json).")
def plan_command(output: Path, **planning: Any) -> None:
    """Decide an episode (cut, transcription, captions, reframe, overlays, outputs) and write
    it as plan.json, rendering nothing. Edit it by hand if you like (a caption word, a cut's
    src_end_frame), then `reelkit render plan.json`; `reelkit export plan.json` hands it to an
    editor. The schema: reelkit/data/plan.schema.json.

    \b
    Examples:
      reelkit plan episode.yaml -o plan.json
      reelkit plan episode.yaml --platform tiktok --platform feed -o plan.json
      reelkit render plan.json --out out/
    """
    plans = plan_episode(PlanRequest(**plan_request_args(planning)), planning["out_dir"])
    write_plans(plans, output)
    for p in plans:
        names = ", ".join(o.platform for o in p.outputs)
        click.echo(f"{p.width}x{p.height} @ {p.frame_rate} fps, {p.frame_count} frames ({p.duration:.2f}s), "
                   f"{len(p.cuts)} cuts, {len(p.pages)} caption pages: {names}")
    click.echo(f"wrote {output}")
