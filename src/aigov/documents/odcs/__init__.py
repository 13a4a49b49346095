"""The official ODCS JSON Schemas, one per version, and which one judges a contract.

Each schema is vendored byte for byte from where the standard publishes it: the
``open-data-contract-standard`` package of the registry for v3.0.1, v3.0.2 (package 3.0.4),
v3.1.0 (package 3.1.2) and v3.2.0, the v3.0.0 release of bitol-io/open-data-contract-standard
(no package ships it). ``provenance.json`` names each file's source and sha256;
``scripts/update_odcs_schemas.py`` downloads them again and verifies them. Nothing is read at
import: a schema is loaded (and compiled) the first time a contract of its version is checked.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

PROVENANCE_FILE: Final = "provenance.json"

_API_VERSION = re.compile(r"v3\.(\d+)\.(\d+)")


@dataclass(frozen=True)
class SchemaChoice:
    """The schema a contract is validated against, for the ``apiVersion`` it declares."""

    declared: str  # the contract's apiVersion, e.g. "v3.0.3"
    version: str  # the schema's version, e.g. "3.0.2"

    @property
    def exact(self) -> bool:
        """The contract declares this very version (not a later patch of its minor)."""
        return self.declared == f"v{self.version}"

    @property
    def label(self) -> str:
        """How messages name the schema: ``ODCS v3.0.2 schema``."""
        return f"ODCS v{self.version} schema"


@functools.cache
def provenance() -> dict[str, dict[str, str]]:
    """Version -> where its schema file comes from (package and member, or release URL), sha256."""
    text = resources.files(__name__).joinpath(PROVENANCE_FILE).read_text(encoding="utf-8")
    schemas: dict[str, dict[str, str]] = json.loads(text)["schemas"]
    return schemas


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def supported_versions() -> tuple[str, ...]:
    """The ODCS versions with a schema, oldest first: ``("3.0.0", ..., "3.2.0")``."""
    return tuple(sorted(provenance(), key=_key))


LATEST: Final = "3.2.0"
"""The newest schema (what ``odcs_schema()`` returns without a version)."""


def choose_schema(api_version: str) -> SchemaChoice | None:
    """The schema for a declared ``apiVersion``: its own, else (a later patch such as v3.0.3)
    the newest schema of its minor version; None when no schema of that minor exists (v3.3.0)
    or the value is not a ``v3.MINOR.PATCH`` version."""
    found = _API_VERSION.fullmatch(api_version)
    if found is None:
        return None
    minor, patch = int(found.group(1)), int(found.group(2))
    candidates = [v for v in supported_versions() if _key(v)[1] == minor and _key(v)[2] <= patch]
    return SchemaChoice(api_version, candidates[-1]) if candidates else None


@functools.cache
def odcs_schema(version: str = LATEST) -> dict[str, Any]:
    """The official JSON Schema of ODCS ``version``, with the documented fixes of
    :data:`SCHEMA_PATCHES` applied."""
    schema = official_schema(version)
    for patch in SCHEMA_PATCHES.get(version, ()):
        patch(schema)
    return schema


def official_schema(version: str) -> dict[str, Any]:
    """The vendored file as published, without aigov's fixes (a new copy on each call)."""
    name = provenance()[version]["file"]
    text = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _guard_logical_type_conditions(schema: dict[str, Any]) -> None:
    """v3.2.0 as packaged: ``if: {properties: {logicalType: {const: map}}}`` holds for a property
    with no ``logicalType`` at all (``properties`` only constrains keys that are present), so its
    ``then: {required: [map]}`` demands a ``map`` block on every property without a logicalType,
    which ODCS leaves optional. Upstream fixed it by adding ``required: [logicalType]`` to the
    ``if`` of the map and vector conditions (bitol-io/open-data-contract-standard issue #322,
    pull request #324, in the v3.2.0 release tag); the registry package 3.2.0 predates the fix.
    ``logicalType: map`` without ``map`` is still refused."""
    for condition in schema["$defs"]["SchemaBaseProperty"]["allOf"]:
        test = condition.get("if", {}) if isinstance(condition, dict) else {}
        logical = test.get("properties", {}).get("logicalType", {})
        if logical.get("const") in ("map", "vector") and "required" not in test:
            test["required"] = ["logicalType"]


SCHEMA_PATCHES: Final = {"3.2.0": (_guard_logical_type_conditions,)}
"""Fixes of upstream schema bugs, applied at load, per version (each documented upstream)."""


@functools.cache
def fast_validator(version: str) -> Any:
    """jsonschema-rs for ``version``, compiled once: ~1 ms per contract instead of ~60 ms
    (measured). It gives the verdict; only an invalid contract pays for ``jsonschema``, whose
    error context explains the failure best. None without the accelerator."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - optional accelerator
        return None
    return jsonschema_rs.validator_for(odcs_schema(version))


@functools.cache
def explaining_validator(version: str) -> Any:
    """The ``jsonschema`` validator of ``version``, compiled once (errors with their context)."""
    import jsonschema

    schema = odcs_schema(version)
    return jsonschema.validators.validator_for(schema)(schema)
