"""Plain-text output for a terminal or a CI log (the default format).

The decision comes first, then the blocking findings grouped by severity, each with its
``file:line:column``, rule id, message, a ``fix:`` line and a ``docs:`` link when the rule has
one; then the findings that do not block (warnings, those the baseline already holds, waived,
not yet effective), notes, and a summary of what was evaluated. No colours: CI logs and pipes
get the same bytes as a terminal.
"""

from __future__ import annotations

from collections.abc import Iterable

from aigov.documents.problems import escape_controls
from aigov.i18n import Translator, language_of, term, translator
from aigov.policy.findings import SEVERITIES, Finding, finding_fingerprint, severity_rank
from aigov.report.document import (
    CheckReport,
    ProjectsReport,
    finding_place,
    ordered,
    rule_help_uri,
)
from aigov.wrapping import wrapped

INDENT = "  "


def report_translator(report: CheckReport) -> Translator:
    """The translator for the report's language (``extra["lang"]``, set by ``--lang`` or the
    org config's ``lang``; English when absent)."""
    return translator(language_of(report.extra))


def render(report: CheckReport) -> str:
    """The report as plain text, ending with a newline."""
    tr = report_translator(report)
    lines: list[str] = [decision_line(report)]
    _policy_errors(lines, report, tr)
    blocking = tuple(f for f in report.blocking if f.status != "policy_error")
    if blocking:
        lines += ["", tr("Blocking findings ({count}):", count=len(blocking))]
        for severity in _severities(blocking):
            group = [f for f in blocking if f.severity == severity]
            lines += ["", f"{INDENT}{term(tr, 'severity', severity)} ({len(group)})"]
            for finding in ordered(group):
                lines += _finding_lines(report, finding, with_fix=True, tr=tr)
    baselined = baselined_findings(report)
    _section(
        lines,
        report,
        tr("Warnings (below the blocking severity)"),
        (f for f in report.warnings if f not in baselined),
        tr,
        with_fix=True,
    )
    _section(
        lines, report, tr("Already in the baseline (do not block)"), baselined, tr, with_fix=True
    )
    _section(lines, report, tr("Waived"), report.waived, tr)
    _section(lines, report, tr("Not yet effective"), report.not_yet_effective, tr)
    if report.notes:
        lines += ["", tr("Notes:")]
        lines += [
            INDENT + "- " + _indented(note, INDENT * 2)[len(INDENT) * 2 :] for note in report.notes
        ]
    lines += ["", *summary_lines(report)]
    return "\n".join(lines) + "\n"


def render_projects(report: ProjectsReport) -> str:
    """Several projects: the overall verdict, one section per project (as :func:`render` writes
    it, under a line naming its folder), then the verdict again with each project's, where a CI
    log's reader lands."""
    tr = translator(language_of(report.projects[0].extra)) if report.projects else translator("en")
    lines = [_projects_decision(report, tr)]
    for project in report.projects:
        folder = _clean(project.folder or project.repository)
        lines += ["", f"== {folder} ({_clean(project.project)}) ==", ""]
        lines += render(project).rstrip("\n").split("\n")
    if report.unchanged:
        folders = ", ".join(_clean(folder) for folder in report.unchanged)
        lines += [
            "",
            tr("Not touched by this change, not evaluated: {folders}", folders=folders),
        ]
    lines += ["", tr("Projects:")]
    for project in report.projects:
        verdict = tr("PASSED") if project.passed else tr("BLOCKED")
        folder = _clean(project.folder or project.repository)
        lines.append(f"{INDENT}{verdict}: {folder} ({_clean(project.project)})")
    lines += ["", _projects_decision(report, tr)]
    return "\n".join(lines) + "\n"


def _projects_decision(report: ProjectsReport, tr: Translator) -> str:
    if not report.projects:
        return tr("aigov: PASSED: no project to check")
    if report.passed:
        return tr(
            "aigov: PASSED: {count} project(s), no blocking finding", count=len(report.projects)
        )
    blocked = ", ".join(_clean(p.project) for p in report.projects if not p.passed)
    return tr(
        "aigov: BLOCKED: {blocked} of {count} project(s) ({names})",
        blocked=report.summary.blocked,
        count=len(report.projects),
        names=blocked,
    )


def decision_line(report: CheckReport) -> str:
    """``PASSED``/``BLOCKED``, what was checked and the blocking count, on one line."""
    tr = report_translator(report)
    what = _clean(report.project)
    if report.target:
        what += f" → {_clean(report.target)}"
    stages = stages_text(report)
    count = len(report.blocking)
    if report.passed:
        verdict = tr("PASSED")
        detail = tr("no blocking finding")
    else:
        verdict = tr("BLOCKED")
        detail = (
            tr("{count} blocking findings", count=count) if count != 1 else tr("1 blocking finding")
        )
    return tr(
        "aigov: {verdict}: {what} (stage {stages}): {detail} (blocking at {block_on} and above)",
        verdict=verdict,
        what=what,
        stages=stages,
        detail=detail,
        block_on=_clean(term(tr, "severity", report.block_on)),
    )


def stages_text(report: CheckReport) -> str:
    """The stage the header names: the manifest's (a deployment's target follows the project's
    name), or a transition's two as ``poc → industrialization``."""
    if report.target or not report.stages:
        return _clean(report.stage)
    return " → ".join(_clean(stage) for stage in report.stages)


def baselined_findings(report: CheckReport) -> tuple[Finding, ...]:
    """The findings that do not block only because ``--baseline`` already holds them (listed in
    ``extra.baseline.matched`` by their fingerprints): at or above the blocking severity, so not
    warnings, which are below it."""
    baseline = report.extra.get("baseline")
    matched = baseline.get("matched") if isinstance(baseline, dict) else None
    if not matched:
        return ()
    fingerprints, floor = set(matched), severity_rank(report.block_on)
    return tuple(
        f
        for f in report.warnings
        if severity_rank(f.severity) >= floor and finding_fingerprint(f) in fingerprints
    )


def summary_lines(report: CheckReport) -> list[str]:
    """Rules evaluated, findings by kind, and the packs with versions and short digests."""
    tr = report_translator(report)
    lines = [
        tr("Summary:"),
        INDENT
        + tr(
            "rules: {evaluated} evaluated, {passed} passed, {not_applicable} not applicable",
            evaluated=report.rules_evaluated,
            passed=report.rules_passed,
            not_applicable=report.rules_not_applicable,
        ),
        INDENT + _findings_count(report, tr),
    ]
    if report.packs:
        packs = ", ".join(
            f"{_clean(p.name)} {_clean(p.version)} ({short_digest(p.digest)})" for p in report.packs
        )
        lines.append(INDENT + tr("packs: {packs}", packs=packs))
    lines += [wrapped(line, continuation=INDENT * 2) for line in _tuning_line(report, tr)]
    lines.append(INDENT + tr("policy source: {source}", source=_clean(report.policy_source)))
    return lines


def _findings_count(report: CheckReport, tr: Translator) -> str:
    baselined = len(baselined_findings(report))
    counts = {
        "total": len(report.findings),
        "blocking": len(report.blocking),
        "warnings": len(report.warnings) - baselined,
        "waived": len(report.waived),
        "later": len(report.not_yet_effective),
    }
    if baselined:
        return tr(
            "findings: {total} (blocking {blocking}, warnings {warnings}, in the baseline "
            "{baselined}, waived {waived}, not yet effective {later})",
            baselined=baselined,
            **counts,
        )
    return tr(
        "findings: {total} (blocking {blocking}, warnings {warnings}, waived {waived}, "
        "not yet effective {later})",
        **counts,
    )


def short_digest(digest: str) -> str:
    """``sha256:0123456789ab`` from a full ``sha256:…`` digest (12 hex digits)."""
    algorithm, _, value = digest.partition(":")
    if not value:
        return _clean(digest[:12])
    return f"{_clean(algorithm)}:{_clean(value[:12])}"


def _policy_errors(lines: list[str], report: CheckReport, tr: Translator) -> None:
    """Rules whose own expression failed, apart from the project's findings: located in their
    pack, sent to the policy owner (see :func:`aigov.policy.engine.evaluate`)."""
    errors = report.policy_errors
    if not errors:
        return
    lines += [
        "",
        tr(
            "Policy errors ({count}): rules that could not be evaluated, to report to the "
            "policy's owner (nothing to fix in this project):",
            count=len(errors),
        ),
    ]
    for finding in errors:
        effect = tr("blocks") if finding.blocking else tr("does not block")
        where = _clean(finding.policy_location or finding.pack)
        lines.append(
            f"{INDENT * 2}{where}: {_clean(finding.rule_id)} "
            f"({tr('pack {pack}', pack=_clean(finding.pack))}) [{effect}]: {_clean(finding.title)}"
        )
        lines.append(_indented(finding.message, INDENT * 3))
        lines.append(
            _indented(tr("fix: {remediation}", remediation=finding.remediation), INDENT * 3)
        )


def _tuning_line(report: CheckReport, tr: Translator) -> list[str]:
    """``N rules tuned by the organisation: ...``: what aigov-org.yaml changed in the packs."""
    if not report.tuning:
        return []
    changes: list[str] = []
    for tuned in report.tuning:
        parts = [] if tuned.enabled else [tr("turned off")]
        if tuned.severity is not None:
            parts.append(f"{tuned.pack_severity} → {tuned.severity}")
        parts += [f"{p.name} {p.default} → {p.value}" for p in tuned.params]
        changes.append(f"{_clean(tuned.rule_id)} ({', '.join(_clean(p) for p in parts)})")
    return [
        INDENT
        + tr(
            "{count} rule(s) tuned by the organisation: {changes}",
            count=len(report.tuning),
            changes="; ".join(changes),
        )
    ]


def _section(
    lines: list[str],
    report: CheckReport,
    heading: str,
    findings: Iterable[Finding],
    tr: Translator,
    *,
    with_fix: bool = False,
) -> None:
    items = ordered(findings)
    if not items:
        return
    lines += ["", tr("{heading} ({count}):", heading=heading, count=len(items))]
    for finding in items:
        lines += _finding_lines(report, finding, with_fix=with_fix, tr=tr)


def _finding_lines(
    report: CheckReport, finding: Finding, *, with_fix: bool, tr: Translator
) -> list[str]:
    # From the repository root, as the annotations and the other formats name it.
    where = _clean(finding_place(report, finding)) if finding.location.file else ""
    where = where or tr("(repository)")
    marks = [term(tr, "severity", finding.severity)] if not finding.blocking else []
    if finding.status == "error":
        marks.append(tr("evaluation error"))
    if finding.waived:
        marks.append(tr("waived"))
    if finding.status == "not_yet_effective":
        effective = finding.effective_from.isoformat() if finding.effective_from else tr("later")
        marks.append(tr("not yet effective, applies from {date}", date=effective))
    mark = f" [{', '.join(marks)}]" if marks else ""
    out = [f"{INDENT * 2}{where}: {_clean(finding.rule_id)}{mark}: {_clean(finding.title)}"]
    detail = INDENT * 3
    out.append(_indented(finding.message, detail))
    if finding.waiver is not None:
        waiver = finding.waiver
        out.append(
            _indented(
                tr(
                    "waiver: {reason} (approved by {approver}, ticket {ticket}, expires {date})",
                    reason=waiver.reason,
                    approver=waiver.approved_by,
                    ticket=waiver.ticket,
                    date=waiver.expires.isoformat(),
                ),
                detail,
            )
        )
    if with_fix and finding.remediation:
        out.append(_indented(tr("fix: {remediation}", remediation=finding.remediation), detail))
    link = rule_help_uri(report.rule_for(finding)) if with_fix else ""
    if link:  # the link the JSON result's rule carries; none when its pack declares none
        out.append(_indented(tr("docs: {url}", url=link), detail))
    return out


def _severities(findings: Iterable[Finding]) -> list[str]:
    present: set[str] = {f.severity for f in findings}
    known = [s for s in SEVERITIES if s in present]
    return known + sorted(present - set(SEVERITIES))


def _indented(text: str, prefix: str) -> str:
    """Every line of ``text`` under ``prefix``, whole: a long line wraps, its continuation
    lines aligned with the first."""
    return "\n".join(
        wrapped(line, indent=prefix, continuation=prefix) for line in _shown(text).split("\n")
    )


def _clean(text: str) -> str:
    """``text`` on one line (a newline shown as ``\\n``): a name, path or title from a
    repository must not start a line of its own that could pass for aigov's (a forged verdict)."""
    return _shown(text).replace("\n", "\\n")


def _shown(text: str) -> str:
    """Normalise newlines and show control, bidi and invisible characters (a repository's text
    must not drive the terminal with escape sequences nor reorder a line)."""
    return escape_controls(text.replace("\r\n", "\n").replace("\r", "\n"))
