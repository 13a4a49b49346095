"""The walk over a contract's properties at any depth: paths, places, bounds."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import MINIMAL_MANIFEST

from aigov.documents.contract_fields import MAX_FIELD_DEPTH, contract_fields
from aigov.documents.repository import load_repository
from aigov.documents.safe_yaml import MAX_DEPTH

NESTED: dict[str, Any] = {
    "schema": [
        {"name": "ids", "properties": [{"name": "id", "logicalType": "string"}]},
        {
            "name": "customers",
            "properties": [
                {
                    "name": "customer",
                    "logicalType": "object",
                    "properties": [
                        {
                            "name": "address",
                            "logicalType": "object",
                            "properties": [
                                {"name": "email", "tags": ["pii"], "classification": "restricted"}
                            ],
                        }
                    ],
                },
                {
                    "name": "orders",
                    "logicalType": "array",
                    "items": {
                        "name": "items",
                        "logicalType": "object",
                        "properties": [{"name": "sku"}, {"logicalType": "string"}],
                    },
                },
                {
                    "name": "matrix",
                    "logicalType": "array",
                    "items": {
                        "logicalType": "array",
                        "items": {"logicalType": "object", "properties": [{"name": "x"}]},
                    },
                },
                {
                    "name": "labels",
                    "logicalType": "map",
                    "map": {
                        "key": {"logicalType": "string"},
                        "value": {"logicalType": "object", "properties": [{"name": "owner"}]},
                    },
                },
            ],
        },
    ]
}


def test_every_property_at_any_depth_with_its_path_object_and_place() -> None:
    fields = list(contract_fields(NESTED))
    assert [(f.object, f.path, f.depth) for f in fields] == [
        ("ids", "id", 0),
        ("customers", "customer", 0),
        ("customers", "customer.address", 1),
        ("customers", "customer.address.email", 2),
        ("customers", "orders", 0),
        ("customers", "orders[]", 1),
        ("customers", "orders[].sku", 2),
        ("customers", "orders[].#1", 2),
        ("customers", "matrix", 0),
        ("customers", "matrix[]", 1),
        ("customers", "matrix[][]", 2),
        ("customers", "matrix[][].x", 3),
        ("customers", "labels", 0),
        ("customers", "labels{key}", 1),
        ("customers", "labels{value}", 1),
        ("customers", "labels{value}.owner", 2),
    ]
    email = fields[3]
    assert email.source == "schema[1].properties[0].properties[0].properties[0]"
    assert email.where == ("schema", 1, "properties", 0, "properties", 0, "properties", 0)
    assert email.plain() == {
        "name": "email",
        "tags": ["pii"],
        "classification": "restricted",
        "path": "customer.address.email",
        "object": "customers",
    }
    assert fields[6].source == "schema[1].properties[1].items.properties[0]"
    assert fields[15].source == "schema[1].properties[3].map.value.properties[0]"
    # Nested properties are entries of their own, not repeated inside their parent's entry.
    assert "properties" not in fields[1].plain() and "items" not in fields[4].plain()
    assert "map" not in fields[12].plain()
    # The element keeps its own name (datacontract-cli writes `items`); the path does not use it.
    assert fields[5].plain()["name"] == "items"


def test_what_is_not_a_property_is_skipped() -> None:
    assert list(contract_fields({})) == []
    assert list(contract_fields({"schema": "t"})) == []
    odd = {"schema": [None, "t", {"properties": [1, None, {"name": "a", "items": [1]}]}]}
    fields = list(contract_fields(odd))
    assert [(f.object, f.path) for f in fields] == [("", "a")]


def test_a_hostile_depth_built_in_memory_is_walked_without_recursion_to_the_limit() -> None:
    leaf: dict[str, Any] = {"name": "leaf"}
    for _ in range(50_000):  # far beyond Python's recursion limit
        leaf = {"name": "n", "logicalType": "array", "items": leaf}
    fields = list(contract_fields({"schema": [{"name": "t", "properties": [leaf]}]}))
    assert len(fields) == MAX_FIELD_DEPTH + 1
    assert fields[-1].depth == MAX_FIELD_DEPTH
    assert fields[-1].path == "n" + "[]" * MAX_FIELD_DEPTH


def _deep_contract(levels: int) -> str:
    """A contract whose property ``a`` is an array of arrays ``levels`` deep, ending in a pii
    string: arrays of arrays nest one YAML level per property, the deepest a file can go."""
    lines = [
        "apiVersion: v3.1.0",
        "kind: DataContract",
        "id: deep",
        "version: 1.0.0",
        "status: active",
        "schema:",
        "  - name: t",
        "    properties:",
        "      - name: a",
    ]
    indent = "        "
    for _ in range(levels):
        lines += [f"{indent}logicalType: array", f"{indent}items:"]
        indent += "  "
    lines += [f"{indent}logicalType: string", f"{indent}tags: [pii]"]
    return "\n".join(lines) + "\n"


def test_the_deepest_contract_the_loader_accepts_is_walked_whole(
    make_repo: Callable[..., Path],
) -> None:
    manifest = MINIMAL_MANIFEST + "data:\n  contracts: [contracts/deep.odcs.yaml]\n"
    levels = MAX_DEPTH - 6  # the root, schema, its object, properties, a, and the tags list
    deepest = make_repo(
        {"aigov.yaml": manifest, "contracts/deep.odcs.yaml": _deep_contract(levels)}
    )
    repository = load_repository(deepest)
    assert not repository.problems.errors, repository.problems.errors
    fields = list(contract_fields(repository.contracts[0].data))
    assert len(fields) == levels + 1 and fields[-1].depth == levels < MAX_FIELD_DEPTH
    assert fields[-1].path == "a" + "[]" * levels and fields[-1].definition["tags"] == ["pii"]
    deeper = {"aigov.yaml": manifest, "contracts/deep.odcs.yaml": _deep_contract(levels + 1)}
    refused = load_repository(make_repo(deeper, name="deeper"))
    assert [p.code for p in refused.problems.errors] == ["yaml.too-deep"]


def test_a_contract_of_many_nested_properties_is_walked_in_linear_time() -> None:
    def contract(width: int) -> dict[str, Any]:
        groups = [
            {
                "name": f"g{g}",
                "logicalType": "array",
                "items": {
                    "logicalType": "object",
                    "properties": [{"name": f"p{p}", "tags": ["pii"]} for p in range(100)],
                },
            }
            for g in range(width)
        ]
        return {"schema": [{"name": "t", "properties": groups}]}

    def seconds(data: dict[str, Any]) -> float:
        start = time.perf_counter()
        assert sum(1 for _ in contract_fields(data)) == len(data["schema"][0]["properties"]) * 102
        return time.perf_counter() - start

    small, large = contract(20), contract(400)  # 2,040 and 40,800 properties
    seconds(small)
    ratio = seconds(large) / max(seconds(small), 1e-4)
    assert ratio < 60  # 20 times the properties: linear, with room for a busy machine
