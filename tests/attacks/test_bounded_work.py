"""Hostile pull requests get work bounded by the size of what they write (issue 14, item 6).

The rewrites that removed super-linear paths must not change any result, so each is compared with
the former code on a corpus: the model card heading and HTML-comment regexes, and the built-in
rules that scanned a list once per element of another (or built lists with CEL's ``map`` and
``filter``, which this CEL library runs in quadratic time). No test here measures time
(``python benchmarks/bench_hostile.py`` does): the hostile inputs below are only big enough that
the former code would not have finished.
"""

from __future__ import annotations

import random
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import EXAMPLES, CliResult, unwrapped

from aigov.documents.contract import EXPLAINED_VALUES, MAX_SCHEMA_PROBLEMS, validate_contract
from aigov.documents.model_card import (
    MAX_CARD_HEADINGS,
    CardSection,
    parse_heading,
    parse_sections,
    without_html_comments,
)
from aigov.documents.problems import DocumentError
from aigov.documents.safe_yaml import MAX_NODES, YamlDocument, parse_yaml
from aigov.policy.cel import ExpressionError, compile_expression, prepare_context
from aigov.policy.context import contract_context
from aigov.policy.sources import load_policy_set

# --------------------------------------------------------------------------------------------
# Model card text: the former regexes are the oracle

_FORMER_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


def _former_heading(line: str) -> tuple[int, str] | None:
    found = _FORMER_HEADING.match(line)
    return (len(found.group(1)), found.group(2)) if found else None


def _former_without_comments(text: str) -> str:
    return re.sub(r"<!--.*?-->", "", text, flags=re.S)


def _corpus(pieces: list[str], count: int, longest: int, seed: int) -> Iterator[str]:
    chooser = random.Random(seed)
    for _ in range(count):
        yield "".join(chooser.choice(pieces) for _ in range(chooser.randint(0, longest)))


HEADINGS = [
    "# Title",
    "## Intended use ##",
    "   ### Three spaces of indent",
    "    # four spaces: code, not a heading",
    "####### seven",
    "#hashtag",
    "#",
    "# ",
    "#\tTab",
    "# Title #####   ",
    "# Title#",
    "# C# and F#",
    "# # #",
    "##  \u00a0Non-breaking\u00a0 ",
    "# trailing CR\r",
    "\u2003# em-space indent",
    "#\u000bvertical tab",
]


@pytest.mark.parametrize("line", HEADINGS)
def test_headings_read_as_the_former_regex_read_them(line: str) -> None:
    assert parse_heading(line) == _former_heading(line)


def test_generated_heading_lines_read_as_the_former_regex_read_them() -> None:
    pieces = ["#", " ", "\t", "a", "b#", "\u00a0", "\r", "\x0c", "\u2028", "x "]
    for line in _corpus(pieces, 40_000, 14, seed=14):
        assert parse_heading(line) == _former_heading(line), repr(line)


def test_comments_are_removed_as_the_former_regex_removed_them() -> None:
    pieces = ["<!--", "-->", "<!-->", "<!--->", "<", "!", "-", ">", " ", "a", "\n", "--"]
    for text in _corpus(pieces, 40_000, 12, seed=6):
        assert without_html_comments(text) == _former_without_comments(text), repr(text)


def _former_sections(body: str, first_line: int) -> list[tuple[str, int, int, str]]:
    """The former ``parse_sections``: a line list per section, the two regexes on each line."""
    sections, current, lines, in_fence = [], None, [], False
    for number, line in enumerate(body.split("\n")):
        if re.match(r"^\s{0,3}(```|~~~)", line):
            in_fence = not in_fence
        heading = None if in_fence else _former_heading(line)
        if heading:
            if current:
                sections.append((*current, "\n".join(lines).strip()))
            current, lines = (heading[1], heading[0], first_line + number), []
        else:
            lines.append(line)
    if current:
        sections.append((*current, "\n".join(lines).strip()))
    return sections


def test_generated_cards_split_into_the_former_sections() -> None:
    pieces = [*HEADINGS, "```", "~~~", "    ```", "text", "", "  ", "<!-- c -->", "`x`", "~ y"]
    chooser = random.Random(20)
    for _ in range(5000):
        body = "\n".join(chooser.choice(pieces) for _ in range(chooser.randint(0, 12)))
        sections = [(s.title, s.level, s.line, s.text) for s in parse_sections(body, 3)]
        assert sections == _former_sections(body, 3), repr(body)


def test_section_emptiness_ignores_closed_comments_only() -> None:
    def section(text: str) -> CardSection:
        return CardSection("Limitations", 2, 10, text)

    assert section("<!-- fill me -->\n<!-- and me -->").is_empty
    assert not section("<!-- note --> Known bias on small towns.").is_empty
    assert not section("<!-- never closed").is_empty


def test_a_heading_of_hostile_whitespace_is_one_section() -> None:
    # The former heading regex took cubic time in the spaces: 200,000 would not have ended.
    spaces = " " * 200_000
    sections = parse_sections(f"# a{spaces}x\ntext\n#{' #' * 100_000}y\n", 5)
    assert [(s.level, s.title, s.line, s.text) for s in sections] == [
        (1, f"a{spaces}x", 5, "text"),
        (1, f"{'# ' * 99_999}#y", 7, ""),
    ]


def test_a_section_of_unterminated_comments_is_not_empty() -> None:
    sections = parse_sections("## Limitations\n" + "<!--" * 500_000, 1)
    assert not sections[0].is_empty
    assert without_html_comments("<!--" * 500_000 + "-->") == ""


def test_a_card_of_more_headings_than_the_limit_is_refused_at_the_first_one_over(
    tmp_path: Path, run_cli: Callable[..., CliResult]
) -> None:
    repository = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "credit-scoring", repository, ignore=_EVIDENCE_AND_DATA)
    card = repository / "MODEL_CARD.md"
    text = card.read_text(encoding="utf-8")
    card.write_text(text + "# h\n" * (MAX_CARD_HEADINGS + 5), encoding="utf-8")
    result = run_cli("validate", str(repository))
    assert result.exit_code == 2
    first_over = text.count("\n") + 1 + MAX_CARD_HEADINGS - _headings_in(text)
    assert f"MODEL_CARD.md:{first_over}:1: error: the model card has more than" in result.stdout
    assert "[card.too-many-headings]" in result.stdout


_EVIDENCE_AND_DATA = shutil.ignore_patterns("evidence", "data")


def _headings_in(text: str) -> int:
    return len(parse_sections(text.split("---\n", 2)[2], 1))


def test_sections_read_up_to_a_limit_stop_at_the_first_heading_over_it() -> None:
    sections = parse_sections("# a\nx\n# b\ny\n# c\nz\n# d\n", 1, limit=2)
    assert [(s.title, s.line, s.text) for s in sections] == [
        ("a", 1, "x"),
        ("b", 3, "y"),
        ("c", 5, ""),
    ]


# --------------------------------------------------------------------------------------------
# Built-in rules: the former expressions are the oracle

FORMER_EXPRESSIONS = {
    ("LC-APPROVAL-NOT-OVERRULED", "assert"): """
        !manifest.approvals.exists(r, has(r.to_stage) && r.to_stage == manifest.stage
          && has(r.decision) && r.decision in ["rejected", "deferred"]
          && !manifest.approvals.exists(a, has(a.to_stage) && a.to_stage == manifest.stage
               && has(a.decision) && a.decision in ["approved", "approved_with_conditions"]
               && date(a.date) > date(r.date)))""",
    ("LC-HISTORY-CRITERIA-BEFORE-POC", "assert"): """
        !evidence.git.timeline.exists(t, t.stage == "poc")
        || evidence.git.criteria.filter(c, c.change == "set").all(c,
             c.position <= evidence.git.timeline.filter(t, t.stage == "poc")[0].position)""",
    ("LC-HISTORY-NO-LOOSENING", "assert"): """
        evidence.git.criteria.filter(c, c.change in ["loosened", "redefined", "removed"]).all(c,
          manifest.approvals.exists(a, c.metric in a.loosened_criteria
            && a.decision in ["approved", "approved_with_conditions"]))""",
    ("LC-HISTORY-CRITERIA-BEFORE-FIRST-RUN", "assert"): """
        evidence.mlflow.poc == null || evidence.mlflow.poc.first_run_start == null
        || size(evidence.git.timeline) == 0
        || evidence.git.criteria.filter(c, c.change == "set"
             && c.commit != evidence.git.timeline[0].commit)
             .all(c, timestamp(c.date) <= timestamp(evidence.mlflow.poc.first_run_start))""",
}

STAGES = ["poc", "production", "ideation"]
DECISIONS = ["approved", "approved_with_conditions", "rejected", "deferred"]
METRICS = ["auc", "recall", "brier"]
CHANGES = ["set", "tightened", "loosened", "redefined", "removed"]


def _approvals(chooser: random.Random) -> list[dict[str, Any]]:
    return [
        {
            "to_stage": chooser.choice(STAGES[:2]),
            "decision": chooser.choice(DECISIONS),
            "date": f"2025-0{chooser.randint(1, 4)}-0{chooser.randint(1, 3)}",
            "committee": "C",
            "reference": f"R{index}",
            "loosened_criteria": chooser.sample(METRICS, chooser.randint(0, 2)),
        }
        for index in range(chooser.randint(0, 6))
    ]


def _contracts(chooser: random.Random) -> list[dict[str, Any]]:
    def maybe(key: str, values: list[Any]) -> dict[str, Any]:
        return {key: chooser.choice(values)} if chooser.random() < 0.6 else {}

    classes = ["personal", "restricted", "confidential", "public", "pii", "internal"]
    tags = [["pii"], ["foo"], ["personal_data", "x"], []]
    return [
        {
            "file": f"contracts/c{index}.odcs.yaml",
            **maybe("tags", [["no-personal-data"], ["x", "no-personal-data"], ["x"], []]),
            **maybe(
                "schema",
                [
                    [
                        {
                            "name": "t",
                            **maybe(
                                "properties",
                                [
                                    [
                                        {"name": "p", **maybe("classification", classes)}
                                        | maybe("tags", tags)
                                        for _ in range(chooser.randint(0, 3))
                                    ]
                                ],
                            ),
                        }
                        for _ in range(chooser.randint(0, 2))
                    ]
                ],
            ),
        }
        for index in range(chooser.randint(0, 2))
    ]


def _git(chooser: random.Random) -> dict[str, Any]:
    def when(day: int) -> str:
        return f"2025-03-{day:02d}T10:00:00+01:00"

    return {
        "timeline": [
            {"stage": chooser.choice(STAGES), "position": chooser.randint(0, 6), "commit": f"c{i}"}
            for i in range(chooser.randint(0, 4))
        ],
        "criteria": [
            {
                "metric": chooser.choice(METRICS),
                "change": chooser.choice(CHANGES),
                "position": chooser.randint(0, 6),
                "commit": f"c{chooser.randint(0, 3)}",
                "date": when(chooser.randint(1, 9)),
            }
            for _ in range(chooser.randint(0, 5))
        ],
        "approvals": [],
    }


def _context(chooser: random.Random) -> dict[str, Any]:
    first_run = chooser.choice([None, "2025-03-05T10:00:00+01:00", "2025-03-02T09:00:00+00:00"])
    return {
        "manifest": {"stage": chooser.choice(STAGES[:2]), "approvals": _approvals(chooser)},
        # As the engine gives them: with `fields`, which the rewritten contract rule reads.
        "contracts": [contract_context(c, None) for c in _contracts(chooser)],
        "evidence": {
            "git": _git(chooser),
            "mlflow": {"poc": chooser.choice([None, {"first_run_start": first_run}])},
        },
    }


def _verdict(expression: Any, context: Any) -> bool | str:
    try:
        return bool(expression.evaluate_bool(context))
    except ExpressionError as error:  # both forms must fail alike on the same inputs
        return f"error: {type(error).__name__}"


@pytest.mark.parametrize(("rule_id", "part"), sorted(FORMER_EXPRESSIONS))
def test_rewritten_rules_give_the_former_verdicts(rule_id: str, part: str) -> None:
    rule = load_policy_set().rule(rule_id)
    assert rule is not None
    current = rule.when if part == "when" else rule.assertion
    assert current is not None
    former = compile_expression(FORMER_EXPRESSIONS[rule_id, part])
    chooser = random.Random(rule_id)
    seen = set()
    for _ in range(1500):
        context = prepare_context(_context(chooser))
        verdict = _verdict(current, context)
        assert verdict == _verdict(former, context), context.data
        seen.add(verdict)
    assert {True, False} <= seen  # the corpus reaches both verdicts


# Root names of the policy context: a macro over one of them nested in another macro's body
# scans a whole list for each element (quadratic); over the outer element it walks a tree.
_CONTEXT_ROOTS = ("manifest", "model_card", "contracts", "evidence", "org")
_MACRO = re.compile(r"([A-Za-z_][\w.\[\]\"]*)?\.(all|exists|exists_one|map|filter)\(")
_KNOWN_PRODUCTS: set[str] = set()  # none left: the git evidence precomputes what needed one


def _macros(expression: str) -> Iterator[tuple[str, str, str]]:
    """(receiver, macro, body) of each macro call in ``expression``; the receiver is empty when
    it is not a plain path (``xs.filter(...).all(...)``)."""
    for found in _MACRO.finditer(expression):
        depth, end = 1, found.end()
        while depth and end < len(expression):
            depth += {"(": 1, ")": -1}.get(expression[end], 0)
            end += 1
        yield found[1] or "", found[2], expression[found.end() : end]


def _offences(rule_id: str, expression: str) -> list[str]:
    offences = []
    for _, macro, body in _macros(expression):
        if macro in ("map", "filter"):
            offences.append(f"{macro}() builds a list in quadratic time")
        for receiver, inner, _ in _macros(body):
            if receiver.split(".")[0] in _CONTEXT_ROOTS and rule_id not in _KNOWN_PRODUCTS:
                offences.append(f"{receiver}.{inner}() for each element of a {macro}()")
    return offences


def test_no_built_in_rule_builds_lists_or_rescans_a_root_list_per_element() -> None:
    found = {
        rule.id: offences
        for rule in load_policy_set().rules
        for expression in (rule.rule.applies.when or "", rule.rule.assert_)
        if (offences := _offences(rule.id, expression))
    }
    assert found == {}


def test_the_former_rules_are_caught_by_that_check() -> None:
    for (rule_id, _), expression in FORMER_EXPRESSIONS.items():
        assert _offences(rule_id, expression), rule_id


def test_list_helpers() -> None:
    context = prepare_context(
        {
            "approvals": [
                {"to_stage": "poc", "decision": "approved", "date": "2025-05-07", "k": ["a"]},
                {"to_stage": "poc", "decision": "rejected", "date": "2025-06-01T23:00:00-05:00"},
                {"decision": "approved", "date": "2026-01-01", "k": ["b", "c"]},
            ]
        }
    )

    def value(text: str) -> Any:
        return compile_expression(text).evaluate(context)

    poc = '{"to_stage": ["poc"]}'
    assert value(f'pluck(approvals, "decision", {poc})') == ["approved", "rejected"]
    assert value('size(pluck(approvals, "date", {"decision": ["rejected", "deferred"]}))') == 1
    assert str(value(f'latest(pluck(approvals, "date", {poc}))').date()) == "2025-06-01"
    assert value('greatest(pluck(approvals, "decision"))') == "rejected"
    assert value("greatest([1, 2.5, 2])") == 2.5
    approved = '{"decision": ["approved"]}'
    assert value(f'flatten(pluck(approvals, "k", {approved}))') == ["a", "b", "c"]
    assert value(f'contains_all(flatten(pluck(approvals, "k", {approved})), ["c", "a"])')
    assert value('contains_all(["a", "b", 1], ["b", 1.0])')
    assert not value("contains_all([1], [true])")  # CEL: true != 1
    failing_calls = ("greatest([])", 'greatest([1, "a"])', 'pluck(approvals, "k")', "flatten(1)")
    for failing in (*failing_calls, 'pluck(approvals, "date", {"k": [["a"]]})'):
        with pytest.raises(ExpressionError):
            value(failing)


# --------------------------------------------------------------------------------------------
# YAML: an alias costs what its data written out costs


def _approval_items(count: int, *, aliased: bool) -> str:
    item = "{to_stage: poc, committee: C, decision: approved, date: 2025-05-07, reference: R}"
    if aliased:
        return f"approvals:\n  - &a {item}\n" + "  - *a\n" * (count - 1)
    return "approvals:\n" + f"  - {item}\n" * count


@pytest.mark.parametrize("count", [MAX_NODES // 11 - 10, MAX_NODES // 11 + 10])
def test_aliased_and_written_out_documents_pass_or_fail_together(count: int) -> None:
    outcomes = []
    for aliased in (False, True):
        try:
            parse_yaml(_approval_items(count, aliased=aliased), "aigov.yaml")
            outcomes.append("accepted")
        except DocumentError as error:
            outcomes.append(error.problem.code)
    expected = "accepted" if count * 11 < MAX_NODES else "yaml.too-large"
    assert outcomes == [expected, expected]


def test_the_hostile_manifest_of_aliased_approvals_is_refused_at_its_line(
    tmp_path: Path, run_cli: Callable[..., CliResult]
) -> None:
    repository = tmp_path / "repo"
    repository.mkdir()
    manifest = (EXAMPLES / "credit-scoring" / "aigov.yaml").read_text(encoding="utf-8")
    anchor = (
        "  - &r {to_stage: production, committee: CRC, decision: rejected, date: 2026-01-10,"
        " reference: R}\n"
    )
    hostile = manifest.replace("approvals:\n", "approvals:\n" + anchor + "  - *r\n" * 20_000, 1)
    (repository / "aigov.yaml").write_text(hostile, encoding="utf-8")
    before = manifest[: manifest.index("approvals:\n")].count("\n") + 1  # the approvals line
    result = run_cli("validate", str(repository))
    assert result.exit_code == 2
    found = re.search(r"aigov\.yaml:(\d+):(\d+): .*\[yaml\.too-large\]", unwrapped(result.stdout))
    assert found, result.stdout
    assert before + 2 < int(found[1]) <= before + 20_001  # an alias line inside the list
    assert int(found[2]) == 5  # the alias, after "  - "


# --------------------------------------------------------------------------------------------
# Data contracts: an invalid contract is explained in bounded work


def _contract(properties: int, wrong: set[int]) -> YamlDocument:
    items = "".join(
        f"      - {{name: p{i}, logicalType: {'text' if i in wrong else 'string'}}}\n"
        for i in range(properties)
    )
    header = "apiVersion: v3.1.0\nkind: DataContract\nid: c1\nversion: 1.0.0\nstatus: active\n"
    return parse_yaml(f"{header}schema:\n  - name: t\n    properties:\n{items}", "c.odcs.yaml")


def test_a_contract_with_many_schema_errors_lists_the_first_hundred_and_says_so() -> None:
    contract, problems = validate_contract(_contract(150, set(range(150))))
    assert contract is None
    assert len(problems) == MAX_SCHEMA_PROBLEMS + 1
    assert problems[0].code == "schema.more-errors"
    assert (problems[0].location.line, problems[0].location.column) == (1, 1)
    assert {p.field for p in problems[1:]} == {
        f"schema[0].properties[{i}].logicalType" for i in range(MAX_SCHEMA_PROBLEMS)
    }


def test_a_large_contract_with_one_mistake_is_refused_at_its_line() -> None:
    # Beyond EXPLAINED_VALUES the Rust validator's message is used: the Python library spends
    # about a millisecond per property.
    count = EXPLAINED_VALUES // 5 + 100  # five values per property
    contract, problems = validate_contract(_contract(count, {count - 1}))
    assert contract is None
    assert [(p.location.line, p.code, p.field) for p in problems] == [
        (9 + count - 1, "schema.invalid", f"schema[0].properties[{count - 1}].logicalType")
    ]
    assert "text" in problems[0].message
