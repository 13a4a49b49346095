"""Tests for the policy expression layer (aigov.policy.cel)."""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from aigov.documents.durations import duration_days
from aigov.documents.types import IsoDuration
from aigov.policy.cel import (
    MAX_EXPRESSION_LENGTH,
    CompiledExpression,
    ExpressionError,
    ExpressionSyntaxError,
    MissingField,
    compile_expression,
    prepare_context,
)
from aigov.policy.cel import expression as cel_expression
from aigov.policy.cel.native import library

TODAY = dt.date(2026, 11, 24)

SUCCESS_CRITERIA = (
    "manifest.success_criteria.all(c, has(c.metric) && has(c.threshold)"
    ' && c.direction in ["higher_is_better", "lower_is_better"])'
)
LAWFUL_BASIS = '!manifest.risk.gdpr.personal_data || manifest.risk.gdpr.lawful_basis != ""'
RESTRICTED = (
    "contracts.exists(c, c.schema.exists(s, s.properties.exists(p,"
    ' p.classification == "restricted")))'
)


def project(**roots: Any) -> dict[str, Any]:
    """A small but complete context; keyword arguments replace whole roots."""
    context: dict[str, Any] = {
        "manifest": {
            "metadata": {"id": "credit-scoring"},
            "risk": {
                "ai_act": {"category": "high"},
                "gdpr": {"personal_data": True, "lawful_basis": "contract"},
            },
            "success_criteria": [
                {"metric": "auc", "threshold": 0.8, "direction": "higher_is_better"},
                {"metric": "latency_ms", "threshold": 200, "direction": "lower_is_better"},
            ],
            "approvals": [{"stage": "poc", "date": "2026-03-15"}],
            "poc": {"started": "2026-09-01"},
            "labels": {"cost-center": "R&D"},
        },
        "model_card": {"human_oversight": {"override": "the on-call analyst"}},
        "contracts": [
            {"schema": [{"properties": [{"classification": "internal"}]}]},
            {
                "schema": [
                    {"properties": [{"classification": "public"}]},
                    {"properties": [{"classification": "restricted"}]},
                ]
            },
        ],
        "evidence": {},
        "change": {"stage_changed": False, "files": []},
        "org": {"max_poc_days": 120},
        "rule": {"id": "TEST-1"},
        "today": TODAY,
    }
    context.update(roots)
    return context


def evaluate(source: str, context: dict[str, Any] | None = None) -> Any:
    return compile_expression(source).evaluate(project() if context is None else context)


# --------------------------------------------------------------------------------------------
# Typical rules


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('manifest.risk.ai_act.category == "high"', True),
        ('manifest.risk.ai_act.category == "minimal"', False),
        ("has(model_card.human_oversight.override)", True),
        ("has(model_card.human_oversight.stop_button)", False),
        (SUCCESS_CRITERIA, True),
        (LAWFUL_BASIS, True),
        (RESTRICTED, True),
        ("date(manifest.approvals[0].date) <= today", True),
        ("days_between(date(manifest.poc.started), today) <= org.max_poc_days", True),
        ('duration_days("P6M") >= 180', True),
    ],
)
def test_typical_rules_on_a_complete_project(source: str, expected: bool) -> None:
    assert compile_expression(source).evaluate_bool(project()) is expected


def test_typical_rules_fail_on_a_deficient_project() -> None:
    context = project()
    context["manifest"]["risk"]["gdpr"]["lawful_basis"] = ""
    context["manifest"]["success_criteria"].append({"metric": "f1", "direction": "up"})
    context["manifest"]["approvals"][0]["date"] = "2026-12-01"
    context["manifest"]["poc"]["started"] = "2026-01-10"
    context["contracts"][1]["schema"][1]["properties"][0]["classification"] = "internal"
    for source in [
        LAWFUL_BASIS,
        SUCCESS_CRITERIA,
        "date(manifest.approvals[0].date) <= today",
        "days_between(date(manifest.poc.started), today) <= org.max_poc_days",
        RESTRICTED,
    ]:
        assert compile_expression(source).evaluate_bool(context) is False, source


def test_lawful_basis_is_not_needed_without_personal_data() -> None:
    context = project()
    context["manifest"]["risk"]["gdpr"] = {"personal_data": False}
    assert compile_expression(LAWFUL_BASIS).evaluate_bool(context) is True


# --------------------------------------------------------------------------------------------
# Macros and values


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("has(manifest.metadata)", True),
        ("has(manifest.nothing)", False),
        ("[1, 2, 3].all(x, x > 0)", True),
        ("[1, 2, 3].all(x, x > 1)", False),
        ("[].all(x, x > 1)", True),
        ("[1, 2, 3].exists(x, x == 2)", True),
        ("[].exists(x, true)", False),
        ("[1, 2, 2].exists_one(x, x == 1)", True),
        ("[1, 2, 2].exists_one(x, x == 2)", False),
        ("[1, 2, 3].map(x, x * 2)", [2, 4, 6]),
        ("[1, 2, 3].map(x, x > 1, x * 10)", [20, 30]),
        ("[1, 2, 3].filter(x, x != 2)", [1, 3]),
        ("manifest.success_criteria.map(c, c.metric)", ["auc", "latency_ms"]),
        ('{"b": 1, "a": 2}.exists(k, k == "a")', True),
        ('"cost-center" in manifest.labels', True),
        ('manifest.labels["cost-center"]', "R&D"),
        ("size(contracts)", 2),
        ('manifest.metadata.id.startsWith("credit")', True),
        ('manifest.metadata.id.matches("^[a-z-]+$")', True),
        ("1 == 1.0", True),
        ("7 / 2", 3),
        ("null", None),
        ("3.5", 3.5),
        ('b"ab"', b"ab"),
    ],
)
def test_macros_and_values(source: str, expected: Any) -> None:
    assert evaluate(source) == expected


def test_results_are_plain_python_values() -> None:
    assert evaluate('{"b": [1, {"d": 2, "c": null}], "a": "x"}') == {
        "a": "x",
        "b": [1, {"c": None, "d": 2}],
    }
    # Maps come back sorted by key: the library iterates them in a per-process random order.
    assert list(evaluate('{"b": 1, "c": 2, "a": 3}')) == ["a", "b", "c"]
    assert evaluate("optional.of(3)") == 3
    assert evaluate("optional.none()") is None
    assert evaluate("today") == dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    assert evaluate('duration("90m")') == dt.timedelta(minutes=90)


# --------------------------------------------------------------------------------------------
# Custom functions


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('date("2026-11-24")', dt.datetime(2026, 11, 24, tzinfo=dt.UTC)),
        # The date as written: the time and the offset are dropped, not converted to UTC.
        ('date("2026-11-24T23:30:00-05:00")', dt.datetime(2026, 11, 24, tzinfo=dt.UTC)),
        ('date("2026-11-24T01:00:00Z")', dt.datetime(2026, 11, 24, tzinfo=dt.UTC)),
        ('date(timestamp("2026-11-24T10:00:00Z"))', dt.datetime(2026, 11, 24, tzinfo=dt.UTC)),
        ("date(today) == today", True),
        ('date("2024-02-29") < date("2024-03-01")', True),
        ('days_between("2024-02-28", "2024-03-01")', 2),  # leap year
        ('days_between("2023-02-28", "2023-03-01")', 1),
        ('days_between(date("2025-01-01"), date("2026-01-01"))', 365),
        ('days_between(date("2024-01-01"), date("2025-01-01"))', 366),
        ('days_between("2026-11-30", today)', -6),
        ('days_between("2026-11-24T23:59:59Z", today)', 0),
        ('duration_days("P90D")', 90),
        ('duration_days("P6M")', 180),
        ('duration_days("P1Y")', 365),
        ('duration_days("P1Y2M")', 425),
        ('duration_days("P2W")', 14),
        ('duration_days("P1Y2M3W4D")', 365 + 60 + 21 + 4),
        ('duration_days("PT72H")', 3),
        ('duration_days("PT36H")', 1),  # floored to whole days
        ('duration_days("P1DT24H")', 2),
        ('duration_days("P0D")', 0),
        ('is_date("2026-02-28")', True),
        ('is_date("2026-02-29")', False),
        ('is_date("28/02/2026")', False),
        ("is_date(3)", False),
        ('is_duration("P1Y2M")', True),
        ('is_duration("6 months")', False),
        ('date(manifest.approvals[0].date) + duration("24h") > date("2026-03-15")', True),
        ("manifest.poc.started.date() < today", True),  # receiver-style call
    ],
)
def test_custom_functions(source: str, expected: Any) -> None:
    assert evaluate(source) == expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ('date("2023-02-29")', "date(): '2023-02-29' is not an ISO 8601 date"),
        ('date("next week")', "date(): 'next week' is not an ISO 8601 date"),
        ("date(20261124)", "date() expects an ISO 8601 date string"),
        ('days_between("2026-01-01", 3)', "days_between() expects an ISO 8601 date string"),
        ('duration_days("6M")', "duration_days(): '6M' is not an ISO 8601 duration"),
        ('duration_days("P")', "is not an ISO 8601 duration"),
        ('duration_days("PT")', "is not an ISO 8601 duration"),
        ('duration_days("P1.5D")', "is not an ISO 8601 duration"),
        ('duration_days("-P1D")', "is not an ISO 8601 duration"),
        ('duration_days("P1M1Y")', "is not an ISO 8601 duration"),
        ("duration_days(30)", "duration_days() expects an ISO 8601 duration string"),
        ('date("2026-01-01", "x")', "date()"),
    ],
)
def test_custom_function_errors_are_expression_errors(source: str, message: str) -> None:
    with pytest.raises(ExpressionError) as error:
        evaluate(source)
    assert message in error.value.message
    assert "Check function arguments" not in error.value.message


@pytest.mark.parametrize(
    "text", ["P90D", "P1Y2M3W4D", "PT36H", "P1DT24H", "P0D", "P", "PT", "P1.5D", "-P1D", "P1M1Y"]
)
def test_rules_and_documents_read_durations_alike(text: str) -> None:
    """One parser: a duration a document accepts is one ``duration_days()`` reads, same days."""
    valid = True
    try:
        TypeAdapter(IsoDuration).validate_python(text)
    except ValidationError:
        valid = False
    assert evaluate(f"is_duration({text!r})") is valid
    if valid:
        assert evaluate(f"duration_days({text!r})") == duration_days(text)


def test_a_failing_custom_function_prints_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ExpressionError):
        evaluate('date("not a date")')
    captured = capfd.readouterr()
    assert captured.out == ""
    assert captured.err == ""


# --------------------------------------------------------------------------------------------
# Syntax errors and limits


def test_syntax_error_position_in_a_multi_line_expression() -> None:
    source = 'manifest.risk.ai_act.category == "high"\n  && (has(model_card.x) ||\n   true ) )'
    with pytest.raises(ExpressionSyntaxError) as error:
        compile_expression(source)
    assert (error.value.line, error.value.column) == (3, 11)
    assert "extraneous input ')'" in error.value.message
    assert str(error.value).endswith("(line 3, column 11)")


@pytest.mark.parametrize(
    ("source", "line", "column"),
    [
        ("1 +", 1, 4),  # at the end of the text
        ("", 1, 1),
        ('"unterminated', 1, 1),
        ('"é" +\n  )', 2, 3),  # columns count characters, not bytes
        ("has(x)", 1, 5),
        ("x.all(1, true)", 1, 7),
    ],
)
def test_syntax_error_positions(source: str, line: int, column: int) -> None:
    with pytest.raises(ExpressionSyntaxError) as error:
        compile_expression(source)
    assert (error.value.line, error.value.column) == (line, column)


def test_deep_nesting_is_a_syntax_error() -> None:
    with pytest.raises(ExpressionSyntaxError, match="nested too deeply"):
        compile_expression("(" * 200 + "1" + ")" * 200)


def test_over_long_expressions_are_refused() -> None:
    at_limit = "1" + " + 1" * ((MAX_EXPRESSION_LENGTH - 1) // 4)
    assert len(at_limit) <= MAX_EXPRESSION_LENGTH
    assert compile_expression(at_limit).evaluate({}) == (MAX_EXPRESSION_LENGTH - 1) // 4 + 1
    too_long = "true" + " && true" * 600
    with pytest.raises(ExpressionSyntaxError) as error:
        compile_expression(too_long)
    assert "4,000" in error.value.message
    assert f"{len(too_long):,}" in error.value.message


# --------------------------------------------------------------------------------------------
# Missing fields


@pytest.mark.parametrize(
    ("source", "path"),
    [
        ("model_card.human_oversight.override", "model_card.human_oversight"),
        # has() tests its last field only: the one before it must exist (CEL semantics).
        ("has(model_card.human_oversight.override)", "model_card.human_oversight"),
        ("manifest.risk.gdpr.lawful_basis != ''", "manifest.risk.gdpr"),
        ('manifest["risk"]["dpia"]', "manifest.risk.dpia"),
        ("manifest.approvals[0].date", "manifest.approvals[0].date"),
        ("manifest.approvals[1] == null", "manifest.approvals[1]"),
        ("manifest.approvals[0].by", "manifest.approvals[0].by"),
        ('manifest.labels["team-name"] == "x"', 'manifest.labels["team-name"]'),
        ("evidence.mlflow.runs", "evidence.mlflow"),
        ("nowhere.x == 1", "nowhere"),
        ("contracts.all(c, c.schema.all(s, s.owner != ''))", "contracts[0].schema[0].owner"),
        (
            "contracts.exists(c, c.schema.exists(s, s.properties.exists(p, p.pii)))",
            "contracts[0].schema[0].properties[0].pii",
        ),
        ("manifest.success_criteria.all(c, c.unit == 'ms')", "manifest.success_criteria[0].unit"),
    ],
)
def test_missing_fields_are_named(source: str, path: str) -> None:
    context = project(model_card={})
    context["manifest"]["risk"] = {"ai_act": {"category": "high"}}
    context["manifest"]["approvals"][0] = {"stage": "poc"}
    with pytest.raises(MissingField) as error:
        compile_expression(source).evaluate(context)
    assert error.value.path == path
    assert str(error.value) == f"missing field: {path}"


def test_missing_field_on_a_later_list_element() -> None:
    context = project()
    del context["manifest"]["success_criteria"][1]["direction"]
    with pytest.raises(MissingField) as error:
        compile_expression("manifest.success_criteria.all(c, c.direction != '')").evaluate(context)
    assert error.value.path == "manifest.success_criteria[1].direction"


def test_a_missing_context_root_is_a_missing_field() -> None:
    context = project()
    del context["evidence"]
    with pytest.raises(MissingField) as error:
        compile_expression("size(evidence) > 0").evaluate(context)
    assert error.value.path == "evidence"


@pytest.mark.parametrize(
    "source",
    [
        "has(model_card.human_oversight) && model_card.human_oversight.override != ''",
        "!has(model_card.human_oversight) || model_card.human_oversight.override != ''",
        "model_card.human_oversight.override != '' && false",  # && absorbs the error
        "true || model_card.human_oversight.override",
        '"human_oversight" in model_card && model_card.human_oversight.x',
    ],
)
def test_guarded_fields_do_not_raise(source: str) -> None:
    assert isinstance(compile_expression(source).evaluate_bool(project(model_card={})), bool)


# --------------------------------------------------------------------------------------------
# Other evaluation errors


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ('1 + "a"', "No such overload"),
        ("1 + 2.5", "No such overload"),
        ("1 / 0", "division by zero"),
        ("9223372036854775807 + 1", "overflow"),
        ("manifest.risk.ai_act.category > 1", "No such overload"),
        ("manifest.metadata.id.nothing", "No such overload"),  # field of a string
        ("manifest.approvals[1.5]", "double"),
        ('manifest.metadata.id.matches("[")', "regex"),
        ("sizee(contracts)", "unknown function 'sizee'"),
        ("contracts.count()", "unknown function 'count'"),
    ],
)
def test_other_failures_are_expression_errors(source: str, message: str) -> None:
    with pytest.raises(ExpressionError) as error:
        evaluate(source)
    assert message in error.value.message
    assert str(error.value) == error.value.message


@pytest.mark.parametrize(
    ("source", "kind"),
    [("manifest.metadata.id", "string"), ("size(contracts)", "int"), ("null", "null")],
)
def test_evaluate_bool_refuses_other_results(source: str, kind: str) -> None:
    with pytest.raises(ExpressionError, match=f"must evaluate to a bool, got {kind}"):
        compile_expression(source).evaluate_bool(project())


# --------------------------------------------------------------------------------------------
# Compilation cache and roots


def test_the_same_text_compiles_once() -> None:
    source = 'manifest.risk.ai_act.category == "limited"'
    first = compile_expression(source)
    assert compile_expression(source) is first
    assert isinstance(first, CompiledExpression)
    assert first.source == source
    hits = compile_expression.cache_info().hits
    compile_expression(source)
    assert compile_expression.cache_info().hits == hits + 1


@pytest.mark.parametrize(
    ("source", "roots"),
    [
        ('manifest.risk.ai_act.category == "high"', {"manifest"}),
        ("has(model_card.human_oversight.override)", {"model_card"}),
        (SUCCESS_CRITERIA, {"manifest"}),
        (RESTRICTED, {"contracts"}),
        (
            "days_between(date(manifest.poc.started), today) <= org.max_poc_days",
            {"manifest", "today", "org"},
        ),
        ('duration_days("P6M") >= 180', set()),
        ("evidence.mlflow.runs.exists(r, r.metrics.auc >= rule.threshold)", {"evidence", "rule"}),
        ("[1, 2].all(x, x > 0) && change.stage_changed", {"change"}),
        # a macro variable shadows nothing outside its macro
        ("contracts.all(c, c.ok) && c.ok", {"contracts", "c"}),
        ('type(manifest) == map && manifest["x"] == int', {"manifest"}),
    ],
)
def test_roots(source: str, roots: set[str]) -> None:
    assert compile_expression(source).roots == roots


# --------------------------------------------------------------------------------------------
# Contexts


def test_prepared_context_serves_many_expressions() -> None:
    prepared = prepare_context(project())
    assert compile_expression(LAWFUL_BASIS).evaluate_bool(prepared)
    assert compile_expression(RESTRICTED).evaluate_bool(prepared)
    assert compile_expression("today").evaluate(prepared) == dt.datetime(
        2026, 11, 24, tzinfo=dt.UTC
    )


def test_prepared_context_is_a_snapshot() -> None:
    context = project()
    prepared = prepare_context(context)
    context["manifest"]["risk"]["ai_act"]["category"] = "minimal"
    assert compile_expression('manifest.risk.ai_act.category == "high"').evaluate_bool(prepared)
    assert prepared.data["manifest"]["risk"]["ai_act"]["category"] == "high"


def test_context_dates_and_tuples_are_normalised() -> None:
    context = project(
        manifest={"approved": dt.date(2026, 1, 2), "at": dt.datetime(2026, 1, 2, 3, 4, 5)},
        org={"committees": ("dpo", "ethics")},
        today=dt.datetime(2026, 11, 24, 15, 0),
    )
    assert evaluate("manifest.approved", context) == "2026-01-02"
    assert evaluate("manifest.at", context) == "2026-01-02T03:04:05"
    assert evaluate("date(manifest.approved) < today", context) is True
    assert evaluate("org.committees", context) == ["dpo", "ethics"]
    assert evaluate("today", context) == dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"a": {1.5: "x"}}, "context value at manifest.a has a key of unsupported type float"),
        ({"a": [object()]}, "context value at manifest.a[0] has unsupported type object"),
        ({"s": {1, 2}}, "context value at manifest.s has unsupported type set"),
    ],
)
def test_unsupported_context_values_are_refused(value: Any, message: str) -> None:
    with pytest.raises(ExpressionError, match=message.replace("[", r"\[").replace("]", r"\]")):
        prepare_context({"manifest": value})
    with pytest.raises(ExpressionError):
        compile_expression("true").evaluate({"manifest": value})


def test_enum_members_become_their_values() -> None:
    class Category(enum.StrEnum):
        HIGH = "high"

    class Level(enum.IntEnum):
        THREE = 3

    context = {"manifest": {"category": Category.HIGH, "level": Level.THREE}}
    assert evaluate('manifest.category == "high" && manifest.level == 3', context) is True


def test_int_and_bool_map_keys_are_supported() -> None:
    context = {"codes": {200: "ok", 404: "missing"}}
    assert evaluate("codes[200]", context) == "ok"
    with pytest.raises(MissingField) as error:
        evaluate("codes[500]", context)
    assert error.value.path == "codes[500]"


# --------------------------------------------------------------------------------------------
# Loading the library


def _python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


def test_only_the_native_extension_is_loaded() -> None:
    code = (
        "import sys\n"
        "from aigov.policy.cel import compile_expression\n"
        "assert compile_expression('1 + 1 == 2').evaluate({}) is True\n"
        "print(sorted(m for m in sys.modules if m == 'cel' or m.startswith(('cel.', 'prompt_'))))"
    )
    assert _python(code) == "['cel.cel']"


def test_a_later_import_of_the_package_reuses_the_extension() -> None:
    code = (
        "from aigov.policy.cel import compile_expression\n"
        "compile_expression('1 == 1').evaluate({})\n"
        "import cel\n"
        "print(cel.compile('1 + 1').execute(), compile_expression('2 == 2').evaluate({}))"
    )
    assert _python(code) == "2 True"


def test_falls_back_to_importing_the_package() -> None:
    code = (
        "from aigov.policy.cel import compile_expression, native\n"
        "native._load_native_extension = lambda: None\n"
        "import sys\n"
        "result = compile_expression('[1].all(x, x == 1)').evaluate({})\n"
        "print(result, 'cel' in sys.modules)"
    )
    assert _python(code) == "True True"


# --------------------------------------------------------------------------------------------
# Properties: nothing but our exceptions ever comes out


# Fragments of CEL make the parser go further than arbitrary unicode would.
_CEL_FRAGMENTS = st.sampled_from(
    [
        *"abxyz_019.,()[]{}\"'\\ \n!=<>&|+-*/%?:@`é",
        *["has(", ".all(x,", ".exists(", "manifest", "true", "null", " in ", '"""', "1u", "//"],
    ]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=60) | st.lists(_CEL_FRAGMENTS, max_size=40).map("".join))
def test_random_text_compiles_or_raises_a_syntax_error(source: str) -> None:
    try:
        compiled = compile_expression(source)
    except ExpressionSyntaxError as error:
        assert error.line >= 1
        assert error.column >= 1
        return
    assert isinstance(compiled.roots, frozenset)


_ATOMS = st.sampled_from(
    [
        "manifest",
        "manifest.risk",
        "manifest.risk.ai_act.category",
        "manifest.risk.gdpr.missing",
        "manifest.success_criteria",
        "manifest.approvals[0]",
        "manifest.approvals[3].date",
        'manifest.labels["cost-center"]',
        "contracts",
        "contracts[1].schema",
        "model_card.human_oversight.override",
        "evidence.none",
        "today",
        "x",
        "x.metric",
        "1",
        "2.5",
        '"high"',
        '"2026-01-01"',
        '"P6M"',
        "true",
        "null",
        "[]",
        "{}",
        '{"a": 1}',
        "[1, 2]",
    ]
)


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(
            children,
            st.sampled_from(["==", "!=", "<", "+", "-", "*", "/", "%", "&&", "||", "in"]),
            children,
        ).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(["!", "-"]), children).map(lambda t: f"{t[0]}{t[1]}"),
        st.tuples(
            children, st.sampled_from(["all", "exists", "exists_one", "map", "filter"]), children
        ).map(lambda t: f"{t[0]}.{t[1]}(x, {t[2]})"),
        st.tuples(
            st.sampled_from(
                ["size", "date", "days_between", "duration_days", "is_date", "string", "int"]
            ),
            st.lists(children, min_size=1, max_size=2),
        ).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
        children.map(lambda c: f"{c}.metric"),
        children.map(lambda c: f"{c}[0]"),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
    )


_EXPRESSIONS = st.recursive(_ATOMS, _combine, max_leaves=8)
_PREPARED = prepare_context(project())


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_EXPRESSIONS)
def test_evaluation_raises_only_our_exceptions(source: str) -> None:
    try:
        compiled = compile_expression(source)
    except ExpressionSyntaxError:
        return
    with contextlib.suppress(MissingField, ExpressionError):
        compiled.evaluate(_PREPARED)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_EXPRESSIONS)
def test_the_index_rewrite_means_the_same(source: str) -> None:
    """Field selections run as a["b"] (faster in the library); results must not change."""
    try:
        compiled = compile_expression(source)
    except ExpressionSyntaxError:
        return
    as_written = library().compile(source)

    def outcome(run: Any) -> Any:
        try:
            return ("value", repr(cel_expression._result(run())))
        except Exception as error:
            return ("error", type(error).__name__)

    assert outcome(lambda: compiled._program.execute(_PREPARED._native)) == outcome(
        lambda: as_written.execute(_PREPARED._native)
    )
