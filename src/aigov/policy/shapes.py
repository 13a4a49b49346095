"""The declared shape of the expression context, read from the JSON Schemas of its models.

What a rule may read under each root: ``manifest`` (:class:`LifecycleManifest`), ``model_card``
(the front matter's :class:`ModelCardMetadata` plus ``exists``, ``sections``, ``placeholders``),
``contracts`` (the official ODCS schema plus ``file`` and ``fields``), ``evidence`` and
``change`` (the evidence models), ``org`` (:class:`OrgConfig` as the context gives it),
``params`` (the rule's declarations) and ``today``. Each is the schema pydantic generates from
the model, with the keys the context uses (:mod:`aigov.policy.context`), so the check can never
drift from what a run gives the rules.

A :class:`Shape` is a union of schema nodes, walked lazily: a ``$ref`` is resolved when a field
under it is read. A field is unknown only where the schema is closed (``additionalProperties:
false``, ``unevaluatedProperties: false``, pydantic's ``extra="forbid"``); an open object (a
model card's front matter, a mapping of arbitrary keys, ODCS custom values) accepts any key.
Used by :mod:`aigov.policy.typecheck` for expressions and by ``aigov policy test`` for fixtures.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from aigov._resources import builtin_resource
from aigov.policy.derive import SCHEMA as DERIVED_SCHEMA
from aigov.policy.params import RuleParam
from aigov.policy.paths import join_path

Schema = Mapping[str, Any]
Ref = tuple[Schema, Schema]
"""A schema node and the document its ``$ref`` pointers resolve in."""

TIMESTAMP: Final[Schema] = {"x-cel-type": "timestamp"}
"""CEL's timestamp, which JSON Schema has no type for: ``today``."""

_JSON_KINDS: Final = {
    "string": "string",
    "integer": "number",
    "number": "number",
    "boolean": "bool",
    "null": "null",
    "array": "list",
    "object": "map",
}
_MAX_DEPTH: Final = 32  # $ref hops followed before a node is taken as open (cyclic schemas)


@dataclass
class _Flat:
    """One alternative of a node, its ``$ref``/``allOf`` parts merged."""

    kinds: frozenset[str] | None = None  # None: any kind
    properties: dict[str, list[Ref]] = field(default_factory=dict)
    patterns: list[tuple[str, Ref]] = field(default_factory=list)
    closed: bool = False
    additional: list[Ref] | None = None
    items: list[Ref] | None = None
    enum: list[Any] | None = None

    def merge(self, other: _Flat) -> None:
        if other.kinds is not None:
            self.kinds = other.kinds if self.kinds is None else self.kinds & other.kinds
        for key, refs in other.properties.items():
            self.properties.setdefault(key, []).extend(refs)
        self.patterns.extend(other.patterns)
        self.closed = self.closed or other.closed
        if other.additional is not None:
            self.additional = [*(self.additional or []), *other.additional]
        if other.items is not None:
            self.items = [*(self.items or []), *other.items]
        if other.enum is not None:
            self.enum = other.enum if self.enum is None else self.enum

    def add_keys(self, other: _Flat) -> None:
        """Keys an ``if``/``then``/``else`` branch may evaluate: known, not required."""
        for key, refs in other.properties.items():
            self.properties.setdefault(key, []).extend(refs)


def _resolve(pointer: str, root: Schema) -> Schema:
    if not pointer.startswith("#"):
        return {}  # a remote reference: taken as open
    node: Any = root
    for part in (p for p in pointer[1:].split("/") if p):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node.get(part, {}) if isinstance(node, Mapping) else {}
    return node if isinstance(node, Mapping) else {}


def _own(schema: Schema, root: Schema) -> _Flat:
    """What ``schema`` says itself, without its subschemas."""
    flat = _Flat()
    kind = schema.get("type")
    if isinstance(kind, str):
        flat.kinds = frozenset({_JSON_KINDS.get(kind, kind)})
    elif isinstance(kind, list):
        flat.kinds = frozenset(_JSON_KINDS.get(str(k), str(k)) for k in kind)
    values = schema["enum"] if isinstance(schema.get("enum"), list) else None
    if "const" in schema:
        values = [schema["const"]]
    if values is not None:
        flat.enum = values
        flat.kinds = flat.kinds or frozenset(kind_of(v) for v in values)
    if "x-cel-type" in schema:
        flat.kinds = frozenset({schema["x-cel-type"]})
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        flat.properties = {key: [(value, root)] for key, value in properties.items()}
    patterns = schema.get("patternProperties")
    if isinstance(patterns, Mapping):
        flat.patterns = [(pattern, (value, root)) for pattern, value in patterns.items()]
    additional = schema.get("additionalProperties")
    flat.closed = additional is False or schema.get("unevaluatedProperties") is False
    if isinstance(additional, Mapping):
        flat.additional = [(additional, root)]
    items = schema.get("items")
    if isinstance(items, Mapping):
        flat.items = [(items, root)]
    return flat


_FLATS: dict[tuple[int, int], tuple[Schema, Schema, list[_Flat]]] = {}
""":func:`_alternatives` by node: a rule file reads the same few nodes many times. The key is
the nodes' ids, and the entry holds the nodes so that an id is never reused while it is here."""


def _alternatives(schema: Schema, root: Schema, depth: int = 0) -> list[_Flat]:
    """The alternatives a value of ``schema`` may take (``anyOf``/``oneOf``), each flat (never
    to be changed: the list is shared)."""
    key = (id(schema), id(root))
    known = _FLATS.get(key)
    if known is None:
        known = (schema, root, _flatten(schema, root, depth))
        _FLATS[key] = known
    return known[2]


def _flatten(schema: Schema, root: Schema, depth: int) -> list[_Flat]:
    if depth > _MAX_DEPTH:
        return [_Flat()]
    flats = [_own(schema, root)]
    parts: list[Schema] = list(schema.get("allOf", []))
    if isinstance(schema.get("$ref"), str):
        parts.append(_resolve(schema["$ref"], root))
    for part in parts:
        flats = [_merged(a, b) for a in flats for b in _alternatives(part, root, depth + 1)]
    for keyword in ("anyOf", "oneOf"):
        options = schema.get(keyword)
        if isinstance(options, list) and options:
            flats = [
                _merged(a, b)
                for a in flats
                for option in options
                for b in _alternatives(option, root, depth + 1)
            ]
    for keyword in ("then", "else"):
        if isinstance(schema.get(keyword), Mapping):
            for branch in _alternatives(schema[keyword], root, depth + 1):
                for flat in flats:
                    flat.add_keys(branch)
    return flats


def _merged(first: _Flat, second: _Flat) -> _Flat:
    flat = _Flat()
    flat.merge(first)
    flat.merge(second)
    return flat


@dataclass(frozen=True)
class Unknown:
    """A field the shape does not have: where it was looked for and the fields it has."""

    known: tuple[str, ...]

    def suggestion(self, name: str) -> str:
        """``did you mean 'x'?`` for the closest known field, or the list of known fields."""
        return did_you_mean(name, self.known)


@dataclass(frozen=True)
class NotAMap:
    """A field read on a value that cannot have fields (a string, a number, a list)."""

    kinds: frozenset[str]


@dataclass(frozen=True)
class Shape:
    """A union of schema nodes a value matches; no node at all means any value."""

    refs: tuple[Ref, ...] = ()

    def _flats(self) -> Iterator[_Flat]:
        for schema, root in self.refs:
            yield from _alternatives(schema, root)

    @property
    def is_any(self) -> bool:
        return not self.refs

    def member(self, key: str | int) -> Shape | Unknown | NotAMap:
        """The shape of field (or list index) ``key``."""
        if self.is_any:
            return self
        found: list[Ref] = []
        known: set[str] = set()
        other: set[str] = set()
        is_map = False
        for flat in self._flats():
            if flat.kinds is None and not flat.properties and not flat.closed:
                return ANY  # nothing said about this alternative: any value
            if isinstance(key, int) and (flat.kinds is None or "list" in flat.kinds):
                if flat.items is None:
                    return ANY
                found.extend(flat.items)
                continue
            if flat.kinds is not None and "map" not in flat.kinds:
                other |= flat.kinds - {"null"}
                continue
            is_map = True
            refs = flat.properties.get(str(key)) or [
                ref for pattern, ref in flat.patterns if re.search(pattern, str(key))
            ]
            if refs:
                found.extend(refs)
            elif not flat.closed:
                if flat.additional is None:
                    return ANY
                found.extend(flat.additional)
            else:
                known.update(flat.properties)
        if found:
            return Shape(tuple(found))
        if is_map:
            return Unknown(tuple(sorted(known)))
        return NotAMap(frozenset(other)) if other else ANY

    def element(self) -> Shape:
        """The shape of what a macro over this value binds: a list's items, a map's keys."""
        found: list[Ref] = []
        for flat in self._flats():
            if flat.kinds is None or ("list" in flat.kinds and flat.items is None):
                return ANY
            if "list" in flat.kinds and flat.items is not None:
                found.extend(flat.items)
            elif "map" in flat.kinds:
                found.append(({"type": "string"}, {}))
        return Shape(tuple(found)) if found else ANY

    def kinds(self) -> frozenset[str] | None:
        """The CEL kinds a value may have (``string``, ``number``, ``bool``, ``null``, ``list``,
        ``map``, ``timestamp``), or None when the schema does not say."""
        if self.is_any:
            return None
        kinds: set[str] = set()
        for flat in self._flats():
            if flat.kinds is None:
                return None
            kinds |= flat.kinds
        return frozenset(kinds)

    def values(self) -> tuple[Any, ...] | None:
        """The values allowed (an ``enum``) when every non-null alternative lists them."""
        values: list[Any] = []
        for flat in self._flats():
            if flat.kinds == frozenset({"null"}):
                continue
            if flat.enum is None:
                return None
            values.extend(flat.enum)
        return tuple(values) or None


ANY: Final = Shape()


def kind_of(value: Any) -> str:
    """The CEL kind of a plain value (dates are strings in the context's nested data)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str | dt.date):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, Mapping):
        return "map"
    return type(value).__name__


def did_you_mean(name: str, known: tuple[str, ...] | list[str]) -> str:
    """``did you mean 'x'?`` for the closest of ``known``, else what is known (a few)."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    if not known:
        return "it has no fields"
    shown = ", ".join(known[:12]) + (", …" if len(known) > 12 else "")
    return f"known: {shown}"


def describe(kinds: frozenset[str]) -> str:
    """``a string``, ``a number or a list``…"""
    words = {"list": "a list", "map": "a map", "null": "null", "bool": "a bool"}
    names = [words.get(k, f"a {k}") for k in sorted(kinds)]
    return " or ".join(names) if names else "nothing"


def root_shape(root: str) -> Shape | None:
    """The shape of context root ``root`` (``params`` excepted: see :func:`params_shape`)."""
    builder = _ROOT_BUILDERS.get(root)
    return None if builder is None else builder()


def params_shape(params: Mapping[str, RuleParam]) -> Shape:
    """``params`` of a rule: exactly the parameters it declares."""
    kinds = {"int": "integer", "double": "number", "string": "string", "bool": "boolean"}
    properties: dict[str, Any] = {}
    for name, param in params.items():
        value: dict[str, Any] = (
            {"type": "array", "items": {"type": "string"}}
            if param.type == "list"
            else {"type": kinds[param.type]}
        )
        if param.values is not None:
            target = value["items"] if param.type == "list" else value
            target["enum"] = list(param.values)
        properties[name] = value
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    return Shape(((schema, schema),))


@functools.cache
def published_schema(name: str) -> dict[str, Any]:
    """A JSON Schema of ``schemas/`` (generated from the models by :mod:`aigov.schemas`, a
    test keeps them equal): reading one costs a millisecond, generating it a hundred."""
    schema: dict[str, Any] = json.loads(
        (builtin_resource("schemas") / name).read_text(encoding="utf-8")
    )
    return schema


def _self(schema: Schema) -> Shape:
    return Shape(((schema, schema),))


@functools.cache
def _manifest() -> Shape:
    return _self(published_schema("aigov-manifest.schema.json"))  # dumped by alias


@functools.cache
def _model_card() -> Shape:
    root = published_schema("model-card-metadata.schema.json")
    # The context dumps the front matter by field name: model_index, not model-index.
    front = {("model_index" if k == "model-index" else k): v for k, v in root["properties"].items()}
    section = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "title": {"type": "string"},
            "text": {"type": "string"},
            "line": {"type": "integer"},
            "empty": {"type": "boolean"},
            "placeholder": {"type": "boolean"},
        },
    }
    added = {
        "exists": {"type": "boolean"},
        "sections": {"type": "object", "additionalProperties": section},
        "placeholders": {"type": "integer"},
    }
    return Shape((({**root, "properties": {**front, **added}}, root),))


@functools.cache
def _contracts() -> Shape:
    from aigov.documents.contract import odcs_schema
    from aigov.documents.contract_fields import ADDED_KEYS

    root = odcs_schema()
    added = {key: {"type": "string"} for key in ADDED_KEYS}  # path, object
    field_schema = {"$ref": "#/$defs/SchemaProperty", "properties": added}
    contract = {
        "$ref": "#",
        "properties": {
            "file": {"type": "string"},
            "fields": {"type": "array", "items": field_schema},
        },
    }
    return Shape((({"type": "array", "items": contract}, root),))


@functools.cache
def _evidence() -> Shape:
    return _self(published_schema("evidence.schema.json"))


@functools.cache
def _change() -> Shape:
    return _self(published_schema("change.schema.json"))


@functools.cache
def _org() -> Shape:
    root = published_schema("aigov-org.schema.json")
    # org_context leaves out what says what the file is.
    kept = {k: v for k, v in root["properties"].items() if k not in ("apiVersion", "kind")}
    return Shape((({**root, "properties": kept}, root),))


def _today() -> Shape:
    return Shape(((TIMESTAMP, TIMESTAMP),))


@functools.cache
def _derived() -> Shape:
    return _self(DERIVED_SCHEMA)  # what the derivations give, not a published file


_ROOT_BUILDERS: Final[Mapping[str, Callable[[], Shape]]] = {
    "manifest": _manifest,
    "model_card": _model_card,
    "contracts": _contracts,
    "evidence": _evidence,
    "change": _change,
    "org": _org,
    "today": _today,
    "derived": _derived,
}


def data_problems(shape: Shape, value: Any, path: str) -> list[str]:
    """Where plain ``value`` (a policy fixture's, partial) does not fit ``shape``: unknown
    fields and values of another kind; absent fields are fine."""
    problems: list[str] = []
    pending: list[tuple[Shape, Any, str]] = [(shape, value, path)]
    while pending:
        current, item, where = pending.pop()
        kinds = current.kinds()
        if kinds is not None and kind_of(item) not in kinds:
            problems.append(f"{where} is {describe(kinds)}, not {describe(_kind_set(item))}")
            continue
        if isinstance(item, Mapping | list):
            entries = item.items() if isinstance(item, Mapping) else enumerate(item)
            for key, child in entries:
                member = current.member(key)
                if isinstance(member, Unknown):
                    problems.append(
                        f"unknown field '{key}' in {where}: {member.suggestion(str(key))}"
                    )
                elif isinstance(member, Shape) and not member.is_any:
                    pending.append((member, child, join_path(where, key)))
    return sorted(problems)


def _kind_set(value: Any) -> frozenset[str]:
    return frozenset({kind_of(value)})
