"""The JSON result: valid against schemas/aigov-result.schema.json, and round-trips."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from tests.conftest import PROJECT_ROOT

from aigov.report import render
from aigov.report.document import RESULT_SCHEMA_VERSION, CheckReport

SCHEMA_PATH = PROJECT_ROOT / "schemas" / "aigov-result.schema.json"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(loaded)
    return loaded


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def test_output_is_valid_against_the_schema(
    any_report: CheckReport, validator: jsonschema.Draft202012Validator
) -> None:
    document = json.loads(render("json", any_report))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []


def test_round_trip(any_report: CheckReport) -> None:
    assert CheckReport.model_validate(json.loads(render("json", any_report))) == any_report


def test_keeps_the_model_order_indent_and_unicode(hostile_report: CheckReport) -> None:
    text = render("json", hostile_report)
    assert text.startswith('{\n  "schema_version": "1.0",\n  "tool": {')
    assert "ünïcødé/файл.yaml" in text
    assert list(json.loads(text)) == list(hostile_report.model_dump(mode="json"))
    assert text.endswith("}\n")


def test_schema_version_matches_the_code(schema: dict[str, Any]) -> None:
    assert schema["properties"]["schema_version"]["const"] == RESULT_SCHEMA_VERSION


def test_schema_rejects_what_consumers_must_not_see(
    blocked_report: CheckReport, validator: jsonschema.Draft202012Validator
) -> None:
    good: dict[str, Any] = json.loads(render("json", blocked_report))
    assert validator.is_valid(good)
    bad_decision = {**good, "decision": "maybe"}
    bad_version = {**good, "schema_version": "2.0"}
    bad_finding = {**good, "findings": [{**good["findings"][0], "severity": "urgent"}]}
    bad_line = {**good, "findings": [{**good["findings"][0], "line": -1}]}
    unknown = {**good, "surprise": 1}
    missing = {k: v for k, v in good.items() if k != "packs"}
    for document in (bad_decision, bad_version, bad_finding, bad_line, unknown, missing):
        assert not validator.is_valid(document)


def test_every_field_of_the_result_is_documented(
    blocked_report: CheckReport, schema: dict[str, Any]
) -> None:
    """The schema lists every key the code writes (additionalProperties is false everywhere),
    and describes the top-level ones: adding a field means documenting it."""
    for key in blocked_report.model_dump(mode="json"):
        assert "description" in schema["properties"][key], key


def test_deterministic(any_report: CheckReport) -> None:
    assert render("json", any_report) == render("json", any_report)
