"""GitHub workflow commands: levels, locations and the toolkit's escaping, exactly."""

from __future__ import annotations

from aigov.report import render
from aigov.report.document import CheckReport
from aigov.report.github import escape_data, escape_property


def test_escaping_matches_the_toolkit() -> None:
    assert escape_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert escape_property("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext%3A a%2Cb"
    # '%' first: an already-encoded sequence is not decoded by the runner
    assert escape_data("%0A") == "%250A"


def test_exact_lines(blocked_report: CheckReport) -> None:
    lines = render("github", blocked_report).splitlines()
    assert len(lines) == len(blocked_report.findings)
    assert lines[0] == (
        "::error file=aigov.yaml,line=12,col=3,title=GDPR-35-DPIA%3A A DPIA is recorded for "
        "high-risk processing::[critical] No DPIA is recorded (manifest.risk.gdpr.dpia is "
        "missing)%0AFix: Record the DPIA under risk.gdpr.dpia (reference, date, outcome)."
    )
    levels = [line.split(" ", 1)[0] for line in lines]
    assert levels == ["::error"] * 3 + ["::warning"] + ["::notice"] * 2
    screening = next(line for line in lines if "AIACT-5-SCREENING" in line)
    assert screening.startswith(
        "::error file=aigov.yaml,line=1,title=AIACT-5-SCREENING%3A The prohibited practices "
        "screening is answered::[high] could not be evaluated: rule AIACT-5-SCREENING"
    )
    waived = next(line for line in lines if "GDPR-13-NOTICE" in line)
    assert waived == (
        "::notice file=aigov.yaml,line=20,col=5,title=GDPR-13-NOTICE%3A Data subjects are "
        "informed::[high] waived until 2026-04-30 (LEGAL-42, approved by dpo@example.com): "
        "No privacy notice is linked"
    )


def test_hostile_message_cannot_start_another_command(hostile_report: CheckReport) -> None:
    output = render("github", hostile_report)
    lines = output.splitlines()
    assert len(lines) == 2
    assert all(line.startswith(("::error ", "::notice ")) for line in lines)
    assert "\r" not in output
    assert "\x1b" not in output
    assert lines[0] == (
        "::error file=docs/we%3Aird%2Cname%2520<x>.md,line=7,col=2,"
        "title=EVIL-1%3A Title with | pipe and <b>bold</b> and @everyone::"
        "[high] bad | col | <script>alert(1)</script> @org/team `code` "
        "[x](javascript:alert(1)) 100%25 done,really: yes%0D%0Aline two%0A# heading%0A"
        "> quote & more [31mred[0m%0AFix: Fix `it` | now%0A- or @org/team will "
        "![img](http://x/y.png)"
    )


def test_paths_relative_to_the_checkout(passing_report: CheckReport) -> None:
    (line,) = render("github", passing_report).splitlines()
    assert line.startswith("::notice file=examples/credit-scoring/aigov.yaml,line=20,col=5,")


def test_no_finding_no_output(clean_report: CheckReport) -> None:
    assert render("github", clean_report) == ""


def test_deterministic(any_report: CheckReport) -> None:
    assert render("github", any_report) == render("github", any_report)
