"""Where the emoji are in caption text: the runs libass cannot draw in colour.

A run is one cluster as a reader sees it: ZWJ sequences, skin tones, flags and keycaps are
kept whole, so :mod:`.pillow_pages` draws each from the colour emoji font in one piece.
"""

from __future__ import annotations

# Characters that are emoji by default in text (Unicode Emoji_Presentation=Yes) in the BMP;
# everything from U+1F000 up to U+1FAFF is treated as emoji too, and any character that a
# VARIATION SELECTOR-16 or a COMBINING ENCLOSING KEYCAP follows.
_BMP_EMOJI = frozenset(
    [*range(0x231A, 0x231C), *range(0x23E9, 0x23ED), 0x23F0, 0x23F3, *range(0x25FD, 0x25FF),
     *range(0x2614, 0x2616), *range(0x2648, 0x2654), 0x267F, 0x2693, 0x26A1, 0x26AA, 0x26AB,
     0x26BD, 0x26BE, 0x26C4, 0x26C5, 0x26CE, 0x26D4, 0x26EA, 0x26F2, 0x26F3, 0x26F5, 0x26FA,
     0x26FD, 0x2705, 0x270A, 0x270B, 0x2728, 0x274C, 0x274E, *range(0x2753, 0x2756), 0x2757,
     *range(0x2795, 0x2798), 0x27B0, 0x27BF, 0x2B1B, 0x2B1C, 0x2B50, 0x2B55])
_VS16 = "\ufe0f"
_VS15 = "\ufe0e"
_ZWJ = "\u200d"
_KEYCAP = "\u20e3"


def _is_pictograph(ch: str) -> bool:
    cp = ord(ch)
    return 0x1F000 <= cp <= 0x1FAFF or cp in _BMP_EMOJI


def _is_modifier(ch: str) -> bool:
    """Characters that extend an emoji cluster: skin tones, selectors, keycap, tags."""
    cp = ord(ch)
    return (0x1F3FB <= cp <= 0x1F3FF or ch in (_VS16, _KEYCAP) or 0xE0020 <= cp <= 0xE007F)


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def split_runs(text: str) -> list[tuple[bool, str]]:
    """``text`` as ``[(is_emoji, run), ...]``; each emoji run is one cluster (ZWJ sequences,
    skin tones, flags and keycaps kept whole)."""
    runs: list[tuple[bool, str]] = []
    i, n = 0, len(text)
    plain = ""
    while i < n:
        ch = text[i]
        nxt = text[i + 1] if i + 1 < n else ""
        starts = (_is_pictograph(ch) and nxt != _VS15) or nxt in (_VS16, _KEYCAP)
        if not starts:
            plain += ch
            i += 1
            continue
        if plain:
            runs.append((False, plain))
            plain = ""
        j = i + 1
        if _is_regional(ch) and j < n and _is_regional(text[j]):
            j += 1  # a flag is two regional indicators
        while j < n:
            if _is_modifier(text[j]):
                j += 1
            elif text[j] == _ZWJ and j + 1 < n:
                j += 2
            else:
                break
        runs.append((True, text[i:j]))
        i = j
    if plain:
        runs.append((False, plain))
    return runs


def has_emoji(text: str) -> bool:
    """True when ``text`` holds a character libass cannot draw in colour."""
    return any(is_emoji for is_emoji, _ in split_runs(text))
