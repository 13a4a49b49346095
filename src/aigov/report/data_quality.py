"""The data quality report (Markdown and HTML) rendered from ``evidence.data_quality``.

It reads only the evidence :mod:`aigov.evidence.data_quality` produces (the model, or its plain
form as stored in ``.aigov/evidence/data_quality.json``): per contract, per table and per column
completeness, freshness and consistency, then every check not passed.
HTML is rendered with autoescaping: contract names and reasons are text, never markup.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import jinja2

from aigov.report.ci_log import runner_safe
from aigov.report.escaping import code_span, escape_inline
from aigov.templating import template_environment

if TYPE_CHECKING:
    from aigov.evidence.data_quality.model import DataQualityEvidence

TEMPLATES = {"markdown": "data_quality.md.j2", "html": "data_quality.html.j2"}


@functools.cache
def _environment(autoescape: bool) -> jinja2.Environment:
    environment = template_environment("aigov.report", autoescape=autoescape, tolerant=True)
    environment.globals.update(pct=_percent, observed=_observed)
    if not autoescape:
        # Markdown: contract, table and column names, reasons and observed values come from the
        # repository and its data; they are escaped like every other Markdown aigov writes.
        environment.filters.update(md=_markdown_text, code=_markdown_code)
    return environment


def _markdown_text(value: Any) -> str:
    return escape_inline("" if value is None else str(value), limit=500)


def _markdown_code(value: Any) -> str:
    return code_span("" if value is None else str(value))


def _percent(value: Any) -> str:
    return "—" if value is None else f"{value:.2f} %"


def _observed(expectation: dict[str, Any]) -> str:
    observed = expectation.get("observed") or {}
    if expectation.get("status") == "skipped":
        return str(expectation.get("reason") or "skipped")
    if "unexpected_count" in observed:
        return (
            f"{observed['unexpected_count']} failing row(s) of {observed.get('element_count', '?')}"
        )
    if "observed_value" in observed:
        return f"observed {observed['observed_value']}"
    return str(expectation.get("reason") or "")


def render(evidence: DataQualityEvidence | Mapping[str, Any], fmt: str) -> str:
    """Render the report in ``fmt`` (``markdown`` or ``html``) from the evidence or its plain
    form (a stored file)."""
    plain = evidence if isinstance(evidence, Mapping) else evidence.plain()
    template = _environment(fmt == "html").get_template(TEMPLATES[fmt])
    # Names and values come from the repository's data: a later step may print the file.
    return runner_safe(template.render(evidence=plain))
