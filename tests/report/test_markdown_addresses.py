"""Every e-mail address and URL of the examples comes out of the PR comment and of the generated
documents exactly as written: what a reader copies from GitHub's rendering (or from the HTML
document) is the address itself, with no zero-width character or backslash in it, and no forge
turns it into a link or a mention."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from tests.conftest import at, replaced

from aigov.documents.problems import Location
from aigov.report import render
from aigov.report.document import CheckReport

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
_ADDRESS = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>()\[\]`|]+"  # URLs, any scheme (sqlite:///, s3://)
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
)
# What would break an address for whoever pastes it, or betray that it was escaped.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff\\\\]")


def addresses_in(text: str) -> set[str]:
    return {found.rstrip(".,:;!?*_~") for found in _ADDRESS.findall(text)}


EXAMPLE_FILES = sorted(
    path
    for path in EXAMPLES.rglob("*")
    if path.suffix in (".yaml", ".md") and "broken" not in path.parts and path.is_file()
)
EVERY_ADDRESS = sorted(set().union(*(addresses_in(p.read_text("utf-8")) for p in EXAMPLE_FILES)))
PROJECTS = sorted(
    path.parent for path in EXAMPLES.rglob("aigov.yaml") if "broken" not in path.parts
)


class _Text(HTMLParser):
    """The text a reader sees (and copies) in rendered HTML, and the links in it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [value or "" for name, value in attrs if tag == "a" and name == "href"]
        self.text.append(" ")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def seen(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


def github_renders(markdown: str) -> str:
    cmarkgfm = pytest.importorskip("cmarkgfm")
    from cmarkgfm.cmark import Options

    html: str = cmarkgfm.github_flavored_markdown_to_html(
        markdown, options=Options.CMARK_OPT_UNSAFE
    )
    return html


def assert_kept(shown: str, expected: set[str], where: str) -> None:
    """Each expected address is in ``shown`` as written, and none is there mangled."""
    missing = sorted(a for a in expected if a not in shown)
    assert not missing, f"{where}: {missing}"
    cleaned = _INVISIBLE.sub("", shown)
    for address in EVERY_ADDRESS:
        if address in cleaned:
            assert address in shown, f"{where}: {address!r} is shown altered"


def test_the_examples_hold_addresses_and_urls() -> None:
    assert len(EVERY_ADDRESS) >= 20 and any("://" in a for a in EVERY_ADDRESS)
    assert len(PROJECTS) >= 4


def test_every_address_goes_through_the_comment_unchanged(blocked_report: CheckReport) -> None:
    """Each address in every place repository text takes in the comment: a blocking message, a
    warning, a waiver (approver, ticket, reason) and a note; and in a pack's remediation."""
    findings = []
    for i, address in enumerate(EVERY_ADDRESS):
        base = blocked_report.findings[i % len(blocked_report.findings)]
        waiver = base.waiver and base.waiver.model_copy(
            update={"reason": f"agreed with {address}.", "approved_by": address}
        )
        findings.append(
            replaced(
                base,
                **at(Location("aigov.yaml", i + 1, 1)),
                message=f"write to {address}, then re-run",
                remediation=f"Ask ({address}) or run `aigov explain`.",
                waiver=waiver,
            )
        )
    report = replaced(
        blocked_report,
        findings=tuple(findings),
        notes=tuple(f"note: {a}" for a in EVERY_ADDRESS),
    )
    markdown = render("markdown", report)
    shown = seen(github_renders(markdown))
    assert_kept("".join(shown.text), set(EVERY_ADDRESS), "comment")
    # in code spans: GitHub links none of them (the only link is the policy reference)
    assert not [link for link in shown.links if "policy-reference" not in link], shown.links


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_every_address_goes_through_the_documents_unchanged(
    project: Path, tmp_path: Path, run_cli: object
) -> None:
    out = tmp_path / "docs"
    done = run_cli("docs", str(project), "--out", str(out), "--format", "both")  # type: ignore[operator]
    assert done.exit_code == 0, done.stderr
    written = {path.name: path.read_text("utf-8") for path in sorted(out.iterdir())}
    assert any(name.endswith(".md") for name in written)
    own = set().union(
        *(
            addresses_in(p.read_text("utf-8"))
            for p in project.rglob("*.*")
            if p.suffix in (".yaml", ".md")
        )
    )
    shown_anywhere: set[str] = set()
    for name, text in written.items():
        html = github_renders(text) if name.endswith(".md") else text
        shown = "".join(seen(html).text)
        assert_kept(shown, set(), name)
        shown_anywhere |= {a for a in own if a in shown}
    # the stakeholders' addresses (and the dashboard's URL, where there is one) are in them
    manifest = (project / "aigov.yaml").read_text("utf-8")
    emails = {a for a in addresses_in(manifest) if "@" in a and "://" not in a}
    assert emails <= shown_anywhere, sorted(emails - shown_anywhere)
