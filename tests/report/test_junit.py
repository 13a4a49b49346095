"""JUnit XML, read back with junitparser (a real JUnit consumer)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from junitparser import Error, Failure, JUnitXml, Skipped, TestCase, TestSuite

from aigov.report import render
from aigov.report.document import CheckReport


def _parse(report: CheckReport, tmp_path: Path) -> JUnitXml:
    path = tmp_path / "junit.xml"
    path.write_text(render("junit", report), encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    assert isinstance(xml, JUnitXml)
    return xml


def _cases(suite: TestSuite) -> dict[str, TestCase]:
    return {case.name.split(":")[0]: case for case in suite}


def test_one_suite_per_pack_and_one_case_per_rule(
    blocked_report: CheckReport, tmp_path: Path
) -> None:
    xml = _parse(blocked_report, tmp_path)
    suites = {suite.name: suite for suite in xml}
    assert list(suites) == ["gdpr", "ai-act", "aigov"]
    gdpr = suites["gdpr"]
    assert gdpr.tests == 4
    assert set(_cases(gdpr)) == {
        "GDPR-35-DPIA",
        "GDPR-30-RECORD",
        "GDPR-13-NOTICE",
        "GDPR-5-MINIMISATION",
    }
    assert all(case.classname == "gdpr" for case in gdpr)
    assert xml.tests == len(blocked_report.rules) + 1  # + AIGOV-WAIVER
    props = {p.name: p.value for p in gdpr.properties()}  # type: ignore[no-untyped-call]
    assert props["version"] == "1.2.0"
    assert props["digest"] == blocked_report.packs[0].digest


def test_outcomes(blocked_report: CheckReport, tmp_path: Path) -> None:
    suites = {suite.name: _cases(suite) for suite in _parse(blocked_report, tmp_path)}
    dpia = suites["gdpr"]["GDPR-35-DPIA"]
    assert dpia.name == "GDPR-35-DPIA: A DPIA is recorded for high-risk processing"
    (failure,) = dpia.result
    assert isinstance(failure, Failure)
    assert failure.message == "No DPIA is recorded (manifest.risk.gdpr.dpia is missing)"
    assert failure.type == "critical"
    assert "aigov.yaml:12:3: [critical]" in (failure.text or "")
    assert "fix: Record the DPIA" in (failure.text or "")

    (error,) = suites["ai-act"]["AIACT-5-SCREENING"].result
    assert isinstance(error, Error)

    (waived,) = suites["gdpr"]["GDPR-13-NOTICE"].result
    assert isinstance(waived, Skipped)
    assert waived.message == (
        "waived until 2026-04-30: Notice being rewritten by Legal "
        "(ticket LEGAL-42, approved by dpo@example.com)"
    )
    (later,) = suites["ai-act"]["AIACT-50-TRANSPARENCY"].result
    assert isinstance(later, Skipped)
    assert later.message.startswith("not yet effective (applies from 2026-08-02)")
    (not_applicable,) = suites["gdpr"]["GDPR-5-MINIMISATION"].result
    assert isinstance(not_applicable, Skipped)
    assert not_applicable.message.startswith("not applicable: ") and "poc" in not_applicable.message

    # a warning passes, its text in system-out
    record = suites["gdpr"]["GDPR-30-RECORD"]
    assert record.is_passed
    assert "The project is not in the record" in (record.system_out or "")
    assert suites["ai-act"]["AIACT-9-RISK-MANAGEMENT"].is_passed
    assert isinstance(suites["aigov"]["AIGOV-WAIVER"].result[0], Failure)


def test_counts(blocked_report: CheckReport, tmp_path: Path) -> None:
    xml = _parse(blocked_report, tmp_path)
    suites = {suite.name: suite for suite in xml}
    assert (suites["gdpr"].failures, suites["gdpr"].errors, suites["gdpr"].skipped) == (1, 0, 2)
    assert (suites["ai-act"].failures, suites["ai-act"].errors, suites["ai-act"].skipped) == (
        0,
        1,
        1,
    )
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == (8, 2, 1, 3)


def test_hostile_text_is_escaped_and_readable(hostile_report: CheckReport, tmp_path: Path) -> None:
    text = render("junit", hostile_report)
    assert "<script>" not in text
    assert "\x1b" not in text
    (suite,) = _parse(hostile_report, tmp_path)
    (case,) = suite
    assert case.name == "EVIL-1: Title with | pipe and <b>bold</b> and @everyone"
    (failure,) = case.result
    assert "<script>alert(1)</script>" in failure.message
    assert "line two" in failure.message
    assert "docs/we:ird,name%20<x>.md:7:2" in (failure.text or "")


def test_every_report_parses(any_report: CheckReport, tmp_path: Path) -> None:
    xml = _parse(any_report, tmp_path)
    assert xml.tests == len(any_report.described_rules())


def test_deterministic(any_report: CheckReport) -> None:
    assert render("junit", any_report) == render("junit", any_report)
    assert render("junit", any_report).startswith('<?xml version="1.0" encoding="UTF-8"?>\n')


def test_a_real_run_skips_what_did_not_apply_and_what_was_waived(tmp_path: Path) -> None:
    """A real check: rules outside the stage are skipped, not passed; the counts add up."""
    from tests.conftest import EXAMPLES

    from aigov.checking import CheckOptions, run_check

    report = run_check(
        CheckOptions(
            path=EXAMPLES / "credit-scoring",
            policies=str(EXAMPLES / "org-policies"),
            today=dt.date(2026, 11, 24),
            skip_evidence=frozenset({"mlflow"}),
        )
    )
    assert report.rules_not_applicable > 0
    xml = _parse(report, tmp_path)
    cases = [case for suite in xml for case in suite]
    skipped = [case for case in cases if any(isinstance(r, Skipped) for r in case.result)]
    reasons = [next(iter(case.result)).message or "" for case in skipped]
    not_applicable = [r for r in reasons if r.startswith("not applicable: ")]
    assert len(not_applicable) == report.rules_not_applicable
    waived_rules = {f.rule_id for f in report.waived if not f.blocking}
    assert waived_rules, "the example waives a finding"
    for rule_id in waived_rules:
        (case,) = [c for c in cases if c.name.startswith(f"{rule_id}:")]
        (skip,) = case.result
        assert isinstance(skip, Skipped)
        assert skip.message and skip.message.startswith("waived until ")
        assert "approved by" in skip.message
    passed = [case for case in cases if case.is_passed]
    assert xml.skipped == len(skipped) >= report.rules_not_applicable + len(waived_rules)
    assert xml.tests == len(cases) == len(passed) + len(skipped) + xml.failures + xml.errors
    assert len(passed) <= report.rules_passed + len(report.warnings)
