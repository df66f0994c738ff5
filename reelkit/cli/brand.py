"""``reelkit brand ...``: list, scaffold, validate and preview presets.

Thin: each command parses and calls the library; the `reelkit` group turns a ReelkitError into one line.
Mount with ``cli.add_command(brand_group)``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from reelkit.plan.platforms import get_platform, load_platforms
from reelkit.plan.timecode import parse_time
from reelkit.brand.preset import find_brand, list_brands, load_brand
from reelkit.brand.scaffold import scaffold_yaml
from reelkit.render.brand_preview import render_preview
from reelkit.brand.validate import validate_brand


class FrameParam(click.ParamType):
    """``CLIP@TIME``: a clip path and a time in seconds or m:ss.s."""

    name = "CLIP@TIME"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> tuple[Path, float]:
        if isinstance(value, tuple):
            return value  # type: ignore[return-value]
        clip, sep, at = str(value).rpartition("@")
        if not sep or not clip:
            self.fail(f"expected CLIP@TIME (e.g. interview.mp4@12.5), got {value!r}", param, ctx)
        try:
            seconds = parse_time(at)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        path = Path(clip)
        if not path.is_file():
            self.fail(f"clip not found: {clip}", param, ctx)
        return path, seconds


@click.group("brand")
def brand_group() -> None:
    """Brand presets: brand/<name>/brand.yaml with its fonts, logo and music.

    \b
    Examples:
      reelkit brand list
      reelkit brand new harbour --from civic
      reelkit brand validate harbour --platform tiktok
      reelkit brand preview harbour --platform reels -o preview.png
    """


@brand_group.command("list")
def list_command() -> None:
    """Show every preset found: name, path, and the preset it extends."""
    brands = list_brands()
    if not brands:
        click.echo("no brand presets found")
        return
    width = max(len(b.name) for b in brands)
    for b in brands:
        click.echo(f"{b.name:<{width}}  {b.path}  {'extends ' + b.extends if b.extends else '-'}")


@brand_group.command("new")
@click.argument("name")
@click.option("--from", "parent", default="default", show_default=True, help="Preset to extend.")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("brand"),
              show_default=True, help="Folder the new preset folder is created in.")
def new_command(name: str, parent: str, directory: Path) -> None:
    """Create DIR/NAME/brand.yaml extending a preset, every field listed as a comment."""
    if not name or "/" in name or name.startswith("."):
        raise click.BadParameter("a preset name is a plain folder name", param_hint="NAME")
    folder = directory / name
    if folder.exists():
        raise click.ClickException(f"{folder} already exists; choose another name or delete it")
    base = load_brand(parent)
    # Name the parent the way `extends` will find it again from the new folder.
    parent_yaml = find_brand(parent)
    extends = parent if ("/" not in parent and not parent.endswith((".yaml", ".yml"))) \
        else str(parent_yaml.parent)
    folder.mkdir(parents=True)
    active: dict[str, dict[str, object]] = {}
    if base.logo.file:
        # The logo is the asset an editor replaces first: give them their own copy.
        target = folder / ("logo" + Path(base.logo.file).suffix)
        shutil.copyfile(base.logo.file, target)
        active["logo"] = {"file": target.name}
    (folder / "brand.yaml").write_text(scaffold_yaml(base, extends, folder.resolve(), active), encoding="utf-8")
    click.echo(f"created {folder / 'brand.yaml'} (extends {extends})")


@brand_group.command("validate")
@click.argument("preset")
@click.option("--platform", "platform_names", multiple=True, help="Check these platforms' safe zones "
              "(repeatable; default: all four).")
def validate_command(preset: str, platform_names: tuple[str, ...]) -> None:
    """Check PRESET (a name or a folder): one line per problem, exit 1 if any; else 'ok'."""
    known = load_platforms()
    platforms = [get_platform(n, known) for n in platform_names] or None
    problems = validate_brand(preset, platforms)
    if problems:
        for line in problems:
            click.echo(line)
        raise click.exceptions.Exit(1)
    click.echo("ok")


@brand_group.command("preview")
@click.argument("preset")
@click.option("--platform", "platform_name", required=True, help="Platform whose safe zone is shown.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="PNG to write.")
@click.option("--frame", type=FrameParam(), default=None, help="Background from a clip: CLIP@TIME.")
def preview_command(preset: str, platform_name: str, output: Path, frame: tuple[Path, float] | None) -> None:
    """Draw one representative frame of PRESET on a platform, as a PNG."""
    brand = load_brand(preset)
    platform = get_platform(platform_name)
    render_preview(brand, platform, output, frame)
    click.echo(str(output))
