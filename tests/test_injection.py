"""Injection end to end: a repository whose free text carries every payload of tests/payloads.py,
through the real command line into every file aigov writes from it.

- ``aigov check`` with all seven formats (the waiver's reason, ticket and approver, echoed in
  findings; the repository also holds a contract whose *file name* carries payloads);
- ``aigov docs`` (deliverables, Markdown and HTML: names, owners, descriptions, model card text,
  contract names and descriptions);
- ``aigov portfolio scan`` + ``aigov portfolio report`` (HTML, Markdown, JSON).

HTML is parsed back with html.parser and compared with the same output for an unmodified
repository: the hostile one may not add a single element or attribute kind, script or
``javascript:`` URL. Markdown is rendered by a CommonMark parser and checked the same way, and
for mentions, issue references and the bot's hidden marker. Unit-level checks per report format
live in tests/report/test_hostile_text.py; this file proves the text really reaches the outputs.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.conftest import EXAMPLES, CliResult
from tests.payloads import HOSTILE_TEXT, JINJA_RESULTS, MENTIONS, PAYLOADS, unprintable_in

from aigov.report.markdown import ZWJ

TODAY = "2026-11-24"
FILE_SAFE = "".join(c for c in PAYLOADS["script"] + PAYLOADS["ansi"] + " @octocat #1|`" if c != "/")


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for key in parents:
        data = data.setdefault(key, {})
    data[last] = value


def hostile_repository(root: Path, text: str = HOSTILE_TEXT) -> Path:
    """The customer-chatbot example with ``text`` in every free-text field a PR controls."""
    shutil.copytree(EXAMPLES / "customer-chatbot", root)
    manifest = yaml.safe_load((root / "aigov.yaml").read_text(encoding="utf-8"))
    for path in (
        "metadata.name",
        "metadata.owner",
        "metadata.business_unit",
        "metadata.description",
        "framing.problem",
    ):
        _set(manifest, path, text)
    manifest["metadata"]["stakeholders"][0]["name"] = text
    manifest["waivers"] = [
        {
            "rule": "AIACT-50-INTERACTION",
            "reason": text,
            "approved_by": text,
            "ticket": text,
            "expires": "2027-01-31",
            "stage": manifest["stage"],
        }
    ]
    contract_file = f"contracts/{FILE_SAFE}.odcs.yaml"
    manifest["data"]["contracts"] = [*manifest["data"]["contracts"], contract_file]
    # allow_unicode=False: control and bidi characters are written as YAML escapes
    (root / "aigov.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=False), "utf-8")

    card = (root / "MODEL_CARD.md").read_text(encoding="utf-8")
    front, body = card.split("\n---\n", 1)
    metadata = yaml.safe_load(front.removeprefix("---\n"))
    for key in ("intended_use", "model_name"):
        metadata[key] = text
    metadata["out_of_scope_use"] = [text]
    (root / "MODEL_CARD.md").write_text(
        # raw text in the body: everything but NUL (a file with NUL is refused as binary)
        "---\n"
        + yaml.safe_dump(metadata, allow_unicode=False)
        + "---\n"
        + text.replace("\x00", "")
        + "\n"
        + body,
        encoding="utf-8",
    )

    original = root / "contracts" / "conversation-logs.odcs.yaml"
    contract = yaml.safe_load(original.read_text(encoding="utf-8"))
    contract["name"] = text
    contract["description"]["purpose"] = text
    contract["schema"][0]["description"] = text
    (root / contract_file).write_text(yaml.safe_dump(contract, allow_unicode=False), "utf-8")
    return root


@pytest.fixture(scope="module")
def repositories(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("injection")
    plain = base / "plain" / "customer-chatbot"
    plain.parent.mkdir()
    # The same fields with harmless text: the outputs' structure is the reference.
    hostile_repository(plain, "Plain text, nothing to see")
    hostile = base / "hostile" / "customer-chatbot"
    hostile.parent.mkdir()
    hostile_repository(hostile)
    return {"plain": plain, "hostile": hostile}


# --- parsing outputs back -------------------------------------------------------------------------


class _Structure(HTMLParser):
    """Element and attribute kinds, URLs, inline script bodies and text of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shapes: set[tuple[str, str]] = set()
        self.urls: list[str] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self.comments: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.shapes.add((tag, ""))
        for name, value in attrs:
            self.shapes.add((tag, name))
            if name in ("href", "src", "action", "formaction", "xlink:href"):
                self.urls.append(value or "")
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def structure(html: str) -> _Structure:
    parser = _Structure()
    parser.feed(html)
    parser.close()
    return parser


def markdown_html(markdown: str) -> str:
    markdown_it = pytest.importorskip("markdown_it")
    return str(
        markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)
    )


# aigov's own line break for a newline inside a table cell or list item.
LINE_BREAK = ("br", "")
# A bare URL or e-mail address in repository text is shown as an inline code span (no forge
# autolinks it there).
CODE_SPAN = ("code", "")


def assert_html_inert(hostile: str, plain: str, where: str) -> None:
    got, allowed = structure(hostile), structure(plain)
    added = got.shapes - allowed.shapes - {LINE_BREAK, CODE_SPAN}
    assert not added, f"{where}: hostile text added elements/attributes {sorted(added)}"
    assert got.scripts == allowed.scripts, f"{where}: script content changed"
    assert len(got.comments) == len(allowed.comments), f"{where}: an HTML comment was injected"
    for url in got.urls:
        assert not url.strip().lower().startswith(("javascript:", "data:", "vbscript:")), url
    shown = "".join(got.text)
    for result in JINJA_RESULTS:
        assert result not in hostile, f"{where}: a template was evaluated"
    assert "<script>alert(1)</script>" in shown, f"{where}: the payload did not reach the output"


def assert_markdown_inert(hostile: str, plain: str, where: str) -> None:
    html, plain_html = markdown_html(hostile), markdown_html(plain)
    assert_html_inert(html, plain_html, where)
    # No forge mentions, references or links inside code spans (where e-mail addresses and
    # URLs are shown as written).
    shown = "".join(structure(re.sub(r"<code>.*?</code>", "", html, flags=re.S)).text)
    for mention in MENTIONS:
        assert mention not in shown, f"{where}: {mention} would ping"
    assert not re.search(r"@[A-Za-z0-9]", shown), where
    assert not re.search(r"(?<![\w/])#[0-9]", shown), f"{where}: an issue reference"
    # A table keeps its header's width on every row.
    for table in re.findall(r"<table>.*?</table>", html, flags=re.S):
        widths = {
            len(re.findall(r"<t[dh][ >]", row))
            for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
        }
        assert len(widths) == 1, f"{where}: a row with another number of cells"


# --- aigov check: every format --------------------------------------------------------------------

FORMATS = {
    "text": "out.txt",
    "json": "out.json",
    "sarif": "out.sarif",
    "junit": "out.xml",
    "codequality": "out.cq.json",
    "markdown": "out.md",
    "github": "out.github",
}


def _check(run_cli: Callable[..., CliResult], repo: Path, out: Path) -> CliResult:
    args = ["check", str(repo), "--today", TODAY, "--skip-evidence", "git"]
    for fmt, name in FORMATS.items():
        args += ["-f", fmt, "-o", str(out / name)]
    return run_cli(*args)


def test_check_outputs_carry_the_payloads_inertly(
    run_cli: Callable[..., CliResult], repositories: dict[str, Path], tmp_path: Path
) -> None:
    outputs: dict[str, dict[str, str]] = {}
    for kind, repo in repositories.items():
        out = tmp_path / kind
        result = _check(run_cli, repo, out)
        assert result.exit_code in (0, 1), result.stderr
        outputs[kind] = {fmt: (out / name).read_text("utf-8") for fmt, name in FORMATS.items()}
    hostile = outputs["hostile"]

    data = json.loads(hostile["json"])
    waiver = next(f for f in data["findings"] if f["rule_id"] == "AIGOV-WAIVER")
    assert HOSTILE_TEXT in waiver["message"]  # the approver, echoed verbatim in JSON

    for fmt, text in hostile.items():
        for result in JINJA_RESULTS:
            assert result not in text, fmt
    assert unprintable_in(hostile["text"]) == set()
    assert not any(line.startswith("aigov:") for line in hostile["text"].splitlines()[1:])
    json.loads(hostile["sarif"])
    json.loads(hostile["codequality"])
    ET.fromstring(hostile["junit"].encode("utf-8"))
    commands = hostile["github"].splitlines()
    assert len(commands) == len(data["findings"])
    assert all(re.match(r"^::(error|warning|notice) [^:]*::", line) for line in commands)
    assert unprintable_in(hostile["markdown"].replace(ZWJ, "")) == set()
    assert_markdown_inert(hostile["markdown"], outputs["plain"]["markdown"], "PR comment")
    assert hostile["markdown"].count("<!--") == 1  # the bot's marker only


# --- aigov docs: the deliverables -----------------------------------------------------------------


def test_deliverables_carry_the_payloads_inertly(
    run_cli: Callable[..., CliResult], repositories: dict[str, Path], tmp_path: Path
) -> None:
    written: dict[str, dict[str, str]] = {}
    for kind, repo in repositories.items():
        out = tmp_path / kind
        result = run_cli("docs", str(repo), "--out", str(out), "--today", TODAY)
        assert result.exit_code == 0, result.stderr
        written[kind] = {p.name: p.read_text("utf-8") for p in sorted(out.iterdir())}
    assert written["hostile"].keys() == written["plain"].keys()
    for name, text in written["hostile"].items():
        if name.endswith(".html"):
            assert_html_inert(text, written["plain"][name], name)
        elif name.endswith(".md"):
            assert_markdown_inert(text, written["plain"][name], name)


# --- aigov portfolio: scan and report -------------------------------------------------------------


def test_portfolio_report_carries_the_payloads_inertly(
    run_cli: Callable[..., CliResult], repositories: dict[str, Path], tmp_path: Path
) -> None:
    reports: dict[str, dict[str, str]] = {}
    for kind, repo in repositories.items():
        scan = tmp_path / f"{kind}.json"
        cache = tmp_path / f"{kind}-cache"
        args = ["--dir", str(repo.parent), "-o", str(scan), "--cache", str(cache), "--jobs", "1"]
        result = run_cli("portfolio", "scan", *args)
        assert result.exit_code == 0, result.stderr
        out = tmp_path / f"{kind}-report"
        # Each its own history: the default store is in the working directory, and a second
        # scan recorded there would add a trend chart the other report lacks.
        history = ["--history", str(tmp_path / f"{kind}-history.sqlite")]
        result = run_cli("portfolio", "report", str(scan), "--out", str(out), *history)
        assert result.exit_code == 0, result.stderr
        reports[kind] = {p.name: p.read_text("utf-8") for p in sorted(out.iterdir())}
    hostile, plain = reports["hostile"], reports["plain"]
    assert_html_inert(hostile["portfolio.html"], plain["portfolio.html"], "portfolio.html")
    assert_markdown_inert(hostile["portfolio.md"], plain["portfolio.md"], "portfolio.md")
    data = json.loads(hostile["portfolio.json"])
    assert PAYLOADS["script"] in json.dumps(data, ensure_ascii=False)  # kept as data


# --- templates ------------------------------------------------------------------------------------


def test_every_html_environment_autoescapes_and_templates_are_aigovs_own() -> None:
    """The four template users build their environments with aigov.templating; the HTML ones
    autoescape, and every template comes from aigov's package (none from a repository)."""
    import importlib

    import jinja2

    deliverables = importlib.import_module("aigov.deliverables.render")
    scaffold = importlib.import_module("aigov.init.scaffold")
    portfolio = importlib.import_module("aigov.portfolio.render")
    data_quality = importlib.import_module("aigov.report.data_quality")

    environments = {
        "deliverables.html": (deliverables._environment("html"), True),
        "deliverables.md": (deliverables._environment("md"), False),
        "portfolio.html": (portfolio._environment(True), True),
        "data_quality.html": (data_quality._environment(True), True),
        "init": (scaffold._environment(), False),
    }
    for name, (environment, html) in environments.items():
        assert isinstance(environment.loader, jinja2.PackageLoader), name
        assert environment.loader.package_name.startswith("aigov."), name
        if html:
            assert environment.autoescape is True, name
            rendered = environment.from_string("{{ x }}").render(x=PAYLOADS["script"])
            assert rendered == "&lt;script&gt;alert(1)&lt;/script&gt;", name


def test_no_source_renders_a_template_from_a_string() -> None:
    """Repository text never becomes a template: no ``from_string``/``Template(`` in aigov, and
    rule messages use the placeholder filler (``{{ path }}`` only, no expressions)."""
    from aigov.policy.templates import render_message

    source = Path(__file__).resolve().parent.parent / "src" / "aigov"
    offenders = [
        str(path.relative_to(source))
        for path in source.rglob("*.py")
        if re.search(r"from_string\(|jinja2\.Template\(|\bTemplate\(", path.read_text("utf-8"))
    ]
    assert offenders == []
    context = {"manifest": {"metadata": {"id": PAYLOADS["jinja-statement"]}}}
    message = render_message("id {{ manifest.metadata.id }} {{ 7*7 }}", context)
    # the value is inserted as text, never evaluated; an expression is not a path: not recorded
    assert message == f"id {PAYLOADS['jinja-statement']} not recorded"
