"""The Markdown documents escape repository text only where Markdown would read it: the raw file
stays readable as written, and a Markdown reader shows exactly the text the repository wrote."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Callable
from pathlib import Path

from markdown_it import MarkdownIt
from tests.conftest import MINIMAL_MANIFEST

from aigov.deliverables import Sources, generate
from aigov.documents.repository import load_repository
from aigov.evidence.collect import EvidenceUnavailableRecord

MakeRepo = Callable[..., Path]

# Text a repository may write, with everything Markdown could misread.
DESCRIPTION = (
    "Score (v3, see AI Act Annex IV) in MODEL_CARD.md: snake_case_name and __init__, "
    "_emphasis_ and *star*, a | b, <b>bold</b> & R&D, 2 < 3 > 1, `code`, [link](x) ![img](y), "
    "~~gone~~, $5 and $6, C:\\temp\\new, #12 and @someone, team@example.com, "
    "https://example.com/a_b?x=(1)"
)
PROBLEM = "# not a heading"
NAME = "Ana | Bo_b <i>"


def _markdown(root: Path) -> str:
    repository = load_repository(root)
    assert not repository.problems.errors
    unavailable = EvidenceUnavailableRecord(reason="not collected")
    sources = Sources(repository, data_quality=unavailable, mlflow=unavailable)
    files = generate(sources, formats=("md",), today=dt.date(2026, 12, 4))
    return files["framing-sheet.md"]


def _text(cell_html: str) -> str:
    """What a reader sees of a rendered piece of Markdown (code spans as their text)."""
    return html.unescape(re.sub(r"<[^>]+>", "", cell_html)).replace("\u200d", "")


def test_tricky_text_is_shown_as_written(make_repo: MakeRepo) -> None:
    manifest = MINIMAL_MANIFEST.replace(
        "stage: ideation\n",
        f"  description: {json.dumps(DESCRIPTION)}\n"
        f"  stakeholders:\n    - {{name: {json.dumps(NAME)}, role: business_owner}}\n"
        f"stage: ideation\nframing:\n  problem: {json.dumps(PROBLEM)}\n",
    )
    markdown = _markdown(make_repo({"aigov.yaml": manifest}))
    rendered = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    page = rendered.render(markdown)

    # Left alone where Markdown reads nothing: parentheses, underscores inside words, '&' that
    # starts no entity, '>' inside a line.
    line = next(row for row in markdown.splitlines() if row.startswith("| Description |"))
    for as_written in ("(v3, see AI Act Annex IV)", "MODEL_CARD.md", "snake_case_name", "R&D"):
        assert as_written in line, as_written
    # Escaped where it would be read: no emphasis, strikethrough, code, link, image or HTML.
    for element in ("<em>", "<del>", "<a ", "<img", "<b>", "<i>"):
        assert element not in page.replace('<a href="index.md">', ""), element
    codes = re.findall(r"<code>(.*?)</code>", page)
    # only the addresses (the owner's, the description's) and the URL
    assert codes == ["data-science@example.com", "team@example.com", "https://example.com/a_b?x="]

    # What a Markdown reader shows is the text the repository wrote, cell for cell.
    cells = dict(re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*</tr>", page, re.S))
    assert _text(cells["Description"]) == DESCRIPTION
    # A pipe in a name stays inside its cell: the stakeholders table keeps three columns.
    stakeholders = page.split("<h2>Stakeholders</h2>")[1].split("</table>")[0]
    first_row = re.findall(r"<td>(.*?)</td>", stakeholders.split("<tbody>")[1], re.S)
    assert [_text(cell) for cell in first_row] == [NAME, "business owner", "—"]
    # A leading '#' in a paragraph is text, not a heading.
    assert "<h1>not a heading" not in page
    assert "<p># not a heading</p>" in page
    # E-mail addresses and URLs are code spans, copied exactly (no invisible character inside).
    assert "`team@example.com`" in line and "`https://example.com/a_b?x=`" in line
