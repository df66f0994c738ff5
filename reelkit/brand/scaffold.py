"""``reelkit brand new``: a commented ``brand.yaml`` that extends a preset, every setting listed."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from reelkit.brand.schema import PALETTE_NAMES, Brand, settable_fields

def _yaml_scalar(value: Any, kind: str) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str) and kind not in ("choice", "position") and value not in PALETTE_NAMES:
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def scaffold_yaml(parent: Brand, extends: str, folder: Path, active: dict[str, dict[str, Any]] | None = None) -> str:
    """Text of a new ``brand.yaml`` that extends ``parent``: ``extends`` plus every field
    commented out with the parent's value, so an editor uncomments what they change.

    ``active`` holds sections/keys written uncommented (e.g. the copied logo).
    """
    active = active or {}
    out = [f"# Brand preset '{folder.name}'. Everything not set here comes from '{extends}'.",
           "# Uncomment a line to change it; see brand/README.md for every field. Colours are quoted",
           "# \"#RRGGBB\" or a palette name (primary, accent, text, background); paths are relative",
           "# to this file. Check with: reelkit brand validate " + folder.name,
           f"extends: {extends}", ""]

    def emit(cls: type, value: Any, indent: str, prefix: str) -> None:
        for name, f in settable_fields(cls).items():
            key = f"{prefix}.{name}" if prefix else name
            doc = f.metadata.get("doc", "")
            current = getattr(value, name)
            if "section" in f.metadata:
                section_active = key in active
                out.append(f"{indent}{'' if section_active else '# '}{name}:" + (f"  # {doc}" if doc else ""))
                emit(f.metadata["section"], current, indent + "  ", key)
                if not indent:
                    out.append("")
                continue
            kind = f.metadata["kind"]
            if kind == "file" and current:
                current = os.path.relpath(current, folder)
            elif kind == "colour" and current in palette:
                current = palette[current]  # keep the link to the palette, as the parent has it
            choices = f.metadata["choices"]
            note = " | ".join(choices) if choices else doc
            section = prefix.split(".")[0] if prefix else ""
            if section in active and name in active[section]:
                out.append(f"{indent}{name}: {_yaml_scalar(active[section][name], kind)}")
            else:
                comment = f"  # {note}" if note else ""
                out.append(f"{indent}# {name}: {_yaml_scalar(current, kind)}{comment}")

    palette = {getattr(parent.colours, n): n for n in reversed(PALETTE_NAMES)}
    emit(Brand, parent, "", "")
    return "\n".join(out).rstrip() + "\n"
