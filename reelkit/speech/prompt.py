"""Whisper's initial prompt from a script: its rare words (names, numbers, uncommon words)."""

from __future__ import annotations

import base64
import functools
import importlib.util
import os
import re


@functools.cache
@functools.cache
def _gpt2_encoding():  # type: ignore[no-untyped-def]
    """Whisper's GPT-2 byte-pair vocabulary, read from openai-whisper's bundled asset (no torch)."""
    try:
        # lazy: the tokenizer's tables load only when a prompt is measured
        import tiktoken

        spec = importlib.util.find_spec("whisper")
        if spec is None or not spec.submodule_search_locations:
            return None
        path = os.path.join(list(spec.submodule_search_locations)[0], "assets", "gpt2.tiktoken")
        with open(path, encoding="ascii") as fh:
            ranks = {base64.b64decode(tok): int(rank)
                     for tok, rank in (line.split() for line in fh if line.strip())}
        return tiktoken.Encoding(
            name="reelkit-gpt2", explicit_n_vocab=len(ranks), mergeable_ranks=ranks,
            special_tokens={},
            pat_str=r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
    except (ImportError, OSError, ValueError):
        return None


def _is_rare(word: str) -> bool:
    enc = _gpt2_encoding()
    if enc is None:
        return len(word) >= 9
    # A word the model's vocabulary holds as one piece is common enough to be heard right.
    return len(enc.encode(" " + word.lower())) > 1


MAX_PROMPT_WORDS = 40


def script_prompt(script: str, language: str = "en") -> str:
    """Rare words of ``script`` (names, numbers, uncommon words) for Whisper's initial prompt.

    Names are capitalised words that do not start a sentence; uncommon words are those the
    model's vocabulary splits into pieces. Returned in script order, without duplicates, as
    ``"Glossary: quay, Okafor, 2026."`` ("" when there are none). Measured on tiny.en: a bare
    comma list makes Whisper imitate it (Title Case, commas) and shifts its word times by a
    word; the "Glossary:" sentence lowered WER without hurting the times. In other languages
    the (English) vocabulary test would pick nearly every word, and a prompt listing the whole
    script makes Whisper base write a comma list: only names and numbers go in.
    """
    picked: list[str] = []
    seen: set[str] = set()
    sentence_start = True
    for tok in script.split():
        core = re.sub(r"^[^\w£$€]+|[^\w%]+$", "", tok)
        if core and (core.lower() not in seen):
            has_digit = any(ch.isdigit() for ch in core)
            is_name = core[:1].isupper() and not sentence_start and core != "I"
            rare = language == "en" and core.isalpha() and len(core) > 3 and _is_rare(core)
            if has_digit or is_name or rare:
                picked.append(core)
                seen.add(core.lower())
        sentence_start = bool(re.search(r"[.!?:][\"')\]]*$", tok))
        if len(picked) >= MAX_PROMPT_WORDS:
            break
    return f"Glossary: {', '.join(picked)}." if picked else ""
