"""SARIF 2.1.0: valid against the official schema and shaped for GitHub code scanning."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.conftest import replaced
from tests.sarif_schema import sarif_errors

from aigov import __version__
from aigov.documents.problems import Location
from aigov.policy.findings import finding_fingerprint
from aigov.report import render
from aigov.report.document import CheckReport
from aigov.report.sarif import FINGERPRINT_KEY


def _run(report: CheckReport) -> dict[str, Any]:
    log = json.loads(render("sarif", report))
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    run: dict[str, Any] = log["runs"][0]
    return run


@pytest.mark.usefixtures("conformance")
def test_valid_against_the_official_schema(any_report: CheckReport) -> None:
    log = json.loads(render("sarif", any_report))
    assert sarif_errors(log) == []


@pytest.mark.usefixtures("conformance")
def test_the_schema_check_does_refuse_a_broken_log(any_report: CheckReport) -> None:
    """The check above is worth something: the same log, broken, is refused."""
    log = json.loads(render("sarif", any_report))
    log["runs"][0]["results"] = [{"level": "catastrophic", "message": {}}]
    errors = sarif_errors(log)
    assert any("catastrophic" in e for e in errors), errors
    assert sarif_errors({"version": "2.1.0"}) != []  # no runs


def test_one_descriptor_per_rule_with_help_and_tags(blocked_report: CheckReport) -> None:
    driver = _run(blocked_report)["tool"]["driver"]
    assert driver["name"] == "aigov"
    ids = [rule["id"] for rule in driver["rules"]]
    # every evaluated rule, then aigov's own rule that has a finding
    assert ids == [r.id for r in blocked_report.rules] + ["AIGOV-WAIVER"]
    assert len(set(ids)) == len(ids)
    dpia = driver["rules"][0]
    assert dpia["name"] == "Gdpr35Dpia"
    assert dpia["shortDescription"]["text"] == "A DPIA is recorded for high-risk processing"
    assert dpia["helpUri"] == (
        f"https://github.com/aigov/aigov/blob/v{__version__}/docs/policy-reference.md"
        "#gdpr-35-dpia--a-dpia-is-recorded-for-high-risk-processing"
    )
    assert "Record the DPIA under risk.gdpr.dpia" in dpia["help"]["text"]
    assert "**How to fix:**" in dpia["help"]["markdown"]
    assert dpia["properties"]["tags"] == [
        "compliance",
        "pack:gdpr",
        "GDPR Art. 35(1)",
        "GDPR Art. 35(3)",
    ]
    assert dpia["properties"]["security-severity"] == "9.5"
    assert dpia["properties"]["problem.severity"] == "error"
    assert dpia["defaultConfiguration"]["level"] == "error"
    # a rule's own help_uri wins
    risk = driver["rules"][ids.index("AIACT-9-RISK-MANAGEMENT")]
    assert risk["helpUri"] == "https://example.com/rules/aiact-9"
    assert driver["rules"][ids.index("GDPR-30-RECORD")]["defaultConfiguration"]["level"] == (
        "warning"
    )
    # a rule whose pack declares no documentation has no link, never a dead one
    assert "helpUri" not in driver["rules"][ids.index("GDPR-30-RECORD")]


def test_results_levels_locations_and_rule_index(blocked_report: CheckReport) -> None:
    run = _run(blocked_report)
    rules = run["tool"]["driver"]["rules"]
    results = {r["ruleId"]: r for r in run["results"]}
    assert len(run["results"]) == len(blocked_report.findings)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1
    assert results["GDPR-35-DPIA"]["level"] == "error"
    assert results["AIGOV-WAIVER"]["level"] == "error"
    assert results["GDPR-30-RECORD"]["level"] == "warning"
    assert results["AIACT-50-TRANSPARENCY"]["level"] == "note"
    dpia = results["GDPR-35-DPIA"]["locations"][0]["physicalLocation"]
    assert dpia == {
        "artifactLocation": {"uri": "aigov.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 12, "startColumn": 3},
    }
    # line 0 (the whole file): line 1, no column
    screening = results["AIACT-5-SCREENING"]["locations"][0]["physicalLocation"]
    assert screening["region"] == {"startLine": 1}
    assert results["AIACT-5-SCREENING"]["message"]["text"].startswith("[evaluation error] ")
    # blocking findings come first
    assert [r["level"] for r in run["results"]][:3] == ["error"] * 3


def test_waived_findings_are_suppressed_with_the_waiver(blocked_report: CheckReport) -> None:
    results = {r["ruleId"]: r for r in _run(blocked_report)["results"]}
    suppressions = results["GDPR-13-NOTICE"]["suppressions"]
    assert len(suppressions) == 1
    assert suppressions[0]["kind"] == "external"
    assert suppressions[0]["status"] == "accepted"
    assert suppressions[0]["justification"] == (
        "Notice being rewritten by Legal (ticket LEGAL-42; approved by dpo@example.com; "
        "expires 2026-04-30)"
    )
    assert "suppressions" not in results["GDPR-35-DPIA"]


def test_fingerprints_survive_line_moves_and_differ_between_findings(
    blocked_report: CheckReport,
) -> None:
    moved = replaced(
        blocked_report,
        findings=tuple(
            replaced(f, location=Location(f.location.file, f.location.line + 7, 1))
            for f in blocked_report.findings
        ),
    )
    before = [r["partialFingerprints"] for r in _run(blocked_report)["results"]]
    after = [r["partialFingerprints"] for r in _run(moved)["results"]]
    assert before == after
    values = [p[FINGERPRINT_KEY] for p in before]
    assert len(set(values)) == len(values)
    assert set(values) == {finding_fingerprint(f) for f in blocked_report.findings}


def test_run_properties_carry_packs_and_decision(blocked_report: CheckReport) -> None:
    run = _run(blocked_report)
    assert run["properties"]["decision"] == "block"
    assert run["properties"]["blockOn"] == "high"
    assert [p["digest"] for p in run["properties"]["packs"]] == [
        p.digest for p in blocked_report.packs
    ]
    assert run["automationDetails"]["id"] == f"aigov/{blocked_report.project}/"


def test_gate_has_its_own_category(passing_report: CheckReport) -> None:
    category = f"aigov/{passing_report.project}/gate-production/"
    assert _run(passing_report)["automationDetails"]["id"] == category


def test_paths_are_relative_to_the_checkout_and_percent_encoded(
    passing_report: CheckReport, hostile_report: CheckReport
) -> None:
    # `aigov check examples/credit-scoring`: the uri is relative to the working directory
    result = _run(passing_report)["results"][0]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "examples/credit-scoring/aigov.yaml"
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in _run(hostile_report)["results"]
    ]
    assert "docs/we%3Aird%2Cname%2520%3Cx%3E.md" in uris
    assert "%C3%BCn%C3%AFc%C3%B8d%C3%A9/%D1%84%D0%B0%D0%B9%D0%BB.yaml" in uris


def test_deterministic(any_report: CheckReport) -> None:
    assert render("sarif", any_report) == render("sarif", any_report)
