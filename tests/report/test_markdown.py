"""The Markdown comment/summary: what a reviewer reads first, each finding once with its fix
folded under it, and text from repositories that cannot inject (rendered by GitHub's cmark-gfm)."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from tests.conftest import at, replaced

from aigov.documents.problems import Location
from aigov.policy.findings import Finding
from aigov.report import render
from aigov.report.document import CheckReport
from aigov.report.escaping import ZWJ, escape_inline, trusted_inline
from aigov.report.markdown import MARKER, MAX_BODY_CHARS

ALLOWED_TAGS = {"details", "/details", "summary", "/summary", "sub", "/sub", "br"}
FIX = "How to fix"


def gfm_html(markdown: str) -> str:
    """``markdown`` as GitHub renders it (cmark-gfm, raw HTML kept as GitHub keeps its tags)."""
    cmarkgfm = pytest.importorskip("cmarkgfm")
    from cmarkgfm.cmark import Options

    html: str = cmarkgfm.github_flavored_markdown_to_html(
        markdown, options=Options.CMARK_OPT_UNSAFE
    )
    return html


class _Blocks(HTMLParser):
    """The top-level blocks of rendered HTML: ``(tag, text)``, ``<details>`` keeping its inner
    HTML so that a test can see what is folded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []
        self.depth = 0
        self.codes: list[str] = []
        self._code = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth == 0:
            self.blocks.append((tag, ""))
        if tag not in ("br", "hr"):
            self.depth += 1
        self._code = tag == "code" or self._code
        if tag == "code":
            self.codes.append("")

    def handle_endtag(self, tag: str) -> None:
        self.depth -= 1
        if tag == "code":
            self._code = False

    def handle_data(self, data: str) -> None:
        if self.blocks and self.depth > 0:
            tag, text = self.blocks[-1]
            self.blocks[-1] = (tag, text + data)
        if self._code:
            self.codes[-1] += data


def blocks(markdown: str) -> _Blocks:
    parser = _Blocks()
    parser.feed(gfm_html(markdown))
    return parser


def test_decision_then_each_blocking_finding_once_with_its_fix_folded(
    blocked_report: CheckReport,
) -> None:
    body = render("markdown", blocked_report)
    lines = body.splitlines()
    assert lines[0] == MARKER
    assert lines[1] == "## ❌ aigov: blocked by 3 findings"
    assert lines[3].startswith("**churn-model** · stage poc · blocks at **high** and above")
    rendered = blocks(body).blocks
    # After the title and the facts: finding, fold, finding, fold… in the gate's order.
    kinds = [tag for tag, _ in rendered]
    assert kinds[:8] == ["h2", "p", "p", "details", "p", "details", "p", "details"]
    blocking = blocked_report.blocking
    for finding in blocking:  # once: no table then list
        assert body.count(f"** {finding.rule_id} at ") == 1, finding.rule_id
    first, fold = rendered[2][1], rendered[3][1]
    assert first.startswith("critical GDPR-35-DPIA at aigov.yaml:12: No DPIA is recorded")
    assert fold.startswith(FIX) and "Record the DPIA under risk.gdpr.dpia" in fold
    # An evaluation error says so; a finding without a line names the file alone.
    assert "high (evaluation error) AIACT-5-SCREENING at aigov.yaml: rule" in rendered[6][1]
    # Warnings, waivers, rules not yet effective and notes: each folded, counted in its title.
    folded = [text for tag, text in rendered[8:] if tag == "details"]
    assert [text.split("\n")[0] for text in folded] == [
        "Warnings: 1 finding(s) below the blocking severity",
        "Waived (1)",
        "Not yet effective (1): they fail but do not block yet",
        "Notes (1)",
    ]
    waiver = folded[1]
    assert "GDPR-13-NOTICE at aigov.yaml:20, approved by dpo@example.com, LEGAL-42" in waiver
    assert "expires 2026-04-30: Notice being rewritten by Legal" in waiver
    assert "from 2026-08-02 · high AIACT-50-TRANSPARENCY" in folded[2]
    assert "This pull request edits the policy source" in folded[3]
    assert rendered[-1][0] == "p" and "gdpr 1.2.0, ai-act 1.0.0 from builtin" in rendered[-1][1]
    assert "|" not in body  # no table: one line per finding


def test_passing_gate_headline(passing_report: CheckReport) -> None:
    body = render("markdown", passing_report)
    lines = body.splitlines()
    assert lines[1] == "## ✅ aigov: passed"
    assert "**credit-scoring** → deployment to **production**" in lines[3]
    assert FIX not in body


def test_a_transition_reads_old_stage_then_new(blocked_report: CheckReport) -> None:
    report = replaced(blocked_report, stages=("poc", "industrialization"))
    assert "stage poc → industrialization" in render("markdown", report)


def test_a_fix_shared_by_several_findings_is_written_once(blocked_report: CheckReport) -> None:
    base = blocked_report.blocking[0]
    same = [
        replaced(base, rule_id=rule, **at(Location("aigov.yaml", line, 1)))
        for rule, line in (("GDPR-35-DPIA", 12), ("AIACT-5-SCREENING", 40))
    ]
    body = render("markdown", replaced(blocked_report, findings=tuple(same)))
    assert body.count(base.remediation) == 1
    assert "AIACT-5-SCREENING at aigov.yaml:40: No DPIA is recorded" in body
    assert "(the same fix as GDPR-35-DPIA)" in body and body.count("How to fix") == 1


def test_inline_code_of_a_remediation_is_rendered_as_code(blocked_report: CheckReport) -> None:
    """Remediations come from the trusted packs: their `code` is code. The same backticks in a
    message (repository text) stay literal."""
    finding = replaced(
        blocked_report.blocking[0],
        remediation="Run `aigov data validate` and commit `.aigov/evidence/`.",
        message="the team wrote `rm -rf /` here",
    )
    parsed = blocks(render("markdown", replaced(blocked_report, findings=(finding,))))
    assert parsed.codes == ["aigov data validate", ".aigov/evidence/"]
    assert "the team wrote `rm -rf /` here" in parsed.blocks[2][1]


def test_trusted_inline_escapes_everything_but_its_code_spans() -> None:
    assert trusted_inline("Run `aigov data validate` now") == "Run `aigov data validate` now"
    assert trusted_inline("a ``x`y`` b") == "a ``x`y`` b"
    assert trusted_inline("ping @org/team, see [x](javascript:1)") == (
        f"ping @{ZWJ}org/team, see \\[x\\]\\(javascript:1)"
    )
    assert trusted_inline("`<b>` <b>") == "`<b>` &lt;b&gt;"
    assert trusted_inline("unclosed ` tick") == "unclosed \\` tick"


def test_hostile_text_cannot_inject(hostile_report: CheckReport) -> None:
    body = render("markdown", hostile_report)
    # no HTML but ours
    tags = {m.lower() for m in re.findall(r"<(/?[A-Za-z]+)", body)}
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    # no mention pings anyone
    assert not re.search(r"@[A-Za-z0-9]", body)
    assert f"@{ZWJ}org/team" in body and f"@{ZWJ}admin" in body
    html = gfm_html(body)
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert re.findall(r"<a ", html) == []  # no link at all: the rule has no documentation page
    assert "<h1>" not in html and "<h3>" not in html and "<blockquote>" not in html
    assert "<li>" not in html.split("Waived")[0]  # a newline in a message opens no list


def test_escape_inline_escapes_only_what_markdown_reads() -> None:
    assert escape_inline("a | b") == "a \\| b"
    assert escape_inline("<i>&") == "&lt;i&gt;&"
    assert escape_inline("&amp; &copy; R&D") == "&amp;amp; &amp;copy; R&D"
    assert escape_inline("@org/team hi") == f"@{ZWJ}org/team hi"
    # what the issue found over-escaped is left as written
    assert escape_inline("MODEL_CARD.md (AI Act Annex IV) test_oot_auc!") == (
        "MODEL_CARD.md (AI Act Annex IV) test_oot_auc!"
    )
    assert escape_inline("_x_ *y* ~z~ $w$ `c`") == "\\_x\\_ \\*y\\* \\~z\\~ \\$w\\$ \\`c\\`"
    # addresses and URLs stay as written, in code spans no forge links or mentions in
    assert escape_inline("mail x@y.z.") == "mail `x@y.z`."
    assert escape_inline("é@exemple.fr") == "`é@exemple.fr`"
    assert escape_inline("bob@corp") == "bob@corp"
    assert escape_inline("see https://a.example/p_q?x=1&y=2, ok") == (
        "see `https://a.example/p_q?x=1&y=2`, ok"
    )
    assert escape_inline("- item") == "\\- item"
    assert escape_inline("1. item") == "1\\. item"
    assert escape_inline("v1.2.0") == "v1.2.0"
    assert escape_inline("# h\n> q", newline="<br>") == "\\# h<br>&gt; q"
    assert escape_inline("#12 !3 &4 C#") == f"\\#{ZWJ}12 \\!{ZWJ}3 &amp;{ZWJ}4 C#"
    assert escape_inline("abcdef", limit=4) == "abc…"


@pytest.mark.parametrize(
    "text",
    [
        "MODEL_CARD.md (AI Act Annex IV) → P5Y, 0.812 ≥ 0.78",
        "a_b _c_ d__e__ *f* `g` [h](i) ![j](k) <l> & &amp; | ~m~ $n$ \\ \\*",
        "# heading\n- item\n1. item\n> quote\n---\n===",
        "path/to/my_file.yaml:12 and C:\\temp\\x_y",
    ],
)
def test_escaped_text_renders_as_written(text: str) -> None:
    """Whatever the text, GitHub shows exactly it (lines joined by a space), nothing more."""
    shown = re.sub(r"<[^>]+>", "", gfm_html(escape_inline(text))).strip()
    assert html.unescape(shown) == " ".join(text.split("\n"))


def test_long_reports_are_truncated_with_a_note(blocked_report: CheckReport) -> None:
    base = blocked_report.findings[1]
    many = tuple(
        replaced(
            base,
            **at(Location(f"models/m{i}/aigov.yaml", i + 1, 1)),
            message=f"finding {i} " + "x" * 200,
            remediation=f"fix {i} " + "y" * 200,
        )
        for i in range(400)
    )
    report = replaced(
        blocked_report,
        findings=(*many, *blocked_report.findings),
        extra={"report_url": "https://ci.example.com/job/1/artifacts/aigov.json"},
    )
    body = render("markdown", report)
    assert len(body) <= MAX_BODY_CHARS
    assert "truncated" in body
    assert "[the full report](https://ci.example.com/job/1/artifacts/aigov.json)" in body
    assert body.count("<details>") == body.count("</details>")


def test_unsafe_report_url_is_not_linked(blocked_report: CheckReport) -> None:
    finding: Finding = replaced(blocked_report.findings[1], message="y" * 2000)
    many = tuple(replaced(finding, remediation=f"fix {i} " + "z" * 900) for i in range(100))
    report = replaced(blocked_report, findings=many, extra={"report_url": "javascript:alert(1)"})
    body = render("markdown", report)
    assert len(body) <= MAX_BODY_CHARS
    assert "javascript" not in body
    assert "the full report (the job's artifacts)" in body


def test_a_long_message_is_cut(blocked_report: CheckReport) -> None:
    finding = replaced(blocked_report.blocking[0], message="word " * 400)
    body = render("markdown", replaced(blocked_report, findings=(finding,)))
    line = next(line for line in body.splitlines() if "GDPR-35-DPIA" in line)
    assert line.endswith("…") and len(line) < 400


def test_deterministic(any_report: CheckReport) -> None:
    assert render("markdown", any_report) == render("markdown", any_report)


def test_french_markdown_comment(blocked_report: CheckReport, hostile_report: CheckReport) -> None:
    report = replaced(blocked_report, extra={**blocked_report.extra, "lang": "fr"})
    body = render("markdown", report)
    assert body.startswith(MARKER)
    assert "## ❌ aigov : bloqué par" in body
    assert "<details><summary>Comment corriger</summary>" in body
    assert "**critique** GDPR-35-DPIA à aigov.yaml:12 :" in body
    assert "évalué le" in body
    hostile = replaced(hostile_report, extra={**hostile_report.extra, "lang": "fr"})
    french = render("markdown", hostile)
    # translations never let repository text through unescaped
    assert "<script" not in french and "<img" not in french


def test_file_links_stay_under_the_head_commit(blocked_report: CheckReport) -> None:
    """A path from the (untrusted) result climbing out of ``…/blob/<sha>/`` links inside it."""
    finding = replaced(blocked_report.findings[1], location=Location("../../../other/x.yaml", 3, 1))
    report = replaced(
        blocked_report, findings=(finding,), extra={"source_url": "https://github.com/o/r/blob/a1"}
    )
    assert "(https://github.com/o/r/blob/a1/other/x.yaml#L3)" in render("markdown", report)


def test_one_link_to_the_policy_reference_when_the_rules_share_it(
    blocked_report: CheckReport,
) -> None:
    shown = ("GDPR-35-DPIA", "AIACT-5-SCREENING", "GDPR-30-RECORD")  # the last has no page
    builtin = [f for f in blocked_report.findings if f.rule_id in shown]
    body = render("markdown", replaced(blocked_report, findings=tuple(builtin)))
    links = re.findall(r"\]\((https://[^)]+)\)", body)
    assert len(links) == 1 and "#" not in links[0] and links[0].endswith("policy-reference.md")


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        ("1. General description", "1. General description"),
        ("2) Data", "2) Data"),
        ("- not a list", "- not a list"),
        ("> not a quote", "> not a quote"),
        ("MODEL_CARD.md (Annex IV)", "MODEL_CARD.md (Annex IV)"),
        ("**bold** and `code`", "**bold** and `code`"),
        ("<script>x</script> @team", "<script>x</script> @team"),
    ],
)
def test_a_heading_reads_as_written(title: str, shown: str) -> None:
    """A heading's text is escaped as inside a line: its number stays a number, not ``1\\.``,
    and nothing in it becomes markup, a mention or an HTML element."""
    import html as html_module

    from aigov.report.escaping import escape_heading

    html = gfm_html(f"## {escape_heading(title)}\n")
    assert html.startswith("<h2>") and html.count("<h2>") == 1, html
    text = html.removeprefix("<h2>").split("</h2>")[0]
    assert "<" not in text.replace("<code>", "").replace("</code>", "")  # no element made
    plain = html_module.unescape(text.replace("<code>", "").replace("</code>", ""))
    assert plain.replace(ZWJ, "") == shown, text
