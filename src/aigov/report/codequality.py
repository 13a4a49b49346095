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
from aigov.report.document import CheckReport, finding_order, finding_path

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


def issues(report: CheckReport) -> list[dict[str, Any]]:
    """The Code Quality issues, blocking findings first."""
    findings = sorted(
        (f for f in report.findings if not f.waived),
        key=lambda f: (0 if f.blocking else 1, *finding_order(f)),
    )
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for finding in findings:
        fingerprint = finding_fingerprint(finding)
        occurrence = 1
        unique = fingerprint
        while unique in seen:
            occurrence += 1
            unique = hashlib.sha256(f"{fingerprint}\0{occurrence}".encode()).hexdigest()
        seen.add(unique)
        out.append(_issue(report, finding, unique))
    return out


def render(report: CheckReport) -> str:
    """The report as a Code Quality JSON array."""
    return json.dumps(issues(report), indent=2, ensure_ascii=False) + "\n"


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
