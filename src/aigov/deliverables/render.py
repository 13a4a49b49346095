"""Render a :class:`~aigov.deliverables.document.Deliverable` as Markdown or HTML.

Everything in a deliverable comes from the repository, which may be an untrusted pull request:
HTML is rendered with jinja2 autoescaping (gaps are the only markup added, built with
:class:`markupsafe.Markup` around escaped text), and Markdown text goes through
:func:`aigov.report.escaping.escape_inline` (no raw HTML, links, images or mentions).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Final, Literal

import jinja2
from markupsafe import Markup

from aigov.deliverables.document import Cell, Deliverable, Gap
from aigov.i18n import Translator, translator
from aigov.report.escaping import escape_heading, escape_inline
from aigov.templating import template_environment

DocumentFormat = Literal["md", "html"]
FORMATS: Final[tuple[DocumentFormat, ...]] = ("md", "html")
_TEMPLATES: Final = {"md": "document.md.j2", "html": "document.html.j2"}
_INDEX_TEMPLATES: Final = {"md": "index.md.j2", "html": "index.html.j2"}
INDEX: Final = "index"
"""The page linking every deliverable with its status (``index.md``, ``index.html``)."""


@functools.cache
def _environment(fmt: DocumentFormat) -> jinja2.Environment:
    return template_environment("aigov.deliverables", autoescape=fmt == "html")


def gap_text(gap: Gap, tr: Translator) -> str:
    """ "Missing: framing.budget in aigov.yaml" / "Not available: <reason>", translated."""
    if gap.kind == "unavailable":
        return tr("Not available: {reason}", reason=gap.what)
    if gap.where:
        return tr("Missing: {field} in {file}", field=gap.what, file=gap.where)
    return tr("Missing: {field}", field=gap.what)


def render(document: Deliverable, fmt: DocumentFormat, *, lang: str = "en", today: dt.date) -> str:
    """``document`` as a Markdown or HTML page in ``lang``."""
    tr = translator(lang)

    def md(text: str) -> str:
        return escape_inline(text, newline="<br>")

    def md_cell(value: Cell) -> str:
        if isinstance(value, Gap):
            return f"**⚠ {md(gap_text(value, tr))}**"
        return md(value)

    def html_cell(value: Cell) -> str | Markup:
        if isinstance(value, Gap):
            return Markup('<span class="{}">⚠ {}</span>').format(value.kind, gap_text(value, tr))
        return value

    template = _environment(fmt).get_template(_TEMPLATES[fmt])
    return template.render(
        doc=document,
        tr=tr,
        lang=lang,
        today=today.isoformat(),
        md=md,
        heading=escape_heading,
        cell=md_cell if fmt == "md" else html_cell,
    )


def status(document: Deliverable, tr: Translator) -> str:
    """ "complete", or how many items are missing and not available."""
    parts = []
    if document.missing:
        parts.append(tr("{count} missing", count=document.missing))
    if document.unavailable:
        parts.append(tr("{count} not available", count=document.unavailable))
    return ", ".join(parts) or tr("complete")


def render_index(
    documents: Sequence[Deliverable], fmt: DocumentFormat, *, lang: str = "en", today: dt.date
) -> str:
    """The page linking ``documents`` (written as ``<slug>.<fmt>`` beside it) with their status."""
    tr = translator(lang)
    template = _environment(fmt).get_template(_INDEX_TEMPLATES[fmt])
    return template.render(
        documents=[(d, f"{d.slug}.{fmt}", status(d, tr)) for d in documents],
        project=documents[0].project if documents else "",
        tr=tr,
        lang=lang,
        today=today.isoformat(),
        md=lambda text: escape_inline(text, newline="<br>"),
    )
