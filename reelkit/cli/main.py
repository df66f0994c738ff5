"""The `reelkit` command: a thin layer over the library that turns errors into one line."""

from __future__ import annotations

import logging
import signal
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from reelkit import __version__
from reelkit.cli.batch import batch_command
from reelkit.cli.brand import brand_group
from reelkit.cli.cut import cut_command
from reelkit.cli.doctor import doctor_command
from reelkit.cli.export import export_command
from reelkit.cli.options import plan_request_args, planning_options
from reelkit.cli.plan import plan_command
from reelkit.cli.platforms import check_command, platforms_command
from reelkit.cli.progress import ConsoleProgress
from reelkit.cli.studio import studio_command
from reelkit.cli.transcribe import transcribe_to_file
from reelkit.errors import InputError, Interrupted, ReelkitError
from reelkit.pipeline import RenderRequest, render_episode, render_plan_file
from reelkit.render.engines import ENGINES
from reelkit.render.ffmpeg_engine import RenderOptions
from reelkit.speech.models import BACKENDS


class ReelkitGroup(click.Group):
    """The one error handler of every command (nested groups included): a library error is one
    ``error: ...`` line and exit 1; with --debug its traceback follows the line."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise  # usage errors and explicit exit codes: click prints and exits itself
        except Interrupted as exc:
            click.echo(f"interrupted: {exc.one_line()}; temporary files removed, earlier outputs untouched",
                       err=True)
            ctx.exit(130)
        except KeyboardInterrupt:
            click.echo("interrupted: temporary files removed, earlier outputs untouched", err=True)
            ctx.exit(130)
        except ReelkitError as exc:
            _fail(f"error: {exc.one_line()}", debug)
        except Exception as exc:  # a bug, not bad input: still one line unless --debug
            _fail(f"error: unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)", debug)


def _fail(line: str, debug: bool) -> None:
    click.echo(line, err=True)
    if debug:
        traceback.print_exc(file=sys.stderr)
    sys.exit(1)


@click.group(cls=ReelkitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reelkit")
@click.option("--debug", is_flag=True, help="Show full tracebacks and ffmpeg command lines.")
def main(debug: bool) -> None:
    """Turn an outline and raw clips into captioned, branded vertical videos.

    \b
    Examples:
      reelkit render samples/water-main/outline.yaml
      reelkit render clip.mp4 --platform tiktok --out out/
      reelkit transcribe interview.mp4 -o interview.srt --script script.txt
      reelkit check out/harbour/tiktok.mp4 --platform tiktok
      reelkit brand preview civic --platform reels -o preview.png
    """
    # reelkit's own loggers only: --debug must not turn on every library's debug output.
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    logging.getLogger("reelkit").setLevel(logging.DEBUG if debug else logging.WARNING)
    _stop_on_sigterm()


def _stop_on_sigterm() -> None:
    """Batch schedulers stop jobs with SIGTERM: treat it like Ctrl-C so clean-up runs."""
    def _raise(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, _raise)
    except ValueError:  # not the main thread (e.g. inside a test runner thread)
        pass


@main.command()
@planning_options
@click.option("--engine", type=click.Choice(list(ENGINES)), default="ffmpeg", show_default=True,
              help="ffmpeg: one filtergraph per output (fast); moviepy: composite in Python (cross-check).")
@click.option("--preset", "x264_preset", default="veryfast", show_default=True,
              help="x264 speed preset (slower = smaller files at the same quality).")
@click.option("--quiet", is_flag=True, help="No progress output (for batch jobs).")
def render(engine: str, x264_preset: str, quiet: bool, **planning: Any) -> None:
    """Render an outline (or media files, or a plan.json) into one MP4 per platform, plus SRT,
    VTT, plan.json, cover.png and metadata.json in OUT/<slug>/.

    A plan.json (from `reelkit plan`, edited or not) is rendered exactly as it is: nothing is
    decided again and nothing is transcribed; the planning options do not apply to it.

    \b
    Examples:
      reelkit render episode.yaml
      reelkit render episode.yaml --platform tiktok --platform shorts --brand civic
      reelkit render interview.mp4 --out out/ --quiet
      reelkit render episode.yaml --captions out/episode/episode.srt   # burn a corrected SRT
      reelkit render plan.json --out out/                              # a planned (edited) episode
      reelkit render raw.mp4 --script narration.txt                    # the script decides the cut
    """
    request = RenderRequest(out_dir=planning["out_dir"], engine=engine, options=RenderOptions(x264_preset=x264_preset),
                            **plan_request_args(planning))
    inputs = request.inputs
    with ConsoleProgress(quiet=quiet) as progress:
        if len(inputs) == 1 and Path(inputs[0]).suffix.lower() == ".json":
            options = {"platforms": "--platform", "brand": "--brand", "model": "--model", "captions_file": "--captions",
                       "platforms_file": "--platforms-file", "clean": "--clean"}
            given = [flag for key, flag in options.items() if planning[key]]
            if given:
                raise InputError(f"{given[0]} does not apply to a plan file",
                                 path=str(inputs[0]), hint="the plan has decided it; make a new plan to change it")
            result = render_plan_file(Path(inputs[0]), request, on_stage=progress)
        else:
            result = render_episode(request, on_stage=progress)
    if not quiet:
        for platform, path in result.files.items():
            failures = result.checks.get(platform, [])
            status = "ok" if not failures else "; ".join(failures)
            click.echo(f"{platform:<10} {path}  [{status}]")
        if result.sidecars:
            click.echo(f"captions   {', '.join(str(p) for p in result.sidecars.values())}")
        click.echo(f"plan       {result.folder / 'plan.json'}")
        timings = ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items())
        click.echo(f"timings    {timings}")


@main.command()
@click.argument("media", type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Output file: .srt, .vtt or .json (chosen by extension).")
@click.option("--script", "script_file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="The narration as written: captions take its words, timed from the speech.")
@click.option("--asr", "asr_backend", type=click.Choice(BACKENDS),
              default="faster-whisper", show_default=True)
@click.option("--model", help="Whisper model name or path (default: the offline tiny.en; base for nl, de, fr, es).")
@click.option("--language", default="en", show_default=True)
@click.option("--brand", default="default", show_default=True, help="Brand preset whose caption rules group the words.")
@click.option("--no-cache", is_flag=True)
def transcribe(media: Path, output: Path, script_file: Path | None, asr_backend: str, model: str | None,
               language: str, brand: str, no_cache: bool) -> None:
    """Transcribe MEDIA to captions (.srt/.vtt) or word-level JSON.

    \b
    Examples:
      reelkit transcribe interview.mp4 -o interview.srt
      reelkit transcribe interview.mp4 -o words.json --asr openai-whisper
      reelkit transcribe interview.mp4 -o interview.vtt --script narration.txt
    """
    transcribe_to_file(media, output, script_file=script_file, backend=asr_backend, model=model,
                       language=language, brand=brand, use_cache=not no_cache)
    click.echo(f"wrote {output}")


def _register_commands() -> None:
    """Commands that live in their own modules."""
    main.add_command(platforms_command, "platforms")
    main.add_command(check_command, "check")
    main.add_command(brand_group, "brand")
    main.add_command(plan_command, "plan")
    main.add_command(export_command, "export")
    main.add_command(doctor_command, "doctor")
    main.add_command(cut_command, "cut")
    main.add_command(batch_command, "batch")
    main.add_command(studio_command, "studio")


_register_commands()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
