"""A small reader of MP4 (ISO BMFF) boxes: enough to check faststart and edit lists.

Only box headers are read, plus the few bytes of ``elst`` payloads: the media data is never
loaded, so this is cheap on multi-gigabyte files.

Box header rules (ISO/IEC 14496-12, 4.2): a 32-bit big-endian size and a 4-character type;
size 1 means a 64-bit "largesize" follows the type; size 0 means the box runs to the end of
its parent (for a top-level box: to the end of the file).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from reelkit.errors import MediaError

Box = tuple[str, int, int]
"""(type, offset of the header, total size including the header)."""

# Boxes whose payload is nothing but child boxes, on the path moov -> trak -> edts -> elst.
_CONTAINERS = {"moov", "trak", "edts"}
# Boxes an MP4/MOV file may start with (QuickTime files may open with wide/free/mdat).
_FIRST = {"ftyp", "styp", "moov", "mdat", "free", "skip", "wide", "pnot", "uuid"}


def _plausible_type(box_type: str) -> bool:
    # Box types are four letters/digits (a few end in a space, or start with the (c) sign).
    return (len(box_type) == 4 and (box_type[0].isalnum() or box_type[0] == "\xa9")
            and all(c.isalnum() or c in " \xa9" for c in box_type))


def _read_boxes(fh: BinaryIO, start: int, end: int, path: Path) -> Iterator[Box]:
    """Yield the boxes laid end to end in ``[start, end)`` of ``fh``."""
    offset = start
    while offset < end:
        if end - offset < 8:
            # Trailing padding shorter than a header: some muxers leave a few zero bytes.
            break
        fh.seek(offset)
        header = fh.read(8)
        if len(header) < 8:
            break
        size, raw_type = struct.unpack(">I4s", header)
        box_type = raw_type.decode("latin-1")
        if not _plausible_type(box_type):
            raise MediaError(f"not an MP4 file (unreadable box header at byte {offset})", path=str(path))
        header_len = 8
        if size == 1:
            large = fh.read(8)
            if len(large) < 8:
                raise MediaError(f"truncated MP4 box '{box_type}' at byte {offset}", path=str(path))
            (size,) = struct.unpack(">Q", large)
            header_len = 16
        elif size == 0:
            size = end - offset
        if size < header_len:
            raise MediaError(f"not an MP4 file (box '{box_type}' at byte {offset} has size {size})",
                             path=str(path))
        if offset + size > end:
            raise MediaError(f"truncated MP4 file: box '{box_type}' at byte {offset} needs {size} bytes, "
                             f"{end - offset} remain", path=str(path), hint="the file may be incomplete")
        yield box_type, offset, size
        offset += size


def _header_len(fh: BinaryIO, offset: int) -> int:
    fh.seek(offset)
    (size,) = struct.unpack(">I", fh.read(4))
    return 16 if size == 1 else 8


def _open(path: Path) -> BinaryIO:
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise MediaError("file not found", path=str(path)) from None
    except OSError as exc:
        raise MediaError(f"cannot read file: {exc.strerror}", path=str(path)) from None


def top_level_boxes(path: Path) -> list[Box]:
    """The top-level boxes of an MP4/MOV file as (type, offset, size), in file order.

    Raises MediaError when the file is not an ISO BMFF file or a box runs past the end.
    """
    path = Path(path)
    with _open(path) as fh:
        end = fh.seek(0, 2)
        fh.seek(0)
        head = fh.read(8)
        if len(head) < 8 or head[4:8].decode("latin-1") not in _FIRST:
            raise MediaError("not an MP4 file (no ftyp/moov/mdat box at the start)", path=str(path))
        return list(_read_boxes(fh, 0, end, path))


def has_faststart(path: Path) -> bool:
    """True when the ``moov`` box comes before the first ``mdat`` box ("faststart").

    A file without ``mdat`` (all data in later fragments, or none) counts as faststart when
    ``moov`` exists; a file without ``moov`` raises MediaError.
    """
    types = [t for t, _, _ in top_level_boxes(path)]
    if "moov" not in types:
        raise MediaError("not a playable MP4 file (no moov box)", path=str(path))
    if "mdat" not in types:
        return True
    return types.index("moov") < types.index("mdat")


def edit_lists(path: Path) -> list[list[tuple[int, int]]]:
    """Every ``elst`` box under moov/trak/edts: one list of (segment_duration, media_time) per box."""
    path = Path(path)
    found: list[list[tuple[int, int]]] = []
    with _open(path) as fh:
        end = fh.seek(0, 2)

        def walk(start: int, stop: int) -> None:
            for box_type, offset, size in _read_boxes(fh, start, stop, path):
                if box_type in _CONTAINERS:
                    walk(offset + _header_len(fh, offset), offset + size)
                elif box_type == "elst":
                    found.append(_parse_elst(fh, offset + _header_len(fh, offset), offset + size, path))

        for box_type, offset, size in _read_boxes(fh, 0, end, path):
            if box_type == "moov":
                walk(offset + _header_len(fh, offset), offset + size)
    return found


def _parse_elst(fh: BinaryIO, start: int, stop: int, path: Path) -> list[tuple[int, int]]:
    fh.seek(start)
    payload = fh.read(stop - start)
    if len(payload) < 8:
        raise MediaError("malformed elst box (too short)", path=str(path))
    version = payload[0]
    (count,) = struct.unpack(">I", payload[4:8])
    # version 1: u64 segment_duration, s64 media_time; version 0: u32 and s32. Then 2+2 bytes rate.
    fmt, entry_len = (">Qq", 20) if version == 1 else (">Ii", 12)
    if 8 + count * entry_len > len(payload):
        raise MediaError("malformed elst box (entry count beyond the box)", path=str(path))
    entries = []
    for i in range(count):
        at = 8 + i * entry_len
        entries.append(struct.unpack(fmt, payload[at:at + entry_len - 4]))
    return entries


def has_edit_lists(path: Path) -> bool:
    """True when any track carries a non-trivial edit list.

    Our definition: an ``elst`` box with more than one entry, or whose single entry has a
    ``media_time`` other than 0, is an edit list. A single entry starting at media time 0 only
    restates "play the whole track from its start" and changes nothing, so it is allowed. An
    empty edit (media_time -1, a delayed track start) counts, as does a non-zero start (an AAC
    priming skip or a B-frame delay written as an edit): players that ignore edit lists would
    play such a file out of sync, which is why Reels and Shorts ask for none.
    """
    for entries in edit_lists(path):
        if len(entries) > 1:
            return True
        if entries and entries[0][1] != 0:
            return True
    return False
