"""Loading a font file with FreeType (through Pillow), that file and no other.

``PIL.ImageFont.truetype(path)`` falls back, when FreeType cannot load ``path``, to a font of
the same *file name* in the system's font folders: a brand preset's broken
``fonts/DejaVuSans.ttf`` would quietly load ``/usr/share/fonts/.../DejaVuSans.ttf``. Reading the
bytes ourselves and handing Pillow a file object turns that fallback off, so a font that does
not load is reported, and a font that loads is the preset's own file.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Any

from PIL import ImageFont

MAX_FONT_BYTES = 64 * 1024 * 1024  # large CJK collections are ~30 MB; refuse anything absurd


@functools.lru_cache(maxsize=16)
def _font_bytes(path: str, mtime_ns: int, size: int) -> bytes:
    if size > MAX_FONT_BYTES:
        raise OSError(f"font file is larger than {MAX_FONT_BYTES // 2**20} MB")
    return Path(path).read_bytes()


def load_font(path: str | Path, size: float) -> Any:
    """A ``PIL.ImageFont.FreeTypeFont`` of exactly ``path`` at ``size`` px.

    Raises OSError (or ValueError) when FreeType cannot load that file; never another file.
    """
    stat = Path(path).stat()
    data = _font_bytes(str(path), stat.st_mtime_ns, stat.st_size)
    return ImageFont.truetype(io.BytesIO(data), max(size, 1))
