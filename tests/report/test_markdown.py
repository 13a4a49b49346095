"""The Markdown comment/summary: content, and text from repositories that cannot inject."""

from __future__ import annotations

import re

import pytest
from tests.conftest import at, replaced

from aigov import __version__
from aigov.documents.problems import Location
from aigov.policy.findings import Finding
from aigov.report import render
from aigov.report.document import CheckReport
from aigov.report.markdown import MARKER, MAX_BODY_CHARS, ZWJ, escape_inline

ALLOWED_TAGS = {"details", "/details", "summary", "/summary", "sub", "/sub", "br"}


def _unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_blocked_comment(blocked_report: CheckReport) -> None:
    body = render("markdown", blocked_report)
    lines = body.splitlines()
    assert lines[0] == MARKER
    assert lines[1] == "## ❌ aigov: blocked by 3 findings"
    assert (
        f"| critical | [GDPR-35-DPIA](https://github.com/aigov/aigov/blob/v{__version__}/docs/"
        "policy-reference.md#gdpr-35-dpia--a-dpia-is-recorded-for-high-risk-processing) | "
        "aigov.yaml:12 | No DPIA is recorded \\(manifest.risk.gdpr.dpia is missing\\) |"
    ) in lines
    assert "#### How to fix" in lines
    assert any(
        line.startswith("- [GDPR-35-DPIA](")
        and line.endswith("Record the DPIA under risk.gdpr.dpia \\(reference, date, outcome\\).")
        for line in lines
    )
    # warnings folded, waivers with approver/ticket/expiry, not-yet-effective with dates
    assert "<summary>Warnings: 1 finding(s) below the blocking severity</summary>" in lines
    waiver_row = next(line for line in lines if "LEGAL-42" in line)
    assert "`dpo@example.com`" in waiver_row  # copy-pasteable, never a mailto: link
    assert "2026-04-30" in waiver_row and "Notice being rewritten by Legal" in waiver_row
    assert any(line.startswith("| 2026-08-02 | high | [AIACT-50-TRANSPARENCY]") for line in lines)
    assert "- This pull request edits the policy source; the base branch's policies apply." in lines
    assert "| gdpr | 1.2.0 | sha256:a1a1a1a1a1a1 |" in lines
    assert "| high (evaluation error) | [AIACT-5-SCREENING]" in body
    assert "| aigov.yaml | rule AIACT-5-SCREENING" in body  # line 0: the file alone


def test_passing_gate_headline(passing_report: CheckReport) -> None:
    lines = render("markdown", passing_report).splitlines()
    assert lines[1] == "## ✅ aigov: passed"
    assert "**credit-scoring** → deployment to **production**" in lines[3]
    assert "### Blocking findings" not in lines


def test_every_table_row_has_its_columns(any_report: CheckReport) -> None:
    columns = 0
    tables = 0
    for line in render("markdown", any_report).splitlines():
        if not line.startswith("|"):
            columns = 0
        elif columns == 0:  # a header row
            columns = _unescaped_pipes(line)
            tables += 1
        else:
            assert _unescaped_pipes(line) == columns, line
    assert tables >= 1


def test_hostile_text_cannot_inject(hostile_report: CheckReport) -> None:
    body = render("markdown", hostile_report)
    # no HTML but ours
    tags = {m.lower() for m in re.findall(r"<(/?[A-Za-z]+)", body)}
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    assert "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in body
    # no mention pings anyone
    assert not re.search(r"@[A-Za-z0-9]", body)
    assert f"@{ZWJ}org/team" in body and f"@{ZWJ}admin" in body
    # no link or image but the rule links
    links = re.findall(r"(?<!\\)\]\((?!https://github\.com/aigov/)", body)
    assert links == []
    assert "\\[x\\]\\(javascript:alert\\(1\\)\\)" in body
    # a newline in a message cannot start a heading, a quote or a list
    for line in body.splitlines():
        if line.startswith("#"):
            assert re.match(r"^#{2,4} ", line) and "injected" not in line, line
        assert not line.startswith((">", "- or", "line two"))


def test_hostile_text_with_a_real_markdown_parser(hostile_report: CheckReport) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    html = (
        markdown_it.MarkdownIt("commonmark", {"html": True})
        .enable("table")
        .render(render("markdown", hostile_report))
    )
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert 'href="javascript' not in html
    assert "<h1>" not in html and "<blockquote>" not in html
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    for row in rows:
        cells = re.findall(r"<t[dh][^>]*>", row)
        assert len(cells) in (3, 4, 5, 6)
    blocking_row = next(row for row in rows if "bad | col |" in row)
    assert len(re.findall(r"<td", blocking_row)) == 4
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in blocking_row
    assert "line two" in blocking_row


def test_escape_inline() -> None:
    assert escape_inline("a | b") == "a \\| b"
    assert escape_inline("<i>&") == "&lt;i&gt;&amp;"
    assert escape_inline("@org/team hi") == f"@{ZWJ}org/team hi"
    # addresses and URLs stay as written, in code spans no forge links or mentions in
    assert escape_inline("mail x@y.z.") == "mail `x@y.z`."
    assert escape_inline("bob@corp") == "bob@corp"
    assert escape_inline("see https://a.example/p_q?x=1&y=2, ok") == (
        "see `https://a.example/p_q?x=1&y=2`, ok"
    )
    assert escape_inline("- item") == "\\- item"
    assert escape_inline("1. item") == "1\\. item"
    assert escape_inline("v1.2.0") == "v1.2.0"
    assert escape_inline("# h\n> q", newline="<br>") == "\\# h<br>&gt; q"
    assert escape_inline("abcdef", limit=4) == "abc…"


def test_long_reports_are_truncated_with_a_note(blocked_report: CheckReport) -> None:
    base = blocked_report.findings[1]
    many = tuple(
        replaced(
            base,
            **at(Location(f"models/m{i}/aigov.yaml", i + 1, 1)),
            message=f"finding {i} " + "x" * 400,
        )
        for i in range(400)
    )
    report = replaced(
        blocked_report,
        findings=(*many, *blocked_report.findings),
        extra={"report_url": "https://ci.example.com/job/1/artifacts/aigov.json"},
    )
    body = render("markdown", report)
    assert len(body) <= MAX_BODY_CHARS
    assert "truncated" in body
    assert "[the full report](https://ci.example.com/job/1/artifacts/aigov.json)" in body
    assert body.count("<details>") == body.count("</details>")


def test_unsafe_report_url_is_not_linked(blocked_report: CheckReport) -> None:
    finding: Finding = replaced(blocked_report.findings[1], message="y" * 2000)
    report = replaced(
        blocked_report,
        findings=(finding,) * 100,
        extra={"report_url": "javascript:alert(1)"},
    )
    body = render("markdown", report)
    assert len(body) <= MAX_BODY_CHARS
    assert "javascript" not in body
    assert "the full report (the job's artifacts)" in body


def test_deterministic(any_report: CheckReport) -> None:
    assert render("markdown", any_report) == render("markdown", any_report)


def test_french_markdown_comment(blocked_report: CheckReport, hostile_report: CheckReport) -> None:
    report = replaced(blocked_report, extra={**blocked_report.extra, "lang": "fr"})
    body = render("markdown", report)
    assert body.startswith(MARKER)
    assert "## ❌ aigov : bloqué par" in body
    assert "### Constats bloquants" in body and "#### Comment corriger" in body
    assert "| Sévérité | Règle | Emplacement | Message |" in body
    assert "| critique |" in body
    assert "évalué le" in body
    hostile = replaced(hostile_report, extra={**hostile_report.extra, "lang": "fr"})
    french = render("markdown", hostile)
    # translations never let repository text through unescaped
    assert "<script" not in french and "<img" not in french


def test_file_links_stay_under_the_head_commit(blocked_report: CheckReport) -> None:
    """A path from the (untrusted) result climbing out of ``…/blob/<sha>/`` links inside it."""
    finding = replaced(blocked_report.findings[1], location=Location("../../../other/x.yaml", 3, 1))
    report = replaced(
        blocked_report, findings=(finding,), extra={"source_url": "https://github.com/o/r/blob/a1"}
    )
    assert "(https://github.com/o/r/blob/a1/other/x.yaml#L3)" in render("markdown", report)
