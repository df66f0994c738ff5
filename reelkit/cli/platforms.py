"""Click commands ``reelkit platforms`` and ``reelkit check``.

Thin: they parse and call the library; the main group, which registers ``platforms_command``
and ``check_command``, turns a :class:`~reelkit.errors.ReelkitError` into one line and exit 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from reelkit.deliver.check import check_file
from reelkit.deliver.statement import statement_lines
from reelkit.errors import InputError
from reelkit.plan.platforms import Platform, get_platform, load_platforms

_PLATFORMS_FILE = click.option(
    "--platforms-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="YAML file with extra or changed platform presets (default: $REELKIT_PLATFORMS or "
         "~/.config/reelkit/platforms.yaml).")


def _fps_text(p: Platform) -> str:
    text = p.fps if isinstance(p.fps, str) else f"{p.fps:g}"
    if p.fps_range is not None:
        text += f" ({p.fps_range[0]:g}-{p.fps_range[1]:g})"
    return text


def _duration_text(p: Platform) -> str:
    low, high = p.min_duration, p.max_duration
    if low is None and high is None:
        return "any"
    if low is None:
        span = f"up to {high:g} s"
    elif high is None:
        span = f"at least {low:g} s"
    else:
        span = f"{low:g}-{high:g} s"
    return f"{span} ({p.duration_policy})"


def platform_rows(platforms: dict[str, Platform]) -> list[tuple[str, ...]]:
    """One row of text cells per preset (shipped first, then the user's), headed by column titles."""
    rows = [("name", "label", "size", "fps", "loudness", "duration", "safe zone t/b/l/r")]
    for p in platforms.values():
        z = p.safe_zone
        rows.append((p.name, p.label, f"{p.width}x{p.height}", _fps_text(p),
                     f"{p.loudness_lufs:g} LUFS, {p.true_peak_db:g} dBTP", _duration_text(p),
                     f"{z.top}/{z.bottom}/{z.left}/{z.right}"))
    return rows


@click.command("platforms")
@_PLATFORMS_FILE
def platforms_command(platforms_file: Path | None) -> None:
    """List the platform presets.

    \b
    Examples:
      reelkit platforms
      reelkit platforms --platforms-file my-platforms.yaml
    """
    platforms = load_platforms(platforms_file)
    rows = platform_rows(platforms)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())


@click.command("check")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--platform", "-p", "platform_name", default=None, help="Preset to check against.")
@click.option("--accessibility", is_flag=True,
              help="Print the episode's accessibility statement (from the metadata.json of FILE's "
                   "episode folder; FILE may be that folder, its metadata.json or one of its videos).")
@_PLATFORMS_FILE
def check_command(file: Path, platform_name: str | None, accessibility: bool, platforms_file: Path | None) -> None:
    """Check FILE against a platform preset: one line per failed rule (exit 1), or a summary.

    Also estimates how far the voice stands above background noise (SNR) and warns when
    captions may suffer (below 10 dB).
    Every check includes WCAG 2.3.1's flash thresholds (the failing times are named).

    \b
    Examples:
      reelkit check out/episode/tiktok.mp4 --platform tiktok
      reelkit check final.mp4 --platform feed --platforms-file my-platforms.yaml
      reelkit check --accessibility out/episode/tiktok.mp4
    """
    if platform_name is None and not accessibility:
        raise click.UsageError("give --platform NAME (or --accessibility)")
    failed = False
    if accessibility:
        failed = _print_statement(file)
    if platform_name is not None:
        platform = get_platform(platform_name, load_platforms(platforms_file))
        report = check_file(file, platform, voice_snr=True)
        for warning in report.warnings:
            click.echo(f"warning: {warning}", err=True)
        for failure in report.failures:
            click.echo(failure)
        if not report.failures:
            click.echo(report.summary)
        failed = failed or bool(report.failures)
    if failed:
        click.get_current_context().exit(1)


def _print_statement(file: Path) -> bool:
    """Print the statement of FILE's episode; True when any of its checks failed."""
    meta = file if file.name == "metadata.json" else (file / "metadata.json" if file.is_dir()
                                                       else file.parent / "metadata.json")
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no metadata.json for this episode", path=str(meta),
                         hint="give an episode folder rendered by reelkit, or one of its files") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read metadata.json ({exc.__class__.__name__})", path=str(meta)) from None
    statement = data.get("accessibility") if isinstance(data, dict) else None
    if not isinstance(statement, dict):
        raise InputError("metadata.json has no accessibility statement", path=str(meta),
                         hint="render the episode again with this reelkit version")
    click.echo(f"{data.get('title', '')}: accessibility statement")
    for line in statement_lines(statement):
        click.echo(line)
    return any(statement.get(k) is False for k in ("flash_passed", "contrast_passed", "reading_speed_passed"))
