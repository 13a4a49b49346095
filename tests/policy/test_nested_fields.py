"""Rules see a contract's properties at any depth (``contracts[].fields``): personal data nested in
an object, an array's element or a map makes the GDPR contract rule apply, through the real CLI
and engine on real files."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.conftest import EXAMPLES, CliResult

from aigov.documents.repository import load_repository
from aigov.policy.context import build_context, locate
from aigov.policy.org import OrgConfig

Run = Callable[..., CliResult]
RULE = "GDPR-CONTRACT-PERSONAL-DATA"
CONTRACT = "contracts/store-sales-history.odcs.yaml"

# Each nests an email (or a phone) at another place; the example's contract is tagged
# no-personal-data, which an explicit pii tag or personal classification overrides.
NESTED: dict[str, dict[str, Any]] = {
    "object": {
        "name": "customer",
        "logicalType": "object",
        "properties": [
            {
                "name": "address",
                "logicalType": "object",
                "properties": [{"name": "email", "logicalType": "string", "tags": ["pii"]}],
            }
        ],
    },
    "array of objects": {
        "name": "receipts",
        "logicalType": "array",
        "items": {
            "logicalType": "object",
            "properties": [
                {"name": "sku", "logicalType": "string"},
                {"name": "email", "logicalType": "string", "tags": ["pii"]},
            ],
        },
    },
    "array of arrays": {
        "name": "contacts",
        "logicalType": "array",
        "items": {
            "logicalType": "array",
            "items": {"logicalType": "string", "classification": "personal"},
        },
    },
    "map value": {
        "name": "loyalty",
        "logicalType": "map",
        "map": {
            "key": {"logicalType": "string"},
            "value": {
                "logicalType": "object",
                "properties": [
                    {"name": "phone", "logicalType": "string", "classification": "personal"}
                ],
            },
        },
    },
}
PATHS = {
    "object": "customer.address.email",
    "array of objects": "receipts[].email",
    "array of arrays": "contacts[][]",
    "map value": "loyalty{value}.phone",
}


def _example_with(tmp_path: Path, nested: dict[str, Any] | None) -> Path:
    """The demand-forecast example (personal_data: false) with ``nested`` added to its contract."""
    root = tmp_path / "demand-forecast"
    shutil.copytree(EXAMPLES / "demand-forecast", root)
    if nested is not None:
        contract = root / CONTRACT
        data = yaml.safe_load(contract.read_text(encoding="utf-8"))
        data["schema"][0]["properties"].append(nested)
        if nested.get("logicalType") == "map":
            data["apiVersion"] = "v3.2.0"  # maps came with ODCS v3.2.0
        contract.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return root


def _findings(run_cli: Run, root: Path) -> dict[str, dict[str, Any]]:
    result = run_cli("check", str(root), "--skip-evidence", "mlflow", "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    return {f["rule_id"]: f for f in json.loads(result.stdout)["findings"]}


def test_without_nested_personal_data_the_rule_does_not_apply(run_cli: Run, tmp_path: Path) -> None:
    assert RULE not in _findings(run_cli, _example_with(tmp_path, None))
    city = {"name": "city", "logicalType": "string", "classification": "public"}
    public = {"name": "store", "logicalType": "object", "properties": [city]}
    assert RULE not in _findings(run_cli, _example_with(tmp_path / "public", public))


@pytest.mark.parametrize("where", sorted(NESTED))
def test_nested_personal_data_makes_the_gdpr_contract_rule_fire(
    run_cli: Run, tmp_path: Path, where: str
) -> None:
    finding = _findings(run_cli, _example_with(tmp_path, NESTED[where]))[RULE]
    assert finding["status"] == "failed" and finding["file"] == "aigov.yaml"
    assert "holds personal data" in finding["message"]


def test_fields_in_the_context_and_their_locations(tmp_path: Path) -> None:
    root = _example_with(tmp_path, NESTED["array of objects"])
    repository = load_repository(root)
    context = build_context(
        repository, OrgConfig.default(), evidence={}, change=None, today=dt.date(2026, 11, 24)
    )
    fields = context["contracts"][0]["fields"]
    email = next(f for f in fields if f["path"] == "receipts[].email")
    assert email["object"] == "store_sales_daily" and email["tags"] == ["pii"]
    index = fields.index(email)
    lines = (root / CONTRACT).read_text(encoding="utf-8").splitlines()
    at = locate(repository, f"contracts[0].fields[{index}].tags")
    assert at.file == CONTRACT and lines[at.line - 1].strip().startswith("tags:")
    whole = locate(repository, f"contracts[0].fields[{index}]")
    assert "email" in lines[whole.line - 1]
    # Beyond the list, the contract itself.
    assert locate(repository, "contracts[0].fields[100000]").line == 1


PACK_RULES = """\
- id: NESTED-NO-PII
  title: No property anywhere is tagged pii
  severity: high
  references: ["Test regulation"]
  assert: "!contracts.exists(c, c.fields.exists(p, has(p.tags) && 'pii' in p.tags))"
  message: a contract holds pii
  remediation: Remove it.
  fixtures:
    pass:
      - contracts: [{schema: [{name: t, properties: [{name: a, properties: [{name: b}]}]}]}]
      # A fixture may give the flat list itself.
      - contracts:
          - fields: [{path: a, name: a}]
            schema: [{name: t, properties: [{name: a, tags: [pii]}]}]
    fail:
      - contracts:
          - schema:
              - {name: t, properties: [{name: a, items: {properties: [{name: b, tags: [pii]}]}}]}
"""


def test_fixture_contracts_get_their_fields_as_a_repository_does(
    run_cli: Run, make_pack: Callable[..., Path]
) -> None:
    result = run_cli("policy", "test", str(make_pack(rules=PACK_RULES)))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == "3 passed, 0 failed"
