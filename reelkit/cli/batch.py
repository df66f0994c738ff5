"""`reelkit batch`: a series (or outlines) rendered unattended, with preflight, parallel or
Dask workers, crash-safe resume and a morning report."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from reelkit.batch.cluster import TlsFiles
from reelkit.batch.preflight import Checked
from reelkit.batch.runner import BatchEvents, default_jobs, run_batch
from reelkit.batch.series import load_batch_inputs
from reelkit.batch.work import EpisodeOutcome
from reelkit.pipeline import RenderRequest
from reelkit.render.ffmpeg_engine import RenderOptions
from reelkit.speech.models import BACKENDS

PLATFORM_HELP = "Platform preset (repeatable) for every episode (default: each episode's own)."


def _clock(seconds: float) -> str:
    seconds = int(max(0, seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class BatchProgress:
    """One overall line (done/total, ETA from episode durations) plus, on a terminal, one bar per
    episode in progress showing its stage; ``quiet`` keeps only problems and the summary."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.interactive = not quiet and sys.stderr.isatty()
        self.total = 0
        self.done = 0
        self.seconds_total = 0.0
        self.seconds_done = 0.0
        self.durations: dict[str, float] = {}
        self.t0 = time.monotonic()
        self._progress = None
        self._overall = None
        self._tasks: dict[str, int] = {}

    # BatchEvents callbacks
    def problem(self, line: str) -> None:
        click.echo(f"problem: {line}", err=True)

    def planned(self, checked: list[Checked]) -> None:
        self.total = len(checked)
        self.done = sum(not c.ok for c in checked)  # preflight failures are finished
        self.durations = {c.outline.slug: c.duration for c in checked if c.outline is not None}
        self.seconds_total = sum(c.duration for c in checked if c.ok)
        self.t0 = time.monotonic()
        if self.interactive:
            self._progress = Progress(TextColumn("{task.description:<48}"), BarColumn(),
                                      TextColumn("{task.fields[info]}"), console=Console(stderr=True))
            self._progress.start()
            self._overall = self._progress.add_task(self._overall_text(), total=self.total or 1, info="")

    def _eta(self) -> str:
        if self.seconds_done <= 0 or self.done >= self.total:
            return "ETA --"
        rate = (time.monotonic() - self.t0) / self.seconds_done
        return f"ETA {_clock((self.seconds_total - self.seconds_done) * rate)}"

    def _overall_text(self) -> str:
        return f"episodes {self.done}/{self.total}, {self._eta()}"

    def stage(self, key: str, stage: str, fraction: float | None) -> None:
        if self._progress is None:
            return
        task = self._tasks.get(key)
        if task is None:
            task = self._tasks[key] = self._progress.add_task(f"  {key[:44]}", total=1.0, info=stage)
        self._progress.update(task, completed=fraction or 0.0, info=stage)

    def episode(self, outcome: EpisodeOutcome) -> None:
        self.done += 1
        if outcome.status in ("rendered", "skipped"):
            self.seconds_done += outcome.duration
        else:
            self.seconds_total -= self.durations.get(outcome.key, outcome.duration)
        if outcome.status == "failed":
            click.echo(f"failed: {outcome.title}: {outcome.error}", err=True)
        if self._progress is not None:
            task = self._tasks.pop(outcome.key, None)
            if task is not None:
                self._progress.remove_task(task)
            self._progress.update(self._overall, completed=self.done, description=self._overall_text())
            self._progress.console.print(f"{outcome.status:<9} {outcome.title}")
        elif not self.quiet:
            click.echo(f"[{self.done}/{self.total}] {outcome.status:<9} {outcome.title} "
                       f"({outcome.folder or outcome.source}); {self._eta()}")

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


@click.command("batch")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--out", "out_dir", default="out", show_default=True, type=click.Path(path_type=Path),
              help="Output folder: OUT/<episode>/ per episode, OUT/report.html, OUT/report.json.")
@click.option("--platform", "platforms", multiple=True, help=PLATFORM_HELP)
@click.option("--brand", help="Brand preset for every episode (default: the series' or each outline's own).")
@click.option("--asr", "asr_backend", type=click.Choice(BACKENDS),
              default="faster-whisper", show_default=True)
@click.option("--model", help="Whisper model name or path (default: the offline tiny.en).")
@click.option("--preset", "x264_preset", default="veryfast", show_default=True, help="x264 speed preset.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Episodes at once, each in its own process [default: min(cores/2, free memory/2 GiB)].")
@click.option("--cluster", help="Run episodes on Dask: local:N, tcp://127.0.0.1:PORT or tls://HOST:PORT.")
@click.option("--tls-ca", type=click.Path(path_type=Path, dir_okay=False), help="CA certificate (PEM) for tls://.")
@click.option("--tls-cert", type=click.Path(path_type=Path, dir_okay=False), help="Client certificate (PEM) for tls://.")
@click.option("--tls-key", type=click.Path(path_type=Path, dir_okay=False), help="Client key (PEM) for tls://.")
@click.option("--dry-run", is_flag=True, help="Only the preflight: load, validate, probe; exit 1 on any problem.")
@click.option("--force", is_flag=True, help="Render again even episodes that are up to date.")
@click.option("--quiet", is_flag=True, help="For cron: only problems and the summary.")
def batch_command(inputs: tuple[Path, ...], out_dir: Path, platforms: tuple[str, ...], brand: str | None,
                  asr_backend: str, model: str | None, x264_preset: str, jobs: int | None, cluster: str | None,
                  tls_ca: Path | None, tls_cert: Path | None, tls_key: Path | None, dry_run: bool, force: bool,
                  quiet: bool) -> None:
    """Render a series file (or outline files) unattended.

    A preflight loads, validates and probes every episode first (one line per problem);
    episodes that fail it are reported and the others render. Episodes whose outline, clips,
    brand and options are unchanged since their last good render are skipped, so a re-run
    after a crash renders only what did not finish. Exit 0 when every episode rendered or was
    skipped, 1 when any failed, 130 when interrupted.

    \b
    Examples:
      reelkit batch series.yaml --out out/ --quiet
      reelkit batch series.yaml --dry-run
      reelkit batch series.yaml --jobs 2
      reelkit batch series.yaml --cluster local:4
      reelkit batch series.yaml --cluster tls://render1:8786 --tls-ca ca.pem --tls-cert me.pem --tls-key me.key
      reelkit batch ep-01.yaml ep-02.yaml --force
    """
    if cluster and jobs:
        raise click.UsageError("--jobs and --cluster exclude each other (local:N sets the worker count)")
    series = load_batch_inputs(list(inputs))
    request = RenderRequest(inputs=(), out_dir=out_dir, platforms=platforms, brand=brand, asr_backend=asr_backend,
                            model=model, options=RenderOptions(x264_preset=x264_preset))
    progress = BatchProgress(quiet)
    events = BatchEvents(problem=progress.problem, planned=progress.planned, episode=progress.episode,
                         stage=progress.stage)
    try:
        result = run_batch(series, request, jobs=jobs or default_jobs(), cluster=cluster,
                           tls=TlsFiles(tls_ca, tls_cert, tls_key), force=force, dry_run=dry_run, events=events)
    finally:
        progress.close()
    if dry_run:
        ok = sum(o.status == "ok" for o in result.outcomes)
        click.echo(f"preflight: {ok} of {len(result.outcomes)} episodes ready, {len(result.problems)} problem(s)")
        if result.problems:
            raise SystemExit(1)
        return
    c = result.counts
    click.echo(f"batch: {c.get('rendered', 0)} rendered, {c.get('skipped', 0)} skipped, {c.get('failed', 0)} failed "
               f"in {_clock(result.wall_seconds)} (report: {result.report_html})")
    if c.get("failed"):
        raise SystemExit(1)
