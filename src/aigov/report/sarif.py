"""SARIF 2.1.0 for GitHub code scanning (``github/codeql-action/upload-sarif``) and other viewers.

One run, one ``reportingDescriptor`` per evaluated rule (plus aigov's own rules, such as
``AIGOV-WAIVER``, when they have findings), one result per finding. GitHub's constraints shape
it: results point at a repository-relative ``uri`` with ``region.startLine`` ≥ 1, carry a
``partialFingerprints`` entry that survives line moves, waived findings are suppressed rather than
dropped, and rules carry at most :data:`MAX_TAGS` tags (GitHub keeps ten).
"""

from __future__ import annotations

import json
import re
from typing import Any, Final
from urllib.parse import quote

from aigov.policy.findings import Finding, finding_fingerprint
from aigov.report.document import (
    AnyReport,
    CheckReport,
    RuleInfo,
    finding_path,
    one_line,
    project_reports,
    rule_help_uri,
    severity_index,
)
from aigov.report.escaping import escape_block, escape_inline, trusted_inline

SARIF_VERSION: Final = "2.1.0"
SARIF_SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI: Final = "https://github.com/aigov/aigov"
URI_BASE_ID: Final = "%SRCROOT%"
FINGERPRINT_KEY: Final = "aigovFinding/v1"
MAX_TAGS: Final = 10
MAX_RESULTS: Final = 25_000
"""GitHub rejects a run with more results; aigov never comes close, but never exceeds it."""

_LEVELS: Final = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
_PROBLEM_SEVERITY: Final = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "recommendation",
    "info": "recommendation",
}
# GitHub's bands: > 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
_SECURITY_SEVERITY: Final = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0"}


def render(report: AnyReport) -> str:
    """The report as a SARIF 2.1.0 log (JSON, two-space indent, final newline); several projects'
    results give one run per project, each its own category."""
    return json.dumps(sarif_log(report), indent=2, ensure_ascii=False) + "\n"


render_projects = render


def sarif_log(report: AnyReport) -> dict[str, Any]:
    """The SARIF log as a dict: one run per project."""
    runs = [_run(project) for project in project_reports(report)]
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": runs}


def _run(report: CheckReport) -> dict[str, Any]:
    rules = report.described_rules()
    index = {rule.id: i for i, rule in enumerate(rules)}
    findings = sorted(report.findings, key=_result_order)[:MAX_RESULTS]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "aigov",
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": [_descriptor(rule) for rule in rules],
            }
        },
        "automationDetails": {"id": _category(report)},
        "columnKind": "unicodeCodePoints",
        "results": [_result(report, finding, index) for finding in findings],
        "properties": _run_properties(report),
    }
    return run


def level(finding: Finding) -> str:
    """``error`` for a blocking finding; ``warning`` or ``note`` otherwise."""
    if finding.blocking:
        return "error"
    if finding.status == "not_yet_effective" or finding.waived:
        return "note"
    return "warning" if severity_index(finding.severity) <= severity_index("medium") else "note"


def _descriptor(rule: RuleInfo) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "tags": _tags(rule),
        "precision": "very-high",
        "problem.severity": _PROBLEM_SEVERITY.get(rule.severity, "warning"),
        "severity": rule.severity,
        "pack": rule.pack,
        "references": list(rule.references),
    }
    if rule.severity in _SECURITY_SEVERITY:
        properties["security-severity"] = _SECURITY_SEVERITY[rule.severity]
    return {
        "id": rule.id,
        "name": _rule_name(rule.id),
        "shortDescription": {"text": one_line(rule.title or rule.id)},
        "fullDescription": {"text": rule.description or rule.title or rule.id},
        "help": {"text": _help_text(rule), "markdown": _help_markdown(rule)},
        **({"helpUri": rule_help_uri(rule)} if rule_help_uri(rule) else {}),  # none: no link
        "defaultConfiguration": {"level": _LEVELS.get(rule.severity, "note")},
        "properties": properties,
    }


def _result(report: CheckReport, finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    location = finding.location
    region: dict[str, int] = {"startLine": max(location.line, 1)}
    if location.line >= 1 and location.column >= 1:
        region["startColumn"] = location.column
    physical = {
        "artifactLocation": {
            # Relative to %SRCROOT% always: a leading '//' would name another host.
            "uri": quote(finding_path(report, finding).lstrip("/"), safe="/"),
            "uriBaseId": URI_BASE_ID,
        },
        "region": region,
    }
    sarif_location: dict[str, Any] = {"physicalLocation": physical}
    if finding.field:
        sarif_location["logicalLocations"] = [
            {"fullyQualifiedName": finding.field, "kind": "member"}
        ]
    properties: dict[str, Any] = {
        "severity": finding.severity,
        "status": finding.status,
        "blocking": finding.blocking,
        "pack": finding.pack,
    }
    if finding.effective_from is not None:
        properties["effectiveFrom"] = finding.effective_from.isoformat()
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": index[finding.rule_id],
        "level": level(finding),
        "message": {"text": _message(finding)},
        "locations": [sarif_location],
        "partialFingerprints": {FINGERPRINT_KEY: finding_fingerprint(finding)},
        "properties": properties,
    }
    if finding.waived:
        result["suppressions"] = [_suppression(finding)]
    return result


def _suppression(finding: Finding) -> dict[str, Any]:
    suppression: dict[str, Any] = {"kind": "external", "status": "accepted"}
    waiver = finding.waiver
    if waiver is None:
        suppression["justification"] = "waived in aigov.yaml"
        return suppression
    suppression["justification"] = (
        f"{waiver.reason} (ticket {waiver.ticket}; approved by {waiver.approved_by}; "
        f"expires {waiver.expires.isoformat()})"
    )
    suppression["properties"] = waiver.model_dump(mode="json")
    return suppression


def _message(finding: Finding) -> str:
    text = finding.message or finding.title or finding.rule_id
    if finding.status == "error":
        text = f"[evaluation error] {text}"
    elif finding.status == "not_yet_effective":
        text = f"[not yet effective] {text}"
    if finding.remediation:
        text += f"\nFix: {finding.remediation}"
    return text


def _run_properties(report: CheckReport) -> dict[str, Any]:
    return {
        "decision": report.decision,
        "blockOn": report.block_on,
        "project": report.project,
        "folder": report.folder,
        "stage": report.stage,
        "stages": list(report.stages),
        "target": report.target,
        "today": report.today.isoformat(),
        "policySource": report.policy_source,
        "packs": [pack.model_dump(mode="json") for pack in report.packs],
        "rulesEvaluated": report.rules_evaluated,
        "rulesPassed": report.rules_passed,
        "rulesNotApplicable": report.rules_not_applicable,
        "blocking": len(report.blocking),
        "notes": list(report.notes),
        "resultSchemaVersion": report.schema_version,
    }


def _category(report: CheckReport) -> str:
    """``automationDetails.id``: each project is its own analysis (two projects of a monorepo
    uploaded apart must not close each other's alerts), and a project's deployment-gate results
    are apart from its check's. GitHub takes the part up to the last ``/`` as the category."""
    project = _slug(report.project)
    if report.target:
        return f"aigov/{project}/gate-{_slug(report.target)}/"
    return f"aigov/{project}/"


def _tags(rule: RuleInfo) -> list[str]:
    tags = ["compliance", f"pack:{rule.pack}", *rule.references]
    return list(dict.fromkeys(one_line(t) for t in tags if t))[:MAX_TAGS]


def _help_text(rule: RuleInfo) -> str:
    parts = [rule.title or rule.id]
    if rule.description:
        parts.append(rule.description)
    if rule.references:
        parts.append("References: " + "; ".join(rule.references))
    if rule.remediation:
        parts.append("How to fix: " + rule.remediation)
    return "\n\n".join(parts)


def _help_markdown(rule: RuleInfo) -> str:
    parts = [f"**{escape_inline(rule.title or rule.id)}**"]
    if rule.description:
        parts.append(escape_block(rule.description))
    if rule.references:
        parts.append("References: " + "; ".join(escape_inline(r) for r in rule.references))
    if rule.remediation:
        parts.append("**How to fix:** " + trusted_inline(rule.remediation, newline="<br>"))
    parts.append(f"Pack `{escape_inline(rule.pack).replace('`', '')}`, severity {rule.severity}.")
    return "\n\n".join(parts)


def _rule_name(rule_id: str) -> str:
    """A PascalCase identifier from the id (``GDPR-35-DPIA`` → ``Gdpr35Dpia``)."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", rule_id) if part)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "target"


def _result_order(finding: Finding) -> tuple[int, int, str, int, int, str, str]:
    # The most severe first, so that a viewer that keeps only the first results keeps those.
    return (
        0 if finding.blocking else 1,
        severity_index(finding.severity),
        finding.location.file,
        finding.location.line,
        finding.location.column,
        finding.rule_id,
        finding.field,
    )
