"""`reelkit cut`: raw clips + a script -> the decided edit as outline segments, a report, a plot."""

from __future__ import annotations

from pathlib import Path

import click

from reelkit.decide.build import PlanRequest
from reelkit.decide.script_edit import cut_by_script, report_path
from reelkit.speech.models import BACKENDS


@click.command("cut")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--script", "script_file", type=click.Path(path_type=Path, dir_okay=False),
              help="The narration as written (plain text, one line per sentence). Default: the outline's script.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="Outline .yaml to write: the kept spans as segments with explicit times.")
@click.option("--plot", "plot_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Also draw the waveform with kept (green) and removed (red) spans, one row per clip.")
@click.option("--platform", "platforms", multiple=True, help="Platform preset whose frame rate the cuts snap to.")
@click.option("--asr", "asr_backend", type=click.Choice(BACKENDS),
              default="faster-whisper", show_default=True, help="Speech recognition backend.")
@click.option("--model", help="Whisper model name or path (default: the offline tiny.en).")
@click.option("--no-cache", is_flag=True, help="Transcribe again even when a cached transcript exists.")
@click.option("--quiet", is_flag=True, help="Do not print the report (it is still written beside OUTPUT).")
def cut_command(inputs: tuple[Path, ...], script_file: Path | None, output: Path, plot_file: Path | None,
                platforms: tuple[str, ...], asr_backend: str, model: str | None, no_cache: bool, quiet: bool) -> None:
    """Decide the edit of raw clips from the script and write it as outline segments.

    Every take of every script line is found; one is kept (the last complete one by
    default; `edit: {takes: first|best}` in an outline changes that), and pauses, fillers,
    false starts and off-script talk are cut. OUTPUT renders with `reelkit render OUTPUT`;
    the report (also OUTPUT with .report.txt) lists every take and removal with times.

    \b
    Examples:
      reelkit cut raw.mp4 --script narration.txt -o segments.yaml --plot cut.png
      reelkit render segments.yaml --platform tiktok
    """
    request = PlanRequest(inputs=inputs, platforms=platforms, asr_backend=asr_backend, model=model,
                          use_cache=not no_cache, script_file=script_file)
    edit = cut_by_script(request, output, plot_file)
    if not quiet:
        click.echo(edit.report, nl=False)
    click.echo(f"wrote {output}" + (f", {plot_file}" if plot_file else "") + f" (report: {report_path(output)})")
