"""Evidence from the data: a data contract's checks run with Great Expectations.

Each ODCS contract's schema and quality rules are compiled into a Great Expectations 1.x
expectation suite per table (``compile_contract`` is pure data and imports nothing heavy); the
suite runs on the data the contract's ``servers`` entry points to: a CSV or Parquet file inside
the repository (``type: local``), a SQLite file inside the repository (``type: custom``,
``format: sqlite``), or, when chosen explicitly, a SQL database reached through SQLAlchemy. The
result is plain, serialisable evidence (``evidence.data_quality``), stored by
:mod:`aigov.evidence.store` and read back by ``aigov check`` without importing Great Expectations.

What is compiled, per table of the contract (``check`` names in the evidence):

- ``exists`` every property is a column (consistency);
- ``not_null`` ``required: true`` and ``metric: nullValues`` (completeness);
- ``unique`` ``unique: true``, a single ``primaryKey``, ``metric: duplicateValues``; a composite
  primary key or ``duplicateValues`` with ``arguments.properties`` gives ``unique_combination``;
- ``allowed_values`` ``enum`` and ``metric: invalidValues`` with ``arguments.validValues``;
- ``pattern`` ``logicalTypeOptions.pattern`` and ``invalidValues`` with ``arguments.pattern``;
- ``missing_values`` ``metric: missingValues`` with ``arguments.missingValues``;
- ``range`` ``logicalTypeOptions`` minimum/maximum (exclusive too; dates and timestamps as well);
- ``length`` ``logicalTypeOptions`` minLength/maxLength;
- ``row_count`` ``metric: rowCount`` with its operator (mustBeGreaterThan, ...);
- ``freshness`` the ``latency`` SLA property on ``slaDefaultElement`` (table.column): the newest
  value must be younger than the latency.

Metric rules are judged by ODCS's operator on the count of failing rows (``unit: percent`` on
their share), so ``mustBeLessOrEqualTo: 10`` allows ten. SQL quality rules are recorded as
skipped and never executed (a contract changed in a pull request could run any statement), as
are ``text`` rules. A server marked as a sample (``customProperties: [{property: sample,
value: true}]``) runs row-count and freshness checks without enforcing them: a sample is small and
does not age like the table it samples.

Unexpected values are never stored, only counts: the data may hold personal data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from aigov import __version__
from aigov.documents.problems import DocumentError
from aigov.evidence import EvidenceUnavailable
from aigov.quiet import quiet_library

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]

    from aigov.documents.contract import DataContract
    from aigov.documents.files import RepositoryRoot

EVIDENCE_SCHEMA_VERSION = "1"
FILE_FORMATS = ("csv", "parquet")
SQL_SERVER_TYPES = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mysql",
    "sqlserver": "mssql",
    "oracle": "oracle",
}
_LATENCY_UNITS = {
    "s": 1 / 3600,
    "m": 1 / 60,  # ODCS: "m" is minutes in latency; months are spelled "month"
    "min": 1 / 60,
    "h": 1,
    "d": 24,
    "day": 24,
    "days": 24,
    "w": 168,
    "week": 168,
    "weeks": 168,
    "month": 720,
    "months": 720,
    "y": 8760,
    "year": 8760,
    "years": 8760,
}
_DATE_TYPES = ("date", "timestamp")
_VOLUME_CHECKS = ("row_count", "freshness")


class DataQualityUnavailable(EvidenceUnavailable):
    """The data cannot be validated (no readable server, unreadable data, no GX installed)."""


@dataclass(frozen=True)
class Check:
    """One expectation compiled from a contract: what it checks and where the contract says so."""

    id: str
    table: str
    check: str
    dimension: str
    severity: str
    source: str  # the contract field that asked for it, e.g. schema[0].properties[2].required
    expectation: str  # the Great Expectations class name
    kwargs: dict[str, Any]
    column: str | None = None
    operator: tuple[str, Any] | None = None  # ODCS operator judged on the failing-row count
    unit: str = "rows"
    skipped: str | None = None  # why the check is not run


@dataclass
class TablePlan:
    """The checks of one schema object of a contract."""

    name: str
    physical_name: str
    properties: list[dict[str, Any]]
    checks: list[Check] = field(default_factory=list)

    def column(self, prop: Mapping[str, Any], available: Sequence[str] | None = None) -> str:
        """The data's column for a property: its name, else its physical name when present."""
        name = str(prop.get("name", ""))
        physical = prop.get("physicalName")
        if available is not None and name not in available and physical in available:
            return str(physical)
        return name


@dataclass(frozen=True)
class DataSource:
    """Where a contract's data is read from."""

    server: str
    type: str
    environment: str | None
    sample: bool
    path: Path | None = None  # local files and SQLite databases
    shown_path: str | None = None
    format: str | None = None  # csv, parquet, sqlite, sql
    url: str | None = None  # SQLAlchemy URL of a remote database (credentials not shown)
    schema: str | None = None

    def to_evidence(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "type": self.type,
            "environment": self.environment,
            "sample": self.sample,
            "format": self.format,
            "path": self.shown_path,
            "schema": self.schema,
        }


# --- compiling a contract (no heavy import) ---------------------------------------------------


def compile_contract(contract: DataContract) -> list[TablePlan]:
    """The checks each table of ``contract`` asks for, in a fixed order."""
    plans = []
    data = contract.data
    latency = _latency_hours(data)
    sla_element = str(data.get("slaDefaultElement") or "")
    for index, obj in enumerate(data.get("schema") or []):
        if not isinstance(obj, dict) or not obj.get("name"):
            continue
        where = f"schema[{index}]"
        name = str(obj["name"])
        plan = TablePlan(
            name,
            str(obj.get("physicalName") or name),
            [p for p in obj.get("properties") or [] if isinstance(p, dict) and p.get("name")],
        )
        _compile_properties(plan, where)
        _compile_table_rules(plan, obj, where)
        if latency is not None and sla_element:
            _compile_freshness(plan, sla_element, latency)
        plans.append(plan)
    return plans


def _latency_hours(data: Mapping[str, Any]) -> tuple[float, str] | None:
    for prop in data.get("slaProperties") or []:
        if isinstance(prop, dict) and prop.get("property") == "latency":
            value, unit = prop.get("value"), str(prop.get("unit") or "d").lower()
            if isinstance(value, int | float) and unit in _LATENCY_UNITS:
                return float(value) * _LATENCY_UNITS[unit], f"{value}{unit}"
    return None


def _add(plan: TablePlan, check: str, source: str, expectation: str, **options: Any) -> None:
    column = options.pop("column", None)
    kwargs = options.pop("kwargs", {})
    identifier = ".".join(part for part in (plan.name, column, check) if part)
    taken = sum(1 for c in plan.checks if c.id.split("#")[0] == identifier)
    plan.checks.append(
        Check(
            id=f"{identifier}#{taken + 1}" if taken else identifier,
            table=plan.name,
            check=check,
            dimension=options.pop("dimension"),
            severity=options.pop("severity", "error"),
            source=source,
            expectation=expectation,
            kwargs=({"column": column} if column else {}) | kwargs,
            column=column,
            **options,
        )
    )


def _compile_properties(plan: TablePlan, where: str) -> None:
    keys = [p for p in plan.properties if p.get("primaryKey")]
    for index, prop in enumerate(plan.properties):
        here = f"{where}.properties[{index}]"
        column = str(prop["name"])
        _add(plan, "exists", here, "ExpectColumnToExist", column=column, dimension="consistency")
        if prop.get("required"):
            _add(
                plan,
                "not_null",
                f"{here}.required",
                "ExpectColumnValuesToNotBeNull",
                column=column,
                dimension="completeness",
            )
        if prop.get("unique") or (prop.get("primaryKey") and len(keys) == 1):
            field_name = "unique" if prop.get("unique") else "primaryKey"
            _add(
                plan,
                "unique",
                f"{here}.{field_name}",
                "ExpectColumnValuesToBeUnique",
                column=column,
                dimension="uniqueness",
            )
        if isinstance(prop.get("enum"), list):
            _add(
                plan,
                "allowed_values",
                f"{here}.enum",
                "ExpectColumnValuesToBeInSet",
                column=column,
                kwargs={"value_set": list(prop["enum"])},
                dimension="conformity",
            )
        _compile_type_options(plan, prop, here, column)
        for rule_index, rule in enumerate(prop.get("quality") or []):
            if isinstance(rule, dict):
                _compile_rule(plan, rule, f"{here}.quality[{rule_index}]", column)
    if len(keys) > 1:
        _add(
            plan,
            "unique_combination",
            f"{where}.properties.primaryKey",
            "ExpectCompoundColumnsToBeUnique",
            kwargs={"column_list": [str(p["name"]) for p in keys]},
            dimension="uniqueness",
        )


def _compile_type_options(plan: TablePlan, prop: Mapping[str, Any], here: str, column: str) -> None:
    options = prop.get("logicalTypeOptions")
    if not isinstance(options, dict):
        return
    source = f"{here}.logicalTypeOptions"
    if isinstance(options.get("pattern"), str):
        _add(
            plan,
            "pattern",
            f"{source}.pattern",
            "ExpectColumnValuesToMatchRegex",
            column=column,
            kwargs={"regex": options["pattern"]},
            dimension="conformity",
        )
    if "minLength" in options or "maxLength" in options:
        _add(
            plan,
            "length",
            source,
            "ExpectColumnValueLengthsToBeBetween",
            column=column,
            kwargs={"min_value": options.get("minLength"), "max_value": options.get("maxLength")},
            dimension="conformity",
        )
    bounds: dict[str, Any] = {}
    for key, (target, strict) in {
        "minimum": ("min_value", False),
        "exclusiveMinimum": ("min_value", True),
        "maximum": ("max_value", False),
        "exclusiveMaximum": ("max_value", True),
    }.items():
        if key in options and not isinstance(options[key], bool):
            bounds[target] = options[key]
            bounds["strict_min" if target == "min_value" else "strict_max"] = strict
    if bounds:
        if prop.get("logicalType") in _DATE_TYPES:
            bounds = {k: _timestamp(v) if k.endswith("value") else v for k, v in bounds.items()}
        _add(
            plan,
            "range",
            source,
            "ExpectColumnValuesToBeBetween",
            column=column,
            kwargs=bounds,
            dimension="conformity",
        )


_OPERATORS = (
    "mustBe",
    "mustNotBe",
    "mustBeGreaterThan",
    "mustBeGreaterOrEqualTo",
    "mustBeLessThan",
    "mustBeLessOrEqualTo",
    "mustBeBetween",
    "mustNotBeBetween",
)


def _operator(rule: Mapping[str, Any]) -> tuple[str, Any] | None:
    for name in _OPERATORS:
        if name in rule:
            return name, rule[name]
    return None


def judge(operator: tuple[str, Any] | None, value: float) -> bool:
    """Whether ``value`` satisfies an ODCS comparison operator (no operator: must be 0)."""
    name, expected = operator or ("mustBe", 0)
    if name in ("mustBeBetween", "mustNotBeBetween"):
        low, high = (float(v) for v in cast(list[Any], expected))
        inside = low <= value <= high
        return inside if name == "mustBeBetween" else not inside
    comparisons = {
        "mustBe": value == expected,
        "mustNotBe": value != expected,
        "mustBeGreaterThan": name == "mustBeGreaterThan" and value > float(expected),
        "mustBeGreaterOrEqualTo": name == "mustBeGreaterOrEqualTo" and value >= float(expected),
        "mustBeLessThan": name == "mustBeLessThan" and value < float(expected),
        "mustBeLessOrEqualTo": name == "mustBeLessOrEqualTo" and value <= float(expected),
    }
    return bool(comparisons.get(name, False))


def _rule_options(rule: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "severity": str(rule.get("severity") or "error"),
        "operator": _operator(rule),
        "unit": str(rule.get("unit") or "rows"),
    }


def _compile_rule(
    plan: TablePlan, rule: Mapping[str, Any], source: str, column: str | None
) -> None:
    kind = rule.get("type") or ("library" if rule.get("metric") else "text")
    metric = rule.get("metric") or rule.get("rule")
    raw_arguments = rule.get("arguments")
    arguments: dict[str, Any] = raw_arguments if isinstance(raw_arguments, dict) else {}
    dimension = str(rule.get("dimension") or "")
    options = _rule_options(rule)
    if kind in ("sql", "text", "custom") or not metric:
        why = {
            "sql": "SQL quality rules are not executed (a contract from a pull request could "
            "run any statement); check them in the data platform",
            "text": "a text rule describes a check for people, not a machine",
            "custom": "custom engine rules are not run by aigov",
        }.get(str(kind), "no metric given")
        _add(
            plan,
            str(kind),
            source,
            "",
            column=column,
            dimension=dimension or "accuracy",
            severity=options["severity"],
            skipped=why,
        )
        return
    if metric == "rowCount":
        _add(
            plan,
            "row_count",
            source,
            "ExpectTableRowCountToBeBetween",
            kwargs=_row_count_bounds(options["operator"]),
            dimension=dimension or "completeness",
            **options,
        )
        return
    if metric == "duplicateValues":
        columns = arguments.get("properties")
        if isinstance(columns, list) and columns:
            _add(
                plan,
                "unique_combination",
                source,
                "ExpectCompoundColumnsToBeUnique",
                kwargs={"column_list": [str(c) for c in columns]},
                dimension=dimension or "uniqueness",
                **options,
            )
        elif column:
            _add(
                plan,
                "unique",
                source,
                "ExpectColumnValuesToBeUnique",
                column=column,
                dimension=dimension or "uniqueness",
                **options,
            )
        return
    if column is None:
        _add(
            plan,
            str(metric),
            source,
            "",
            dimension=dimension or "accuracy",
            severity=options["severity"],
            skipped=f"metric {metric} needs a property",
        )
        return
    if metric == "nullValues":
        _add(
            plan,
            "not_null",
            source,
            "ExpectColumnValuesToNotBeNull",
            column=column,
            dimension=dimension or "completeness",
            **options,
        )
    elif metric == "missingValues":
        missing = arguments.get("missingValues") or [None, ""]
        _add(
            plan,
            "missing_values",
            source,
            "ExpectColumnValuesToNotBeInSet",
            column=column,
            kwargs={"value_set": [v for v in missing if v is not None]},
            dimension=dimension or "completeness",
            **options,
        )
    elif metric == "invalidValues" and "validValues" in arguments:
        _add(
            plan,
            "allowed_values",
            source,
            "ExpectColumnValuesToBeInSet",
            column=column,
            kwargs={"value_set": list(arguments["validValues"])},
            dimension=dimension or "conformity",
            **options,
        )
    elif metric == "invalidValues" and "pattern" in arguments:
        _add(
            plan,
            "pattern",
            source,
            "ExpectColumnValuesToMatchRegex",
            column=column,
            kwargs={"regex": str(arguments["pattern"])},
            dimension=dimension or "conformity",
            **options,
        )
    else:
        _add(
            plan,
            str(metric),
            source,
            "",
            column=column,
            dimension=dimension or "accuracy",
            severity=options["severity"],
            skipped=f"metric {metric} without the arguments aigov understands",
        )


def _row_count_bounds(operator: tuple[str, Any] | None) -> dict[str, Any]:
    name, value = operator or ("mustBeGreaterThan", 0)
    value = cast(Any, value if isinstance(value, int | float | list) else 0)
    if name == "mustBeGreaterThan":
        return {"min_value": int(value) + 1}
    if name == "mustBeGreaterOrEqualTo":
        return {"min_value": value}
    if name == "mustBeLessThan":
        return {"max_value": int(value) - 1 if float(value).is_integer() else value}
    if name == "mustBeLessOrEqualTo":
        return {"max_value": value}
    if name == "mustBeBetween":
        return {"min_value": value[0], "max_value": value[1]}
    if name == "mustBe":
        return {"min_value": value, "max_value": value}
    return {}


def _compile_table_rules(plan: TablePlan, obj: Mapping[str, Any], where: str) -> None:
    for index, rule in enumerate(obj.get("quality") or []):
        if isinstance(rule, dict):
            _compile_rule(plan, rule, f"{where}.quality[{index}]", None)


def _compile_freshness(plan: TablePlan, element: str, latency: tuple[float, str]) -> None:
    table, _, column = element.rpartition(".")
    if table not in ("", plan.name, plan.physical_name):
        return
    prop = next(
        (p for p in plan.properties if column in (p.get("name"), p.get("physicalName"))), None
    )
    if prop is None:
        return
    hours, written = latency
    _add(
        plan,
        "freshness",
        "slaProperties.latency",
        "ExpectColumnMaxToBeBetween",
        column=str(prop["name"]),
        kwargs={"max_age_hours": hours, "latency": written},
        dimension="timeliness",
    )


def _timestamp(value: Any) -> Any:
    import pandas as pd

    try:
        return pd.Timestamp(str(value))
    except ValueError:
        return value


# --- choosing and reading the data ------------------------------------------------------------


def _custom_properties(server: Mapping[str, Any]) -> dict[str, Any]:
    found = {}
    for item in server.get("customProperties") or []:
        if isinstance(item, dict) and "property" in item:
            found[str(item["property"])] = item.get("value")
    return found


def choose_source(
    contract: DataContract, root: RepositoryRoot, server_name: str | None = None
) -> DataSource:
    """The server to validate: ``server_name``, else the first file or SQLite server.

    Remote databases are used only when named, so that a CI run never reaches production by
    surprise. Paths are confined to the repository.
    """
    servers = [s for s in contract.data.get("servers") or [] if isinstance(s, dict)]
    for index, server in enumerate(servers):
        name = str(server.get("server", ""))
        if server_name is not None and name != server_name:
            continue
        kind = str(server.get("type", ""))
        sample = str(_custom_properties(server).get("sample", "")).lower() in ("true", "1", "yes")
        environment = server.get("environment")
        fmt = str(server.get("format", "")).lower()
        if kind in ("local", "custom") and server.get("path") and fmt in (*FILE_FORMATS, "sqlite"):
            where = contract.document.locate(("servers", index, "path"))
            try:
                path = root.resolve(
                    str(server["path"]), referenced_from=where, field=f"servers[{index}].path"
                )
            except DocumentError as exc:
                raise DataQualityUnavailable(exc.problem.message, where) from None
            return DataSource(
                name,
                kind,
                environment,
                sample,
                path=path,
                shown_path=root.display(path),
                format=fmt,
                schema=server.get("schema"),
            )
        if server_name is not None and kind in SQL_SERVER_TYPES:
            return DataSource(
                name,
                kind,
                environment,
                sample,
                format="sql",
                url=_sql_url(server),
                shown_path=f"{server.get('host', '')}/{server.get('database', '')}",
                schema=server.get("schema"),
            )
    where = contract.document.locate(("servers",))
    if server_name is not None:
        raise DataQualityUnavailable(
            f"{contract.file} has no server '{server_name}' that aigov can read", where
        )
    kinds = ", ".join(sorted({str(s.get("type")) for s in servers})) or "none"
    raise DataQualityUnavailable(
        f"{contract.file} has no local data server (CSV, Parquet or SQLite file in the "
        f"repository; servers found: {kinds})",
        where,
    )


def _sql_url(server: Mapping[str, Any]) -> str:
    """A SQLAlchemy URL; credentials come from AIGOV_DB_USER/AIGOV_DB_PASSWORD, never the file."""
    from urllib.parse import quote

    dialect = SQL_SERVER_TYPES[str(server["type"])]
    user = os.environ.get("AIGOV_DB_USER", "")
    password = os.environ.get("AIGOV_DB_PASSWORD", "")
    credentials = f"{quote(user)}:{quote(password)}@" if user else ""
    port = f":{server['port']}" if server.get("port") else ""
    return f"{dialect}://{credentials}{server.get('host', '')}{port}/{server.get('database', '')}"


def _column_types(plan: TablePlan) -> tuple[list[str], list[str]]:
    strings = [str(p["name"]) for p in plan.properties if p.get("logicalType") == "string"]
    dates = [str(p["name"]) for p in plan.properties if p.get("logicalType") in _DATE_TYPES]
    return strings, dates


def read_frame(source: DataSource, plan: TablePlan) -> pd.DataFrame:
    """Read a CSV or Parquet file; string columns stay strings (store codes keep leading 0s)."""
    import pandas as pd

    assert source.path is not None
    if not source.path.is_file():
        raise DataQualityUnavailable(f"data file {source.shown_path} not found")
    strings, dates = _column_types(plan)
    try:
        if source.format == "csv":
            header = pd.read_csv(source.path, nrows=0).columns
            frame = pd.read_csv(
                source.path,
                dtype={c: "string" for c in strings if c in header},
                keep_default_na=True,
            )
        else:
            frame = pd.read_parquet(source.path)
    except Exception as exc:  # pandas and pyarrow raise many kinds for a corrupt file
        raise DataQualityUnavailable(
            f"cannot read {source.shown_path} as {source.format}: {_first_line(exc)}"
        ) from None
    for column in dates:
        if column in frame.columns and not pd.api.types.is_datetime64_any_dtype(frame[column]):
            # Unparseable dates become nulls, which the not-null check then reports.
            frame[column] = pd.to_datetime(frame[column], errors="coerce", utc=True)
        elif column in frame.columns and frame[column].dt.tz is None:
            frame[column] = frame[column].dt.tz_localize("UTC")
    return frame


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    line = lines[0] if lines else type(exc).__name__
    return line if len(line) <= 300 else line[:297] + "..."


# --- running the suite ------------------------------------------------------------------------


def _quiet_gx() -> contextlib.AbstractContextManager[None]:
    """No analytics, no progress bars, no log lines: the library never prints."""
    return quiet_library("great_expectations", logging.ERROR, {"GX_ANALYTICS_ENABLED": "false"})


def _context() -> Any:
    try:
        import great_expectations as gx
    except ImportError:
        raise DataQualityUnavailable(
            "great_expectations is not installed (pip install 'aigov[gx]')"
        ) from None
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
        import pandas as pd

        oldest = now - dt.timedelta(hours=float(kwargs.pop("max_age_hours")))
        kwargs.pop("latency")
        kwargs["min_value"] = pd.Timestamp(oldest)
    expectation_class = getattr(gxe, check.expectation)
    return expectation_class(**kwargs, meta={"aigov_id": check.id})


def _data_column(plan: TablePlan, name: str, available: Sequence[str]) -> str:
    prop = next((p for p in plan.properties if p.get("name") == name), {"name": name})
    return plan.column(prop, available)


@dataclass
class _TableRun:
    plan: TablePlan
    rows: int | None
    results: dict[str, dict[str, Any]]
    columns: list[str]
    null_counts: dict[str, int]


def _run_table(
    context: Any, source: DataSource, plan: TablePlan, now: dt.datetime, label: str
) -> _TableRun:
    import great_expectations as gx
    from great_expectations.expectations.core.expect_column_values_to_not_be_null import (
        ExpectColumnValuesToNotBeNull,
    )

    if source.format in FILE_FORMATS:
        frame = read_frame(source, plan)
        datasource = context.data_sources.add_pandas(f"{label}-pandas")
        asset = datasource.add_dataframe_asset(plan.name)
        batch = asset.add_batch_definition_whole_dataframe("all").get_batch(
            batch_parameters={"dataframe": frame}
        )
        columns = [str(c) for c in frame.columns]
    else:
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
            columns = [str(c) for c in batch.columns()]
        except Exception as exc:
            raise DataQualityUnavailable(
                f"cannot read table {plan.physical_name} from {source.shown_path or source.server}"
                f": {_first_line(exc)}"
            ) from None
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
    return _TableRun(plan, rows, results, columns, null_counts)


def _observed(data: Mapping[str, Any]) -> dict[str, Any]:
    """Counts and observed values only: unexpected values may be personal data."""
    result = data.get("result") or {}
    kept: dict[str, Any] = {}
    for key in ("element_count", "unexpected_count", "unexpected_percent", "missing_count"):
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


def _judge_result(
    check: Check, data: Mapping[str, Any] | None, run: _TableRun, sample: bool
) -> dict[str, Any]:
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
        "operator": list(check.operator) if check.operator else None,
        "enforced": not (sample and check.check in _VOLUME_CHECKS),
        "observed": {},
        "reason": None,
    }
    if check.skipped is not None:
        return entry | {"status": "skipped", "reason": check.skipped}
    if data is None:
        missing = check.column or ", ".join(check.kwargs.get("column_list", []))
        return entry | {"status": "skipped", "reason": f"column {missing} is missing"}
    entry["observed"] = _observed(data)
    info = data.get("exception_info") or {}
    if info.get("raised_exception"):
        message = _first_line(Exception(info.get("exception_message") or "error"))
        return entry | {"status": "error", "reason": message}
    success = bool(data.get("success"))
    counted = "unexpected_count" in entry["observed"]
    if check.operator is not None and counted and check.check != "row_count":
        # ODCS judges the number (or share) of failing rows with its own operator.
        value = (
            entry["observed"].get("unexpected_percent", 0.0)
            if check.unit == "percent"
            else entry["observed"]["unexpected_count"]
        )
        success = judge(check.operator, value)
    return entry | {"status": "passed" if success else "failed"}


def validate_contract(
    contract: DataContract,
    root: RepositoryRoot,
    *,
    server: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Validate one contract's data; returns its entry of ``evidence.data_quality.contracts``.

    Raises :class:`DataQualityUnavailable` when no server can be read or the data is unreadable.
    """
    moment = now or dt.datetime.now(dt.UTC)
    source = choose_source(contract, root, server)
    plans = compile_contract(contract)
    with _quiet_gx():
        context = _context()
        runs = [
            _run_table(context, source, plan, moment, f"{contract.id or contract.file}-{i}")
            for i, plan in enumerate(plans)
        ]
    expectations = [
        _judge_result(check, run.results.get(check.id), run, source.sample)
        for run in runs
        for check in run.plan.checks
    ]
    digest = file_digest(source.path) if source.path is not None else None
    return _contract_entry(contract, source, digest, runs, expectations, moment)


def _contract_entry(
    contract: DataContract,
    source: DataSource,
    data_digest: str | None,
    runs: Sequence[_TableRun],
    expectations: list[dict[str, Any]],
    now: dt.datetime,
) -> dict[str, Any]:
    failed = [e for e in expectations if e["status"] in ("failed", "error") and e["enforced"]]
    statistics = {
        "evaluated": sum(1 for e in expectations if e["status"] != "skipped"),
        "passed": sum(1 for e in expectations if e["status"] == "passed"),
        "failed": sum(1 for e in expectations if e["status"] == "failed"),
        "errors": sum(1 for e in expectations if e["status"] == "error"),
        "skipped": sum(1 for e in expectations if e["status"] == "skipped"),
        "not_enforced_failures": sum(
            1 for e in expectations if e["status"] == "failed" and not e["enforced"]
        ),
        "blocking_failures": sum(1 for e in failed if e["severity"] == "error"),
        "warning_failures": sum(1 for e in failed if e["severity"] != "error"),
    }
    return {
        "file": contract.file,
        "id": contract.id,
        "name": contract.data.get("name"),
        "version": contract.version,
        "digest": contract.digest,
        "status": "validated",
        "reason": None,
        "server": source.to_evidence(),
        "data_digest": data_digest,
        "validated_at": now.isoformat(timespec="seconds"),
        "success": statistics["blocking_failures"] == 0,
        "statistics": statistics,
        "tables": [_table_summary(run, expectations, now) for run in runs],
        "expectations": expectations,
    }


def _share(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


def _table_summary(
    run: _TableRun, expectations: Sequence[dict[str, Any]], now: dt.datetime
) -> dict[str, Any]:
    mine = [e for e in expectations if e["table"] == run.plan.name and e["status"] != "skipped"]
    rows = run.rows or 0
    columns = []
    for prop in run.plan.properties:
        name = str(prop["name"])
        checks = [e for e in mine if e["column"] == name]
        present = run.plan.column(prop, run.columns) in run.columns
        nulls = run.null_counts.get(name)
        columns.append(
            {
                "name": name,
                "present": present,
                "null_count": nulls,
                "completeness": None if nulls is None else _share(rows - nulls, rows),
                "checks_passed": sum(1 for e in checks if e["status"] == "passed"),
                "checks_failed": sum(1 for e in checks if e["status"] != "passed"),
            }
        )
    counts = [int(str(c["null_count"])) for c in columns if c["null_count"] is not None]
    cells = rows * len(counts)
    filled = cells - sum(counts)
    conformity = [e for e in mine if e["dimension"] in ("conformity", "consistency", "uniqueness")]
    freshness = next((e for e in mine if e["check"] == "freshness"), None)
    return {
        "name": run.plan.name,
        "physical_name": run.plan.physical_name,
        "rows": run.rows,
        "completeness": _share(filled, cells),
        "consistency": _share(
            sum(1 for e in conformity if e["status"] == "passed"), len(conformity)
        ),
        "freshness": _freshness(freshness, now) if freshness else None,
        "columns": columns,
    }


def _freshness(entry: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    latest = entry["observed"].get("observed_value")
    age_hours = None
    if isinstance(latest, str):
        with contextlib.suppress(ValueError):
            moment = dt.datetime.fromisoformat(latest)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
            age_hours = round((now - moment).total_seconds() / 3600, 1)
    return {
        "column": entry["column"],
        "latest": latest,
        "age_hours": age_hours,
        "max_age_hours": entry["kwargs"].get("max_age_hours"),
        "fresh": entry["status"] == "passed",
        "enforced": entry["enforced"],
    }


def unavailable_entry(contract: DataContract, reason: str) -> dict[str, Any]:
    """The evidence entry of a contract whose data could not be validated."""
    return {
        "file": contract.file,
        "id": contract.id,
        "name": contract.data.get("name"),
        "version": contract.version,
        "digest": contract.digest,
        "status": "unavailable",
        "reason": reason,
        "server": None,
        "data_digest": None,
        "validated_at": None,
        "success": False,
        "statistics": {},
        "tables": [],
        "expectations": [],
    }


def validate_contracts(
    contracts: Sequence[DataContract],
    root: RepositoryRoot,
    *,
    server: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The ``evidence.data_quality`` document for every contract of a repository.

    A contract whose data cannot be read is an ``unavailable`` entry with its reason, so one
    unreadable file never hides the results of the others.
    """
    moment = now or dt.datetime.now(dt.UTC)
    entries = []
    for contract in contracts:
        try:
            entries.append(validate_contract(contract, root, server=server, now=moment))
        except DataQualityUnavailable as exc:
            entries.append(unavailable_entry(contract, str(exc)))
    return {
        "schema_version": EVIDENCE_SCHEMA_VERSION,
        "kind": "aigov/data-quality-evidence",
        "generated_at": moment.isoformat(timespec="seconds"),
        "aigov_version": __version__,
        "great_expectations_version": _gx_version(),
        "success": bool(entries) and all(e["success"] for e in entries),
        "contracts": entries,
    }


def _gx_version() -> str | None:
    from importlib import metadata

    try:
        return metadata.version("great_expectations")
    except metadata.PackageNotFoundError:
        return None
