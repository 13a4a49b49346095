"""Contract -> expectation suite: what each ODCS clause asks Great Expectations to check.

Pure data, no heavy import: each property constraint and each quality metric ODCS defines is one
row of a table (:data:`PROPERTY_CHECKS`, :data:`METRIC_CHECKS`) naming aigov's check, the Great
Expectations class and how its arguments are read from the contract; :func:`compile_contract`
evaluates the rows in order for every table of a contract. What is compiled (``check`` names in
the evidence):

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

ODCS v3.0.x spelled library checks ``rule:`` (docs/README.md of the v3.0.x releases, "Default
data quality rules"): ``duplicateCount`` (property; duplicates, ``unit: rows`` or ``percent``),
``validValues`` (property; a ``validValues:`` list beside the rule, no operator meaning none
invalid), ``rowCount`` (object); v3.1.0 renamed them ``metric:`` ``duplicateValues``,
``invalidValues`` with ``arguments.validValues``, ``rowCount`` and deprecated ``rule``
(:data:`V30_RULES`). The v3.0.0 full example's ``nullCheck`` ("column should not contain null
values") reads as ``nullValues``. The latency SLA's own ``element`` (v3.0.0's example spells it
``column``) overrides ``slaDefaultElement``.

Metric rules are judged by ODCS's operator on the count of failing rows (``unit: percent`` on
their share), so ``mustBeLessOrEqualTo: 10`` allows ten. SQL quality rules are recorded as
skipped and never executed (a contract changed in a pull request could run any statement), as
are ``text`` rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast

if TYPE_CHECKING:
    from aigov.documents.contract import DataContract

DATE_TYPES = ("date", "timestamp")
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


# --- the tables: ODCS clause -> expectation -----------------------------------------------------


@dataclass(frozen=True)
class PropertyClause:
    """A property of a schema object as the property rows read it."""

    prop: Mapping[str, Any]
    options: Mapping[str, Any]  # logicalTypeOptions ({} when absent or not a mapping)
    single_key: bool  # the property is the table's only primary key


@dataclass(frozen=True)
class PropertyCheck:
    """A row: a property constraint, the check it compiles to, and the expectation's arguments
    read from the property (None: the constraint is not there)."""

    check: str
    field: str  # the contract field after ``properties[i]`` ("" for the property itself)
    expectation: str
    dimension: str
    arguments: Callable[[PropertyClause], dict[str, Any] | None]


_BOUNDS = {
    "minimum": ("min_value", False),
    "exclusiveMinimum": ("min_value", True),
    "maximum": ("max_value", False),
    "exclusiveMaximum": ("max_value", True),
}


def _flag(name: str) -> Callable[[PropertyClause], dict[str, Any] | None]:
    return lambda c: {} if c.prop.get(name) else None


def _range(clause: PropertyClause) -> dict[str, Any] | None:
    bounds: dict[str, Any] = {}
    for key, (target, strict) in _BOUNDS.items():
        if key in clause.options and not isinstance(clause.options[key], bool):
            bounds[target] = clause.options[key]
            bounds["strict_min" if target == "min_value" else "strict_max"] = strict
    if bounds and clause.prop.get("logicalType") in DATE_TYPES:
        bounds = {k: _timestamp(v) if k.endswith("value") else v for k, v in bounds.items()}
    return bounds or None


PROPERTY_CHECKS: tuple[PropertyCheck, ...] = (
    PropertyCheck("exists", "", "ExpectColumnToExist", "consistency", lambda clause: {}),
    PropertyCheck(
        "not_null",
        ".required",
        "ExpectColumnValuesToNotBeNull",
        "completeness",
        _flag("required"),
    ),
    PropertyCheck(
        "unique",
        ".unique",
        "ExpectColumnValuesToBeUnique",
        "uniqueness",
        _flag("unique"),
    ),
    PropertyCheck(  # a composite primary key is one unique_combination check of the table
        "unique",
        ".primaryKey",
        "ExpectColumnValuesToBeUnique",
        "uniqueness",
        lambda c: (
            {} if c.prop.get("primaryKey") and c.single_key and not c.prop.get("unique") else None
        ),
    ),
    PropertyCheck(
        "allowed_values",
        ".enum",
        "ExpectColumnValuesToBeInSet",
        "conformity",
        lambda c: (
            {"value_set": list(c.prop["enum"])} if isinstance(c.prop.get("enum"), list) else None
        ),
    ),
    PropertyCheck(
        "pattern",
        ".logicalTypeOptions.pattern",
        "ExpectColumnValuesToMatchRegex",
        "conformity",
        lambda c: (
            {"regex": c.options["pattern"]} if isinstance(c.options.get("pattern"), str) else None
        ),
    ),
    PropertyCheck(
        "length",
        ".logicalTypeOptions",
        "ExpectColumnValueLengthsToBeBetween",
        "conformity",
        lambda c: (
            {"min_value": c.options.get("minLength"), "max_value": c.options.get("maxLength")}
            if "minLength" in c.options or "maxLength" in c.options
            else None
        ),
    ),
    PropertyCheck(
        "range", ".logicalTypeOptions", "ExpectColumnValuesToBeBetween", "conformity", _range
    ),
)


@dataclass(frozen=True)
class MetricClause:
    """A ``library`` quality rule as the metric rows read it."""

    arguments: Mapping[str, Any]
    operator: tuple[str, Any] | None
    column: str | None  # the property the rule is on; None for a table's rule


@dataclass(frozen=True)
class MetricCheck:
    """A row: an ODCS quality metric, the check it compiles to, where it applies, and the
    expectation's arguments read from the rule (None: this row does not apply to the rule).

    ``check`` None compiles to nothing: ``duplicateValues`` on a table without
    ``arguments.properties`` names no columns to compare."""

    metric: str
    check: str | None
    expectation: str
    dimension: str
    scope: Literal["column", "table", "any"]  # "column": the check is on the rule's property
    arguments: Callable[[MetricClause], dict[str, Any] | None]


def _compound_columns(clause: MetricClause) -> dict[str, Any] | None:
    columns = clause.arguments.get("properties")
    if isinstance(columns, list) and columns:
        return {"column_list": [str(c) for c in columns]}
    return None


def _missing_values(clause: MetricClause) -> dict[str, Any]:
    missing = clause.arguments.get("missingValues") or [None, ""]
    return {"value_set": [v for v in missing if v is not None]}


def _none(clause: MetricClause) -> dict[str, Any]:
    return {}


def _argument(
    name: str, keyword: str, read: Callable[[Any], Any]
) -> Callable[[MetricClause], dict[str, Any] | None]:
    """The rule's ``arguments.<name>`` as the expectation's ``keyword`` (None when absent)."""
    return lambda c: {keyword: read(c.arguments[name])} if name in c.arguments else None


# First row that applies wins, in this order.
METRIC_CHECKS: tuple[MetricCheck, ...] = (
    MetricCheck(
        "rowCount",
        "row_count",
        "ExpectTableRowCountToBeBetween",
        "completeness",
        "any",
        lambda c: _row_count_bounds(c.operator),
    ),
    MetricCheck(
        "duplicateValues",
        "unique_combination",
        "ExpectCompoundColumnsToBeUnique",
        "uniqueness",
        "any",
        _compound_columns,
    ),
    MetricCheck(
        "duplicateValues", "unique", "ExpectColumnValuesToBeUnique", "uniqueness", "column", _none
    ),
    MetricCheck("duplicateValues", None, "", "uniqueness", "table", _none),
    MetricCheck(
        "nullValues", "not_null", "ExpectColumnValuesToNotBeNull", "completeness", "column", _none
    ),
    MetricCheck(
        "missingValues",
        "missing_values",
        "ExpectColumnValuesToNotBeInSet",
        "completeness",
        "column",
        _missing_values,
    ),
    MetricCheck(
        "invalidValues",
        "allowed_values",
        "ExpectColumnValuesToBeInSet",
        "conformity",
        "column",
        _argument("validValues", "value_set", list),
    ),
    MetricCheck(
        "invalidValues",
        "pattern",
        "ExpectColumnValuesToMatchRegex",
        "conformity",
        "column",
        _argument("pattern", "regex", str),
    ),
)
V30_RULES: Mapping[str, str] = {
    "duplicateCount": "duplicateValues",
    "validValues": "invalidValues",
    "nullCheck": "nullValues",
    "rowCount": "rowCount",
}
"""An ODCS v3.0.x ``rule:`` name -> the v3.1 ``metric:`` it reads as (v3.1 metric names written
with the deprecated ``rule:`` key read as themselves)."""
_METRICS = frozenset(row.metric for row in METRIC_CHECKS)

_SKIPPED_KINDS = {
    "sql": "SQL quality rules are not executed (a contract from a pull request could run any "
    "statement); check them in the data platform",
    "text": "a text rule describes a check for people, not a machine",
    "custom": "custom engine rules are not run by aigov",
}


# --- compiling --------------------------------------------------------------------------------


def compile_contract(contract: DataContract) -> list[TablePlan]:
    """The checks each table of ``contract`` asks for, in a fixed order."""
    plans = []
    data = contract.data
    latency = _latency_hours(data)
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
        for rule_index, rule in enumerate(obj.get("quality") or []):
            if isinstance(rule, dict):
                _compile_rule(plan, rule, f"{where}.quality[{rule_index}]", None)
        if latency is not None:
            for element in latency[2].split(","):  # ODCS: several elements are comma-separated
                _compile_freshness(plan, element.strip(), latency[:2])
        plans.append(plan)
    return plans


def _latency_hours(data: Mapping[str, Any]) -> tuple[float, str, str] | None:
    """The latency SLA: hours, as written, and the element(s) it is measured on (its own
    ``element``, v3.0.0's ``column``, else the contract's ``slaDefaultElement``)."""
    for prop in data.get("slaProperties") or []:
        if isinstance(prop, dict) and prop.get("property") == "latency":
            value, unit = prop.get("value"), str(prop.get("unit") or "d").lower()
            element = prop.get("element") or prop.get("column") or data.get("slaDefaultElement")
            if isinstance(value, int | float) and unit in _LATENCY_UNITS and element:
                return float(value) * _LATENCY_UNITS[unit], f"{value}{unit}", str(element)
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
        options = prop.get("logicalTypeOptions")
        clause = PropertyClause(prop, options if isinstance(options, dict) else {}, len(keys) == 1)
        for row in PROPERTY_CHECKS:
            arguments = row.arguments(clause)
            if arguments is not None:
                _add(
                    plan,
                    row.check,
                    here + row.field,
                    row.expectation,
                    column=column,
                    kwargs=arguments,
                    dimension=row.dimension,
                )
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


def _compile_rule(
    plan: TablePlan, rule: Mapping[str, Any], source: str, column: str | None
) -> None:
    """One quality rule: the first :data:`METRIC_CHECKS` row that applies, else skipped."""
    kind = rule.get("type") or ("library" if rule.get("metric") or rule.get("rule") else "text")
    metric, arguments = _library_metric(rule)
    dimension = str(rule.get("dimension") or "")
    severity = str(rule.get("severity") or "error")
    operator = _operator(rule)
    if kind in ("sql", "text", "custom") or not metric:
        why = _SKIPPED_KINDS.get(str(kind), "no metric given")
        _skip(plan, str(kind), source, column, dimension, severity, why)
        return
    clause = MetricClause(arguments, operator, column)
    for row in METRIC_CHECKS:
        if row.metric != metric or not (
            row.scope == "any" or (row.scope == "column") == (column is not None)
        ):
            continue
        kwargs = row.arguments(clause)
        if kwargs is None:
            continue
        if row.check is not None:
            _add(
                plan,
                row.check,
                source,
                row.expectation,
                column=column if row.scope == "column" else None,
                kwargs=kwargs,
                dimension=dimension or row.dimension,
                severity=severity,
                operator=operator,
                unit=str(rule.get("unit") or "rows"),
            )
        return
    if metric not in _METRICS:
        known = ", ".join(sorted(_METRICS | set(V30_RULES)))
        why = f"{metric} is not an ODCS library check aigov knows ({known})"
        _skip(plan, str(metric), source, column, dimension, severity, why)
        return
    why = (
        f"metric {metric} needs a property"
        if column is None
        else f"metric {metric} without the arguments aigov understands"
    )
    _skip(plan, str(metric), source, column, dimension, severity, why)


def _library_metric(rule: Mapping[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The v3.1 metric a quality rule asks for and its arguments, whichever version spells it:
    ``metric:`` with ``arguments:`` (v3.1), or v3.0's ``rule:`` whose arguments stand beside it
    (``validValues: [...]``)."""
    raw_arguments = rule.get("arguments")
    arguments: dict[str, Any] = dict(raw_arguments) if isinstance(raw_arguments, dict) else {}
    if rule.get("metric") or not isinstance(rule.get("rule"), str):
        return rule.get("metric"), arguments
    name = str(rule["rule"])
    if name == "validValues" and "validValues" in rule:
        arguments.setdefault("validValues", rule["validValues"])
    return V30_RULES.get(name, name), arguments


def _skip(
    plan: TablePlan,
    check: str,
    source: str,
    column: str | None,
    dimension: str,
    severity: str,
    why: str,
) -> None:
    _add(
        plan,
        check,
        source,
        "",
        column=column,
        dimension=dimension or "accuracy",
        severity=severity,
        skipped=why,
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
    import pandas as pd  # type: ignore[import-untyped]

    try:
        return pd.Timestamp(str(value))
    except ValueError:
        return value
