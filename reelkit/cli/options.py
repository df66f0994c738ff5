"""Options shared by the commands that plan an episode (`render`, `plan`): declared once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from reelkit.speech.models import BACKENDS

PLATFORM_HELP = "Platform preset (repeatable): tiktok, reels, shorts, snapchat, feed, square, or one from --platforms-file."


def planning_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """INPUTS and everything that decides the edit (platforms, brand, speech, captions)."""
    options = [
        click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path)),
        click.option("--platform", "platforms", multiple=True, help=PLATFORM_HELP),
        click.option("--out", "out_dir", default="out", show_default=True, type=click.Path(path_type=Path),
                     help="Output folder; files go to OUT/<slug>/."),
        click.option("--brand", help="Brand preset name under brand/, or a path to a preset folder."),
        click.option("--asr", "asr_backend", type=click.Choice(BACKENDS),
                     default="faster-whisper", show_default=True, help="Speech recognition backend."),
        click.option("--model", help="Whisper model name or path (default: the offline tiny.en)."),
        click.option("--captions", "captions_file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
                     help="Burn this corrected .srt/.vtt instead of transcribing."),
        click.option("--no-cache", is_flag=True, help="Transcribe again even when a cached transcript exists."),
        click.option("--platforms-file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
                     help="YAML file adding or overriding platform presets."),
        click.option("--script", "script_file", type=click.Path(path_type=Path, dir_okay=False),
                     help="Narration text: the script decides the cut of the raw clips (takes, pauses, fillers)."),
        click.option("--clean", is_flag=True,
                     help="Remove background noise from the voice (as `audio: {clean: voice}` in the outline)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def plan_request_args(params: dict[str, Any]) -> dict[str, Any]:
    """The PlanRequest fields from the parsed planning options."""
    return dict(inputs=tuple(params["inputs"]), platforms=tuple(params["platforms"]), brand=params["brand"],
                asr_backend=params["asr_backend"], model=params["model"], captions_file=params["captions_file"],
                use_cache=not params["no_cache"], platforms_file=params["platforms_file"],
                script_file=params.get("script_file"), clean=bool(params.get("clean")))
