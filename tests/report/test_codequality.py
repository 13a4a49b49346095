"""GitLab Code Quality: the fields GitLab reads, stable unique fingerprints, severities."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import replaced

from aigov.documents.problems import Location
from aigov.policy.findings import finding_fingerprint
from aigov.report import render
from aigov.report.document import CheckReport

SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def _issues(report: CheckReport) -> list[dict[str, Any]]:
    issues = json.loads(render("codequality", report))
    assert isinstance(issues, list)
    return issues


def test_required_fields(any_report: CheckReport) -> None:
    for issue in _issues(any_report):
        assert isinstance(issue["description"], str) and issue["description"]
        assert isinstance(issue["check_name"], str) and issue["check_name"]
        assert isinstance(issue["fingerprint"], str) and len(issue["fingerprint"]) == 64
        assert issue["severity"] in SEVERITIES
        assert isinstance(issue["location"]["path"], str) and issue["location"]["path"]
        assert isinstance(issue["location"]["lines"]["begin"], int)
        assert issue["location"]["lines"]["begin"] >= 1


def test_issues_of_the_blocked_report(blocked_report: CheckReport) -> None:
    issues = _issues(blocked_report)
    by_rule = {i["check_name"]: i for i in issues}
    # waived findings are accepted: not reported
    assert "GDPR-13-NOTICE" not in by_rule
    assert len(issues) == len(blocked_report.findings) - 1
    dpia = by_rule["GDPR-35-DPIA"]
    assert dpia["description"] == (
        "GDPR-35-DPIA: No DPIA is recorded (manifest.risk.gdpr.dpia is missing)"
    )
    assert dpia["severity"] == "blocker"
    assert dpia["location"] == {"path": "aigov.yaml", "lines": {"begin": 12}}
    assert dpia["fingerprint"] == finding_fingerprint(blocked_report.findings[1])
    assert by_rule["GDPR-30-RECORD"]["severity"] == "major"
    assert by_rule["AIACT-5-SCREENING"]["severity"] == "critical"
    assert by_rule["AIACT-5-SCREENING"]["location"]["lines"]["begin"] == 1  # line 0
    assert by_rule["AIACT-50-TRANSPARENCY"]["severity"] == "info"  # not yet effective
    assert by_rule["AIACT-50-TRANSPARENCY"]["description"].startswith(
        "AIACT-50-TRANSPARENCY: not yet effective (applies from 2026-08-02): "
    )
    assert [i["severity"] for i in issues][:3] == ["blocker", "blocker", "critical"]


def test_fingerprints_stable_across_line_moves_and_unique(blocked_report: CheckReport) -> None:
    moved = replaced(
        blocked_report,
        findings=tuple(
            replaced(f, location=Location(f.location.file, f.location.line + 3, 2))
            for f in blocked_report.findings
        ),
    )
    before = {i["check_name"]: i["fingerprint"] for i in _issues(blocked_report)}
    after = {i["check_name"]: i["fingerprint"] for i in _issues(moved)}
    assert before == after
    # the same finding twice (same rule, file and field) still gets two fingerprints
    doubled = replaced(
        blocked_report, findings=(*blocked_report.findings, blocked_report.findings[1])
    )
    prints = [i["fingerprint"] for i in _issues(doubled)]
    assert len(prints) == len(set(prints))


def test_paths_relative_to_the_checkout(passing_report: CheckReport) -> None:
    waived_off = replaced(
        passing_report,
        findings=tuple(replaced(f, waived=False) for f in passing_report.findings),
    )
    (issue,) = _issues(waived_off)
    assert issue["location"]["path"] == "examples/credit-scoring/aigov.yaml"


def test_clean_report_is_an_empty_array(clean_report: CheckReport) -> None:
    assert render("codequality", clean_report) == "[]\n"


def test_deterministic(any_report: CheckReport) -> None:
    assert render("codequality", any_report) == render("codequality", any_report)
