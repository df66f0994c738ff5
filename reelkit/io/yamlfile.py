"""YAML loading that remembers where each key came from, for error messages with line numbers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from reelkit.errors import InputError


@dataclass(frozen=True)
class Located:
    """A loaded YAML document plus a map from key paths ("segments.0.clip") to line numbers."""

    data: Any
    lines: dict[str, int]
    path: Path

    def line_of(self, key_path: str) -> int | None:
        """Line of ``key_path`` or of its nearest parent that has one."""
        probe = key_path
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe.rpartition(".")[0]
        return None


def _construct(node: yaml.Node, prefix: str, lines: dict[str, int], loader: yaml.SafeLoader) -> Any:
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            path = f"{prefix}.{key}" if prefix else str(key)
            lines[path] = key_node.start_mark.line + 1
            result[key] = _construct(value_node, path, lines, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            path = f"{prefix}.{index}" if prefix else str(index)
            lines[path] = item.start_mark.line + 1
            items.append(_construct(item, path, lines, loader))
        return items
    return loader.construct_object(node, deep=True)


def load_yaml(path: Path, error: type[InputError] = InputError) -> Located:
    """Load one YAML document from ``path`` with line numbers; raise ``error`` on any problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error("file not found", path=str(path), hint="check the path") from None
    except UnicodeDecodeError:
        raise error("not a UTF-8 text file", path=str(path), hint="save it as UTF-8 YAML") from None
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror}", path=str(path)) from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise error("file is empty", path=str(path), hint="expected a YAML mapping")
        lines: dict[str, int] = {}
        data = _construct(node, "", lines, loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(f"not valid YAML: {problem}", path=str(path),
                    line=(mark.line + 1) if mark else None) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise error(f"expected a YAML mapping at the top level, got {type(data).__name__}",
                    path=str(path), line=1)
    return Located(data=data, lines=lines, path=path)
