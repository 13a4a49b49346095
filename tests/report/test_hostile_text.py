"""Every payload of tests/payloads.py, in every text field of a report, through every format.

Each output is parsed back where a parser exists (JSON, XML, Markdown rendered to HTML) and
checked for the payload's effect, not its spelling: no tag or link but aigov's, no mention, no
issue reference, no broken table, exactly one workflow command per finding, no evaluated
template, no terminal escape. Repository text is also round-tripped where the format keeps it
verbatim (JSON, SARIF), so escaping never loses what the author wrote.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from tests.conftest import at, replaced, report_of
from tests.payloads import (
    AUTOLINKABLE,
    HOSTILE_TEXT,
    JINJA_RESULTS,
    KEPT,
    MENTIONS,
    PAYLOADS,
    github_commands,
    gitlab_markup,
    unprintable_in,
)

from aigov.documents.problems import Location
from aigov.policy.findings import AppliedWaiver, Finding, PackInfo
from aigov.report import FORMATS, render
from aigov.report.document import POLICY_REFERENCE_URL, CheckReport, RuleInfo
from aigov.report.markdown import MARKER, ZWJ

TODAY = dt.date(2026, 3, 15)
FIELD_KINDS = ("message", "remediation", "title", "file", "waiver", "project", "note")


def payload_report(text: str) -> CheckReport:
    """A blocked report whose every free-text field (repository and policy text) is ``text``."""
    rule = RuleInfo(
        id="EVIL-1",
        pack="evil",
        title=f"Title {text}",
        severity="high",
        references=(f"Art. {text}",),
        description=f"Description {text}",
        remediation=f"Fix {text}",
        help_uri=f"{POLICY_REFERENCE_URL}#evil-1",
    )

    def finding(**kwargs: object) -> Finding:
        values: dict[str, object] = {
            "rule_id": rule.id,
            "pack": rule.pack,
            "title": rule.title,
            "severity": "high",
            "message": text,
            "remediation": rule.remediation,
            "references": rule.references,
            **at(Location(f"contracts/{text}.odcs.yaml", 3, 5)),
            "field": f"contracts[0].name {text}",
        }
        values.update(kwargs)
        return Finding(**values)  # type: ignore[arg-type]

    waiver = AppliedWaiver(
        rule=rule.id,
        reason=f"reason {text}",
        approved_by=f"approver {text}",
        ticket=f"T-{text}",
        expires=dt.date(2026, 5, 1),
        stage="poc",
    )
    findings = (
        finding(blocking=True),
        finding(severity="low", message=f"warning {text}"),
        finding(waived=True, waiver=waiver, message=f"waived {text}"),
        finding(
            status="not_yet_effective",
            effective_from=dt.date(2026, 8, 2),
            message=f"later {text}",
        ),
    )
    return report_of(
        repository=".",
        project=f"project {text}",
        stage="poc",
        stages=("poc",),
        today=TODAY,
        decision="block",
        block_on="high",
        packs=(
            PackInfo(name="evil", version="1.0.0", digest="sha256:" + "c3" * 32, origin="builtin"),
        ),
        rules=(rule,),
        findings=findings,
        rules_evaluated=1,
        notes=(f"note {text}",),
        tool_version="0.1.0",
    )


CASES = {**PAYLOADS, "all-at-once": HOSTILE_TEXT}


def no_template_evaluated(output: str) -> None:
    for result in JINJA_RESULTS:
        assert result not in output


# --- text: a terminal or CI log ----------------------------------------------------------------


def check_text(output: str, text: str) -> None:
    assert unprintable_in(output) == set(), sorted(map(hex, map(ord, unprintable_in(output))))
    lines = output.splitlines()
    assert lines[0].startswith("aigov: BLOCKED: project ")
    # A newline in repository text continues its own indented block; it never forges a line of
    # aigov's own (the verdict, a section title, a "fix:" line at the left margin).
    assert sum(line.startswith("aigov:") for line in lines) == 1
    assert all(not line or line.startswith((" ", "aigov:")) or line.endswith(":") for line in lines)


# --- JSON, SARIF, Code Quality: parse back and round-trip ---------------------------------------


def check_json(output: str, text: str) -> None:
    data = json.loads(output)
    assert data["project"] == f"project {text}"
    assert data["findings"][0]["message"] == text
    assert data["findings"][2]["waiver"]["reason"] == f"reason {text}"
    assert data["notes"] == [f"note {text}"]


def check_sarif(output: str, text: str) -> None:
    data = json.loads(output)
    [run] = data["runs"]
    messages = [r["message"]["text"] for r in run["results"]]
    assert any(text in m for m in messages)
    assert len(run["results"]) == 4
    for result in run["results"]:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert not uri.lower().startswith(("javascript:", "data:"))
    for rule in run["tool"]["driver"]["rules"]:
        assert not str(rule.get("helpUri", "")).lower().startswith("javascript:")


def check_codequality(output: str, text: str) -> None:
    issues = json.loads(output)
    assert isinstance(issues, list) and issues
    assert any(text in issue["description"] for issue in issues)
    for issue in issues:
        assert issue["location"]["path"] == f"contracts/{text}.odcs.yaml"


# --- JUnit XML -----------------------------------------------------------------------------------


_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def check_junit(output: str, text: str) -> None:
    # Lines a runner would take for a command are escaped in every report (aigov.report.ci_log).
    assert github_commands(output) == []
    root = ET.fromstring(output.encode("utf-8"))  # well-formed XML 1.0, whatever the payload
    cases = root.findall(".//testcase")
    assert len(cases) == 1
    [failure] = cases[0].findall("failure")
    expected = _NOT_XML.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    body = (failure.get("message") or "") + (failure.text or "")
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    body = unescape_runner_safe(body)
    assert " ".join(expected.split()) in " ".join(body.split())
    assert [e.tag for e in root.iter() if e.tag not in _JUNIT_TAGS] == []


_JUNIT_TAGS = {
    "testsuites",
    "testsuite",
    "properties",
    "property",
    "testcase",
    "failure",
    "error",
    "skipped",
    "system-out",
}


# --- GitHub workflow commands --------------------------------------------------------------------

_COMMAND = re.compile(r"^::(error|warning|notice) ([^:\r\n]*)::([^\r\n]*)$")


def check_github(output: str, text: str) -> None:
    lines = output.split("\n")
    assert lines[-1] == ""
    lines = lines[:-1]
    assert len(lines) == 4  # one command per finding: a payload never starts a second one
    for line in lines:
        found = _COMMAND.match(line)
        assert found, line
        properties = dict(p.split("=", 1) for p in found[2].split(","))
        assert set(properties) <= {"file", "line", "col", "title"}, properties
        assert properties["line"] == "3" and properties["col"] == "5"
    assert unprintable_in(output.replace("\n", "")) == set()


# --- Markdown: the PR comment, rendered by a CommonMark parser ------------------------------------

_MD_TAGS = {"details", "summary", "sub", "br"}


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def parse_html(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser


def check_markdown(output: str, text: str) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    assert output.startswith(MARKER + "\n") and output.count("<!--") == 1
    assert unprintable_in(output.replace(ZWJ, "")) == set()
    html = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(output)
    parsed = parse_html(html)
    markup = {"p", "h2", "h3", "h4", "ul", "li", "strong", "code", "a", "table", "thead"}
    markup |= {"tbody", "tr", "th", "td", "em"} | _MD_TAGS
    assert {tag for tag, _ in parsed.tags} <= markup
    for tag, attrs in parsed.tags:
        assert set(attrs) <= {"href", "style"}, (tag, attrs)
        if tag == "a":
            assert str(attrs["href"]).startswith("https://"), attrs
    assert parsed.comments == [" aigov-report "]  # no second (spoofed) marker
    assert [t for t, _ in parsed.tags if t in ("h1", "h5", "h6", "blockquote", "pre")] == []
    # Forges neither link, mention nor reference inside code spans and links: look outside them.
    shown = "".join(parse_html(outside_code_and_links(html)).text)
    assert not AUTOLINKABLE.search(shown), shown
    for mention in MENTIONS:
        assert mention not in shown
    assert not re.search(r"@[A-Za-z0-9]", shown)
    assert not re.search(r"(?:#|!|&)[0-9]", shown)  # issue, MR and epic references broken
    # every table row has its header's number of cells
    for table in re.findall(r"<table>.*?</table>", html, flags=re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
        widths = {len(re.findall(r"<t[dh][ >]", row)) for row in rows}
        assert len(widths) == 1, (widths, table[:500])


def unescape_runner_safe(text: str) -> str:
    """``text`` with aigov's ``\\uNNNN`` escapes of runner syntax decoded (what a JSON reader
    does)."""
    return re.sub(r"\\u([0-9a-f]{4})", lambda m: chr(int(m[1], 16)), text)


def outside_code_and_links(html: str) -> str:
    return re.sub(r"<code>.*?</code>|<a [^>]*>.*?</a>", "", html, flags=re.S)


def gfm_html(markdown: str) -> str:
    """``markdown`` rendered by GitHub's own cmark-gfm (tables, autolinks; raw HTML kept)."""
    cmarkgfm = pytest.importorskip("cmarkgfm")
    from cmarkgfm.cmark import Options

    html: str = cmarkgfm.github_flavored_markdown_to_html(
        markdown, options=Options.CMARK_OPT_UNSAFE
    )
    return html


def github_links(markdown: str) -> list[str]:
    """The links GitHub's renderer makes of ``markdown``, autolinks included."""
    return [
        str(attrs.get("href")) for tag, attrs in parse_html(gfm_html(markdown)).tags if tag == "a"
    ]


CHECKS: dict[str, Callable[[str, str], None]] = {
    "text": check_text,
    "json": check_json,
    "sarif": check_sarif,
    "junit": check_junit,
    "codequality": check_codequality,
    "markdown": check_markdown,
    "github": check_github,
}


def test_every_format_is_checked() -> None:
    assert set(CHECKS) == set(FORMATS)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_payload_is_inert_in_every_format(fmt: str, name: str) -> None:
    text = CASES[name]
    output = render(fmt, payload_report(text))
    no_template_evaluated(output)
    CHECKS[fmt](output, text)
    # Printed or written to a file a later step prints: a runner finds no command but aigov's
    # annotations (checked line by line in check_github) and no log markup.
    if fmt != "github":
        assert github_commands(output) == [], fmt
    assert gitlab_markup(output) == [], fmt


def test_markdown_links_only_to_aigov_s_own_pages_on_github() -> None:
    """Rendered by GitHub's own cmark-gfm (autolinks on), the hostile comment links nowhere but
    the rules' documentation (the policy reference, one link for all the comment's rules)."""
    output = render("markdown", payload_report(HOSTILE_TEXT + " " + " ".join(KEPT)))
    links = github_links(output)
    assert links and all(link.partition("#")[0] == POLICY_REFERENCE_URL for link in links), links


@pytest.mark.parametrize("fmt", FORMATS)
def test_addresses_and_urls_are_shown_as_written(fmt: str) -> None:
    """An e-mail address or URL in repository text is never mangled (no zero-width character,
    no entity): readers copy it from any output; in Markdown it is a code span, not a link."""
    text = "contact " + " or ".join(KEPT) + "."
    output = render(fmt, payload_report(text))
    if fmt == "github":
        output = unescape_runner_safe(output.replace("%3A", ":").replace("%2C", ","))
    for kept in KEPT:
        shown = kept.replace("&", "&amp;") if fmt == "junit" else kept
        assert shown in output, (fmt, kept)
    if fmt == "markdown":
        for kept in KEPT:
            assert f"`{kept}`" in output
        assert not re.search(r"mailto:|href=\"https://docs", output)


@pytest.mark.parametrize("lang", ["fr"])
@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_translated_outputs_escape_too(fmt: str, lang: str) -> None:

    report = payload_report(HOSTILE_TEXT)
    report = replaced(report, extra={"lang": lang})
    output = render(fmt, report)
    no_template_evaluated(output)
    if fmt == "text":
        assert unprintable_in(output) == set()
    else:
        check_markdown(output, HOSTILE_TEXT)


# --- the data quality report (aigov data validate): contract, table and column names, values -----


def hostile_evidence(text: str) -> dict[str, object]:
    return {
        "generated_at": "2026-11-24T12:00:00+00:00",
        "aigov_version": "0.1.0",
        "success": False,
        "contracts": [
            {
                "name": text,
                "file": f"contracts/{text}.odcs.yaml",
                "version": text,
                "status": "validated",
                "success": False,
                "statistics": {"passed": 1, "failed": 1, "errors": 0, "skipped": 0},
                "server": {"server": text, "type": text, "format": text, "path": text},
                "digest": "sha256:" + "ab" * 32,
                "tables": [
                    {
                        "name": text,
                        "rows": 3,
                        "completeness": 100.0,
                        "consistency": 100.0,
                        "freshness": {"column": text, "latest": text, "age_hours": 1},
                        "columns": [
                            {"name": text, "present": True, "null_count": 0, "completeness": 1.0}
                        ],
                    }
                ],
                "expectations": [
                    {
                        "id": text,
                        "status": "failed",
                        "severity": text,
                        "enforced": True,
                        "source": text,
                        "observed": {"observed_value": text},
                    }
                ],
            },
            {"name": text, "file": "b.odcs.yaml", "status": "unavailable", "reason": text},
        ],
    }


@pytest.mark.parametrize("name", sorted(CASES))
def test_data_quality_report_is_inert(name: str) -> None:
    from aigov.report.data_quality import render as render_data_quality

    text = CASES[name]
    markdown = render_data_quality(hostile_evidence(text), "markdown")
    no_template_evaluated(markdown)
    assert github_commands(markdown) == [] and gitlab_markup(markdown) == []
    markdown_it = pytest.importorskip("markdown_it")
    html = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)
    parsed = parse_html(html)
    # Names are shown as code spans, where no forge looks for mentions or references.
    outside_code = parse_html(re.sub(r"<code>.*?</code>", "", html, flags=re.S))
    markup = {"h1", "h2", "h3", "p", "strong", "code", "table", "thead", "tbody", "tr", "th"}
    assert {tag for tag, _ in parsed.tags} <= markup | {"td", "br", "em"}
    assert parsed.comments == []
    shown = "".join(outside_code.text)
    assert not re.search(r"@[A-Za-z0-9]", shown)
    for table in re.findall(r"<table>.*?</table>", html, flags=re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
        assert len({len(re.findall(r"<t[dh][ >]", row)) for row in rows}) == 1, table[:300]
    page = render_data_quality(hostile_evidence(text), "html")
    assert "<script>alert" not in page and "<img" not in page
