"""Captions: paging words into pages, ASS styles for libass, SRT/VTT sidecars, emoji pages."""

from __future__ import annotations

from reelkit.captions.ass import ass_filter, write_ass
from reelkit.captions.paging import check_page_rules, paginate
from reelkit.captions.pillow_pages import split_pillow_pages
from reelkit.captions.sidecars import read_captions, write_srt, write_vtt

__all__ = [
    "ass_filter",
    "check_page_rules",
    "paginate",
    "read_captions",
    "split_pillow_pages",
    "write_ass",
    "write_srt",
    "write_vtt",
]
