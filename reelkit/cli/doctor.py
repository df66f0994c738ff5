"""Click command ``reelkit doctor``: check the installation, one line per part."""

from __future__ import annotations

import click

from reelkit.doctor import run_checks


@click.command("doctor")
def doctor_command() -> None:
    """Check ffmpeg, the offline speech models, brand fonts, the emoji font, the cache folder
    and optional parts; exit 1 when something a render needs is missing.

    \b
    Examples:
      reelkit doctor
    """
    findings = run_checks()
    for finding in findings:
        click.echo(finding.line())
    missing = [f.item for f in findings if f.needed and not f.ok]
    if missing:
        click.echo(f"doctor: missing for rendering: {', '.join(missing)}", err=True)
        raise SystemExit(1)
    click.echo("doctor: everything a render needs is in place")
