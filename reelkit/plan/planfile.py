"""plan.json on disk: writing one plan per frame size, reading a (possibly hand-edited) file
back with every value checked, and the file's JSON Schema.

A file holds one :class:`~reelkit.plan.model.Plan` object (one frame size), or, when a run
made several frame sizes, ``{"schema_version": 1, "plans": [Plan, ...]}``. Reading checks the
JSON against the schema generated from the dataclasses (:func:`plan_schema`, through
:mod:`reelkit.plan.validation` like every user file) and names the line and key path of the
first problem (``plan.json:40: pages[3].lines[0][1].text: expected a string``), refuses unknown
keys (a typo would otherwise be ignored); then, in code, checks that cuts name known sources and
that every file the plan refers to exists, and
makes the frame fields exact (:func:`reelkit.plan.model.with_exact_frames`). This is the one
reader and writer of plan.json: tests and scripts use it too.

A hand edit is honoured or refused, never ignored (:func:`reconcile_edits`): where a seconds
field and its frame field disagree, the one that was edited wins and the other is recomputed;
where the file cannot tell which was edited, or a derived field (output positions, duration,
``fps``) was edited, reading refuses with one line naming both fields and their values.

The published schema, ``reelkit/data/plan.schema.json``, is generated from the same
dataclasses: ``python -m reelkit.plan.planfile > reelkit/data/plan.schema.json``.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import types
import typing
from collections.abc import Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from reelkit.errors import InputError
from reelkit.io.atomic import write_text_atomic
from reelkit.io.dataclass_data import from_data, to_data
from reelkit.plan.frames import exact_rate, frame_seconds, to_frames
from reelkit.plan.model import SCHEMA_VERSION, Plan, with_exact_frames
from reelkit.plan.platform_values import platforms_schema
from reelkit.plan.platforms import Platform
from reelkit.plan.validation import dotted, json_document, validate

MAX_PLAN_BYTES = 64 * 1024 * 1024  # a plan of a long episode is a few MB; refuse anything absurd


class _Bad(ValueError):
    def __init__(self, key: str, problem: str) -> None:
        super().__init__(problem)
        self.key = key


# --- writing --------------------------------------------------------------------------------

def dump_plans(plans: Sequence[Plan]) -> str:
    """One plan as a Plan object; several (one per frame size) wrapped in ``plans``."""
    if len(plans) == 1:
        data = to_data(plans[0])
    else:
        data = {"schema_version": SCHEMA_VERSION, "plans": [to_data(p) for p in plans]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_plans(plans: Sequence[Plan], path: Path) -> None:
    """Write plan.json atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, dump_plans(plans))


# --- reading --------------------------------------------------------------------------------

def read_plan_file(path: Path, *, check_files: bool = True) -> tuple[Plan, ...]:
    """The plans in ``path``, checked and made exact; InputError naming file and key path."""
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise InputError("plan file not found", path=name, hint="make one with `reelkit plan`")
    if path.stat().st_size > MAX_PLAN_BYTES:
        raise InputError(f"plan file is larger than {MAX_PLAN_BYTES // 2**20} MB", path=name)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", path=name) from None
    return parse_plans(text, name=name, check_files=check_files)


def parse_plans(text: str, *, name: str = "plan.json", check_files: bool = True) -> tuple[Plan, ...]:
    """The plans in plan.json ``text`` (``name`` is the file named in errors), checked and made exact."""
    doc = json_document(text, name)
    data = doc.data
    if not isinstance(data, dict):
        raise InputError("expected a JSON object (a plan made by `reelkit plan`)", path=name)
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise InputError(f"plan schema version {version!r} is not supported (expected {SCHEMA_VERSION})",
                         path=name, line=doc.line_of("schema_version"), key="schema_version",
                         hint="make the plan again with this reelkit")
    validate(doc, plan_schema(), brackets=True)
    items = [(f"plans[{i}].", d) for i, d in enumerate(data["plans"])] if "plans" in data else [("", data)]
    plans = []
    for prefix, item in items:
        key = prefix + "cuts"
        try:
            plan = from_data(Plan, item)
            _check_references(plan, prefix, check_files)
            plans.append(with_exact_frames(reconcile_edits(plan, prefix)))
        except _Bad as bad:
            key = bad.key
            raise InputError(str(bad), path=name, line=doc.line_of(dotted(key)), key=key or None) from None
        except ValueError as exc:  # with_exact_frames: a cut that ends before it starts
            raise InputError(str(exc), path=name, line=doc.line_of(dotted(key)), key=key) from None
    return tuple(plans)


def _check_references(plan: Plan, prefix: str, check_files: bool) -> None:
    """Cuts name known sources; every file the renderer opens exists."""
    ids = {s.id for s in plan.sources}
    for i, cut in enumerate(plan.cuts):
        if cut.source not in ids:
            raise _Bad(f"{prefix}cuts[{i}].source", f"unknown source {cut.source!r} (known: {', '.join(sorted(ids))})")
    if not plan.cuts:
        raise _Bad(f"{prefix}cuts", "a plan needs at least one cut")
    if not plan.outputs:
        raise _Bad(f"{prefix}outputs", "a plan needs at least one output")
    if not check_files:
        return
    files = [(f"{prefix}sources[{i}].path", s.path) for i, s in enumerate(plan.sources)]
    files += [(f"{prefix}overlays[{i}].image", o.image) for i, o in enumerate(plan.overlays)]
    if plan.music is not None:
        files.append((f"{prefix}music.path", plan.music.path))
    if plan.caption_style.font_file and plan.burn_captions and plan.pages:
        files.append((f"{prefix}caption_style.font_file", plan.caption_style.font_file))
    for key, file in files:
        if not Path(file).is_file():
            raise _Bad(key, f"file not found: {file}")


# --- hand edits of the timing fields -------------------------------------------------------

def reconcile_edits(plan: Plan, prefix: str = "") -> Plan:
    """``plan`` with every cut's frame fields agreeing with what the person edited.

    A plan written by reelkit has each seconds field equal to its frame field, and the output
    fields tiling the timeline back to back from 0 to ``duration``. So the written output span
    of a cut is a witness of its original length: when ``src_end`` (seconds) disagrees with
    ``src_end_frame``, the form whose length still equals the output span was left alone and
    the other was edited. Output positions, ``duration`` and ``fps`` are derived (they follow
    from the source frames and ``frame_rate``): an edit there is refused, naming both fields.
    Plans without frame fields (older files) are taken from their seconds, as before.
    """
    rate = plan.rate
    if plan.frame_rate and exact_rate(plan.fps) != rate:
        raise _Bad(f"{prefix}fps", f"fps {plan.fps:g} disagrees with frame_rate {plan.frame_rate!r} "
                                   f"({float(rate):g} fps): fps is derived; change frame_rate, or both")
    cuts = list(plan.cuts)
    cursor = 0
    for i, cut in enumerate(cuts):
        key = f"{prefix}cuts[{i}]"
        frames = (cut.src_start_frame, cut.src_end_frame, cut.out_start_frame, cut.out_end_frame)
        if any(f is None for f in frames):
            return plan  # an older plan: its seconds are the only positions it has
        ss_f, se_f, os_f, oe_f = frames
        for name, seconds, frame in (("out_start", cut.out_start, os_f), ("out_end", cut.out_end, oe_f)):
            _same_time(key, name, seconds, frame, rate,
                       "output positions follow from the source frames; edit src_start or src_end")
        if os_f != cursor:
            raise _Bad(f"{key}.out_start_frame", f"out_start_frame {os_f} does not follow the previous cut's "
                       f"out_end_frame {cursor}: cuts are laid back to back; edit src_start or src_end")
        cursor = oe_f
        ss_s, se_s = to_frames(cut.src_start, rate), to_frames(cut.src_end, rate)
        if (ss_s, se_s) == (ss_f, se_f):
            continue
        written = oe_f - os_f
        if se_f - ss_f == written != se_s - ss_s:  # the seconds were edited: they win
            cuts[i] = replace(cut, src_start_frame=ss_s, src_end_frame=se_s)
        elif se_s - ss_s == written != se_f - ss_f:  # the frames were edited: they win
            continue
        else:
            name = "src_start" if ss_s != ss_f else "src_end"
            frame = ss_f if name == "src_start" else se_f
            raise _Bad(f"{key}.{name}", f"{name} {getattr(cut, name):g} disagrees with {name}_frame {frame} "
                       f"({frame_seconds(frame, rate):g} s) and the file cannot tell which was edited: "
                       f"make them agree")
    if cuts and to_frames(plan.duration, rate) != cursor:
        raise _Bad(f"{prefix}duration", f"duration {plan.duration:g} disagrees with the last cut's out_end_frame "
                   f"{cursor} ({frame_seconds(cursor, rate):g} s): the duration follows from the cuts; "
                   f"edit a cut's src_end instead")
    return replace(plan, cuts=tuple(cuts))


def _same_time(key: str, name: str, seconds: float, frame: int, rate: Any, hint: str) -> None:
    """Refuse a derived seconds field that disagrees with its frame field."""
    if to_frames(seconds, rate) != frame:
        raise _Bad(f"{key}.{name}", f"{name} {seconds:g} disagrees with {name}_frame {frame} "
                   f"({frame_seconds(frame, rate):g} s): {hint}")


# --- the published schema -------------------------------------------------------------------

_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null"}


def _schema(cls: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of type hint ``cls``; dataclasses go into ``defs`` by name."""
    origin = typing.get_origin(cls)
    if cls is Any:
        return {}
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(cls)
        if all(a in _JSON_TYPES for a in args):  # "expected a whole number or null" reads best
            return {"type": [_JSON_TYPES[a] for a in args]}
        return {"anyOf": [_schema(a, defs) for a in args]}
    if origin is tuple:
        args = typing.get_args(cls)
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": _schema(args[0], defs)}
        return {"type": "array", "prefixItems": [_schema(a, defs) for a in args],
                "minItems": len(args), "maxItems": len(args)}
    if origin is dict:
        return {"type": "object"}
    if dataclasses.is_dataclass(cls):
        if cls.__name__ not in defs:
            defs[cls.__name__] = {}  # placeholder against recursion
            defs[cls.__name__] = _object_schema(cls, defs)
        return {"$ref": f"#/$defs/{cls.__name__}"}
    return {"type": _JSON_TYPES[cls]}


def _object_schema(cls: Any, defs: dict[str, Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)
    required = [f.name for f in fields if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    body: dict[str, Any] = {"type": "object", "properties": {f.name: _schema(hints[f.name], defs) for f in fields},
                            "additionalProperties": False}
    doc = (cls.__doc__ or "").strip().split("\n\n")[0]
    if doc:
        body["description"] = " ".join(doc.split())
    if required:
        body["required"] = required
    return body


def _preset_bounds(defs: dict[str, Any]) -> None:
    """Encode settings (``outputs``, ``platform_presets``) take their schemas from the platforms
    file's: one source for what a crf, a loudness or a frame size may be, wherever it is edited."""
    preset = platforms_schema()
    fields = preset["$defs"]["fields"]["properties"]
    for name in ("OutputSpec", "Platform"):
        properties = defs[name]["properties"]
        properties.update({key: fields[key] for key in properties if key in fields})
    defs.update({key: value for key, value in preset["$defs"].items() if key != "fields"})  # their $refs


@cache
def plan_schema() -> dict[str, Any]:
    """The JSON Schema of plan.json (one plan, or ``plans`` for several frame sizes): what
    reading checks, and what ``make schema`` publishes as ``reelkit/data/plan.schema.json``."""
    defs: dict[str, Any] = {}
    plan_ref = _schema(Plan, defs)
    # A plan records each platform's preset as plain data: checked as a Platform.
    defs["Plan"]["properties"]["platform_presets"] = {"type": "array", "items": _schema(Platform, defs)}
    _preset_bounds(defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://reelkit.example/plan.schema.json",
        "title": "reelkit plan",
        "description": "The resolved edit of one episode, written by `reelkit plan` and read by "
                       "`reelkit render plan.json` and `reelkit export`. Frame fields are exact; seconds "
                       "fields are derived from them.",
        "if": {"type": "object", "required": ["plans"]},
        "then": {"type": "object", "required": ["schema_version", "plans"], "additionalProperties": False,
                 "properties": {"schema_version": {"const": SCHEMA_VERSION},
                                "plans": {"type": "array", "minItems": 1, "items": plan_ref}}},
        "else": plan_ref,
        "$defs": defs,
    }


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(json.dumps(plan_schema(), indent=2) + "\n")
