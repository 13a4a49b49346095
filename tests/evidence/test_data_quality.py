"""Data contract checks run with the real Great Expectations on real files and databases."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from tests.conftest import MINIMAL_MANIFEST

from aigov.documents.repository import load_repository
from aigov.evidence.data_quality import (
    ContractEvidence,
    DataQualityUnavailable,
    compile_contract,
    judge,
    validate_contract,
    validate_contracts,
)
from aigov.evidence.store import assess, load_data_quality, write_data_quality
from aigov.report.data_quality import render

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)

CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: orders-1
version: 1.0.0
status: active
servers:
  - server: sample
    type: local
    path: {path}
    format: {format}
schema:
  - name: orders
    properties:
      - name: order_id
        logicalType: string
        required: true
        unique: true
        logicalTypeOptions:
          pattern: "^ORD-[0-9]{{4}}$"
      - name: status
        logicalType: string
        required: true
        quality:
          - metric: invalidValues
            arguments:
              validValues: [open, shipped, cancelled]
            mustBe: 0
      - name: amount
        logicalType: number
        logicalTypeOptions:
          minimum: 0
          maximum: 1000
      - name: note
        logicalType: string
        quality:
          - metric: nullValues
            mustBeLessOrEqualTo: 1
            severity: warning
      - name: created_at
        logicalType: timestamp
        required: true
    quality:
      - metric: rowCount
        mustBeGreaterThan: 2
slaDefaultElement: orders.created_at
slaProperties:
  - property: latency
    value: 2
    unit: d
"""

GOOD = pd.DataFrame(
    {
        "order_id": ["ORD-0001", "ORD-0002", "ORD-0003", "ORD-0004"],
        "status": ["open", "shipped", "cancelled", "open"],
        "amount": [10.5, 999.0, 0.0, 42.0],
        "note": ["gift", None, "fragile", "ok"],
        "created_at": ["2026-11-23T08:00:00Z", "2026-11-23T09:00:00Z", "2026-11-24T07:00:00Z",
                       "2026-11-24T08:00:00Z"],
    }
)  # fmt: skip


def _repo(make_repo: Callable[..., Path], frame: pd.DataFrame, fmt: str = "csv",
          contract: str = CONTRACT, path: str | None = None) -> Path:  # fmt: skip
    data_path = path or f"data/orders.{fmt}"
    root = make_repo(
        {
            "aigov.yaml": MINIMAL_MANIFEST,
            "contracts/orders.odcs.yaml": contract.format(path=data_path, format=fmt),
        }
    )
    target = root / f"data/orders.{fmt}"
    target.parent.mkdir(exist_ok=True)
    if fmt == "csv":
        frame.to_csv(target, index=False)
    elif fmt == "parquet":
        frame.to_parquet(target, index=False)
    return root


def _validate(root: Path, **options: Any) -> ContractEvidence:
    repository = load_repository(root)
    assert not repository.problems.errors, repository.problems.errors
    return validate_contract(repository.contracts[0], repository.root, now=NOW, **options)


def _status(entry: ContractEvidence) -> dict[str, str]:
    return {e.id: e.status for e in entry.expectations}


def test_compiles_every_kind_of_check(make_repo: Callable[..., Path]) -> None:
    repository = load_repository(_repo(make_repo, GOOD))
    (plan,) = compile_contract(repository.contracts[0])
    kinds = {(c.column, c.check) for c in plan.checks}
    assert {
        ("order_id", "not_null"),
        ("order_id", "unique"),
        ("order_id", "pattern"),
        ("status", "allowed_values"),
        ("amount", "range"),
        ("note", "not_null"),
        (None, "row_count"),
        ("created_at", "freshness"),
        ("created_at", "exists"),
    } <= kinds


def test_passing_csv(make_repo: Callable[..., Path]) -> None:
    entry = _validate(_repo(make_repo, GOOD))
    assert entry.success, [e for e in entry.expectations if e.status != "passed"]
    assert set(_status(entry).values()) == {"passed"}
    (table,) = entry.tables
    assert table.rows == 4
    note = next(c for c in table.columns if c.name == "note")
    assert note.null_count == 1 and note.completeness == 75.0
    assert table.freshness is not None and table.freshness.fresh is True
    assert entry.data_digest is not None and entry.data_digest.startswith("sha256:")


@pytest.mark.parametrize(
    ("column", "values", "failing"),
    [
        ("order_id", ["ORD-0001", "ORD-0001", "ORD-0003", "ORD-0004"], "orders.order_id.unique"),
        ("order_id", ["ORD-0001", "X-2", "ORD-0003", "ORD-0004"], "orders.order_id.pattern"),
        ("order_id", ["ORD-0001", None, "ORD-0003", "ORD-0004"], "orders.order_id.not_null"),
        ("status", ["open", "lost", "open", "open"], "orders.status.allowed_values"),
        ("amount", [10.0, -1.0, 3.0, 4.0], "orders.amount.range"),
        ("note", [None, None, "a", "b"], "orders.note.not_null"),
        ("created_at", ["2026-11-01T00:00:00Z"] * 4, "orders.created_at.freshness"),
    ],
)
def test_each_check_fails_on_bad_data(
    make_repo: Callable[..., Path], column: str, values: list[Any], failing: str
) -> None:
    frame = GOOD.copy()
    frame[column] = values
    entry = _validate(_repo(make_repo, frame))
    statuses = _status(entry)
    assert statuses[failing] == "failed"
    assert [k for k, v in statuses.items() if v != "passed"] == [failing]
    failed = next(e for e in entry.expectations if e.id == failing)
    assert failed.enforced is True
    # Only counts are kept: the failing values themselves may be personal data.
    assert set(failed.observed) <= {
        "element_count", "unexpected_count", "unexpected_percent", "missing_count",
        "observed_value",
    }  # fmt: skip


def test_warning_severity_does_not_block(make_repo: Callable[..., Path]) -> None:
    frame = GOOD.copy()
    frame["note"] = [None, None, None, "b"]
    entry = _validate(_repo(make_repo, frame))
    assert _status(entry)["orders.note.not_null"] == "failed"
    assert entry.success is True
    assert entry.statistics is not None and entry.statistics.warning_failures == 1


def test_row_count_and_missing_column(make_repo: Callable[..., Path]) -> None:
    frame = GOOD.drop(columns=["amount"]).head(2)
    entry = _validate(_repo(make_repo, frame))
    statuses = _status(entry)
    assert statuses["orders.row_count"] == "failed"
    assert statuses["orders.amount.exists"] == "failed"
    assert statuses["orders.amount.range"] == "skipped"
    assert entry.success is False


def test_parquet_file(make_repo: Callable[..., Path]) -> None:
    frame = GOOD.copy()
    frame["created_at"] = pd.to_datetime(frame["created_at"])
    entry = _validate(_repo(make_repo, frame, fmt="parquet"))
    assert entry.success
    assert entry.server is not None and entry.server.format == "parquet"


def test_sqlite_table(make_repo: Callable[..., Path]) -> None:
    contract = CONTRACT.replace("type: local", "type: custom")
    root = _repo(make_repo, GOOD, fmt="sqlite", contract=contract, path="data/shop.db")
    (root / "data").mkdir(exist_ok=True)
    with sqlite3.connect(root / "data/shop.db") as connection:
        bad = GOOD.copy()
        bad.loc[1, "status"] = "lost"
        bad.to_sql("orders", connection, index=False)
    entry = _validate(root)
    statuses = _status(entry)
    assert statuses["orders.status.allowed_values"] == "failed"
    assert statuses["orders.order_id.unique"] == "passed"
    assert entry.tables[0].rows == 4


def test_path_escaping_the_repository_is_refused(make_repo: Callable[..., Path]) -> None:
    root = _repo(make_repo, GOOD, path="../outside.csv")
    with pytest.raises(DataQualityUnavailable, match=r"evidence unavailable: .*leaves the repo"):
        _validate(root)


def test_unreadable_data_is_a_clear_error(make_repo: Callable[..., Path]) -> None:
    root = _repo(make_repo, GOOD, fmt="parquet")
    (root / "data/orders.parquet").write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(DataQualityUnavailable, match=r"cannot read data/orders.parquet as parquet"):
        _validate(root)


def test_missing_file_and_no_local_server(make_repo: Callable[..., Path]) -> None:
    root = _repo(make_repo, GOOD)
    (root / "data/orders.csv").unlink()
    with pytest.raises(DataQualityUnavailable, match=r"data file data/orders\.csv not found"):
        _validate(root)
    remote = CONTRACT.replace("type: local", "type: s3").replace(
        "path: {path}", "location: s3://b/o"
    )
    repository = load_repository(_repo(make_repo, GOOD, contract=remote))
    evidence = validate_contracts(repository.contracts, repository.root, now=NOW)
    (entry,) = evidence.contracts
    assert entry.status == "unavailable"
    assert entry.reason is not None
    assert "no local data server" in entry.reason and "s3" in entry.reason
    assert evidence.success is False


def test_sample_servers_do_not_enforce_volume_and_freshness(
    make_repo: Callable[..., Path],
) -> None:
    contract = CONTRACT.replace(
        "    format: {format}\n",
        "    format: {format}\n"
        "    customProperties:\n      - property: sample\n        value: true\n",
    )
    frame = GOOD.head(2).copy()
    frame["created_at"] = "2026-01-01T00:00:00Z"
    entry = _validate(_repo(make_repo, frame, contract=contract))
    assert entry.success is True
    assert entry.statistics is not None and entry.statistics.not_enforced_failures == 2


def test_judge_operators() -> None:
    assert judge(("mustBe", 0), 0) and not judge(("mustBe", 0), 1)
    assert judge(("mustBeLessOrEqualTo", 10), 10) and not judge(("mustBeLessThan", 10), 10)
    assert judge(("mustBeGreaterThan", 1), 2) and judge(("mustBeGreaterOrEqualTo", 2), 2)
    assert judge(("mustBeBetween", [1, 3]), 2) and judge(("mustNotBeBetween", [1, 3]), 4)
    assert judge(("mustNotBe", 1), 0) and judge(None, 0)


def test_store_round_trip_stale_and_mismatched(make_repo: Callable[..., Path]) -> None:
    root = _repo(make_repo, GOOD)
    repository = load_repository(root)
    evidence = validate_contracts(repository.contracts, repository.root, now=NOW)
    path = write_data_quality(root, evidence)
    assert json.loads(path.read_text())["contracts"][0]["digest"] == repository.contracts[0].digest
    stored = load_data_quality(root)
    fresh = assess(stored, repository.contracts, now=NOW + dt.timedelta(days=1), max_age_days=30)
    assert fresh.status == "current" and fresh.success and not fresh.issues
    old = assess(stored, repository.contracts, now=NOW + dt.timedelta(days=45), max_age_days=30)
    assert old.status == "stale" and old.issues[0].kind == "stale"
    changed = root / "contracts/orders.odcs.yaml"
    changed.write_text(changed.read_text().replace("version: 1.0.0", "version: 1.1.0"))
    repository = load_repository(root)
    moved = assess(stored, repository.contracts, now=NOW, max_age_days=30)
    assert moved.status == "mismatched" and "another version" in moved.issues[0].message
    assert assess(None, repository.contracts, now=NOW).status == "missing"


def test_report_renders_markdown_and_escaped_html(make_repo: Callable[..., Path]) -> None:
    contract = CONTRACT.replace("id: orders-1", "id: orders-1\nname: <script>x</script>")
    root = _repo(make_repo, GOOD, contract=contract)
    repository = load_repository(root)
    evidence = validate_contracts(repository.contracts, repository.root, now=NOW)
    markdown = render(evidence, "markdown")
    assert "### Table `orders`" in markdown and "| `note` | yes | 1 | 75.00 % |" in markdown
    html = render(evidence, "html")
    assert "&lt;script&gt;" in html and "<script>x" not in html


def test_store_reader_does_not_import_great_expectations() -> None:
    import subprocess
    import sys

    code = (
        "import sys, aigov.evidence.store, aigov.report.data_quality;"
        "print('great_expectations' in sys.modules or 'pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ODCS v3.0.x spelled library checks `rule:` with the operator beside it, and `validValues:`
# beside the rule, no operator meaning none may fail; v3.1.0 renamed them `metric:` with
# `arguments:` and an operator. Both are run the same way.
V30_CONTRACT = """\
apiVersion: v3.0.2
kind: DataContract
id: orders-30
version: 1.0.0
status: active
servers:
  - {{server: sample, type: local, path: "{path}", format: "{format}"}}
schema:
  - name: orders
    properties:
      - name: order_id
        logicalType: string
        quality:
          - {{rule: duplicateCount, mustBeLessThan: 30, unit: percent}}
      - name: status
        logicalType: string
        quality:
          - {{rule: validValues, validValues: [open, shipped, cancelled]}}
      - name: note
        logicalType: string
        quality:
          - {{rule: nullCheck, description: column should not contain null values}}
      - {{name: created_at, logicalType: date}}
    quality:
      - {{rule: rowCount, mustBeBetween: [3, 10]}}
      - {{rule: countCheck, description: Ensure row count is within expected volume range}}
slaProperties:
  - {{property: latency, value: 2, unit: d, column: orders.created_at}}
"""
V31_CONTRACT = (
    V30_CONTRACT.replace("v3.0.2", "v3.1.0")
    .replace("rule: duplicateCount", "metric: duplicateValues")
    .replace(
        "rule: validValues, validValues:",
        "metric: invalidValues, mustBe: 0, arguments: {{validValues:",
    )
    .replace("cancelled]", "cancelled]}}")
    .replace("rule: nullCheck", "metric: nullValues, mustBe: 0")
    .replace("rule: rowCount", "metric: rowCount")
    .replace("{{rule: countCheck, description: Ensure", "{{type: text, description: Ensure")
    .replace("column: orders.created_at", "element: orders.created_at")
)
V30_GOOD = GOOD.assign(note=["gift", "a", "fragile", "ok"])


@pytest.mark.parametrize(
    ("column", "values", "failing"),
    [
        (None, None, None),
        ("order_id", ["ORD-0001", "ORD-0001", "ORD-0003", "ORD-0004"], "orders.order_id.unique"),
        ("status", ["open", "lost", "open", "open"], "orders.status.allowed_values"),
        ("note", [None, "a", "b", "c"], "orders.note.not_null"),
        ("created_at", ["2026-11-01T00:00:00Z"] * 4, "orders.created_at.freshness"),
    ],
)
def test_v30_rule_spellings_run_like_their_v31_metrics(
    make_repo: Callable[..., Path], column: str | None, values: list[Any], failing: str | None
) -> None:
    frame = V30_GOOD.copy()
    if column is not None:
        frame[column] = values
    v30 = _validate(_repo(make_repo, frame, contract=V30_CONTRACT))
    v31 = _validate(_repo(make_repo, frame, contract=V31_CONTRACT))
    statuses = _status(v30)
    assert {k: v for k, v in statuses.items() if v == "failed"} == (
        {failing: "failed"} if failing else {}
    )
    assert statuses["orders.order_id.unique"] in ("passed", "failed")  # run, not skipped
    assert statuses["orders.row_count"] == "passed"
    assert statuses["orders.countCheck"] == "skipped"  # no bounds: not a predefined check
    del statuses["orders.countCheck"]
    assert statuses == {k: v for k, v in _status(v31).items() if k != "orders.text"}


def test_v30_duplicate_count_in_percent_is_judged_on_the_share(
    make_repo: Callable[..., Path],
) -> None:
    frame = pd.concat([V30_GOOD] * 3, ignore_index=True)  # 12 rows
    frame["order_id"] = [f"ORD-{n:04d}" for n in range(11)] + ["ORD-0000"]  # 2 of 12: 16.7 %
    statuses = _status(_validate(_repo(make_repo, frame, contract=V30_CONTRACT)))
    assert statuses["orders.order_id.unique"] == "passed"  # mustBeLessThan: 30 (percent)
    assert statuses["orders.row_count"] == "failed"  # mustBeBetween: [3, 10]
