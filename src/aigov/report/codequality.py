"""GitLab Code Quality report (``artifacts:reports:codequality``): a JSON array of issues.

Each issue has ``description``, ``check_name`` (the rule id), ``fingerprint`` (stable across runs
and line moves, the same as SARIF's; GitLab shows only the first issue of a fingerprint, so
duplicates get a distinct one), ``severity`` (``info``, ``minor``, ``major``, ``critical``,
``blocker``) and ``location.path`` / ``location.lines.begin``. Waived findings are left out (they
are accepted); not-yet-effective ones are reported as ``info``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Final

from aigov.policy.findings import Finding, finding_fingerprint
from aigov.report.document import (
    AnyReport,
    CheckReport,
    finding_order,
    finding_path,
    project_reports,
)

SEVERITIES: Final = {
    "critical": "blocker",
    "high": "critical",
    "medium": "major",
    "low": "minor",
    "info": "info",
}
"""aigov severity → Code Quality severity."""


def severity(finding: Finding) -> str:
    """The Code Quality severity of a finding (``info`` until it is effective)."""
    if finding.status == "not_yet_effective":
        return "info"
    return SEVERITIES.get(finding.severity, "info")


def issues(report: AnyReport) -> list[dict[str, Any]]:
    """The Code Quality issues of every project, blocking findings first."""
    findings = sorted(
        (
            (project, finding)
            for project in project_reports(report)
            for finding in project.findings
            if not finding.waived
        ),
        key=lambda item: (0 if item[1].blocking else 1, *finding_order(item[1])),
    )
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for project, finding in findings:
        fingerprint = _fingerprint(project, finding)
        occurrence = 1
        unique = fingerprint
        while unique in seen:
            occurrence += 1
            unique = hashlib.sha256(f"{fingerprint}\0{occurrence}".encode()).hexdigest()
        seen.add(unique)
        out.append(_issue(project, finding, unique))
    return out


def _fingerprint(project: CheckReport, finding: Finding) -> str:
    """The finding's fingerprint, with the project's folder when it is not the repository root:
    two projects of a monorepo with the same finding are two issues, each stable across runs
    whichever other projects a run checks."""
    fingerprint = finding_fingerprint(finding)
    if project.folder in (None, "", "."):
        return fingerprint
    return hashlib.sha256(f"{fingerprint}\0{project.folder}".encode()).hexdigest()


def render(report: AnyReport) -> str:
    """The report as a Code Quality JSON array (GitLab reads one array per job)."""
    return json.dumps(issues(report), indent=2, ensure_ascii=False) + "\n"


render_projects = render


def _issue(report: CheckReport, finding: Finding, fingerprint: str) -> dict[str, Any]:
    prefix = ""
    if finding.status == "error":
        prefix = "could not be evaluated: "
    elif finding.status == "not_yet_effective":
        effective = finding.effective_from.isoformat() if finding.effective_from else "later"
        prefix = f"not yet effective (applies from {effective}): "
    description = f"{finding.rule_id}: {prefix}{finding.message}"
    body = finding.message
    if finding.remediation:
        body += f"\n\nHow to fix: {finding.remediation}"
    if finding.references:
        body += "\n\nReferences: " + "; ".join(finding.references)
    return {
        "type": "issue",
        "description": description,
        "check_name": finding.rule_id,
        "fingerprint": fingerprint,
        "severity": severity(finding),
        "content": {"body": body},
        "location": {
            "path": finding_path(report, finding),
            "lines": {"begin": max(finding.location.line, 1)},
        },
    }
