"""The JSON Schemas in schemas/ are generated from the models and must not drift."""

import json

import jsonschema
import pytest
from tests.conftest import PROJECT_ROOT

from aigov.schemas import generate_schemas, render

SCHEMAS = PROJECT_ROOT / "schemas"


@pytest.mark.parametrize("name", sorted(generate_schemas()))
def test_committed_schema_matches_the_models(name: str) -> None:
    committed = (SCHEMAS / name).read_text(encoding="utf-8")
    assert committed == render(generate_schemas()[name]), (
        f"schemas/{name} is stale: run `python -m aigov.schemas schemas`"
    )


@pytest.mark.parametrize("name", sorted(generate_schemas()))
def test_schemas_are_valid_json_schema(name: str) -> None:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema).check_schema(schema)


def test_manifest_schema_rejects_what_the_model_rejects() -> None:
    schema = json.loads((SCHEMAS / "aigov-manifest.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    good = {
        "apiVersion": "aigov/v1",
        "kind": "AIProject",
        "metadata": {"id": "x1", "name": "X", "owner": "o", "business_unit": "b"},
        "stage": "poc",
        "sla": {"time_to_repair": "PT4H"},
    }
    assert list(validator.iter_errors(good)) == []
    assert list(validator.iter_errors({**good, "stage": "pilot"}))
    assert list(validator.iter_errors({**good, "unknown": 1}))
    assert list(validator.iter_errors({**good, "sla": {"time_to_repair": "4 hours"}}))
