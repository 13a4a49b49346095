"""Markdown for a pull/merge request comment and a CI job summary, read by a reviewer in ten
seconds: the decision, then each blocking finding once (rule, place, message) with its fix folded
under it; warnings, waivers, rules not yet effective, notes and the packs evaluated are collapsed.

Every piece of text that comes from a repository (messages, paths, waiver reasons, approvers…)
goes through :mod:`aigov.report.escaping` (no link, HTML, heading, mention or reference it did
not write); remediations, trusted pack text, keep their ```code``` spans. The body stays under
GitHub's comment limit (:data:`MAX_BODY_CHARS`); when it would not, it is cut at a line and ends
with a note pointing to the full report.
"""

from __future__ import annotations

import posixpath
from typing import Final
from urllib.parse import quote

from aigov.i18n import Translator, language_of, term, translator
from aigov.policy.findings import Finding
from aigov.report.document import (
    CheckReport,
    ProjectsReport,
    finding_path,
    ordered,
    rule_help_uri,
)
from aigov.report.escaping import ZWJ as ZWJ
from aigov.report.escaping import code_span as code_span
from aigov.report.escaping import escape_block as escape_block
from aigov.report.escaping import escape_inline as escape_inline
from aigov.report.escaping import safe_url as safe_url
from aigov.report.escaping import trusted_inline

MAX_BODY_CHARS: Final = 65_000
"""GitHub rejects comments over 65,536 characters; keep a margin for the publisher's marker."""
MARKER: Final = "<!-- aigov-report -->"
"""First line of the body, so that a publisher finds and updates its own comment."""
MAX_MESSAGE_CHARS: Final = 120
"""A blocking finding's message longer than this is cut in the comment (the full text is in the
job's report); a folded one's at :data:`MAX_FOLDED_CHARS`."""
MAX_FOLDED_CHARS: Final = 60
MAX_REASON_CHARS: Final = 80
"""A waiver's reason is cut at this length (its ticket holds the rest)."""


def render(report: CheckReport) -> str:
    """The comment/summary body, at most :data:`MAX_BODY_CHARS` characters."""
    lines = [MARKER, *_headline(report), "", *_sections(report)]
    lines.append(_footer(report, _packs_line(report)))
    return _fit(lines, report, len(report.findings))


def render_projects(report: ProjectsReport) -> str:
    """Several projects' body: the overall verdict, then one section per project (its facts,
    findings and packs), then the projects the change did not touch."""
    if not report.projects:
        tr = translator("en")  # no project, so no language of its own
        title = "## ✅ " + tr("aigov: no project to check")
        return "\n".join([MARKER, title, *_unchanged(report)]) + "\n"
    lead = report.projects[0]
    tr = _tr(lead)
    if report.passed:
        title = "## ✅ " + tr("aigov: {count} project(s) passed", count=len(report.projects))
    else:
        title = "## ❌ " + tr(
            "aigov: {blocked} of {count} project(s) blocked",
            blocked=report.summary.blocked,
            count=len(report.projects),
        )
    lines = [MARKER, title, ""]
    for project in report.projects:
        icon = "✅" if project.passed else "❌"
        folder = escape_inline(project.folder or project.repository)
        lines += [f"### {icon} {folder} · {escape_inline(project.project)}", ""]
        lines += [*_headline(project)[2:], ""]
        lines += _sections(project)
        lines += [f"<sub>{_packs_line(project)}</sub>", ""]
    lines += [*_unchanged(report), _footer(lead)]
    return _fit(lines, lead, report.summary.findings)


def _sections(report: CheckReport) -> list[str]:
    return [
        *_blocking_section(report),
        *_folded_findings(report),
        *_notes_section(report),
    ]


def _unchanged(report: ProjectsReport) -> list[str]:
    if not report.unchanged:
        return []
    folders = ", ".join(escape_inline(folder) for folder in report.unchanged)
    tr = _tr(report.projects[0]) if report.projects else translator("en")
    return ["", tr("Not touched by this change, not evaluated: {folders}", folders=folders), ""]


def _footer(report: CheckReport, packs: str = "") -> str:
    """The last line, small: the packs evaluated (when one project is shown), aigov's version
    and the day of the evaluation (the result's schema version is in the JSON result)."""
    tool = _tr(report)(
        "aigov {version} · evaluated on {date}",
        version=escape_inline(report.tool_version),
        date=report.today.isoformat(),
    )
    return "<sub>" + (f"{packs} · " if packs else "") + tool + "</sub>"


def _tr(report: CheckReport) -> Translator:
    """Messages in the report's language (``extra["lang"]``: ``--lang`` or the org's ``lang``).
    Translations are trusted text; every value put in them is escaped first."""
    return translator(language_of(report.extra))


def _headline(report: CheckReport) -> list[str]:
    tr = _tr(report)
    count = len(report.blocking)
    if report.passed:
        title = "## ✅ " + tr("aigov: passed")
    elif count == 1:
        title = "## ❌ " + tr("aigov: blocked by 1 finding")
    else:
        title = "## ❌ " + tr("aigov: blocked by {count} findings", count=count)
    what = f"**{escape_inline(report.project)}**"
    if report.target:
        what += " → " + tr("deployment to **{target}**", target=escape_inline(report.target))
    # A transition's stages read in their order: 'poc → industrialization'.
    stages = " → ".join(escape_inline(s) for s in report.stages) or escape_inline(report.stage)
    facts = tr(
        "{what} · stage {stages} · blocks at **{block_on}** and above · {evaluated} rules: "
        "{passed} passed, {not_applicable} not applicable",
        what=what,
        stages=stages,
        block_on=escape_inline(term(tr, "severity", report.block_on)),
        evaluated=report.rules_evaluated,
        passed=report.rules_passed,
        not_applicable=report.rules_not_applicable,
    )
    # Warnings, waivers and rules not yet effective are counted in their folds' titles.
    return [title, "", facts]


def _blocking_section(report: CheckReport) -> list[str]:
    """Each blocking finding once: severity, rule, place and message on one line, its fix
    folded under it; a fix already given above is named on the line instead of folded again."""
    tr = _tr(report)
    lines: list[str] = []
    fixed: dict[str, str] = {}
    for finding in ordered(report.blocking):
        line = _finding_line(report, finding)
        fix = finding.remediation.strip()
        if fix in fixed:
            lines += [line + " " + tr("(the same fix as {rule})", rule=fixed[fix]), ""]
            continue
        fixed[fix] = escape_inline(finding.rule_id)
        body = trusted_inline(fix, newline="<br>") if fix else tr("See the rule's documentation.")
        summary = "<details><summary>" + tr("How to fix") + "</summary>"
        lines += [line, summary, "", body, "</details>", ""]
    return lines


def _finding_line(report: CheckReport, finding: Finding, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``**high** RULE at file:line: message``, the message cut at ``limit``."""
    tr = _tr(report)
    severity = escape_inline(term(tr, "severity", finding.severity))
    if finding.status == "error":
        severity += " (" + tr("evaluation error") + ")"
    if finding.status == "policy_error":
        severity += " (" + tr("policy error: tell the policy owner") + ")"
    rule = escape_inline(finding.rule_id)
    # Messages often open with what the headline already shows: the rule id (an evaluation
    # error's) or the project ('credit-scoring: data quality evidence is missing').
    message = finding.message.removeprefix(f"{finding.rule_id}: ")
    for prefix in (f"{report.project}: ", f"{report.project} : "):  # English, French
        message = message.removeprefix(prefix)
    return tr(
        "**{severity}** {rule} at {where}: {message}",
        severity=severity,
        rule=rule,
        where=_where(report, finding),
        message=escape_inline(_shortened(message, limit)),
    )


def _shortened(text: str, limit: int) -> str:
    """``text`` cut at ``limit`` characters, at the end of a clause ('; ', ', ') or a word when
    one is near, with ``…``."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    for boundary in ("; ", ", ", " "):
        end = cut.rfind(boundary)
        if end > limit // 2:
            return cut[:end].rstrip(",;") + " …"
    return cut + "…"


def _folded_findings(report: CheckReport) -> list[str]:
    """Warnings, waived findings and rules not yet effective, each kind folded."""
    tr = _tr(report)
    warnings = [
        "- " + _finding_line(report, finding, MAX_FOLDED_CHARS)
        for finding in ordered(report.warnings)
    ]
    waived = []
    for finding in ordered(report.waived):
        waiver = finding.waiver
        rule, where = escape_inline(finding.rule_id), _where(report, finding)
        if waiver is None:
            waived.append("- " + tr("{rule} at {where}", rule=rule, where=where))
            continue
        waived.append(
            "- "
            + tr(
                "{rule} at {where}, approved by {approver}, {ticket}, expires {expires}: {reason}",
                rule=rule,
                where=where,
                approver=escape_inline(waiver.approved_by, limit=80),
                ticket=escape_inline(waiver.ticket, limit=60),
                expires=waiver.expires.isoformat(),
                reason=escape_inline(_shortened(waiver.reason, MAX_REASON_CHARS)),
            )
        )
    later = [
        "- "
        + tr(
            "from {date}", date=finding.effective_from.isoformat() if finding.effective_from else ""
        )
        + " · "
        + _finding_line(report, finding, MAX_FOLDED_CHARS)
        for finding in sorted(
            report.not_yet_effective, key=lambda f: (f.effective_from or report.today, f.rule_id)
        )
    ]
    return [
        *_fold(
            tr("Warnings: {count} finding(s) below the blocking severity", count=len(warnings)),
            warnings,
        ),
        *_fold(tr("Waived ({count})", count=len(waived)), waived),
        *_fold(
            tr("Not yet effective ({count}): they fail but do not block yet", count=len(later)),
            later,
        ),
    ]


def _fold(summary: str, items: list[str]) -> list[str]:
    """``items`` under a collapsed ``<details>`` (nothing when there is none); ``summary`` is
    aigov's text, already escaped for HTML."""
    if not items:
        return []
    return ["<details><summary>" + summary + "</summary>", "", *items, "", "</details>", ""]


def _notes_section(report: CheckReport) -> list[str]:
    notes = [f"- {escape_block(note)}" for note in report.notes]
    return _fold(_tr(report)("Notes ({count})", count=len(notes)), notes)


def _packs_line(report: CheckReport) -> str:
    """The packs' versions and where they came from (digests are in the JSON result), and the
    policy reference the rule ids are documented in."""
    tr = _tr(report)
    packs = ", ".join(f"{escape_inline(p.name)} {escape_inline(p.version)}" for p in report.packs)
    line = tr(
        "Packs {packs} from {source}",
        packs=packs or tr("none"),
        source=escape_inline(report.policy_source),
    )
    reference = _policy_reference(report)
    if reference:
        line += f" · [{tr('rule documentation')}]({reference})"
    return line


def _policy_reference(report: CheckReport) -> str | None:
    """The page documenting the rules of the findings shown, when they share one (the built-in
    policy reference): one link instead of one per finding keeps the comment short, and
    ``aigov explain RULE`` gives the same section offline."""
    links = [
        rule_help_uri(report.rule_for(finding))
        for finding in [*report.blocking, *report.warnings, *report.not_yet_effective]
    ]
    # A rule whose pack documents nothing has no link, and takes none from the others.
    pages = {link.partition("#")[0] for link in links if link}
    if len(pages) != 1:
        return None
    return safe_url(pages.pop())


def _where(report: CheckReport, finding: Finding) -> str:
    """``path:line`` (link-ready text for a reader to paste), or the path alone for line 0.

    With ``extra["source_url"]`` (the files at the PR's head commit, ``…/blob/<sha>``, set by
    ``aigov comment``) the text links to the file and line. A policy error is the policy's: it
    names the rule's place in its pack, never a file of the project."""
    if finding.status == "policy_error":
        return escape_inline(finding.policy_location or finding.pack, limit=300)
    path = finding_path(report, finding)
    text = path + (f":{finding.location.line}" if finding.location.line > 0 else "")
    shown = escape_inline(text, limit=300)
    base = safe_url(str(report.extra.get("source_url", "")))
    if not base:
        return shown
    anchor = f"#L{finding.location.line}" if finding.location.line > 0 else ""
    # Under the head commit's files whatever the path says ('../../other-repo' stays inside).
    inside = posixpath.normpath("/" + path).lstrip("/")
    url = safe_url(f"{base.rstrip('/')}/{quote(inside)}{anchor}")
    return f"[{shown}]({url})" if url else shown


def _fit(lines: list[str], report: CheckReport, findings: int) -> str:
    body = "\n".join(lines) + "\n"
    if len(body) <= MAX_BODY_CHARS:
        return body
    url = safe_url(str(report.extra.get("report_url", "")))
    tr = _tr(report)
    where = (
        f"[{tr('the full report')}]({url})" if url else tr("the full report (the job's artifacts)")
    )
    note = (
        "\n> [!NOTE]\n> "
        + tr(
            "This summary was truncated to fit a comment: see {where}, {count} finding(s) in all.",
            where=where,
            count=findings,
        )
        + "\n"
    )
    budget = MAX_BODY_CHARS - len(note) - len("\n</details>") * 8
    kept: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > budget:
            break
        kept.append(line)
        size += len(line) + 1
    open_details = sum(1 for line in kept if line.startswith("<details>")) - sum(
        1 for line in kept if line == "</details>"
    )
    kept += ["", "</details>"] * max(open_details, 0)
    return "\n".join(kept) + "\n" + note
