"""Every property of an ODCS v3 contract, at any depth, as one flat list with its path.

ODCS properties nest: a property with ``properties`` (``logicalType: object``) holds more
properties, one with ``items`` (``logicalType: array``) describes its elements with a property
that can hold ``properties`` or ``items`` in turn, and a v3.2 ``map`` has a ``key`` and a
``value`` property. Rules and the data inventory read this flat list, so that personal data in
``customer.address.email`` is seen as well as a top-level ``email``.

Path spelling (inside the schema object, whose name is ``object``):

- a property of an object: its name after a dot, ``customer.address.email`` (ODCS's own shorthand
  notation for nested properties, e.g. ``accounts.address.postal_code``, less the object name);
- the element of an array: ``[]`` after the array, ``orders[].sku``, ``matrix[][]`` for an array
  of arrays (the element's own ``name``, often just ``items``, is not part of the path);
- the key and the value of a map: ``{key}`` and ``{value}``, ``labels{value}.email``;
- a property without a name: ``#`` and its position, ``#2``.

The walk follows the structure, not ``logicalType`` (older contracts omit it), is iterative and
stops descending below :data:`MAX_FIELD_DEPTH` nesting levels: the YAML loader already refuses a
document nested more than :data:`~aigov.documents.safe_yaml.MAX_DEPTH` levels, and each level of
property nesting takes at least one YAML level, so no loadable contract reaches the limit; it only
bounds data built in memory. The number of fields is bounded by the loader's node limit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final, NamedTuple

from aigov.documents.safe_yaml import MAX_DEPTH, FieldPath, format_path

MAX_FIELD_DEPTH: Final = MAX_DEPTH
"""How many levels of nesting below a schema object's properties the walk follows."""

NESTING_KEYS: Final = frozenset({"properties", "items", "map"})
"""The keys through which a property holds other properties (each is listed on its own)."""

ADDED_KEYS: Final = ("path", "object")
"""The keys :meth:`ContractField.plain` adds to a property's own fields. Only these two: the
expression library converts every key of a context at a cost (about 1.5 µs each), and a
contract of 20,000 properties would pay for keys no rule needs (``depth`` and ``source`` stay
attributes, for locating a finding and for the documents)."""


class ContractField(NamedTuple):
    """One property of a contract, wherever it is nested.

    ``path`` is spelled as the module docstring says; ``object`` is the name of the schema object
    it belongs to; ``where`` is its place in the contract (``("schema", 0, "properties", 2,
    "items")``); ``depth`` is 0 for an object's own properties, one more per nesting level;
    ``definition`` is the property as written (nested properties included). A named tuple, not
    a dataclass: a hostile contract has tens of thousands of fields, and a frozen dataclass
    costs several times more to build.
    """

    path: str
    object: str
    where: FieldPath
    depth: int
    definition: Mapping[str, Any]

    @property
    def source(self) -> str:
        """``where`` as text: ``schema[0].properties[2].items``."""
        return format_path(self.where)

    def plain(self) -> dict[str, Any]:
        """The property's own fields (without the nested ones, each listed on its own) plus
        ``path`` and ``object``: what a rule reads in ``contracts[].fields``."""
        own = {k: v for k, v in self.definition.items() if k not in NESTING_KEYS}
        own.update(path=self.path, object=self.object)
        return own


# A property still to visit: its definition, its path, its place, its depth.
_Pending = tuple[Mapping[str, Any], str, FieldPath, int]


def contract_fields(data: Mapping[str, Any]) -> Iterator[ContractField]:
    """Every property of ``data``'s ``schema[]`` objects at any depth, in document order (each
    property before the ones it holds). Entries that are not dicts (as the YAML loader and JSON
    give mappings) are skipped: ``isinstance(x, dict)`` is several times cheaper than testing for
    the abstract ``Mapping``, which counts with tens of thousands of properties."""
    schema = data.get("schema")
    if not isinstance(schema, list):
        return
    for index, obj in enumerate(schema):
        if isinstance(obj, dict):
            yield from _object_fields(obj, ("schema", index))


def _object_fields(obj: Mapping[str, Any], where: FieldPath) -> Iterator[ContractField]:
    name = obj.get("name")
    object_name = name if isinstance(name, str) else ""
    # A stack, not recursion: a hostile contract's depth must not reach Python's stack limit.
    stack: list[_Pending] = list(reversed(_children(obj, "", where, 0)))
    while stack:
        definition, path, place, depth = stack.pop()
        yield ContractField(path, object_name, place, depth, definition)
        if depth < MAX_FIELD_DEPTH:
            stack.extend(reversed(_children(definition, path, place, depth + 1)))


def _children(parent: Mapping[str, Any], path: str, where: FieldPath, depth: int) -> list[_Pending]:
    """The properties ``parent`` holds directly, with their paths."""
    found: list[_Pending] = []
    properties = parent.get("properties")
    if isinstance(properties, list):
        for index, prop in enumerate(properties):
            if isinstance(prop, dict):
                name = prop.get("name")
                step = str(name) if isinstance(name, str | int) and str(name) else f"#{index}"
                child = f"{path}.{step}" if path else step
                found.append((prop, child, (*where, "properties", index), depth))
    items = parent.get("items")
    if isinstance(items, dict):
        found.append((items, f"{path}[]", (*where, "items"), depth))
    mapping = parent.get("map")
    if isinstance(mapping, dict):
        for part in ("key", "value"):
            entry = mapping.get(part)
            if isinstance(entry, dict):
                found.append((entry, f"{path}{{{part}}}", (*where, "map", part), depth))
    return found
