"""The text format: decision first, blocking findings by severity with a fix, the rest marked."""

from __future__ import annotations

from tests.conftest import replaced, unwrapped

from aigov.report import render
from aigov.report.document import CheckReport
from aigov.report.text import short_digest


def test_decision_line_comes_first(blocked_report: CheckReport) -> None:
    first = render("text", blocked_report).splitlines()[0]
    assert first == (
        "aigov: BLOCKED: churn-model (stage poc): 3 blocking findings (blocking at high and above)"
    )


def test_passing_gate_names_the_target(passing_report: CheckReport) -> None:
    first = render("text", passing_report).splitlines()[0]
    # The project's own stage: it is not in production yet, it is gated to it.
    assert first.startswith("aigov: PASSED: credit-scoring → production (stage industrialization)")
    assert "no blocking finding" in first


def test_blocking_findings_grouped_by_severity_with_location_and_fix(
    blocked_report: CheckReport,
) -> None:
    lines = render("text", blocked_report).splitlines()
    start = lines.index("Blocking findings (3):")
    end = lines.index("Warnings (below the blocking severity) (1):")
    section = lines[start:end]
    critical, high = section.index("  critical (2)"), section.index("  high (1)")
    assert critical < high
    dpia = section.index(
        "    aigov.yaml:12:3: GDPR-35-DPIA: A DPIA is recorded for high-risk processing"
    )
    assert critical < dpia < high
    assert section[dpia + 1] == "      No DPIA is recorded (manifest.risk.gdpr.dpia is missing)"
    assert section[dpia + 2] == (
        "      fix: Record the DPIA under risk.gdpr.dpia (reference, date, outcome)."
    )
    # line 0: the file alone; an evaluation error is marked as such
    assert (
        "    aigov.yaml: AIACT-5-SCREENING [evaluation error]: "
        "The prohibited practices screening is answered"
    ) in section[high:]


def test_non_blocking_findings_follow_and_are_marked(blocked_report: CheckReport) -> None:
    text = render("text", blocked_report)
    assert text.index("Blocking findings") < text.index("Waived (1):")
    assert "aigov.yaml:20:5: GDPR-13-NOTICE [high, waived]: Data subjects are informed" in text
    assert (
        "waiver: Notice being rewritten by Legal (approved by dpo@example.com, "
        "ticket LEGAL-42, expires 2026-04-30)"
    ) in unwrapped(text)
    assert (
        "MODEL_CARD.md:3:1: AIACT-50-TRANSPARENCY "
        "[high, not yet effective, applies from 2026-08-02]"
    ) in text
    assert "aigov.yaml:14:5: GDPR-30-RECORD [medium]:" in text


def test_summary_counts_and_packs(blocked_report: CheckReport) -> None:
    lines = render("text", blocked_report).splitlines()
    summary = lines[lines.index("Summary:") :]
    assert summary[1] == "  rules: 7 evaluated, 1 passed, 1 not applicable"
    assert summary[2] == ("  findings: 6 (blocking 3, warnings 1, waived 1, not yet effective 1)")
    assert summary[3] == (
        "  packs: gdpr 1.2.0 (sha256:a1a1a1a1a1a1), ai-act 1.0.0 (sha256:b2b2b2b2b2b2)"
    )


def test_notes_are_shown(blocked_report: CheckReport) -> None:
    assert (
        "  - This pull request edits the policy source; the base branch's policies apply."
        in render("text", blocked_report)
    )


def test_clean_report_has_no_finding_sections(clean_report: CheckReport) -> None:
    text = render("text", clean_report)
    for heading in ("Blocking findings", "Warnings", "Waived", "Not yet effective", "Notes"):
        assert heading not in text


def test_control_characters_cannot_drive_the_terminal(hostile_report: CheckReport) -> None:
    text = render("text", hostile_report)
    assert "\x1b" not in text
    assert "\r" not in text
    assert "\\x1b[31mred" in text
    # a multi-line message stays indented under its finding
    assert "\n      line two\n      # heading\n" in text


def test_deterministic(any_report: CheckReport) -> None:
    assert render("text", any_report) == render("text", any_report)
    assert render("text", any_report).endswith("\n")


def test_short_digest() -> None:
    assert short_digest("sha256:" + "0123456789abcdef" * 4) == "sha256:0123456789ab"
    assert short_digest("weird") == "weird"


def test_french_text_report(blocked_report: CheckReport) -> None:

    report = replaced(blocked_report, extra={**blocked_report.extra, "lang": "fr"})
    out = render("text", report)
    assert out.startswith("aigov : BLOQUÉ : ")
    assert "(bloquant à partir de la sévérité élevée)" in out
    assert "Constats bloquants (" in out
    assert "\n  critique (" in out
    assert "correction : " in out
    assert "Résumé :" in out and "règles : " in out
    # the English output is unchanged without a language
    assert render("text", blocked_report).startswith("aigov: BLOCKED: ")
