"""Markdown for a pull/merge request comment and a CI job summary.

Every piece of text that comes from a repository or a policy (messages, titles, paths, waiver
reasons, approvers…) goes through :func:`escape_inline`: it cannot close a table cell, open a
link or an image, inject HTML, start a heading or a quote, or ping anyone. The body stays under
GitHub's comment limit (:data:`MAX_BODY_CHARS`); when it would not, it is cut at a line and ends
with a note pointing to the full report.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from typing import Final
from urllib.parse import quote

from aigov.documents.problems import INVISIBLE_FORMAT_CHARS
from aigov.i18n import Translator, language_of, term, translator
from aigov.policy.findings import Finding
from aigov.report.document import (
    CheckReport,
    ProjectsReport,
    finding_path,
    ordered,
    rule_help_uri,
)

MAX_BODY_CHARS: Final = 65_000
"""GitHub rejects comments over 65,536 characters; keep a margin for the publisher's marker."""
MAX_CELL_CHARS: Final = 1_000
MARKER: Final = "<!-- aigov-report -->"
"""First line of the body, so that a publisher finds and updates its own comment."""

# Characters with a meaning in CommonMark/GFM inline syntax, escaped with a backslash.
_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+!|~^$])")
# Controls, and bidi/invisible characters that could reorder or hide what a reviewer reads.
_CONTROL = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{INVISIBLE_FORMAT_CHARS}]")
# '@user', '@org/team': a zero-width joiner after '@' keeps the text and breaks the mention. Only
# an '@' after a non-word character (ASCII, as the forges' Ruby patterns read it) mentions anyone:
# 'bob@corp' is left as written.
_MENTION = re.compile(r"(?<![A-Za-z0-9_])@(?=[A-Za-z0-9])")
# '#123', 'org/repo#123' (issues, PRs), GitLab's '!123' (merge requests) and '&123' (epics): the
# forge links them and posts a back-reference on that issue; a zero-width joiner breaks them.
_REFERENCE = re.compile(r"(?:\\[#!]|&amp;)(?=[0-9])")
# Text a forge links by itself: GFM's extended autolinks (http(s)/ftp URLs, 'www.', e-mail
# addresses, 'mailto:'/'xmpp:') and GitLab's autolink filter (any 'scheme://'). Such a piece of
# repository text becomes an inline code span: neither GitHub nor GitLab links, mentions or
# references anything inside code, and the reader sees and copies it exactly as written. An
# entity in '://' would not do (GitHub's filters also read the decoded text), and a zero-width
# character inside an address would break it for whoever pastes it. The span stops at characters
# that could close it or matter around it (backtick, pipe, brackets, parentheses, quotes, < >).
_LINKABLE = re.compile(
    r"(?:[A-Za-z][A-Za-z0-9+.-]*://|\bwww\.|\b(?:mailto|xmpp):)[^\s`|<>()\[\]\"']*"
    r"|[A-Za-z0-9._+-]+@[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+",
    re.IGNORECASE,
)
_LINE_START = re.compile(r"^(\s*)([-+*]|\d+[.)])(?=\s|$)")
_SAFE_URL = re.compile(r"^https?://[^\s<>()\[\]\"'`\\]+$")
ZWJ: Final = "\u200d"


def escape_inline(text: str, *, newline: str = " ", limit: int | None = None) -> str:
    """``text`` as literal Markdown on one line: newlines become ``newline`` (a space, or
    ``<br>`` in a table cell), Markdown punctuation is backslash-escaped, ``& < >`` become
    entities, mentions and issue references are neutralised. ``limit`` cuts the text (before
    escaping) with ``…``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text).replace("\t", " ")
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    lines = [_escape_line(line) for line in text.split("\n")]
    return newline.join(lines)


def escape_block(text: str) -> str:
    """Like :func:`escape_inline`, keeping line breaks as ``<br>`` (safe in lists and tables)."""
    return escape_inline(text, newline="<br>")


def code_span(text: str) -> str:
    """``text`` as an inline code span that no backtick, pipe or newline in it can close (its
    whitespace runs become one space, as a code span shows them anyway)."""
    text = " ".join(text.split()).replace("|", "\\|")
    if not text:
        return ""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _escape_line(line: str) -> str:
    """One line of text: linkable pieces as code spans, the rest escaped around them."""
    parts: list[str] = []
    end = 0
    for found in _LINKABLE.finditer(line):
        # Trailing punctuation ends a sentence, not the address (as GFM reads it too).
        linkable = found.group().rstrip(".,:;!?*_~")
        parts += [_escape_text(line[end : found.start()]), code_span(linkable)]
        end = found.start() + len(linkable)
    parts.append(_escape_text(line[end:]))
    # List markers ('- ', '+ ', '1. ') only mean something at the start of a line.
    return _LINE_START.sub(lambda m: m.group(1) + _escape_marker(m.group(2)), "".join(parts))


def _escape_text(line: str) -> str:
    line = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    line = _PUNCTUATION.sub(r"\\\1", line)
    line = _MENTION.sub("@" + ZWJ, line)
    return _REFERENCE.sub(lambda m: m.group() + ZWJ, line)


def _escape_marker(marker: str) -> str:
    if marker[0].isdigit():
        return marker[:-1] + "\\" + marker[-1]
    return "\\" + marker


def safe_url(url: str) -> str | None:
    """``url`` when it is a plain http(s) URL that cannot break out of ``[text](url)``."""
    return url if _SAFE_URL.match(url) else None


def render(report: CheckReport) -> str:
    """The comment/summary body, at most :data:`MAX_BODY_CHARS` characters."""
    lines = [MARKER, *_headline(report), "", *_sections(report), _footer(report)]
    return _fit(lines, report, len(report.findings))


def render_projects(report: ProjectsReport) -> str:
    """Several projects' body: the overall verdict, then one section per project (its facts,
    findings and packs, headings one level down), then the projects the change did not touch."""
    if not report.projects:
        return "\n".join([MARKER, "## ✅ aigov: no project to check", *_unchanged(report)]) + "\n"
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
        # Every line starting with '#' is aigov's (repository text is escaped): one level down.
        lines += ["#" + line if line.startswith("###") else line for line in _sections(project)]
    lines += [*_unchanged(report), _footer(lead)]
    return _fit(lines, lead, report.summary.findings)


def _sections(report: CheckReport) -> list[str]:
    return [
        *_blocking_section(report),
        *_warnings_section(report),
        *_waivers_section(report),
        *_not_yet_effective_section(report),
        *_notes_section(report),
        *_packs_section(report),
    ]


def _unchanged(report: ProjectsReport) -> list[str]:
    if not report.unchanged:
        return []
    folders = ", ".join(escape_inline(folder) for folder in report.unchanged)
    tr = _tr(report.projects[0]) if report.projects else translator("en")
    return ["", tr("Not touched by this change, not evaluated: {folders}", folders=folders), ""]


def _footer(report: CheckReport) -> str:
    tr = _tr(report)
    return (
        "<sub>"
        + tr(
            "aigov {version} · result schema {schema} · evaluated on {date}",
            version=escape_inline(report.tool_version),
            schema=escape_inline(report.schema_version),
            date=report.today.isoformat(),
        )
        + "</sub>"
    )


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
    stages = ", ".join(escape_inline(s) for s in report.stages) or escape_inline(report.stage)
    facts = tr(
        "{what} · stage {stages} · blocking at **{block_on}** and above · {evaluated} rules "
        "evaluated ({passed} passed, {not_applicable} not applicable)",
        what=what,
        stages=stages,
        block_on=escape_inline(term(tr, "severity", report.block_on)),
        evaluated=report.rules_evaluated,
        passed=report.rules_passed,
        not_applicable=report.rules_not_applicable,
    )
    counts = tr(
        "{warnings} warning(s), {waived} waived, {later} not yet effective",
        warnings=len(report.warnings),
        waived=len(report.waived),
        later=len(report.not_yet_effective),
    )
    return [title, "", facts, "", counts]


def _blocking_section(report: CheckReport) -> list[str]:
    blocking = ordered(report.blocking)
    if not blocking:
        return []
    tr = _tr(report)
    lines = ["### " + tr("Blocking findings"), "", *_findings_table(report, blocking), ""]
    lines += ["#### " + tr("How to fix"), ""]
    for finding in blocking:
        fix = finding.remediation or tr("See the rule's documentation.")
        lines.append(
            "- "
            + tr(
                "{rule} at {where}: {fix}",
                rule=_rule_link(report, finding),
                where=_where(report, finding),
                fix=escape_block(fix),
            )
        )
    return [*lines, ""]


def _warnings_section(report: CheckReport) -> list[str]:
    warnings = ordered(report.warnings)
    if not warnings:
        return []
    return [
        "<details>",
        "<summary>"
        + _tr(report)(
            "Warnings: {count} finding(s) below the blocking severity", count=len(warnings)
        )
        + "</summary>",
        "",
        *_findings_table(report, warnings),
        "",
        "</details>",
        "",
    ]


def _waivers_section(report: CheckReport) -> list[str]:
    waived = ordered(report.waived)
    if not waived:
        return []
    tr = _tr(report)
    lines = [
        "### " + tr("Waived ({count})", count=len(waived)),
        "",
        "| "
        + " | ".join(
            tr(h) for h in ("Rule", "Location", "Approved by", "Ticket", "Expires", "Reason")
        )
        + " |",
        "|---|---|---|---|---|---|",
    ]
    for finding in waived:
        waiver = finding.waiver
        approver = _cell(waiver.approved_by) if waiver else ""
        ticket = _cell(waiver.ticket) if waiver else ""
        expires = waiver.expires.isoformat() if waiver else ""
        reason = _cell(waiver.reason) if waiver else ""
        lines.append(
            f"| {_rule_link(report, finding)} | {_where(report, finding)} | {approver} | "
            f"{ticket} | {expires} | {reason} |"
        )
    return [*lines, ""]


def _not_yet_effective_section(report: CheckReport) -> list[str]:
    later = ordered(report.not_yet_effective)
    if not later:
        return []
    tr = _tr(report)
    lines = [
        "### " + tr("Not yet effective ({count})", count=len(later)),
        "",
        tr("These rules fail but apply only from the date shown; they do not block yet."),
        "",
        "| "
        + " | ".join(tr(h) for h in ("Applies from", "Severity", "Rule", "Location", "Message"))
        + " |",
        "|---|---|---|---|---|",
    ]
    for finding in sorted(later, key=lambda f: (f.effective_from or report.today, f.rule_id)):
        date = finding.effective_from.isoformat() if finding.effective_from else ""
        severity = escape_inline(term(tr, "severity", finding.severity))
        lines.append(
            f"| {date} | {severity} | {_rule_link(report, finding)} | "
            f"{_where(report, finding)} | {_cell(finding.message)} |"
        )
    return [*lines, ""]


def _notes_section(report: CheckReport) -> list[str]:
    if not report.notes:
        return []
    return [
        "### " + _tr(report)("Notes"),
        "",
        *(f"- {escape_block(note)}" for note in report.notes),
        "",
    ]


def _packs_section(report: CheckReport) -> list[str]:
    tr = _tr(report)
    lines = [
        "<details>",
        "<summary>"
        + tr(
            "Policy packs ({count}) from {source}",
            count=len(report.packs),
            source=escape_inline(report.policy_source),
        )
        + "</summary>",
        "",
    ]
    if report.packs:
        lines += [
            "| " + " | ".join(tr(h) for h in ("Pack", "Version", "Digest")) + " |",
            "|---|---|---|",
        ]
        lines += [
            f"| {_cell(p.name)} | {_cell(p.version)} | {_cell(p.digest[:19])} |"
            for p in report.packs
        ]
    else:
        lines.append(tr("No pack was evaluated."))
    return [*lines, "", "</details>", ""]


def _findings_table(report: CheckReport, findings: Iterable[Finding]) -> list[str]:
    tr = _tr(report)
    headers = " | ".join(tr(h) for h in ("Severity", "Rule", "Location", "Message"))
    lines = [f"| {headers} |", "|---|---|---|---|"]
    for finding in findings:
        severity = escape_inline(term(tr, "severity", finding.severity))
        if finding.status == "error":
            severity += f" ({tr('evaluation error')})"
        if finding.status == "policy_error":
            severity += f" ({tr('policy error: tell the policy owner')})"
        lines.append(
            f"| {severity} | {_rule_link(report, finding)} | {_where(report, finding)} | "
            f"{_cell(finding.message)} |"
        )
    return lines


def _rule_link(report: CheckReport, finding: Finding) -> str:
    text = escape_inline(finding.rule_id)
    url = safe_url(rule_help_uri(report.rule_for(finding)))
    return f"[{text}]({url})" if url else text


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


def _cell(text: str) -> str:
    return escape_inline(text, newline="<br>", limit=MAX_CELL_CHARS)


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
    open_details = sum(1 for line in kept if line == "<details>") - sum(
        1 for line in kept if line == "</details>"
    )
    kept += ["", "</details>"] * max(open_details, 0)
    return "\n".join(kept) + "\n" + note
