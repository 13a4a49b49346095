"""Waivers in aigov.yaml: valid ones mark findings waived, invalid ones are blocking findings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tests.policy.conftest import evaluated
from tests.policy.test_engine import MANIFEST, TODAY, policy_source

from aigov.documents.repository import load_repository
from aigov.gate import decide
from aigov.policy.findings import Result

ORG = """\
apiVersion: aigov/v1
kind: OrgConfig
waivers:
  approvers: [dpo@example.com, cro@example.com]
  max_days: 90
  waivable_critical: [E-DPIA]
"""


def with_waiver(**fields: str) -> str:
    waiver = {
        "rule": "E-DPIA",
        "reason": "DPIA signed off next week",
        "approved_by": "dpo@example.com",
        "ticket": "GRC-42",
        "expires": "2026-12-31",
        "stage": "production",
        "granted_on": "2026-11-20",
    }
    waiver.update(fields)
    lines = "\n".join(f"    {key}: {value}" for key, value in waiver.items())
    return MANIFEST + "waivers:\n  - " + lines.strip() + "\n"


def run(tmp_path: Path, make_repo: Callable[..., Path], manifest: str) -> Result:
    repo = make_repo({"aigov.yaml": manifest})
    return evaluated(load_repository(repo), policy_source(tmp_path, ORG), {}, TODAY)


def test_a_valid_waiver_marks_the_finding_waived(
    tmp_path: Path, make_repo: Callable[..., Path]
) -> None:
    result = run(tmp_path, make_repo, with_waiver())
    dpia = next(f for f in result.findings if f.rule_id == "E-DPIA")
    assert dpia.waived and not dpia.blocking
    assert dpia.waiver is not None and dpia.waiver.ticket == "GRC-42"
    assert not any(f.rule_id == "AIGOV-WAIVER" for f in result.findings)
    assert dpia in decide(result).waived
    assert dpia not in decide(result).blocking


def test_a_critical_rule_the_org_does_not_list_cannot_be_waived(
    tmp_path: Path, make_repo: Callable[..., Path]
) -> None:
    repo = make_repo({"aigov.yaml": with_waiver()})
    org = ORG.replace("  waivable_critical: [E-DPIA]\n", "")
    result = evaluated(load_repository(repo), policy_source(tmp_path, org), {}, TODAY)
    dpia = next(f for f in result.findings if f.rule_id == "E-DPIA")
    assert not dpia.waived and dpia.blocking
    (invalid,) = [f for f in result.findings if f.rule_id == "AIGOV-WAIVER"]
    assert "E-DPIA is critical, and the organisation does not allow waiving it" in invalid.message


def test_a_waiver_granted_in_the_future_is_void(
    tmp_path: Path, make_repo: Callable[..., Path]
) -> None:
    result = run(tmp_path, make_repo, with_waiver(granted_on="2026-12-01"))
    (invalid,) = [f for f in result.findings if f.rule_id == "AIGOV-WAIVER"]
    assert "granted_on 2026-12-01 is in the future" in invalid.message


@pytest.mark.parametrize(
    ("fields", "line", "message"),
    [
        ({"expires": "2026-11-23"}, 19, "expired on 2026-11-23"),
        (
            {"approved_by": "intern@example.com"},
            17,
            "'intern@example.com' is not a waiver approver",
        ),
        ({"expires": "2027-06-30"}, 19, "runs 222 days from 2026-11-20; the organisation allows"),
        (
            {"stage": "industrialization"},
            20,
            "was granted for stage industrialization; the project is now at production",
        ),
        ({"rule": "E-NOPE"}, 15, "no rule 'E-NOPE' in the packs evaluated"),
    ],
)
def test_invalid_waivers_are_blocking_findings(
    tmp_path: Path,
    make_repo: Callable[..., Path],
    fields: dict[str, str],
    line: int,
    message: str,
) -> None:
    result = run(tmp_path, make_repo, with_waiver(**fields))
    (problem,) = [f for f in result.findings if f.rule_id == "AIGOV-WAIVER"]
    assert message in problem.message
    assert problem.blocking and problem.severity == "critical"
    assert problem.location.file == "aigov.yaml" and problem.location.line == line
    dpia = next(f for f in result.findings if f.rule_id == "E-DPIA")
    assert not dpia.waived and dpia.blocking


def test_over_long_waiver_without_granted_on_counts_from_today(
    tmp_path: Path, make_repo: Callable[..., Path]
) -> None:
    manifest = with_waiver(expires="2027-03-01").replace("    granted_on: 2026-11-20\n", "")
    result = run(tmp_path, make_repo, manifest)
    (problem,) = [f for f in result.findings if f.rule_id == "AIGOV-WAIVER"]
    assert "runs 97 days from 2026-11-24" in problem.message


def test_no_approvers_means_no_waiver_is_valid(
    tmp_path: Path, make_repo: Callable[..., Path]
) -> None:
    repo = make_repo({"aigov.yaml": with_waiver()})
    result = evaluated(load_repository(repo), policy_source(tmp_path), {}, TODAY)
    (problem,) = [f for f in result.findings if f.rule_id == "AIGOV-WAIVER"]
    assert "no approvers configured" in problem.remediation
