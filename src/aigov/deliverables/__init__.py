"""The seed's deliverables, generated from the repository's own files and evidence.

``aigov docs`` writes, per repository: the framing sheet, the data inventory and data quality
report, the evaluation report, the AI Act Annex IV technical documentation draft and the
monitoring & SLA sheet, in Markdown and/or HTML, in English or French. What the files do not say
is marked missing; evidence that is not there is "not available" — nothing is invented.

- :mod:`~aigov.deliverables.document` — the format-independent document shape;
- :mod:`~aigov.deliverables.builders` — one pure builder per deliverable;
- :mod:`~aigov.deliverables.render` — Markdown and HTML (jinja2, autoescaped) rendering.

The files ``aigov init`` writes are :mod:`aigov.init.scaffold`'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from aigov.deliverables.builders import BUILDERS, Sources, Writer
from aigov.deliverables.render import DocumentFormat, render

__all__ = ["BUILDERS", "Sources", "Writer", "generate"]


def generate(
    sources: Sources,
    *,
    formats: Sequence[DocumentFormat] = ("md", "html"),
    lang: str = "en",
    today: dt.date,
) -> dict[str, str]:
    """``{file name: text}`` of every deliverable in every format."""
    writer = Writer.for_language(lang)
    files: dict[str, str] = {}
    for slug, build in BUILDERS.items():
        document = build(sources, writer)
        for fmt in formats:
            files[f"{slug}.{fmt}"] = render(document, fmt, lang=lang, today=today)
    return files
