"""Reading drawn-asset cache entries safely: a PNG that is missing, half-written or corrupt
counts as absent (the caller draws it again and publishes it with reelkit.io.atomic)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image


def readable_png_size(path: Path) -> tuple[int, int] | None:
    """Size of the PNG at ``path``, or None when it is missing or damaged."""
    try:
        with Image.open(path) as existing:
            size = existing.size
            existing.verify()  # reads every chunk and checks CRCs: a truncated file fails here
        return size
    except (OSError, SyntaxError, ValueError):
        return None
