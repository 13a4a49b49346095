"""GitHub Actions workflow commands: one annotation per finding, on the PR diff's line.

``::error`` for a blocking finding, ``::warning`` for one below the blocking severity,
``::notice`` for a waived or not-yet-effective one, escaped as ``@actions/core`` does
(``escapeData``/``escapeProperty`` in actions/toolkit ``command.ts``): a finding's text can
never end the command early or start another one. GitHub shows at most ten annotations of
each level per step, so blocking findings come first. Nothing else is printed: a plain line
holding a repository's text could itself be read as a command.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aigov.documents.problems import INVISIBLE_FORMAT_CHARS
from aigov.i18n import Translator, language_of, term, translator
from aigov.policy.findings import Finding
from aigov.report.ci_log import WorkflowCommands
from aigov.report.document import CheckReport, ProjectsReport, finding_order, finding_path

_CONTROL = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f{INVISIBLE_FORMAT_CHARS}]")


def escape_data(text: str) -> str:
    """A command's message: ``%``, CR and LF percent-encoded (other control characters, such
    as terminal escape sequences, and bidi/invisible characters are dropped: the log viewer would
    interpret them)."""
    return _CONTROL.sub("", text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command property's value: as :func:`escape_data`, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: dict[str, str], message: str) -> str:
    """``::name key=value,…::message`` with both parts escaped."""
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return (
        f"::{name} {props}::{escape_data(message)}"
        if props
        else f"::{name}::{escape_data(message)}"
    )


def annotation_level(finding: Finding) -> str:
    """``error``, ``warning`` or ``notice``."""
    if finding.blocking:
        return "error"
    if finding.waived or finding.status == "not_yet_effective":
        return "notice"
    return "warning"


def render(report: CheckReport) -> WorkflowCommands:
    """One workflow command per finding, blocking ones first: the only lines aigov's standard
    output lets start with ``::`` (:mod:`aigov.report.ci_log`)."""
    return _commands((report,))


def render_projects(report: ProjectsReport) -> WorkflowCommands:
    """Every project's annotations, the blocking ones of all projects first (GitHub shows ten of
    each level per step)."""
    return _commands(report.projects)


def _commands(reports: Sequence[CheckReport]) -> WorkflowCommands:
    order = {"error": 0, "warning": 1, "notice": 2}
    findings = sorted(
        ((report, finding) for report in reports for finding in report.findings),
        key=lambda item: (
            order[annotation_level(item[1])],
            finding_path(*item),
            *finding_order(item[1]),
        ),
    )
    lines = [_annotation(report, finding) for report, finding in findings]
    return WorkflowCommands("".join(line + "\n" for line in lines))


def _annotation(report: CheckReport, finding: Finding) -> str:
    location = finding.location
    properties: dict[str, str] = {}
    # A policy error is not the project's: shown on the run, not on one of its files.
    if finding.status != "policy_error":
        properties = {"file": finding_path(report, finding), "line": str(max(location.line, 1))}
        if location.line >= 1 and location.column >= 1:
            properties["col"] = str(location.column)
    properties["title"] = f"{finding.rule_id}: {finding.title}"
    tr = translator(language_of(report.extra))
    return command(annotation_level(finding), properties, _message(finding, tr))


def _message(finding: Finding, tr: Translator) -> str:
    """The finding's message in the report's language, after what qualifies it."""
    labels = []
    if finding.status == "error":
        labels.append(tr("could not be evaluated"))
    if finding.status == "policy_error":
        labels.append(tr("policy error in {place}", place=finding.policy_location or finding.pack))
    if finding.waived and finding.waiver is not None:
        waiver = finding.waiver
        labels.append(
            tr(
                "waived until {date} ({ticket}, approved by {approver})",
                date=waiver.expires.isoformat(),
                ticket=waiver.ticket,
                approver=waiver.approved_by,
            )
        )
    elif finding.waived:
        labels.append(tr("waived"))
    elif finding.status == "not_yet_effective":
        effective = finding.effective_from.isoformat() if finding.effective_from else tr("later")
        labels.append(tr("not yet effective (applies from {date})", date=effective))
    text = finding.message
    for label in reversed(labels):
        text = tr("{label}: {text}", label=label, text=text)
    text = f"[{term(tr, 'severity', finding.severity)}] {text}"
    if finding.remediation and not finding.waived:
        text += "\n" + tr("Fix: {remediation}", remediation=finding.remediation)
    return text
