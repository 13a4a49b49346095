"""JUnit XML for CI test reports (GitLab ``artifacts:reports:junit``, Jenkins, Azure…).

One ``testsuite`` per policy pack and one ``testcase`` per evaluated rule (``classname`` the pack,
``name`` the rule id and title): a blocking finding is a ``failure`` (an ``error`` when the rule
could not be evaluated), a waived or not-yet-effective finding and a rule that did not apply are
``skipped``, a finding below the blocking severity passes with the warning in ``system-out``.
ElementTree escapes the markup; characters XML 1.0 cannot hold are dropped first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Final

from aigov.policy.findings import Finding
from aigov.report.document import (
    CheckReport,
    ProjectsReport,
    RuleInfo,
    finding_place,
    one_line,
)

_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
XML_DECLARATION: Final = '<?xml version="1.0" encoding="UTF-8"?>\n'


def render(report: CheckReport) -> str:
    """The report as a JUnit XML document."""
    return _document(_suites(report, prefix=""))


def render_projects(report: ProjectsReport) -> str:
    """Several projects' results in one document: each project's packs are suites named (and
    their cases classed) ``<project id>/<pack>``, so a CI's test view keeps them apart."""
    return _document([s for p in report.projects for s in _suites(p, prefix=f"{p.project}/")])


def _suites(report: CheckReport, *, prefix: str) -> list[ET.Element]:
    rules = report.described_rules()
    packs = [p.name for p in report.packs]
    packs += sorted({r.pack for r in rules} - set(packs))
    return [
        _suite(report, pack, [r for r in rules if r.pack == pack], prefix=prefix) for pack in packs
    ]


def _document(suites: Sequence[ET.Element]) -> str:
    root = ET.Element("testsuites", {"name": "aigov"})
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for suite in suites:
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", "0")
    ET.indent(root, space="  ")
    return XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n"


def _suite(report: CheckReport, pack: str, rules: Sequence[RuleInfo], *, prefix: str) -> ET.Element:
    suite = ET.Element("testsuite", {"name": _x(prefix + pack)})
    info = next((p for p in report.packs if p.name == pack), None)
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("version", info.version if info else ""),
        ("digest", info.digest if info else ""),
        ("origin", info.origin if info else "aigov"),
        ("project", report.project),
        ("folder", report.folder or "."),
        ("stages", ",".join(report.stages)),
        ("block_on", report.block_on),
        ("decision", report.decision),
    ):
        ET.SubElement(properties, "property", {"name": name, "value": _x(value)})
    counts = dict.fromkeys(("failures", "errors", "skipped"), 0)
    for rule in rules:
        findings = [f for f in report.findings if f.rule_id == rule.id]
        case, outcome = _case(report, rule, findings, prefix)
        suite.append(case)
        if outcome in counts:
            counts[outcome] += 1
    suite.set("tests", str(len(rules)))
    for key, count in counts.items():
        suite.set(key, str(count))
    suite.set("time", "0")
    return suite


def _case(
    report: CheckReport, rule: RuleInfo, findings: list[Finding], prefix: str
) -> tuple[ET.Element, str]:
    case = ET.Element(
        "testcase",
        {
            "classname": _x(prefix + rule.pack),
            "name": _x(f"{rule.id}: {rule.title}"),
            "time": "0",
        },
    )
    blocking = [f for f in findings if f.blocking]
    if blocking:
        tag = "error" if any(f.status == "error" for f in blocking) else "failure"
        first = blocking[0]
        element = ET.SubElement(
            case,
            tag,
            {
                "message": _x(one_line(first.message)),
                "type": _x(first.severity if tag == "failure" else "evaluation-error"),
            },
        )
        element.text = _x("\n\n".join(_details(report, f) for f in blocking))
        outcome = "errors" if tag == "error" else "failures"
    elif findings and all(f.waived or f.status == "not_yet_effective" for f in findings):
        ET.SubElement(case, "skipped", {"message": _x(_skip_reason(findings[0]))})
        outcome = "skipped"
    elif not findings and rule.outcome == "not_applicable":
        stages = ", ".join(report.stages)
        reason = f"not applicable: outside the rule's stages or its condition at stage {stages}"
        ET.SubElement(case, "skipped", {"message": _x(reason)})
        outcome = "skipped"
    else:
        outcome = "passed"
    warnings = [f for f in findings if not f.blocking]
    if warnings and outcome != "skipped":
        out = ET.SubElement(case, "system-out")
        out.text = _x("\n\n".join(_details(report, f) for f in warnings))
    return case, outcome


def _skip_reason(finding: Finding) -> str:
    if finding.waived:
        waiver = finding.waiver
        if waiver is None:
            return "waived"
        return (
            f"waived until {waiver.expires.isoformat()}: {waiver.reason} "
            f"(ticket {waiver.ticket}, approved by {waiver.approved_by})"
        )
    effective = finding.effective_from.isoformat() if finding.effective_from else "later"
    return f"not yet effective (applies from {effective}): {one_line(finding.message)}"


def _details(report: CheckReport, finding: Finding) -> str:
    lines = [f"{finding_place(report, finding)}: [{finding.severity}] {finding.message}"]
    if finding.status == "not_yet_effective":
        lines.append(_skip_reason(finding))
    if finding.remediation:
        lines.append(f"fix: {finding.remediation}")
    if finding.references:
        lines.append("references: " + "; ".join(finding.references))
    return "\n".join(lines)


def _x(text: str) -> str:
    """Drop characters XML 1.0 cannot represent (ElementTree would write them raw)."""
    return _NOT_XML.sub("", text)
