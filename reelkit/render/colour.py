"""Colour in the render: HDR sources tone-mapped to SDR BT.709, and the BT.709 tags every
output frame carries. Filter text only; graph.py places it in the video chain."""

from __future__ import annotations

BT709_TAGS = "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv"
"""Frame tags of every delivered picture: encoders take the frames' tags over -color_* options."""

_HDR_TRANSFER = {"hlg": "arib-std-b67", "pq": "smpte2084"}
TONE_MAP = "mobius"
"""ffmpeg's tonemap operator: linear up to its knee (SDR-range values kept as they were),
highlights rolled off smoothly; measured nearest to the SDR original of HLG and PQ test clips."""


def tone_map(hdr: str) -> str:
    """The filters taking an HDR picture (``hlg`` or ``pq``, BT.2020) to SDR BT.709, limited
    range, 8-bit 4:2:0 (",..." to append to a chain; "" for SDR).

    zimg (zscale) linearises at a nominal peak of 100 nits and converts the primaries; tonemap
    compresses the highlights in linear light; zscale applies the BT.709 transfer and matrix.
    The input's tags are stated, not read, so a stream that lost its matrix tag maps the same.
    The cover, contact sheet and brand preview use the same chain (clean_frames_args).
    """
    if hdr not in _HDR_TRANSFER:
        return ""
    return (f",zscale=tin={_HDR_TRANSFER[hdr]}:pin=bt2020:min=bt2020nc:t=linear:npl=100,format=gbrpf32le,"
            f"zscale=p=bt709,tonemap=tonemap={TONE_MAP}:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p")
