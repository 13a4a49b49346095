"""The expert scenarios: each repository is judged as its expected.yaml says an expert would.

One test per scenario asserts the gate's decision, that every ``must_block`` article is cited by
a blocking finding and that no ``must_not_block`` article is. Each organisation (``org/``, and
``org-lifecycle/`` for the scenarios that name it) and the date are loaded once for the suite.

Scenarios aigov still judges differently from the expectation are listed, with the reason, in
``known_disagreements.yaml``: they run as expected failures, and one that aigov has come to judge
right shows as XPASS (remove its entry then; not strict, because rule owners fix rules while the
suite is in use). The expectation itself is never edited to match aigov's output.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml
from tests.scenarios.suite import (
    SCENARIOS,
    Blocking,
    Outcome,
    Policies,
    Scenario,
    ScenarioError,
    cites,
    describe,
    judge,
    load_expected,
    load_scenarios,
    misnamed,
    replace_expected,
    score,
    suite_today,
)

ALL = load_scenarios()
KNOWN = yaml.safe_load((SCENARIOS / "known_disagreements.yaml").read_text(encoding="utf-8")) or {}


@pytest.fixture(scope="module")
def policies() -> Policies:
    return Policies()


@pytest.fixture(scope="module")
def today() -> dt.date:
    return suite_today()


def _param(scenario: Scenario) -> object:
    reason = KNOWN.get(scenario.name)
    marks = [pytest.mark.xfail(reason=str(reason), strict=False)] if reason else []
    return pytest.param(scenario, id=scenario.name, marks=marks)


@pytest.mark.parametrize("scenario", [_param(s) for s in ALL])
def test_scenario_is_judged_as_an_expert_does(
    scenario: Scenario, policies: Policies, today: dt.date
) -> None:
    outcome = judge(scenario, policies, today)
    if not outcome.agrees:
        pytest.fail(f"{describe(outcome)}\nwhy: {scenario.expected.why}", pytrace=False)


def test_the_suite_is_as_large_and_balanced_as_the_issues_ask() -> None:
    assert not misnamed(ALL)
    by_issue = {issue: [s for s in ALL if s.expected.issue == issue] for issue in (19, 21)}
    assert len(by_issue[19]) >= 40 and len(by_issue[21]) >= 35
    assert len(ALL) == len(by_issue[19]) + len(by_issue[21])
    passing = [s for s in ALL if s.expected.decision == "pass"]
    assert 2 * len(passing) >= len(ALL), "at least half of the scenarios must be cases that pass"
    passing_21 = [s for s in by_issue[21] if s.expected.decision == "pass"]
    assert 2 * len(passing_21) >= len(by_issue[21]), "issue 21: half of its cases must pass"
    assert {s.expected.decision for s in ALL} == {"pass", "block"}


def test_every_known_disagreement_names_a_scenario() -> None:
    names = {s.name for s in ALL}
    assert set(KNOWN) <= names, sorted(set(KNOWN) - names)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("decision: maybe\nwhy: x", "decision must be pass or block"),
        ("decision: block\nwhy: too short", "why must explain"),
        (
            "decision: block\nmust_block: [AI Act 27]\nwhy: " + "No FRIA (Art. 27) is done. " * 3,
            "must_block must list articles as the packs cite them",
        ),
        (
            "decision: pass\nmust_block: [GDPR Art. 35]\nwhy: " + "A DPIA (Art. 35) is done. " * 3,
            "cannot list must_block",
        ),
        ("decision: pass\nverdict: ok\nwhy: x", "unknown key(s) verdict"),
    ],
)
def test_an_expected_file_that_says_too_little_is_refused(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / "expected.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=re.escape(problem)):
        load_expected(path)


def test_every_scenario_repository_has_its_manifest() -> None:
    missing = [s.name for s in ALL if not (s.path / "aigov.yaml").is_file()]
    assert not missing


@pytest.mark.parametrize(
    ("reference", "article", "cited"),
    [
        ("GDPR Art. 35(3)", "GDPR Art. 35", True),
        ("GDPR Art. 35", "GDPR Art. 35", True),
        ("EU AI Act Art. 50(1)", "EU AI Act Art. 5", False),
        ("GDPR Art. 44", "GDPR Art. 4", False),
        ("EU AI Act Annex III point 5", "EU AI Act Annex I", False),
        ("EU AI Act Art. 53(1)(a)", "EU AI Act Art. 53(1)(a)", True),
        ("EU AI Act Art. 53(1)(b)", "EU AI Act Art. 53(1)(a)", False),
        ("EU AI Act Art. 49(2)", "EU AI Act Art. 49", True),
    ],
)
def test_an_article_is_cited_by_its_paragraphs_only(
    reference: str, article: str, cited: bool
) -> None:
    assert cites(reference, article) is cited


def test_scores_count_misses_and_false_blocks() -> None:
    # Precision falls with each blocking finding of a scenario that must pass and each
    # must_not_block article cited; recall with each must_block article not cited.
    blocked = replace_expected(ALL[0], decision="block", must_block=("A 1", "A 2"))
    passing = replace_expected(ALL[0], decision="pass", must_block=(), must_not_block=("A 3",))
    finding = Blocking("R-1", ("A 1(2)",))
    hit = Outcome(blocked, "block", (finding,), missed=("A 2",), unwanted=(), false_blocks=())
    false_block = Outcome(passing, "block", (finding,), (), ("A 3",), (finding,))
    scores = score([hit, false_block])
    assert (scores.true_positives, scores.false_negatives, scores.false_positives) == (1, 1, 2)
    assert (scores.precision, scores.recall) == (1 / 3, 1 / 2)
    assert (scores.decisions_right, scores.scenarios) == (1, 2)
