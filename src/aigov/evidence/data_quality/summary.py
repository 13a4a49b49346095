"""Great Expectations' results -> aigov's evidence: each check judged (ODCS operators on the
failing rows, volume checks not enforced on a sample), then per contract, table and column the
statistics, completeness, consistency and freshness (:mod:`.model` gives the shape).

Unexpected values are never kept, only counts: the data may hold personal data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aigov.evidence import first_line
from aigov.evidence.data_quality.model import (
    CheckStatistics,
    ColumnEvidence,
    ContractEvidence,
    ExpectationEvidence,
    FreshnessEvidence,
    TableEvidence,
)
from aigov.evidence.data_quality.run import TableRun
from aigov.evidence.data_quality.source import DataSource
from aigov.evidence.data_quality.suite import Check, judge

if TYPE_CHECKING:
    from aigov.documents.contract import DataContract

_VOLUME_CHECKS = ("row_count", "freshness")
_OBSERVED_COUNTS = ("element_count", "unexpected_count", "unexpected_percent", "missing_count")
_CONFORMITY = ("conformity", "consistency", "uniqueness")


def _observed(data: Mapping[str, Any]) -> dict[str, Any]:
    """Counts and observed values only: unexpected values may be personal data."""
    result = data.get("result") or {}
    kept: dict[str, Any] = {}
    for key in _OBSERVED_COUNTS:
        if key in result and result[key] is not None:
            kept[key] = float(result[key]) if "percent" in key else int(result[key])
    if "observed_value" in result:
        kept["observed_value"] = _plain(result["observed_value"])
    return kept


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def judge_result(check: Check, data: Mapping[str, Any] | None, sample: bool) -> ExpectationEvidence:
    """One check's outcome from its Great Expectations result (None: it did not run)."""
    entry: dict[str, Any] = {
        "id": check.id,
        "table": check.table,
        "column": check.column,
        "check": check.check,
        "dimension": check.dimension,
        "severity": check.severity,
        "source": check.source,
        "expectation": check.expectation or None,
        "kwargs": {k: _plain(v) for k, v in check.kwargs.items()},
        "operator": check.operator,
        "enforced": not (sample and check.check in _VOLUME_CHECKS),
        "observed": {},
        "reason": None,
    }
    if check.skipped is not None:
        return ExpectationEvidence(**entry | {"status": "skipped", "reason": check.skipped})
    if data is None:
        missing = check.column or ", ".join(check.kwargs.get("column_list", []))
        reason = f"column {missing} is missing"
        return ExpectationEvidence(**entry | {"status": "skipped", "reason": reason})
    observed = entry["observed"] = _observed(data)
    info = data.get("exception_info") or {}
    if info.get("raised_exception"):
        message = first_line(Exception(info.get("exception_message") or "error"))
        return ExpectationEvidence(**entry | {"status": "error", "reason": message})
    success = bool(data.get("success"))
    if check.operator is not None and "unexpected_count" in observed and check.check != "row_count":
        # ODCS judges the number (or share) of failing rows with its own operator.
        value = (
            observed.get("unexpected_percent", 0.0)
            if check.unit == "percent"
            else observed["unexpected_count"]
        )
        success = judge(check.operator, value)
    return ExpectationEvidence(**entry | {"status": "passed" if success else "failed"})


def statistics(expectations: Sequence[ExpectationEvidence]) -> CheckStatistics:
    """How the checks ended; failures of non-enforced checks neither block nor warn."""
    failed = [e for e in expectations if e.status in ("failed", "error") and e.enforced]
    return CheckStatistics(
        evaluated=sum(1 for e in expectations if e.status != "skipped"),
        passed=sum(1 for e in expectations if e.status == "passed"),
        failed=sum(1 for e in expectations if e.status == "failed"),
        errors=sum(1 for e in expectations if e.status == "error"),
        skipped=sum(1 for e in expectations if e.status == "skipped"),
        not_enforced_failures=sum(
            1 for e in expectations if e.status == "failed" and not e.enforced
        ),
        blocking_failures=sum(1 for e in failed if e.severity == "error"),
        warning_failures=sum(1 for e in failed if e.severity != "error"),
    )


def contract_entry(
    contract: DataContract,
    source: DataSource,
    data_digest: str | None,
    runs: Sequence[TableRun],
    expectations: Sequence[ExpectationEvidence],
    now: dt.datetime,
) -> ContractEvidence:
    """The evidence of a validated contract."""
    counted = statistics(expectations)
    return ContractEvidence(
        **_declared(contract),
        status="validated",
        reason=None,
        server=source.to_evidence(),
        data_digest=data_digest,
        validated_at=now.isoformat(timespec="seconds"),
        success=counted.blocking_failures == 0,
        statistics=counted,
        tables=tuple(_table_summary(run, expectations, now) for run in runs),
        expectations=tuple(expectations),
    )


def _declared(contract: DataContract) -> dict[str, Any]:
    """The contract as declared when validated: which file, which version."""
    return {
        "file": contract.file,
        "id": contract.id,
        "name": contract.data.get("name"),
        "version": contract.version,
        "digest": contract.digest,
    }


def unavailable_entry(contract: DataContract, reason: str) -> ContractEvidence:
    """The evidence entry of a contract whose data could not be validated."""
    return ContractEvidence(
        **_declared(contract),
        status="unavailable",
        reason=reason,
        server=None,
        data_digest=None,
        validated_at=None,
        success=False,
        statistics=None,
        tables=(),
        expectations=(),
    )


def _share(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


def _column(
    run: TableRun, prop: Mapping[str, Any], mine: Sequence[ExpectationEvidence]
) -> ColumnEvidence:
    name = str(prop["name"])
    checks = [e for e in mine if e.column == name]
    rows = run.rows or 0
    nulls = run.null_counts.get(name)
    return ColumnEvidence(
        name=name,
        present=run.plan.column(prop, run.columns) in run.columns,
        null_count=nulls,
        completeness=None if nulls is None else _share(rows - nulls, rows),
        checks_passed=sum(1 for e in checks if e.status == "passed"),
        checks_failed=sum(1 for e in checks if e.status != "passed"),
    )


def _table_summary(
    run: TableRun, expectations: Sequence[ExpectationEvidence], now: dt.datetime
) -> TableEvidence:
    mine = [e for e in expectations if e.table == run.plan.name and e.status != "skipped"]
    columns = tuple(_column(run, prop, mine) for prop in run.plan.properties)
    counts = [c.null_count for c in columns if c.null_count is not None]
    cells = (run.rows or 0) * len(counts)
    conformity = [e for e in mine if e.dimension in _CONFORMITY]
    freshness = next((e for e in mine if e.check == "freshness"), None)
    return TableEvidence(
        name=run.plan.name,
        physical_name=run.plan.physical_name,
        rows=run.rows,
        completeness=_share(cells - sum(counts), cells),
        consistency=_share(sum(1 for e in conformity if e.status == "passed"), len(conformity)),
        freshness=_freshness(freshness, now) if freshness else None,
        columns=columns,
    )


def _freshness(entry: ExpectationEvidence, now: dt.datetime) -> FreshnessEvidence:
    latest = entry.observed.get("observed_value")
    age_hours = None
    if isinstance(latest, str):
        with contextlib.suppress(ValueError):
            moment = dt.datetime.fromisoformat(latest)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
            age_hours = round((now - moment).total_seconds() / 3600, 1)
    max_age = entry.kwargs.get("max_age_hours")
    return FreshnessEvidence(
        column=entry.column,
        latest=latest,
        age_hours=age_hours,
        max_age_hours=max_age if isinstance(max_age, int | float) else None,
        fresh=entry.status == "passed",
        enforced=entry.enforced,
    )
