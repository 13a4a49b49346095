"""The vendored ODCS schemas are the official ones: the sha256 their provenance records, and
JSON-equal to the bitol-io release of each version (../shared/conformance/realworld/schemas)."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from aigov.documents.odcs import (
    LATEST,
    SCHEMA_PATCHES,
    fast_validator,
    odcs_schema,
    official_schema,
    provenance,
    supported_versions,
)

FOLDER = resources.files("aigov.documents.odcs")


@pytest.mark.parametrize("version", supported_versions())
def test_each_file_has_the_sha256_its_provenance_records(version: str) -> None:
    entry = provenance()[version]
    data = FOLDER.joinpath(entry["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert ("package" in entry and entry["member"].endswith("schema.json")) or entry[
        "url"
    ].startswith("https://raw.githubusercontent.com/bitol-io/open-data-contract-standard/")


def test_every_vendored_schema_has_a_provenance_and_the_latest_is_the_newest() -> None:
    files = {p.name for p in FOLDER.iterdir() if p.name.endswith(".json")}
    assert files - {"provenance.json"} == {e["file"] for e in provenance().values()}
    assert supported_versions()[-1] == LATEST
    for version in supported_versions():
        assert official_schema(version)["properties"]["apiVersion"]["enum"][0] == f"v{version}"


def _without_deprecation_annotations(schema: dict[str, Any]) -> dict[str, Any]:
    """The v3.1.0 release marks the top-level dataProduct deprecated in two annotations that
    do not validate; the registry package 3.1.2 that ships v3.1.0 has neither."""
    product = schema["properties"]["dataProduct"]
    product.pop("deprecated", None)
    product["description"] = product["description"].removesuffix(" DEPRECATED since v3.1.0.")
    return schema


@pytest.mark.parametrize("version", ["3.0.0", "3.0.1", "3.0.2", "3.1.0"])
def test_each_vendored_schema_is_the_official_release(version: str, conformance: Path) -> None:
    release = conformance / "realworld" / "schemas" / f"odcs-json-schema-v{version}.json"
    official = json.loads(release.read_text("utf-8"))
    vendored = official_schema(version)
    if version == "3.1.0":
        assert vendored != official  # the two annotations, and nothing else (below)
        official = _without_deprecation_annotations(official)
    assert vendored == official


def test_only_v32_is_patched_and_only_its_logical_type_guards() -> None:
    assert set(SCHEMA_PATCHES) == {"3.2.0"}
    for version in supported_versions():
        if version != "3.2.0":
            assert odcs_schema(version) == official_schema(version)
    before = official_schema("3.2.0")["$defs"]["SchemaBaseProperty"]["allOf"]
    after = odcs_schema("3.2.0")["$defs"]["SchemaBaseProperty"]["allOf"]
    pairs = [(b, a) for b, a in zip(before, after, strict=True) if a != b]
    assert [b["if"]["properties"]["logicalType"]["const"] for b, _ in pairs] == ["map", "vector"]
    assert all(a["if"]["required"] == ["logicalType"] for _, a in pairs)


def test_one_compiled_validator_per_version() -> None:
    validators = [fast_validator(version) for version in supported_versions()]
    assert validators == [fast_validator(version) for version in supported_versions()]
    assert len({id(v) for v in validators}) == len(validators)
