"""`reelkit cut`: raw clips + a script -> the decided edit as outline segments, a report, a plot."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click
import yaml

from reelkit.cut.report import draw_plot, report_text, segments_document
from reelkit.cut.script_cut import expand_outline
from reelkit.decide.build import PlanRequest, load_request_outline, plan_rate, select_platforms
from reelkit.errors import InputError
from reelkit.io.atomic import atomic_output
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
    if output.suffix.lower() not in (".yaml", ".yml"):
        raise InputError("output must end in .yaml", path=str(output))
    outline = load_request_outline(inputs, script_file)
    if not (outline.script or "").strip():
        raise InputError("no script to cut by", key="--script", hint="give --script narration.txt")
    if not any(s.script_cut for s in outline.segments):
        # An outline without `cut: script` segments: cut all of its talking clips by the script.
        outline = replace(outline, segments=tuple(replace(s, script_cut=s.captions) for s in outline.segments))
    request = PlanRequest(inputs=inputs, platforms=platforms, asr_backend=asr_backend, model=model,
                          use_cache=not no_cache)
    fps = float(plan_rate(outline, select_platforms(request, outline)[0]))
    expanded = expand_outline(outline, fps=fps, backend=asr_backend, model=model, use_cache=not no_cache)
    report = report_text(expanded)
    output.parent.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Path, Path]] = []
    tmp = atomic_output(output)
    tmp.write_text("# Written by `reelkit cut`: the script-driven edit with explicit times.\n"
                   + yaml.safe_dump(segments_document(expanded, output, fps), sort_keys=False, allow_unicode=True,
                                    width=100), encoding="utf-8")
    written.append((tmp, output))
    report_path = output.with_name(output.stem + ".report.txt")
    tmp_r = atomic_output(report_path)
    tmp_r.write_text(report, encoding="utf-8")
    written.append((tmp_r, report_path))
    if plot_file is not None:
        tmp_p = atomic_output(plot_file.with_suffix(".png"))
        draw_plot(expanded, tmp_p)
        written.append((tmp_p, plot_file))
    for tmp_path, final in written:
        tmp_path.replace(final)
    if not quiet:
        click.echo(report, nl=False)
    click.echo(f"wrote {output}" + (f", {plot_file}" if plot_file else "") + f" (report: {report_path})")
