"""The engine against real repositories and packs written to temporary folders."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import MINIMAL_MANIFEST
from tests.policy.conftest import PACK_YAML, evaluated, write_pack

from aigov.documents.repository import load_repository
from aigov.gate import decide
from aigov.policy.findings import Finding, Result
from aigov.policy.pack import PolicyLoadError
from aigov.policy.sources import PolicySet, PolicySource, load_policy_set
from aigov.policy.templates import render_message

TODAY = dt.date(2026, 11, 24)

RULES = """\
- id: E-DPIA
  title: The DPIA is completed
  severity: critical
  references: ["GDPR Art. 35"]
  applies:
    stages: [production]
    when: manifest.risk.gdpr.personal_data
  assert: manifest.risk.gdpr.dpia.status == "completed"
  locate: manifest.risk.gdpr.dpia
  message: "{{ manifest.metadata.id }}: DPIA is {{ manifest.risk.gdpr.dpia.status }}"
  remediation: Complete the DPIA.
- id: E-LAWFUL
  title: A lawful basis is recorded
  severity: high
  references: ["GDPR Art. 6"]
  assert: manifest.risk.gdpr.lawful_basis != ""
  message: "no lawful basis for {{ manifest.metadata.name }} ({{ manifest.risk.gdpr.retention }})"
  remediation: Record the lawful basis.
- id: E-TYPE
  title: A rule with a type error
  severity: low
  references: ["Test"]
  assert: int(manifest.metadata.name) > 3
  message: never rendered
  remediation: Fix the rule.
- id: E-LATER
  title: An obligation that starts later
  severity: high
  references: ["EU AI Act Art. 113"]
  effective_from: later_date
  assert: has(manifest.sla)
  message: no SLA
  remediation: Add an SLA.
- id: E-AI-ACT
  title: Only for high-risk systems
  severity: high
  references: ["EU AI Act Art. 14"]
  applies:
    when: manifest.risk.ai_act.category == "high"
  assert: "false"
  message: never
  remediation: never
- id: E-IDEATION
  title: Only at ideation
  severity: high
  references: ["Charter"]
  applies:
    stages: [ideation]
  assert: "false"
  message: never
  remediation: never
- id: E-CARD
  title: The card documents its limitations
  severity: medium
  references: ["EU AI Act Art. 13"]
  assert: model_card.sections["limitations"].placeholder == false && has(model_card.intended_use)
  message: limitations missing
  remediation: Write them.
- id: E-MLFLOW
  title: A rule that reads evidence
  severity: info
  references: ["Charter"]
  assert: evidence.mlflow.approved
  message: no run
  remediation: Log a run.
"""

PACK = PACK_YAML.format(name="engine", version="1.2.0").replace(
    "  start_of_obligations: 2026-08-02", "  later_date: 2027-08-02"
)

MANIFEST = """\
apiVersion: aigov/v1
kind: AIProject
metadata:
  id: churn-model
  name: Churn prediction
  owner: data-science@example.com
  business_unit: Retail banking
stage: production
risk:
  gdpr:
    personal_data: true
    dpia:
      status: in_progress
"""

CARD = """\
---
license: mit
intended_use: Retention campaigns
---
# Churn model

## Limitations

[More Information Needed]
"""


def policy_source(tmp_path: Path, org: str | None = None) -> PolicySet:
    root = tmp_path / "policies"
    write_pack(root / "engine", rules=RULES, pack_yaml=PACK)
    if org is not None:
        (root / "aigov-org.yaml").write_text(textwrap.dedent(org), encoding="utf-8")
    return load_policy_set(PolicySource("folder", str(root)))


def by_rule(result: Result) -> dict[str, Finding]:
    return {f.rule_id: f for f in result.findings if f.rule_id != "AIGOV-WAIVER"}


@pytest.fixture
def repo(make_repo: Callable[..., Path]) -> Path:
    return make_repo({"aigov.yaml": MANIFEST, "MODEL_CARD.md": CARD})


def test_findings_and_their_fields(tmp_path: Path, repo: Path) -> None:
    result = evaluated(load_repository(repo), policy_source(tmp_path), {}, TODAY)
    findings = by_rule(result)
    assert sorted(findings) == ["E-CARD", "E-DPIA", "E-LATER", "E-LAWFUL", "E-MLFLOW", "E-TYPE"]
    dpia = findings["E-DPIA"]
    assert dpia.message == "churn-model: DPIA is in_progress"
    assert (dpia.status, dpia.severity, dpia.blocking, dpia.waived) == (
        "failed",
        "critical",
        True,
        False,
    )
    assert str(dpia.location) == "aigov.yaml:12:5"  # the dpia key
    assert dpia.references == ("GDPR Art. 35",)
    assert dpia.pack == "engine"
    assert result.rules_evaluated == 8
    assert result.rules_not_applicable == 2  # E-AI-ACT (when on a missing field), E-IDEATION
    assert result.packs[0].name == "engine" and result.packs[0].version == "1.2.0"
    assert result.packs[0].digest.startswith("sha256:")


def test_missing_field_in_assert_is_a_finding_naming_it(tmp_path: Path, repo: Path) -> None:
    findings = by_rule(evaluated(load_repository(repo), policy_source(tmp_path), {}, TODAY))
    lawful = findings["E-LAWFUL"]
    assert lawful.status == "failed"
    assert lawful.message == (
        "no lawful basis for Churn prediction (not recorded) "
        "(manifest.risk.gdpr.lawful_basis is missing)"
    )
    assert lawful.field == "manifest.risk.gdpr.lawful_basis"
    assert str(lawful.location) == "aigov.yaml:10:3"  # nearest written ancestor: risk.gdpr
    mlflow = findings["E-MLFLOW"]
    assert "evidence.mlflow is missing" in mlflow.message


def test_an_expression_error_is_a_policy_error_that_fails_closed(
    tmp_path: Path, repo: Path
) -> None:
    findings = by_rule(evaluated(load_repository(repo), policy_source(tmp_path), {}, TODAY))
    error = findings["E-TYPE"]
    assert error.status == "policy_error"
    assert error.message.startswith("rule E-TYPE could not be evaluated: 'assert' failed:")
    assert error.blocking  # a policy bug blocks whatever the rule's severity (low here)
    assert error.file == ""  # not the project's manifest
    assert error.policy_location is not None
    assert error.policy_location.endswith("/policies/engine/rules/main.yaml:19:3")
    assert "Fix the rule." not in error.remediation


def test_not_yet_effective_never_blocks(tmp_path: Path, repo: Path) -> None:
    findings = by_rule(evaluated(load_repository(repo), policy_source(tmp_path), {}, TODAY))
    later = findings["E-LATER"]
    assert later.status == "not_yet_effective"
    assert later.message == "no SLA [applies from 2027-08-02]"
    assert later.effective_from == dt.date(2027, 8, 2)
    assert not later.blocking
    after = by_rule(
        evaluated(load_repository(repo), policy_source(tmp_path), {}, dt.date(2027, 8, 2))
    )
    assert after["E-LATER"].status == "failed" and after["E-LATER"].blocking


def test_an_org_moves_a_named_date(tmp_path: Path, repo: Path) -> None:
    org = """\
        apiVersion: aigov/v1
        kind: OrgConfig
        dates:
          later_date: 2026-01-01
    """
    policy_set = policy_source(tmp_path, org)
    assert policy_set.effective_dates["E-LATER"] == dt.date(2026, 1, 1)
    later = by_rule(evaluated(load_repository(repo), policy_set, {}, TODAY))["E-LATER"]
    assert later.status == "failed" and later.blocking


def test_block_on_from_the_org(tmp_path: Path, repo: Path) -> None:
    policy_set = policy_source(tmp_path, "apiVersion: aigov/v1\nkind: OrgConfig\nblock_on: low\n")
    findings = by_rule(evaluated(load_repository(repo), policy_set, {}, TODAY))
    assert findings["E-TYPE"].blocking  # an error finding blocks like a failure
    assert findings["E-CARD"].blocking
    assert not findings["E-MLFLOW"].blocking  # info < low


def test_model_card_locations(tmp_path: Path, repo: Path) -> None:
    card = by_rule(evaluated(load_repository(repo), policy_source(tmp_path), {}, TODAY))["E-CARD"]
    assert card.status == "failed"
    assert str(card.location) == "MODEL_CARD.md:7:1"  # the Limitations heading


def test_evidence_is_passed_in_and_needs_are_exposed(tmp_path: Path, repo: Path) -> None:
    repository = load_repository(repo)
    policy_set = policy_source(tmp_path)
    assert repository.manifest is not None
    assert policy_set.evidence_needed([repository.manifest.stage]) == {"mlflow"}
    result = evaluated(repository, policy_set, {"mlflow": {"approved": True}}, TODAY)
    assert "E-MLFLOW" not in by_rule(result)
    assert result.evidence_used == ("mlflow",)


def test_transition_stages(tmp_path: Path, repo: Path) -> None:
    result = evaluated(
        load_repository(repo),
        policy_source(tmp_path),
        {},
        TODAY,
        stages=("ideation", "production"),
    )
    assert "E-IDEATION" in by_rule(result)


def test_evaluation_is_deterministic(tmp_path: Path, repo: Path) -> None:
    policy_set = policy_source(tmp_path)
    first = evaluated(load_repository(repo), policy_set, {}, TODAY)
    second = evaluated(load_repository(repo), policy_source(tmp_path), {}, TODAY)
    assert first == second
    assert first.model_dump_json() == second.model_dump_json()


def test_no_valid_manifest_is_refused(tmp_path: Path, make_repo: Callable[..., Path]) -> None:
    broken = make_repo({"aigov.yaml": "apiVersion: aigov/v1\n"})
    with pytest.raises(ValueError, match="aigov validate"):
        evaluated(load_repository(broken), policy_source(tmp_path), {}, TODAY)


def test_gate_decision(tmp_path: Path, repo: Path) -> None:
    result = evaluated(load_repository(repo), policy_source(tmp_path), {}, TODAY)
    decision = decide(result)
    assert not decision.passed and decision.exit_code == 1
    assert {f.rule_id for f in decision.blocking} == {"E-DPIA", "E-LAWFUL", "E-TYPE"}
    assert {f.rule_id for f in decision.not_yet_effective} == {"E-LATER"}


# --- templates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ a.b }}", "text"),
        ("{{a.list[1]}} and {{ a.flag }}", "2 and true"),
        ("{{ a.list }}", "1, 2"),
        ("{{ a.whole }} / {{ a.ratio }}", "14 / 0.78"),
        ("{{ a.none }} / {{ a.nested }}", 'not recorded / {"x": 1}'),
        ('{{ a["key with space"] }}', "ok"),
        ("{{ a.absent }} / {{ nothing }}", "not recorded / not recorded"),
        ("{{ a.b.__class__ }}", "not recorded"),
        ("{{ 1 + 1 }}", "not recorded"),
        ("{{ a.list[*] }}", "not recorded"),
        ("{{ today }}", "2026-11-24"),
        ("no placeholders", "no placeholders"),
    ],
)
def test_message_templates(template: str, expected: str) -> None:
    context = {
        "a": {
            "b": "text",
            "list": [1, 2],
            "flag": True,
            "key with space": "ok",
            "none": None,
            "nested": {"x": 1},
            "whole": 14.0,
            "ratio": 0.78,
        },
        "today": TODAY,
    }
    assert render_message(template, context) == expected


# --- org config problems -------------------------------------------------------------------


def test_org_config_problems_are_located(tmp_path: Path) -> None:
    org = """\
        apiVersion: aigov/v1
        kind: OrgConfig
        packs:
          - {name: engine, version: ">=2.0,<3"}
          - {name: nowhere}
        block_on: severe
        dates:
          annex_iii_obligations: 2027-12-02
    """
    with pytest.raises(PolicyLoadError) as caught:
        policy_source(tmp_path, org)
    found = [str(p) for p in caught.value.problems]
    org_file = f"{tmp_path}/policies/aigov-org.yaml"
    assert any(f"{org_file}:6:1: error: block_on:" in p for p in found), found
    with pytest.raises(PolicyLoadError) as caught:
        policy_source(tmp_path, org.replace("        block_on: severe\n", ""))
    found = [str(p) for p in caught.value.problems]
    assert any(
        f"{org_file}:4:20:" in p and "version 1.2.0, which does not satisfy '>=2.0,<3'" in p
        for p in found
    ), found
    assert any(f"{org_file}:5:5:" in p and "pack 'nowhere'" in p for p in found), found


def test_org_date_override_must_name_a_known_date(tmp_path: Path) -> None:
    org = "apiVersion: aigov/v1\nkind: OrgConfig\ndates:\n  annex_iii_obligations: 2027-12-02\n"
    with pytest.raises(PolicyLoadError) as caught:
        policy_source(tmp_path, org)
    (problem,) = caught.value.problems
    assert str(problem.location) == f"{tmp_path}/policies/aigov-org.yaml:4:3"
    assert "'annex_iii_obligations' is not a named date" in problem.message


def test_org_pins_a_satisfied_version(tmp_path: Path) -> None:
    org = """\
        apiVersion: aigov/v1
        kind: OrgConfig
        packs: [{name: engine, version: ">=1.0,<2"}]
        waivers: {approvers: [dpo@example.com], max_days: 30}
    """
    policy_set = policy_source(tmp_path, org)
    assert [p.name for p in policy_set.packs] == ["engine"]
    assert policy_set.org.waivers.max_days == 30
    assert policy_set.org.block_on == "high"


def test_unavailable_evidence_fails_closed_with_its_reason(repo: Path, tmp_path: Path) -> None:
    evidence = {
        "mlflow": {"unavailable": "tracking server http://127.0.0.1:9 refused the connection"}
    }
    result = evaluated(load_repository(repo), policy_source(tmp_path), evidence, TODAY)
    finding = by_rule(result)["E-MLFLOW"]
    assert finding.status == "error"
    assert finding.message == (
        "E-MLFLOW: evidence unavailable: mlflow: "
        "tracking server http://127.0.0.1:9 refused the connection"
    )
    # Rules that do not read the unavailable source are evaluated as usual.
    assert by_rule(result)["E-DPIA"].status == "failed"


def test_collected_evidence_is_evaluated(repo: Path, tmp_path: Path) -> None:
    policy_set = policy_source(tmp_path)
    passing = evaluated(load_repository(repo), policy_set, {"mlflow": {"approved": True}}, TODAY)
    assert "E-MLFLOW" not in by_rule(passing)
    failing = evaluated(load_repository(repo), policy_set, {"mlflow": {"run_found": False}}, TODAY)
    assert by_rule(failing)["E-MLFLOW"].status == "failed"


def test_a_when_on_an_absent_manifest_field_does_not_apply_even_if_evidence_is_missing(
    make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    rules = """\
- id: W-REGISTRY
  title: Needs the registry's experiment and MLflow evidence
  severity: high
  references: ["Charter"]
  applies:
    when: has(manifest.model.registry.experiment)
  assert: evidence.mlflow.poc.found
  message: no POC
  remediation: Track the POC.
- id: W-EVIDENCE
  title: Decides applicability on MLflow evidence
  severity: high
  references: ["Charter"]
  applies:
    when: evidence.mlflow.poc.found
  assert: "true"
  message: never
  remediation: never
"""
    root = tmp_path / "policies"
    write_pack(root / "w", rules=rules, pack_yaml=PACK_YAML.format(name="w", version="1.0.0"))
    policy_set = load_policy_set(PolicySource("folder", str(root)))
    repository = load_repository(make_repo({"aigov.yaml": MINIMAL_MANIFEST + "model: {}\n"}))
    evidence = {"mlflow": {"unavailable": "aigov.yaml declares no model.registry"}}
    found = by_rule(evaluated(repository, policy_set, evidence, TODAY))
    assert "W-REGISTRY" not in found  # manifest.model.registry is absent: not applicable
    assert found["W-EVIDENCE"].status == "error"  # undecidable for want of evidence: fails closed
    assert "evidence unavailable: mlflow" in found["W-EVIDENCE"].message
