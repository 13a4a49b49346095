"""Contract -> suite compilation (no Great Expectations, no data): each ODCS clause is one row
of the table in aigov.evidence.data_quality.suite."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import MINIMAL_MANIFEST

from aigov.documents.repository import load_repository
from aigov.evidence.data_quality import compile_contract
from aigov.evidence.data_quality.suite import METRIC_CHECKS, PROPERTY_CHECKS

CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: orders-1
version: 1.0.0
status: active
schema:
  - name: orders
    properties:
      - {name: shop, logicalType: string, primaryKey: true}
      - {name: day, logicalType: date, primaryKey: true,
         logicalTypeOptions: {minimum: "2020-01-01"}}
      - name: code
        logicalType: string
        logicalTypeOptions: {minLength: 2, maxLength: 4}
        quality:
          - {metric: missingValues, arguments: {missingValues: [null, "", "n/a"]}, mustBe: 0}
          - {metric: invalidValues, mustBe: 0}
          - {metric: duplicateValues, mustBe: 0}
          - {type: sql, query: "SELECT 1", mustBe: 0}
    quality:
      - {metric: duplicateValues, mustBe: 0}
      - {metric: nullValues, mustBe: 0}
      - {metric: rowCount, mustBeLessThan: 10}
"""


def test_each_clause_compiles_to_its_row(make_repo: Callable[..., Path]) -> None:
    root = make_repo({"aigov.yaml": MINIMAL_MANIFEST, "contracts/orders.odcs.yaml": CONTRACT})
    repository = load_repository(root)
    assert not repository.problems.errors, repository.problems.errors
    (plan,) = compile_contract(repository.contracts[0])
    checks = {c.id: c for c in plan.checks}
    # A composite primary key is one check of the table, not one per column.
    assert "orders.shop.unique" not in checks
    assert checks["orders.unique_combination"].kwargs == {"column_list": ["shop", "day"]}
    assert checks["orders.day.range"].kwargs["min_value"].year == 2020  # a date, compared as one
    assert checks["orders.code.length"].kwargs == {
        "column": "code", "min_value": 2, "max_value": 4,
    }  # fmt: skip
    assert checks["orders.code.missing_values"].kwargs["value_set"] == ["", "n/a"]
    assert checks["orders.code.unique"].source == "schema[0].properties[2].quality[2]"
    assert checks["orders.code.sql"].skipped and checks["orders.code.sql"].expectation == ""
    assert "without the arguments" in str(checks["orders.code.invalidValues"].skipped)
    # A table's duplicateValues without properties names no columns: nothing to check.
    assert not any(c.source == "schema[0].quality[0]" for c in plan.checks)
    assert "needs a property" in str(checks["orders.nullValues"].skipped)
    assert checks["orders.row_count"].kwargs == {"max_value": 9}
    assert checks["orders.row_count"].operator == ("mustBeLessThan", 10)


def test_the_tables_name_real_expectations() -> None:
    import great_expectations.expectations as gxe

    for row in (*PROPERTY_CHECKS, *METRIC_CHECKS):
        assert row.check is None or hasattr(gxe, row.expectation), row


V30_CONTRACT = """\
apiVersion: v3.0.2
kind: DataContract
id: orders-30
version: 1.0.0
status: active
schema:
  - name: orders
    properties:
      - {name: status, logicalType: string,
         quality: [{rule: validValues, validValues: [open, shipped], mustBeLessThan: 2}]}
      - {name: code, logicalType: string, quality: [{rule: minCheck}, {rule: nullValues}]}
      - {name: updated, logicalType: date}
      - {name: loaded, logicalType: date}
    quality:
      - {rule: duplicateCount, mustBe: 0}
slaDefaultElement: orders.updated
slaProperties:
  - {property: latency, value: 4, unit: h, element: "orders.loaded, orders.updated"}
"""


def test_v30_rules_compile_to_the_v31_metrics_rows(make_repo: Callable[..., Path]) -> None:
    root = make_repo({"aigov.yaml": MINIMAL_MANIFEST, "contracts/orders.odcs.yaml": V30_CONTRACT})
    repository = load_repository(root)
    assert not repository.problems.errors, repository.problems.errors
    (plan,) = compile_contract(repository.contracts[0])
    checks = {c.id: c for c in plan.checks}
    allowed = checks["orders.status.allowed_values"]
    assert allowed.kwargs == {"column": "status", "value_set": ["open", "shipped"]}
    assert allowed.operator == ("mustBeLessThan", 2)
    assert checks["orders.code.not_null"].source == "schema[0].properties[1].quality[1]"
    assert "minCheck is not an ODCS library check" in str(checks["orders.code.minCheck"].skipped)
    # A table's duplicate count names no columns (as v3.1's duplicateValues): nothing to run.
    assert not any(c.source == "schema[0].quality[0]" for c in plan.checks)
    # The latency SLA's own elements, not slaDefaultElement; several are comma-separated.
    freshness = [c.column for c in plan.checks if c.check == "freshness"]
    assert freshness == ["loaded", "updated"]
    assert checks["orders.loaded.freshness"].kwargs["max_age_hours"] == 4
