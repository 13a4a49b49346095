"""Running the compiled suites with Great Expectations 1.x: the one module of aigov that imports
``great_expectations`` (lazily, inside the functions), quietly (no analytics, progress bars or
log lines: the library never prints).

Each table's checks become one expectation suite, validated on one batch: a pandas frame for a
file, a table of a SQL database otherwise. Results are kept as Great Expectations reports them
(JSON dicts); :mod:`aigov.evidence.data_quality.summary` turns them into evidence.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aigov.evidence import first_line
from aigov.evidence.data_quality.source import (
    FILE_FORMATS,
    DataQualityUnavailable,
    DataSource,
    read_frame,
)
from aigov.evidence.data_quality.suite import Check, TablePlan
from aigov.quiet import quiet_library

GX_DISTRIBUTION = "great_expectations"


@dataclass
class TableRun:
    """What one table's suite observed: rows, results per check id, columns, nulls per column."""

    plan: TablePlan
    rows: int | None
    results: dict[str, dict[str, Any]]
    columns: list[str]
    null_counts: dict[str, int]


def run_suites(
    source: DataSource, plans: Sequence[TablePlan], now: dt.datetime, label: str
) -> list[TableRun]:
    """Validate every table's checks on ``source``'s data (``label`` names GX's objects).

    Raises :class:`DataQualityUnavailable` when GX is not installed or the data is unreadable.
    """
    with _quiet_gx():
        context = _context()
        return [
            _run_table(context, source, plan, now, f"{label}-{index}")
            for index, plan in enumerate(plans)
        ]


def gx_version() -> str | None:
    """The installed Great Expectations version, None when it is not installed."""
    from importlib import metadata

    try:
        return metadata.version(GX_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


def _quiet_gx() -> contextlib.AbstractContextManager[None]:
    """No analytics, no progress bars, no log lines: the library never prints."""
    return quiet_library("great_expectations", logging.ERROR, {"GX_ANALYTICS_ENABLED": "false"})


def _context() -> Any:
    try:
        import great_expectations as gx
    except ImportError as exc:
        raise DataQualityUnavailable(
            "great_expectations is not installed (pip install 'aigov[gx]')"
        ) from exc
    context = gx.get_context(mode="ephemeral")
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def _expectation(check: Check, now: dt.datetime, available: Sequence[str], plan: TablePlan) -> Any:
    import great_expectations.expectations as gxe

    kwargs = dict(check.kwargs)
    if "column" in kwargs:
        kwargs["column"] = _data_column(plan, str(kwargs["column"]), available)
    if "column_list" in kwargs:
        kwargs["column_list"] = [_data_column(plan, c, available) for c in kwargs["column_list"]]
    if check.check == "freshness":
        import pandas as pd  # type: ignore[import-untyped]

        oldest = now - dt.timedelta(hours=float(kwargs.pop("max_age_hours")))
        kwargs.pop("latency")
        kwargs["min_value"] = pd.Timestamp(oldest)
    expectation_class = getattr(gxe, check.expectation)
    return expectation_class(**kwargs, meta={"aigov_id": check.id})


def _data_column(plan: TablePlan, name: str, available: Sequence[str]) -> str:
    prop = next((p for p in plan.properties if p.get("name") == name), {"name": name})
    return plan.column(prop, available)


def _batch(context: Any, source: DataSource, plan: TablePlan, label: str) -> tuple[Any, list[str]]:
    """The batch to validate and its columns."""
    if source.format in FILE_FORMATS:
        frame = read_frame(source, plan)
        datasource = context.data_sources.add_pandas(f"{label}-pandas")
        asset = datasource.add_dataframe_asset(plan.name)
        batch = asset.add_batch_definition_whole_dataframe("all").get_batch(
            batch_parameters={"dataframe": frame}
        )
        return batch, [str(c) for c in frame.columns]
    url = source.url or f"sqlite:///{source.path}"
    if source.path is not None and not source.path.is_file():
        raise DataQualityUnavailable(f"database {source.shown_path} not found")
    try:
        if source.url is None:
            datasource = context.data_sources.add_sqlite(f"{label}-sql", connection_string=url)
        else:
            datasource = context.data_sources.add_sql(f"{label}-sql", connection_string=url)
        table_options = {"schema_name": source.schema} if source.schema else {}
        asset = datasource.add_table_asset(
            plan.name, table_name=plan.physical_name, **table_options
        )
        batch = asset.add_batch_definition_whole_table("all").get_batch()
        return batch, [str(c) for c in batch.columns()]
    except Exception as exc:  # SQLAlchemy and its drivers raise many kinds
        raise DataQualityUnavailable(
            f"cannot read table {plan.physical_name} from {source.shown_path or source.server}"
            f": {first_line(exc)}"
        ) from exc


def _suite(
    plan: TablePlan, columns: Sequence[str], now: dt.datetime, label: str
) -> tuple[Any, dict[str, list[str]]]:
    """The suite of a table's runnable checks, and which check ids share each expectation."""
    import great_expectations as gx
    from great_expectations.expectations.core.expect_column_values_to_not_be_null import (
        ExpectColumnValuesToNotBeNull,
    )

    suite = gx.ExpectationSuite(name=label)
    runnable = [c for c in plan.checks if c.skipped is None]
    shared: dict[str, list[str]] = {}
    for check in runnable:
        if (
            check.column is not None
            and check.check != "exists"
            and _data_column(plan, check.column, columns) not in columns
        ):
            continue  # the exists check reports the missing column
        if check.expectation == "ExpectCompoundColumnsToBeUnique" and not all(
            _data_column(plan, c, columns) in columns for c in check.kwargs["column_list"]
        ):
            continue
        # Two clauses asking the same thing (required + nullValues) share one expectation:
        # Great Expectations keeps only one of two equal expectations in a suite.
        key = f"{check.expectation}:{sorted(check.kwargs.items())!r}"
        if key in shared:
            shared[key].append(check.id)
            continue
        shared[key] = [check.id]
        suite.add_expectation(_expectation(check, now, columns, plan))
    # Completeness of every column, also those without a not-null rule, for the report.
    profiled = {c.column for c in runnable if c.check == "not_null" and c.operator is None}
    for prop in plan.properties:
        column = plan.column(prop, columns)
        if column in columns and prop["name"] not in profiled:
            suite.add_expectation(
                ExpectColumnValuesToNotBeNull(
                    column=column, mostly=0.0, meta={"aigov_profile": str(prop["name"])}
                )
            )
    return suite, shared


def _run_table(
    context: Any, source: DataSource, plan: TablePlan, now: dt.datetime, label: str
) -> TableRun:
    batch, columns = _batch(context, source, plan, label)
    suite, shared = _suite(plan, columns, now, label)
    outcome = batch.validate(suite, result_format="SUMMARY")
    results: dict[str, dict[str, Any]] = {}
    null_counts: dict[str, int] = {}
    rows: int | None = None
    for result in outcome.results:
        data = result.to_json_dict()
        meta = data["expectation_config"].get("meta") or {}
        observed = data.get("result") or {}
        if "element_count" in observed:
            rows = int(observed["element_count"])
        if "aigov_profile" in meta:
            null_counts[meta["aigov_profile"]] = int(observed.get("unexpected_count") or 0)
            continue
        first = str(meta.get("aigov_id", ""))
        for ids in shared.values():
            if ids[0] == first:
                results.update(dict.fromkeys(ids, data))
        found = next((c for c in plan.checks if c.id == meta.get("aigov_id")), None)
        if found and found.check == "not_null" and found.column is not None:
            null_counts.setdefault(found.column, int(observed.get("unexpected_count") or 0))
        if found and found.check == "row_count":
            rows = int(observed.get("observed_value") or 0)
    return TableRun(plan, rows, results, columns, null_counts)
