"""Frozen dataclass trees <-> JSON-ready data (dicts, lists, numbers, strings).

Generic, driven by the dataclasses' type hints: the plan (:mod:`reelkit.plan.planfile`), the
platform presets it carries and the caption cache key all use the same two functions. Values
from files are checked against their schema before they reach :func:`from_data`
(see :mod:`reelkit.plan.validation`).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any


def to_data(obj: Any) -> Any:
    """Dataclass tree -> JSON-ready dicts/lists (tuples become lists)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_data(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (tuple, list)):
        return [to_data(v) for v in obj]
    return obj


def from_data(cls: Any, data: Any) -> Any:
    """Inverse of :func:`to_data`, driven by the type hints of ``cls``."""
    origin = typing.get_origin(cls)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(cls) if a is not type(None)]
        if data is None:
            return None
        return from_data(args[0], data)
    if origin is tuple:
        args = typing.get_args(cls)
        inner = args[0] if args else Any
        return tuple(from_data(inner, v) for v in data)
    if dataclasses.is_dataclass(cls):
        hints = typing.get_type_hints(cls)
        kwargs = {f.name: from_data(hints[f.name], data[f.name])
                  for f in dataclasses.fields(cls) if f.name in data}
        return cls(**kwargs)
    if cls is float and isinstance(data, int):
        return float(data)
    return data
