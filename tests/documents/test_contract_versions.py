"""Each ODCS contract is judged by the official schema of the version it declares.

The differential half runs every real contract of ../shared/conformance against the official
JSON Schema of its declared version (read from the bitol-io releases there, not from aigov's
copies: tests/reference_readers.py) and asserts aigov's verdict is that schema's; the other
half writes small contracts per version.
"""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest
from tests.conftest import conformance_files
from tests.reference_readers import is_other_format, official_verdict

from aigov.documents.contract import validate_contract
from aigov.documents.odcs import odcs_schema, supported_versions
from aigov.documents.problems import Problem
from aigov.documents.repository import load_yaml_file
from aigov.documents.safe_yaml import parse_yaml

CONTRACTS = conformance_files("realworld/contracts", "*.yaml") + conformance_files(
    "odcs/examples", "*.odcs.yaml"
)


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: getattr(p, "name", str(p)))
def test_aigov_accepts_exactly_what_the_declared_versions_schema_accepts(
    path: Path, conformance: Path
) -> None:
    document = load_yaml_file(path, path.name)
    contract, problems = validate_contract(document)
    if is_other_format(document.data):
        assert contract is None
        assert [p.code for p in problems] == ["contract.other-format"]
        return
    official = official_verdict(document.data, conformance)
    assert (contract is not None) == official, [str(p) for p in problems]
    label = f"(ODCS {document.data['apiVersion']} schema)"
    errors = [p for p in problems if p.level == "error"]
    assert bool(errors) == (not official)
    assert all(p.message.endswith(label) for p in errors), [p.message for p in errors]


def _reference_verdicts(conformance: Path) -> dict[str, str]:
    """SOURCES.md's reference verdict per contract file: valid, invalid or out-of-scope."""
    text = (conformance / "realworld" / "SOURCES.md").read_text("utf-8")
    table = text.split("## Data contracts", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \|.*\| ([^|]*?): (valid|invalid|out-of-scope)\b", table, re.M)
    return {name: verdict for name, _, verdict in rows}


def test_the_verdicts_are_the_ones_sources_md_records(conformance: Path) -> None:
    verdicts = _reference_verdicts(conformance)
    assert len(verdicts) == 31
    for name, verdict in verdicts.items():
        path = conformance / "realworld" / "contracts" / name
        contract, problems = validate_contract(load_yaml_file(path, name))
        expected = {"valid": True, "invalid": False, "out-of-scope": False}[verdict]
        assert (contract is not None) == expected, (name, [str(p) for p in problems])


# --- small contracts, one per version ------------------------------------------------------------

V30_CONTRACT = """\
apiVersion: {version}
kind: DataContract
id: orders
version: 1.0.0
status: active
servers:
  - server: events
    type: kafka
    host: broker:9092
    topic: orders
schema:
  - name: orders
    properties:
      - name: order_id
        logicalType: string
        quality:
          - rule: duplicateCount
            mustBeLessThan: 1
            unit: percent
    quality:
      - rule: rowCount
        mustBeBetween: [100, 120]
slaProperties:
  - property: latency
    value: 4
    unit: d
    column: orders.order_id
"""


def _validate(text: str) -> tuple[bool, list[Problem]]:
    contract, problems = validate_contract(parse_yaml(text, "contracts/c.odcs.yaml"))
    return contract is not None, problems


@pytest.mark.parametrize("version", ["v3.0.0", "v3.0.1", "v3.0.2"])
def test_v30_spellings_are_valid_in_v30(version: str) -> None:
    accepted, problems = _validate(V30_CONTRACT.format(version=version))
    assert accepted and problems == []


@pytest.mark.parametrize("version", ["v3.1.0", "v3.2.0"])
def test_v30_spellings_are_unknown_fields_from_v31_and_the_message_names_the_version(
    version: str,
) -> None:
    accepted, problems = _validate(V30_CONTRACT.format(version=version))
    assert not accepted
    assert sorted((p.field, p.code, p.message) for p in problems) == [
        (
            "servers[0].topic",
            "schema.unknown-field",
            f"unknown field 'topic' (ODCS {version} schema)",
        ),
        (
            "slaProperties[0].column",
            "schema.unknown-field",
            f"unknown field 'column' (ODCS {version} schema)",
        ),
    ]
    assert str(problems[0].location) == "contracts/c.odcs.yaml:10:5"


HEAD = "apiVersion: {version}\nkind: DataContract\nid: c\nversion: 1.0.0\nstatus: active\n"


@pytest.mark.parametrize("version", ["v3.1.0", "v3.2.0"])
def test_a_property_without_logical_type_is_accepted(version: str) -> None:
    text = HEAD.format(version=version) + "schema:\n  - name: t\n    properties:\n      - name: a\n"
    assert _validate(text) == (True, [])


def test_the_v32_map_condition_still_requires_map_when_logical_type_is_map() -> None:
    text = HEAD.format(version="v3.2.0") + (
        "schema:\n  - name: t\n    properties:\n      - name: tags\n        logicalType: map\n"
    )
    accepted, problems = _validate(text)
    assert not accepted
    [problem] = problems
    assert problem.code == "schema.missing"
    assert problem.message == "required field 'map' is missing (ODCS v3.2.0 schema)"
    assert problem.field == "schema[0].properties[0].map"


def test_the_packaged_v32_schema_has_the_bug_the_patch_fixes() -> None:
    from aigov.documents.odcs import official_schema

    schema = official_schema("3.2.0")
    prop = {"name": "a"}
    target = {"$ref": "#/$defs/SchemaBaseProperty", "$defs": schema["$defs"]}
    assert not jsonschema.Draft201909Validator(target).is_valid(prop)  # "requires map"
    patched = {"$ref": "#/$defs/SchemaBaseProperty", "$defs": odcs_schema("3.2.0")["$defs"]}
    assert jsonschema.Draft201909Validator(patched).is_valid(prop)


def test_a_later_patch_is_validated_by_its_minors_newest_schema_with_a_located_warning() -> None:
    accepted, problems = _validate(V30_CONTRACT.format(version="v3.0.7"))
    assert accepted
    [warning] = problems
    assert (warning.level, warning.code, warning.field) == (
        "warning",
        "contract.version-fallback",
        "apiVersion",
    )
    assert str(warning.location) == "contracts/c.odcs.yaml:1:1"
    assert "validated against the ODCS v3.0.2 schema" in warning.message
    accepted, problems = _validate(V30_CONTRACT.format(version="v3.1.4"))
    assert not accepted
    assert {p.message for p in problems if p.level == "error"} == {
        "unknown field 'topic' (ODCS v3.1.0 schema)",
        "unknown field 'column' (ODCS v3.1.0 schema)",
    }


@pytest.mark.parametrize("version", ["v3.3.0", "v3.1", "v3.0.0-rc1", "v3.x"])
def test_an_unknown_version_is_a_located_error_naming_the_supported_ones(version: str) -> None:
    accepted, problems = _validate(HEAD.format(version=version))
    assert not accepted
    [problem] = problems
    assert (problem.code, problem.field, problem.level) == (
        "contract.version",
        "apiVersion",
        "error",
    )
    assert all(f"v{v}" in problem.message for v in supported_versions())
    assert supported_versions() == ("3.0.0", "3.0.1", "3.0.2", "3.1.0", "3.2.0")


def test_any_of_errors_give_the_closest_branchs_reason_not_any_of() -> None:
    text = (
        HEAD.format(version="v3.1.0") + "slaProperties:\n  - property: latency\n    value: {a: 1}\n"
    )
    accepted, problems = _validate(text)
    assert not accepted
    [problem] = problems
    assert problem.field == "slaProperties[0].value"
    assert problem.message == "a mapping is not of type 'string' (ODCS v3.1.0 schema)"


def test_long_messages_are_never_cut() -> None:
    name = "x" * 400
    accepted, problems = _validate(HEAD.format(version="v3.0.2") + f"{name}: 1\n")
    assert not accepted
    [problem] = problems
    assert problem.message == f"unknown field '{name}' (ODCS v3.0.2 schema)"
    assert problem.to_dict()["message"] == problem.message


def test_did_you_mean_uses_the_declared_versions_fields() -> None:
    text = HEAD.format(version="v3.0.2") + "slaProperties:\n  - property: latency\n    value: 1\n"
    accepted, problems = _validate(text.replace("status:", "statuss:"))
    assert not accepted
    by_code = {p.code: p for p in problems}
    assert by_code["schema.unknown-field"].hint == "did you mean 'status'?"


def test_unevaluated_declared_fields_are_not_reported_as_unknown() -> None:
    text = HEAD.format(version="v3.1.0") + "schema:\n  - name: t\n    description:\n"
    accepted, problems = _validate(text)
    assert not accepted
    [problem] = problems
    assert problem.message == "None is not of type 'string' (ODCS v3.1.0 schema)"
