"""`reelkit studio`: review and fix an episode (or a brand preset) in the browser."""

from __future__ import annotations

import webbrowser
from pathlib import Path
from typing import Any

import click

from reelkit.brand.preset import find_brand
from reelkit.errors import InputError


@click.command("studio")
@click.argument("episode", required=False, type=click.Path(path_type=Path))
@click.option("--brand", "brand", help="Brand mode: show this preset (name or brand.yaml) live on every platform.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("out"),
              show_default=True, help="Where an outline's episode was rendered (OUT/<slug>/).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (the default is reachable from this machine only).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="Port (0 = any free port).")
@click.option("--preset", "x264_preset", default="veryfast", show_default=True, help="x264 preset of Render.")
@click.option("--no-browser", is_flag=True, help="Print the address instead of opening a browser.")
def studio_command(episode: Path | None, brand: str | None, out_dir: Path, host: str, port: int,
                   x264_preset: str, no_browser: bool) -> None:
    """Open EPISODE (an outline, an episode folder OUT/<slug>, or its plan.json) in a local
    web page: proxy preview, script and transcript side by side, edits with undo, checks and
    Render. With --brand NAME (and no EPISODE) the page shows a brand preset instead and
    refreshes whenever its file is saved.

    \b
    Examples:
      reelkit studio out/raw-take
      reelkit studio episode.yaml --out out/
      reelkit studio --brand civic
    """
    # lazy: the web stack (Starlette, uvicorn) loads only when the studio runs
    from reelkit.studio.serve import StudioServer, find_plan_file, state_dir_for
    from reelkit.studio.server import brand_app, episode_app

    if (episode is None) == (brand is None):
        raise InputError("give an episode, or --brand NAME for brand mode (not both)", key="EPISODE")
    owner: Any
    if brand is not None:
        # lazy: as above
        from reelkit.studio.brandmode import BrandWatch

        preset_file = find_brand(brand)
        server = StudioServer(host, port)
        owner = BrandWatch(preset_file, state_dir_for(preset_file))
        server.mount(lambda token, hosts: brand_app(owner, token, hosts))
    else:
        # lazy: as above
        from reelkit.studio.session import Session

        plan_file = find_plan_file(episode, out_dir)
        server = StudioServer(host, port)
        owner = Session(plan_file, state_dir_for(plan_file.parent), preset=x264_preset)
        server.mount(lambda token, hosts: episode_app(owner, token, hosts))
    click.echo(f"studio: {server.url}  (Ctrl-C stops it)")
    if not no_browser:
        webbrowser.open(server.url)
    try:
        server.run()
    finally:
        owner.close()
