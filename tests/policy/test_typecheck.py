"""Packs are type-checked when they load (issue 18 point 2): every field, function and literal a
rule's expressions and message read is checked against the declared shapes of the context, each
problem located at its token in the pack file; ``aigov policy test`` checks fixtures alike."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import CliResult, run_aigov_process
from tests.policy.conftest import PACK_YAML

from aigov.policy.folders import builtin_pack_files
from aigov.policy.pack import PolicyLoadError, load_pack
from aigov.policy.params import RuleParam
from aigov.policy.typecheck import expression_problems, rule_roots

# The case: a typo in a field path, in a folded scalar, and fixtures sharing it.
TYPO_RULE = """\
- id: ORG-OVERSIGHT
  title: High-risk systems define a human override
  severity: high
  references: ["EU AI Act Art. 14"]
  applies:
    when: >-
      has(manifest.risk) && has(manifest.risk.ai_act)
      && manifest.risk.ai_act.categroy == "high"
  assert: has(model_card.human_oversight.override)
  message: "{{ manifest.metadata.id }} has no human override"
  remediation: Describe who can override the system.
  fixtures:
    pass:
      - manifest: {risk: {ai_act: {categroy: high}}}
        model_card: {human_oversight: {override: On-call analyst}}
    fail:
      - manifest: {risk: {ai_act: {categroy: high}}}
        model_card: {}
"""


def rule_file(assert_: str = '"true"', *, when: str | None = None, message: str = "m") -> str:
    """A one-rule file whose ``assert`` (and ``when``, ``message``) are written as given."""
    applies = f"  applies:\n    when: {when}\n" if when is not None else ""
    return (
        "- id: ORG-RULE\n  title: A rule\n  severity: high\n  references: [Charter]\n"
        f"{applies}  assert: {assert_}\n  message: {message}\n  remediation: Fix it.\n"
    )


def load_problems(rules: str) -> list[str]:
    """The problems of loading a pack made of ``rules`` (none when it loads)."""
    files = {
        "pack.yaml": PACK_YAML.format(name="org", version="1.0.0").encode(),
        "rules/main.yaml": rules.encode(),
    }
    try:
        load_pack(files, origin="test", shown_as="org")
    except PolicyLoadError as exc:
        return [str(problem) for problem in exc.problems]
    return []


def position_of(text: str, token: str) -> str:
    """``line:column`` (1-based) of the first ``token`` in ``text``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if token in line:
            return f"{number}:{line.index(token) + 1}"
    raise AssertionError(f"{token!r} not in the text")


def test_a_field_typo_is_a_located_load_error_with_did_you_mean() -> None:
    problems = load_problems(TYPO_RULE)
    assert problems == [
        f"org/rules/main.yaml:{position_of(TYPO_RULE, 'categroy')}: error: applies.when: rule "
        "ORG-OVERSIGHT: unknown field 'categroy' in manifest.risk.ai_act: did you mean "
        "'category'? [rule.unknown-field]"
    ]
    assert position_of(TYPO_RULE, "categroy") == "8:31"  # inside the folded scalar's 2nd line


def test_the_corrected_rule_loads() -> None:
    assert load_problems(TYPO_RULE.replace("ai_act.categroy ==", "ai_act.category ==")) == []


@pytest.mark.parametrize(
    ("assert_", "token", "expected"),
    [
        (  # an unknown function, with the name it was meant to be
            "days_betwen(today, manifest.metadata.id) > 0",
            "days_betwen",
            "unknown function 'days_betwen()': did you mean 'days_between'?",
        ),
        (  # an unknown method
            "manifest.metadata.id.startswith('x')",
            "startswith",
            "unknown method 'startswith()': did you mean 'startsWith'?",
        ),
        (  # has() of an unknown field would silently never be true
            "has(manifest.sla.latncy_p95_ms)",
            "latncy_p95_ms",
            "unknown field 'latncy_p95_ms' in manifest.sla: did you mean 'latency_p95_ms'?",
        ),
        (  # a macro variable has the item shape of its list
            "manifest.approvals.exists(a, a.decison == 'approved')",
            "decison",
            "unknown field 'decison' in manifest.approvals[]: did you mean 'decision'?",
        ),
        (  # ... nested, over the contracts and their flat list of fields
            "contracts.exists(c, c.fields.exists(f, f.clasification == 'restricted'))",
            "clasification",
            "unknown field 'clasification' in contracts[].fields[]: did you mean 'classification'?",
        ),
        (  # a root name typo
            "manfest.stage == 'poc'",
            "manfest",
            "unknown name 'manfest': did you mean 'manifest'?",
        ),
        (  # a string field compared with a number is never equal
            "manifest.stage == 3",
            "==",
            "'==' compares manifest.stage, a string, with 3, a number: never true",
        ),
        (  # a date string is not a timestamp: date() reads it
            "manifest.timeline.poc < today",
            "<",
            "'<' compares manifest.timeline.poc, a string, with today, a timestamp: never true",
        ),
        (  # size() of a number
            "manifest.framing.impact.size() > 0",
            "size",
            "size() does not apply to manifest.framing.impact, which is a number",
        ),
        (  # a value an enumerated field never takes
            "manifest.risk.ai_act.category in ['high', 'limitd']",
            "'limitd'",
            "manifest.risk.ai_act.category is never 'limitd': did you mean 'limited'?",
        ),
        (  # a field of a list
            "manifest.approvals.decision == 'approved'",
            "decision",
            "manifest.approvals is a list: it has no field 'decision'",
        ),
    ],
)
def test_each_mistake_is_located_at_its_token(assert_: str, token: str, expected: str) -> None:
    rules = rule_file(f'"{assert_}"')
    problems = load_problems(rules)
    assert len(problems) == 1, problems
    where = position_of(rules, token)
    assert problems[0].startswith(f"org/rules/main.yaml:{where}: error: assert: rule ORG-RULE: ")
    assert expected in problems[0]


def test_a_message_placeholder_typo_is_located_in_the_message() -> None:
    rules = rule_file(message='"{{ manifest.metadata.id }} has {{ manifest.metadata.nmae }}"')
    assert load_problems(rules) == [
        f"org/rules/main.yaml:{position_of(rules, 'nmae')}: error: message: rule ORG-RULE: "
        "unknown field 'nmae' in manifest.metadata: did you mean 'name'? [rule.unknown-field]"
    ]


def test_a_placeholder_naming_no_root_is_an_unknown_name() -> None:
    rules = rule_file(message='"{{ manfest.metadata.id }} has no owner"')
    (problem,) = load_problems(rules)
    assert problem.startswith(f"org/rules/main.yaml:{position_of(rules, 'manfest')}: ")
    assert "unknown name 'manfest': did you mean 'manifest'? [rule.unknown-name]" in problem


def test_parameters_are_typed_by_their_declaration() -> None:
    rules = rule_file(
        "\"params.min_auc > '0.8'\"\n  params:\n    min_auc: "
        "{type: double, default: 0.75, description: Lowest AUC}"
    )
    problems = load_problems(rules)
    assert len(problems) == 1
    assert "'>' compares params.min_auc, a number, with '0.8', a string" in problems[0]


def test_a_single_quoted_scalar_with_doubled_quotes_is_followed() -> None:
    rules = rule_file("'manifest.stage == ''poc'' && manifest.metadata.idd == ''x'''")
    (problem,) = load_problems(rules)
    assert problem.startswith(f"org/rules/main.yaml:{position_of(rules, 'idd')}: ")


def test_a_scalar_it_cannot_follow_is_located_at_its_key_with_the_column() -> None:
    # A \t escape: the text no longer matches the value character for character.
    rules = rule_file('"manifest.stage ==\\t\\"poc\\" && manifest.metadata.idd == \\"x\\""')
    (problem,) = load_problems(rules)
    assert problem.startswith(f"org/rules/main.yaml:{position_of(rules, 'assert')}: ")
    assert "(column 46 of the expression)" in problem


@pytest.mark.parametrize(
    "expression",
    [
        # open objects accept any key: the model card's front matter, ODCS custom values,
        # mappings of arbitrary keys (sections, timeline, the org's rule tuning)
        "has(model_card.any_governance_key.whatever)",
        "model_card.sections['intended use'].empty == false",
        "contracts.exists(c, c.customProperties.exists(p, p.value.anything == 1))",
        "has(manifest.timeline.poc) && date(manifest.timeline.poc) < today",
        "has(org.rules.ANY_RULE)",
        "has(evidence.mlflow.unavailable) || evidence.mlflow.approved",
        "change.target == 'production' && change.files.exists(f, f.startsWith('models/'))",
        "contracts.all(c, c.fields.all(f, !has(f.classification) || f.path != ''))",
        "contracts.exists(c, c.schema.exists(o, o.properties.exists(p, p.name == 'email')))",
        "manifest.approvals.map(a, a.date).exists(d, d == 'x')",  # map's result: not followed
        "pluck(manifest.approvals, 'decision').exists(d, d == 'approved')",
        "manifest.risk.ai_act.category == 'high' && size(manifest.waivers) == 0",
        "[1].all(evidence, evidence.x == 1)",  # a macro variable shadows the root
        "-1 < manifest.framing.impact && today.getFullYear() > 2020",
        "days_between(manifest.timeline.poc, today) <= params.max_days",
    ],
)
def test_valid_expressions_pass(expression: str) -> None:
    roots = rule_roots(
        {"max_days": RuleParam(type="int", default=30, description="Longest allowed")}
    )
    assert expression_problems(expression, roots) == []


def test_every_builtin_pack_loads_clean_from_source() -> None:
    for files, shown in builtin_pack_files():
        assert load_pack(files, origin="builtin", shown_as=shown).rules  # raises on a problem


def write_typo_pack(root: Path, fixture_typo_only: bool = False) -> Path:
    rules = TYPO_RULE
    if fixture_typo_only:
        rules = rules.replace("ai_act.categroy ==", "ai_act.category ==")
    folder = root / "org"
    (folder / "rules").mkdir(parents=True)
    (folder / "pack.yaml").write_text(PACK_YAML.format(name="org", version="1.0.0"), "utf-8")
    (folder / "rules" / "main.yaml").write_text(textwrap.dedent(rules), "utf-8")
    return folder


def test_a_fixture_cannot_carry_the_typo(tmp_path: Path, run_cli: Callable[..., CliResult]) -> None:
    folder = write_typo_pack(tmp_path, fixture_typo_only=True)
    result = run_cli("policy", "test", str(folder))
    assert result.exit_code == 1
    assert (
        "FAIL ORG-OVERSIGHT pass[0]" in result.stdout + result.stderr
        and "unusable fixture: unknown field 'categroy' in manifest.risk.ai_act: did you mean "
        "'category'?"
        in result.stdout + result.stderr
    )


@pytest.mark.parametrize(
    "command",
    [
        ["policy", "test", "{pack}"],
        ["check", "examples/credit-scoring", "--policies", "{root}", "--no-cache"],
    ],
)
def test_the_commands_exit_2_with_the_located_message(tmp_path: Path, command: list[str]) -> None:
    folder = write_typo_pack(tmp_path)
    args = [part.format(pack=folder, root=tmp_path) for part in command]
    result = run_aigov_process(*args, cwd=Path(__file__).resolve().parents[2])
    assert result.exit_code == 2, result.stderr
    where = f"{folder}/rules/main.yaml:{position_of(TYPO_RULE, 'categroy')}"
    output = " ".join((result.stdout + result.stderr).split())  # long lines are wrapped
    assert where in output and "did you mean 'category'?" in output
    assert "Traceback" not in output
