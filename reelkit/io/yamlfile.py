"""YAML loading that remembers where each key came from, for error messages with line numbers.

Outlines, presets and platform files come from users, so loading is bounded: the file size,
the number of nodes built (an alias counts every time it is used, which stops "billion
laughs" alias bombs), the nesting depth; numbers must be finite (``.nan``/``.inf`` refused).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from reelkit.errors import InputError

MAX_BYTES = 8 * 1024 * 1024
"""Largest YAML file read (a 1 MB narration script fits many times over)."""
MAX_NODES = 200_000
"""Most nodes built from one document, aliases counted at every use."""


class _Budget:
    """Counts nodes built so that aliases cannot multiply the work without bound."""

    def __init__(self, path: Path, error: type[InputError]) -> None:
        self.left = MAX_NODES
        self.path = path
        self.error = error
        self.duplicates: dict[tuple[str, int], int] = {}  # (key path, line) -> line of the first

    def spend(self, node: yaml.Node) -> None:
        self.left -= 1
        if self.left < 0:
            raise self.error(f"too many values (more than {MAX_NODES:,}, aliases counted at each use)",
                             path=str(self.path), line=node.start_mark.line + 1,
                             hint="YAML aliases that expand without bound are refused")


@dataclass(frozen=True)
class Located:
    """A loaded YAML document plus a map from key paths ("segments.0.clip") to line numbers."""

    data: Any
    lines: dict[str, int]
    path: Path
    duplicates: tuple[tuple[str, int, int], ...] = ()
    """Keys given twice in one mapping: (key path, line, line of the first). YAML keeps only the
    last, so a second ``captions:`` block silently replaces the first; callers refuse or warn."""

    def line_of(self, key_path: str) -> int | None:
        """Line of ``key_path`` or of its nearest parent that has one."""
        probe = key_path
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe.rpartition(".")[0]
        return None


def _note_duplicates(node: yaml.MappingNode, prefix: str, budget: _Budget) -> None:
    """Remember keys written twice in this mapping (before merge keys are flattened: a key
    overriding a merged one is meant)."""
    seen: dict[str, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key, line = str(key_node.value), key_node.start_mark.line + 1
        if key in seen:
            budget.duplicates[(f"{prefix}.{key}" if prefix else key, line)] = seen[key]
        seen.setdefault(key, line)


def _construct(node: yaml.Node, prefix: str, lines: dict[str, int], loader: yaml.SafeLoader,
               budget: _Budget) -> Any:
    budget.spend(node)
    if isinstance(node, yaml.MappingNode):
        _note_duplicates(node, prefix, budget)
        loader.flatten_mapping(node)  # "<<: *base" merge keys, as SafeLoader itself does
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise budget.error("a key must be a plain value, not a list or mapping", path=str(budget.path),
                                   line=key_node.start_mark.line + 1)
            key = loader.construct_object(key_node, deep=True)
            path = f"{prefix}.{key}" if prefix else str(key)
            lines[path] = key_node.start_mark.line + 1
            result[key] = _construct(value_node, path, lines, loader, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            path = f"{prefix}.{index}" if prefix else str(index)
            lines[path] = item.start_mark.line + 1
            items.append(_construct(item, path, lines, loader, budget))
        return items
    value = loader.construct_object(node, deep=True)
    if isinstance(value, float) and not math.isfinite(value):
        raise budget.error(f"{value} is not a finite number", path=str(budget.path), line=node.start_mark.line + 1,
                           key=prefix or None, hint="write a plain number")
    return value


def load_yaml(path: Path, error: type[InputError] = InputError) -> Located:
    """Load one YAML document from ``path`` with line numbers; raise ``error`` on any problem."""
    try:
        if path.is_dir():
            raise error("is a folder, not a YAML file", path=str(path))
        with open(path, "rb") as fh:  # bounded read: a device or a huge file never fills memory
            raw = fh.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise error(f"file is larger than {MAX_BYTES // (1024 * 1024)} MB", path=str(path),
                        hint="outlines, presets and platform files are small text files")
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise error("file not found", path=str(path), hint="check the path") from None
    except UnicodeDecodeError:
        raise error("not a UTF-8 text file", path=str(path), hint="save it as UTF-8 YAML") from None
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror}", path=str(path)) from None
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(text)  # rejects unprintable characters at once
        node = loader.get_single_node()
        if node is None:
            raise error("file is empty", path=str(path), hint="expected a YAML mapping")
        lines: dict[str, int] = {}
        budget = _Budget(path, error)
        data = _construct(node, "", lines, loader, budget)
    except RecursionError:
        raise error("nested too deeply", path=str(path), hint="flatten the lists and mappings") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(f"not valid YAML: {problem}", path=str(path),
                    line=(mark.line + 1) if mark else None) from None
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(data, dict):
        raise error(f"expected a YAML mapping at the top level, got {type(data).__name__}",
                    path=str(path), line=1)
    dups = tuple((key, line, first) for (key, line), first in budget.duplicates.items())
    return Located(data=data, lines=lines, path=path, duplicates=dups)
