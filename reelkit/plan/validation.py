"""The one way user files are validated: JSON Schema (Draft 2020-12) over a located document.

Every user-edited file (outline, series, brand preset, platforms file, plan.json) is checked
by :func:`problems` / :func:`validate` against its schema: a file in ``reelkit/data/``
(``outline``, ``series``, ``platforms``) or one generated at import from the single source of
its fields (the plan and brand dataclasses). Each problem is one line,
``file:line: key.path: problem (hint)``, in document order. A schema may give a better
message and hint than the generic ones with two annotations jsonschema ignores:
``"x-message"`` (``{value}`` is the offending value) and ``"x-hint"``.

What a schema cannot say (a clip's media, a font that loads, values that must agree with
each other) is checked by each loader in code after this pass.
"""

from __future__ import annotations

import bisect
import difflib
import json
import re
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from reelkit.errors import InputError
from reelkit.io.yamlfile import Located

DATA_SCHEMAS = ("outline", "series")
"""The schemas kept as files, ``reelkit/data/<name>.schema.json``."""

_TYPE_WORDS = {"string": "a string", "integer": "a whole number", "number": "a number",
               "boolean": "true or false", "array": "a list", "object": "a mapping", "null": "null"}
_MAX_MESSAGE = 200  # messages quote the offending value: keep the line readable


@cache
def data_schema(name: str) -> dict[str, Any]:
    """The published schema ``reelkit/data/<name>.schema.json``."""
    text = (resources.files("reelkit") / "data" / f"{name}.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


@cache
def _validator_class() -> Any:
    import jsonschema  # lazy: jsonschema (~0.1 s) loads only when a file is validated

    def whole(_checker: Any, value: Any) -> bool:  # 5.0 is not a whole number here, nor is true
        return isinstance(value, int) and not isinstance(value, bool)

    checker = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", whole)
    return jsonschema.validators.extend(jsonschema.Draft202012Validator, type_checker=checker)


@cache
def _registry() -> Any:
    from referencing import Registry, Resource  # lazy: loaded with jsonschema

    resources_ = [(s["$id"], Resource.from_contents(s)) for s in map(data_schema, DATA_SCHEMAS)]
    return Registry().with_resources(resources_)


_VALIDATORS: dict[int, tuple[dict[str, Any], Any]] = {}
"""id(schema) -> (schema, its validator): the schemas are cached objects, built once per process."""


def _validator(schema: dict[str, Any]) -> Any:
    entry = _VALIDATORS.get(id(schema))
    if entry is None or entry[0] is not schema:
        entry = _VALIDATORS[id(schema)] = (schema, _validator_class()(schema, registry=_registry()))
    return entry[1]


# --- the one pass ------------------------------------------------------------------------------

def problems(doc: Located, schema: str | dict[str, Any], *, error: type[InputError] = InputError,
             brackets: bool = False) -> list[InputError]:
    """Every place ``doc`` breaks ``schema`` (a data schema name or a schema), as errors naming
    file, line and key path, in document order; [] when it is valid. ``brackets`` writes key
    paths the JSON way (``cuts[0].crop``) instead of the YAML way (``cuts.0.crop``)."""
    if isinstance(schema, str):
        schema = data_schema(schema)
    found = []
    for err in _validator(schema).iter_errors(doc.data):
        parts, message, hint = _explain(err)
        dotted = key_text(parts)
        if len(message) > _MAX_MESSAGE:
            message = message[:160] + "..."
        # Document order; on one line a wrong value before a missing key (told at its parent).
        found.append(((doc.line_of(dotted) or 1, err.validator == "required", len(parts), dotted),
                      error(message, path=str(doc.path), line=doc.line_of(dotted),
                            key=key_text(parts, brackets) or None, hint=hint)))
    return [e for _, e in sorted(found, key=lambda pair: pair[0])]


def validate(doc: Located, schema: str | dict[str, Any], *, error: type[InputError] = InputError,
             brackets: bool = False) -> None:
    """Raise the first of :func:`problems` (one line: file:line: key.path: problem (hint))."""
    found = problems(doc, schema, error=error, brackets=brackets)
    if found:
        raise found[0]


def key_text(parts: list[Any], brackets: bool = False) -> str:
    """A key path as written in messages: ``segments.0.clip``, or ``cuts[0].crop`` for JSON."""
    if not brackets:
        return ".".join(map(str, parts))
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def dotted(key: str) -> str:
    """``cuts[0].crop`` -> ``cuts.0.crop``, the form :meth:`Located.line_of` takes."""
    return re.sub(r"\[(\d+)\]", r".\1", key)


# --- turning a jsonschema error into one plain line ---------------------------------------

def _explain(err: Any) -> tuple[list[Any], str, str | None]:
    """(key path parts, problem, hint) of one jsonschema error."""
    parts = list(err.absolute_path)
    schema = err.schema if isinstance(err.schema, dict) else {}
    custom, hint = schema.get("x-message"), schema.get("x-hint")
    value, keyword = err.instance, err.validator
    if "propertyNames" in err.relative_schema_path:
        parts.append(value)  # the name itself is wrong: point at it
    if keyword in ("anyOf", "oneOf") and not custom:
        inner = _inner(err)
        if inner is not None:
            return _explain(inner)
    if value is None and keyword in ("type", "anyOf", "oneOf", "pattern"):
        return parts, "no value given", hint
    if custom:
        return parts, custom.format(value=_shown(value)), hint
    if keyword == "additionalProperties":
        # In the order the schema declares them, less retired keys (``"not": {}``: refused with a hint).
        known = [k for k, v in schema.get("properties", {}).items() if not (isinstance(v, dict) and v.get("not") == {})]
        unknown = sorted(str(k) for k in set(value) - set(schema.get("properties", {})))
        if unknown:
            close = difflib.get_close_matches(unknown[0], known, n=1)
            hint = hint or (f"did you mean '{close[0]}'?" if close else "known keys: " + ", ".join(known))
            return parts + [unknown[0]], f"unknown key '{unknown[0]}'", hint
    if keyword == "required":
        missing = [n for n in err.validator_value if n not in value]
        return parts + missing[:1], "missing", hint
    if keyword == "enum":
        return parts, f"unknown value {_shown(value)}", hint or "known: " + ", ".join(map(str, err.validator_value))
    return parts, _generic(keyword, err.validator_value, value, schema), hint


def _inner(err: Any) -> Any:
    """The error inside an ``anyOf``/``oneOf`` that says what is wrong: one deeper in the value
    (it has the shape of a branch), else one that is not just the wrong type; None when every
    branch merely wants another type (then the combined "expected X or Y" is clearest)."""
    context = sorted(err.context, key=lambda e: (-len(e.path), list(map(str, e.path))))
    deeper = [e for e in context if len(e.path) > 0]
    if deeper:
        return deeper[0]
    shaped = [e for e in context if e.validator != "type" and not (e.validator in ("anyOf", "oneOf") and not e.path)]
    return shaped[0] if shaped else None


def _generic(keyword: str, limit: Any, value: Any, schema: dict[str, Any]) -> str:
    """The message of a failed keyword, in a producer's words."""
    if keyword in ("type", "anyOf", "oneOf"):
        types = limit if keyword == "type" else [b.get("type") for b in schema.get(keyword, ())]
        types = [types] if isinstance(types, str) else [t for t in types if t]
        names = " or ".join(_TYPE_WORDS.get(t, t) for t in types) or "another value"
        return f"expected {names}, got {_json_type(value)}"
    if keyword == "const":
        return f"expected {limit!r}, got {_shown(value)}"
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        if low is not None and high is not None:
            return f"must be between {low:g} and {high:g}, got {value:g}"
        word = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "greater than",
                "exclusiveMaximum": "less than"}[keyword]
        return f"must be {word} {limit:g}, got {value:g}"
    if keyword in ("maxLength", "maxItems"):
        unit = "characters" if keyword == "maxLength" else "items"  # never repeat a huge value
        return f"has {len(value):,} {unit}, more than the {limit:,} allowed"
    if keyword in ("minLength", "minItems", "minProperties"):
        return "must not be empty" if limit == 1 else f"needs at least {limit} entries"
    if keyword == "uniqueItems":
        return "lists the same value twice"
    if keyword == "multipleOf":
        return f"must be a multiple of {limit:g}, got {value:g}"
    if keyword == "pattern":
        return f"{_shown(value)} is not in the expected form"
    return f"{_shown(value)} is not allowed here ({keyword})"


def _shown(value: Any) -> str:
    return repr(value[:60] + "...") if isinstance(value, str) and len(value) > 60 else repr(value)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    return "a list" if isinstance(value, list) else "a mapping"


# --- JSON files with line numbers -----------------------------------------------------------

def json_document(text: str, path: Path | str) -> Located:
    """Parsed JSON ``text`` as a :class:`Located` (``NaN``/``Infinity`` refused); the line of
    each key is found only when a message asks for one."""
    def refuse(constant: str) -> Any:
        raise InputError(f"{constant} is not a finite number", path=str(path), hint="write a plain number")

    try:
        data = json.loads(text, parse_constant=refuse)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", path=str(path), line=exc.lineno) from None
    except RecursionError:
        raise InputError("nested too deeply", path=str(path)) from None
    return Located(data=data, lines=_JsonLines(text), path=Path(path))  # type: ignore[arg-type]


class _JsonLines(Mapping[str, int]):
    """Key path -> line of a JSON text, computed on first use (a read without problems never pays)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._table: dict[str, int] | None = None

    def _lines(self) -> dict[str, int]:
        if self._table is None:
            self._table = {}
            newlines = [m.start() for m in re.finditer("\n", self._text)]
            try:
                _walk(self._text, 0, "", self._table, lambda pos: bisect.bisect_left(newlines, pos) + 1)
            except (RecursionError, ValueError, IndexError):
                pass  # json.loads read it, so this cannot happen; lines are a courtesy anyway
        return self._table

    def __getitem__(self, key: str) -> int:
        return self._lines()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._lines())

    def __len__(self) -> int:
        return len(self._lines())


_WS = re.compile(r"[ \t\n\r]*")
_SCALAR = json.JSONDecoder(parse_constant=float)


def _walk(text: str, pos: int, prefix: str, lines: dict[str, int], line: Any) -> int:
    """Record the line of every key and item under the value at ``pos``; returns its end."""
    pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
    opener = text[pos]
    if opener not in "{[":
        return _SCALAR.raw_decode(text, pos)[1]
    closer, index = ("}" if opener == "{" else "]"), 0
    pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
    while text[pos] != closer:
        if opener == "{":
            name, end = json.decoder.scanstring(text, pos + 1)  # type: ignore[attr-defined]
            key = f"{prefix}.{name}" if prefix else name
            lines[key] = line(pos)
            pos = _WS.match(text, end).end() + 1  # type: ignore[union-attr]  # past ':'
        else:
            key = f"{prefix}.{index}" if prefix else str(index)
            lines[key] = line(_WS.match(text, pos).end())  # type: ignore[union-attr]
            index += 1
        pos = _WS.match(text, _walk(text, pos, key, lines, line)).end()  # type: ignore[union-attr]
        if text[pos] == ",":
            pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
    return pos + 1
