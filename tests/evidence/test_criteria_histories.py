"""The success criteria's metric histories (a request per metric) are read only for the rules
that read ``evidence.mlflow.metric_history``: a pull-request check pays for what it judges."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.policy.conftest import write_pack

from aigov.checking import collect_evidence
from aigov.documents.repository import load_repository
from aigov.evidence.mlflow_evidence import MlflowEvidence
from aigov.policy.cel import compile_expression
from aigov.policy.sources import PolicySet, PolicySource, load_policy_set

HISTORY = ("mlflow", "metric_history")
ALL_STAGES = ("ideation", "data-exploration", "poc", "industrialization", "production", "retired")


@pytest.mark.parametrize(
    ("expression", "reads"),
    [
        ('evidence.mlflow.metric_history["test_oot_auc"].size() > 2', True),
        ('evidence["mlflow"]["metric_history"].size() > 0', True),
        ("has(evidence.mlflow.metric_history)", True),
        ("evidence.mlflow != null", True),  # the whole object, history included
        ("has(evidence.mlflow)", False),  # only whether it is there
        ("evidence.mlflow.criteria_met", False),
        ('evidence.mlflow.metric_history_note == "x"', False),
        ("[1].all(evidence, evidence > 0)", False),  # a macro variable, not the root
        ('manifest.stage == "poc"', False),
    ],
)
def test_an_expression_reads_a_path_through_it_or_above_it(expression: str, reads: bool) -> None:
    assert compile_expression(expression).reads("evidence", HISTORY) is reads


HISTORY_RULE = """\
- id: TEST-STABLE-AUC
  title: The AUC has a history
  severity: high
  references: ["Internal"]
  applies:
    stages: [production]
  assert: evidence.mlflow.metric_history["test_oot_auc"].size() >= 1
  message: "{{ manifest.metadata.id }} has no AUC history"
  remediation: Log the AUC at every evaluation.
  fixtures:
    pass:
      - evidence: {mlflow: {metric_history: {test_oot_auc: [{value: 0.8}]}}}
    fail:
      - evidence: {mlflow: {metric_history: {test_oot_auc: []}}}
"""


def test_the_built_in_packs_read_no_criteria_history() -> None:
    assert not load_policy_set().reads(ALL_STAGES, "evidence", HISTORY)


def test_criteria_histories_are_read_only_when_a_rule_reads_them(
    credit_scoring_with_evidence: Path, tmp_path: Path
) -> None:
    repository = load_repository(credit_scoring_with_evidence)
    assert repository.manifest is not None and repository.manifest.stage == "production"
    builtin = load_policy_set()
    write_pack(tmp_path / "policies" / "stability", name="stability", rules=HISTORY_RULE)
    reading = load_policy_set(PolicySource("folder", str(tmp_path / "policies")))
    assert reading.reads(["production"], "evidence", HISTORY)
    assert not reading.reads(["poc"], "evidence", HISTORY)  # the rule applies in production

    def histories(policy_set: PolicySet) -> set[str]:
        evidence = collect_evidence(
            repository, policy_set, ["production"], today=dt.date(2026, 12, 4)
        )
        assert isinstance(evidence.mlflow, MlflowEvidence), evidence.mlflow
        return set(evidence.mlflow.metric_history)

    monitoring = repository.manifest.monitoring
    assert monitoring and monitoring.performance and monitoring.adoption
    monitored = {monitoring.performance.metric, monitoring.adoption.metric}
    criteria = {c.mlflow_metric or c.metric for c in repository.manifest.success_criteria}
    assert criteria and not criteria & monitored
    assert histories(builtin) == monitored
    assert histories(reading) == monitored | criteria
