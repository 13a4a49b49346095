"""index.md and index.html link every document with its status: complete, or what it lacks."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from markdown_it import MarkdownIt
from tests.conftest import EXAMPLES

from aigov.deliverables import BUILDERS, Sources, Writer, generate
from aigov.documents.repository import load_repository
from aigov.evidence.collect import EvidenceUnavailableRecord

TODAY = dt.date(2026, 12, 4)


def _sources(example: str) -> Sources:
    unavailable = EvidenceUnavailableRecord(reason="not collected")
    return Sources(
        load_repository(EXAMPLES / example), data_quality=unavailable, mlflow=unavailable
    )


def _expected(example: str, lang: str) -> dict[str, tuple[int, int]]:
    """Each document's (missing, not available) counts, counted from the documents themselves."""
    writer = Writer.for_language(lang)
    counts = {}
    for slug, build in BUILDERS.items():
        gaps = build(_sources(example), writer).gaps
        counts[slug] = (
            sum(g.kind == "missing" for g in gaps),
            sum(g.kind == "unavailable" for g in gaps),
        )
    return counts


@pytest.mark.parametrize("example", ["credit-scoring", "hr-attrition-ideation"])
def test_the_index_links_every_document_with_its_status(example: str) -> None:
    files = generate(_sources(example), today=TODAY)
    page = MarkdownIt("commonmark").enable("table").render(files["index.md"])
    rows = re.findall(r'<td><a href="([^"]+)">(.*?)</a></td>\s*<td>(.*?)</td>', page)
    assert [href for href, _, _ in rows] == [f"{slug}.md" for slug in BUILDERS]
    assert all(href in files for href, _, _ in rows)
    for (_, title, status), (slug, (missing, unavailable)) in zip(
        rows, _expected(example, "en").items(), strict=True
    ):
        assert f"# {title} — " in files[f"{slug}.md"].replace("\\", "")
        parts = [f"{missing} missing"] * bool(missing) + [f"{unavailable} not available"] * bool(
            unavailable
        )
        assert status == (", ".join(parts) or "complete"), slug
    html = files["index.html"]
    links = re.findall(r'<a href="([^"]+)">', html)
    assert links == [f"{slug}.html" for slug in BUILDERS]
    # Each document links back to the index.
    assert all('<a href="index.html">' in files[f"{slug}.html"] for slug in BUILDERS)
    assert all("](index.md)" in files[f"{slug}.md"] for slug in BUILDERS)


def test_a_complete_document_says_so_and_french_counts() -> None:
    files = generate(_sources("credit-scoring"), lang="fr", today=TODAY)
    index = files["index.md"]
    assert index.startswith("# Documents du projet — ")
    assert "| [Fiche de cadrage](framing-sheet.md) | complet |" in index
    missing, unavailable = _expected("credit-scoring", "fr")["annex-iv"]
    assert f"{missing} manquant(s), {unavailable} non disponible(s)" in index
    assert '<td class="complete">complet</td>' in files["index.html"]
