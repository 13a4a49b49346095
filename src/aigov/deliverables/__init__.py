"""The seed's deliverables, generated from the repository's own files and evidence.

``aigov docs`` writes, per repository: the framing sheet, the data inventory and data quality
report, the evaluation report, the AI Act Annex IV technical documentation draft and the
monitoring & SLA sheet, and an index page linking them with their status, in Markdown and/or
HTML, in English or French. What the files do not say is marked missing; evidence that is not
there is "not available" — nothing is invented.

- :mod:`~aigov.deliverables.document` — the format-independent document shape;
- one module per deliverable (:mod:`~aigov.deliverables.framing_sheet`,
  :mod:`~aigov.deliverables.data_report`, :mod:`~aigov.deliverables.evaluation_report`,
  :mod:`~aigov.deliverables.annex_iv`, :mod:`~aigov.deliverables.monitoring_sheet`), each a pure
  ``build(sources, writer) -> Deliverable`` made of fact tables;
- :mod:`~aigov.deliverables.sources` — what they read (the repository, one accessor per evidence
  source); :mod:`~aigov.deliverables.results` — the measured results every document states (one
  typed source: the Annex IV draft and the evaluation report cannot disagree on a figure);
  :mod:`~aigov.deliverables.facts` — how they write it (the writer, the fact tables and their
  formatters); :mod:`~aigov.deliverables.labels` — codes and ISO durations in words;
- :mod:`~aigov.deliverables.render` — Markdown and HTML (jinja2, autoescaped) rendering, and the
  index page.

The files ``aigov init`` writes are :mod:`aigov.init.scaffold`'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from aigov.deliverables import (
    annex_iv,
    data_report,
    evaluation_report,
    framing_sheet,
    monitoring_sheet,
)
from aigov.deliverables.document import Deliverable
from aigov.deliverables.facts import Writer
from aigov.deliverables.render import INDEX, DocumentFormat, render, render_index
from aigov.deliverables.sources import Sources

__all__ = ["BUILDERS", "Sources", "Writer", "generate"]

Builder = Callable[[Sources, Writer], Deliverable]

BUILDERS: dict[str, Builder] = {
    module.SLUG: module.build
    for module in (framing_sheet, data_report, evaluation_report, annex_iv, monitoring_sheet)
}
"""Every deliverable ``aigov docs`` writes, by file name, in the order they are written."""


def generate(
    sources: Sources,
    *,
    formats: Sequence[DocumentFormat] = ("md", "html"),
    lang: str = "en",
    today: dt.date,
) -> dict[str, str]:
    """``{file name: text}`` of every deliverable in every format, and of the index page linking
    them with their status."""
    writer = Writer.for_language(lang)
    documents = [build(sources, writer) for build in BUILDERS.values()]
    files: dict[str, str] = {}
    for fmt in formats:
        files[f"{INDEX}.{fmt}"] = render_index(documents, fmt, lang=lang, today=today)
    for document in documents:
        for fmt in formats:
            files[f"{document.slug}.{fmt}"] = render(document, fmt, lang=lang, today=today)
    return files
