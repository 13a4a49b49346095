"""Plain-text output for a terminal or a CI log (the default format).

The decision comes first, then the blocking findings grouped by severity, each with its
``file:line:column``, rule id, message and a ``fix:`` line; then the findings that do not block
(warnings, waived, not yet effective), notes, and a summary of what was evaluated. No colours:
CI logs and pipes get the same bytes as a terminal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from aigov.policy.findings import Finding
from aigov.report.document import SEVERITY_ORDER, CheckReport, severity_index

INDENT = "  "
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def render(report: CheckReport) -> str:
    """The report as plain text, ending with a newline."""
    lines: list[str] = [decision_line(report)]
    blocking = report.blocking
    if blocking:
        lines += ["", f"Blocking findings ({len(blocking)}):"]
        for severity in _severities(blocking):
            group = [f for f in blocking if f.severity == severity]
            lines += ["", f"{INDENT}{severity} ({len(group)})"]
            for finding in _ordered(group):
                lines += _finding_lines(finding, with_fix=True)
    _section(lines, "Warnings (below the blocking severity)", report.warnings, with_fix=True)
    _section(lines, "Waived", report.waived)
    _section(lines, "Not yet effective", report.not_yet_effective)
    if report.notes:
        lines += ["", "Notes:"]
        lines += [
            INDENT + "- " + _indented(note, INDENT * 2)[len(INDENT) * 2 :] for note in report.notes
        ]
    lines += ["", *summary_lines(report)]
    return "\n".join(lines) + "\n"


def decision_line(report: CheckReport) -> str:
    """``PASSED``/``BLOCKED``, what was checked and the blocking count, on one line."""
    what = _clean(report.project)
    if report.target:
        what += f" → {_clean(report.target)}"
    stages = ", ".join(_clean(s) for s in report.stages) or _clean(report.stage)
    count = len(report.blocking)
    if report.passed:
        verdict = "PASSED"
        detail = "no blocking finding"
    else:
        verdict = "BLOCKED"
        detail = f"{count} blocking finding{'s' if count != 1 else ''}"
    return (
        f"aigov: {verdict}: {what} (stage {stages}): {detail} "
        f"(blocking at {_clean(report.block_on)} and above)"
    )


def summary_lines(report: CheckReport) -> list[str]:
    """Rules evaluated, findings by kind, and the packs with versions and short digests."""
    lines = [
        "Summary:",
        f"{INDENT}rules: {report.rules_evaluated} evaluated, {report.rules_passed} passed, "
        f"{report.rules_not_applicable} not applicable",
        f"{INDENT}findings: {len(report.findings)} (blocking {len(report.blocking)}, "
        f"warnings {len(report.warnings)}, waived {len(report.waived)}, "
        f"not yet effective {len(report.not_yet_effective)})",
    ]
    if report.packs:
        packs = ", ".join(
            f"{_clean(p.name)} {_clean(p.version)} ({short_digest(p.digest)})" for p in report.packs
        )
        lines.append(f"{INDENT}packs: {packs}")
    lines.append(f"{INDENT}policy source: {_clean(report.policy_source)}")
    return lines


def short_digest(digest: str) -> str:
    """``sha256:0123456789ab`` from a full ``sha256:…`` digest (12 hex digits)."""
    algorithm, _, value = digest.partition(":")
    if not value:
        return _clean(digest[:12])
    return f"{_clean(algorithm)}:{_clean(value[:12])}"


def _section(
    lines: list[str], heading: str, findings: Iterable[Finding], *, with_fix: bool = False
) -> None:
    items = _ordered(findings)
    if not items:
        return
    lines += ["", f"{heading} ({len(items)}):"]
    for finding in items:
        lines += _finding_lines(finding, with_fix=with_fix)


def _finding_lines(finding: Finding, *, with_fix: bool) -> list[str]:
    where = _clean(str(finding.location)) or "(repository)"
    marks = [finding.severity] if not finding.blocking else []
    if finding.status == "error":
        marks.append("evaluation error")
    if finding.waived:
        marks.append("waived")
    if finding.status == "not_yet_effective":
        effective = finding.effective_from.isoformat() if finding.effective_from else "later"
        marks.append(f"not yet effective, applies from {effective}")
    mark = f" [{', '.join(marks)}]" if marks else ""
    out = [f"{INDENT * 2}{where}: {_clean(finding.rule_id)}{mark}: {_clean(finding.title)}"]
    detail = INDENT * 3
    out.append(_indented(finding.message, detail))
    if finding.waiver is not None:
        waiver = finding.waiver
        out.append(
            _indented(
                f"waiver: {waiver.reason} (approved by {waiver.approved_by}, ticket "
                f"{waiver.ticket}, expires {waiver.expires.isoformat()})",
                detail,
            )
        )
    if with_fix and finding.remediation:
        out.append(_indented(f"fix: {finding.remediation}", detail))
    return out


def _ordered(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(
        findings,
        key=lambda f: (
            severity_index(f.severity),
            f.location.file,
            f.location.line,
            f.location.column,
            f.rule_id,
            f.field,
        ),
    )


def _severities(findings: Iterable[Finding]) -> list[str]:
    present = {f.severity for f in findings}
    known = [s for s in SEVERITY_ORDER if s in present]
    return known + sorted(present - set(SEVERITY_ORDER))


def _indented(text: str, prefix: str) -> str:
    """Every line of ``text`` under ``prefix``, continuation lines aligned with the first."""
    return "\n".join(prefix + line for line in _clean(text).split("\n"))


def _clean(text: str) -> str:
    """Normalise newlines and show control characters (a repository's text must not drive the
    terminal with escape sequences)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
