"""Rendering a check's outcome: one module per output format behind one interface.

Every renderer is a module ``aigov.report.<format>`` exposing::

    def render(report: CheckReport) -> str
    def render_projects(report: ProjectsReport) -> str   # several projects (aigov check --all)

and is imported only when its format is asked for. Renderers read the :class:`CheckReport` and
nothing else (never a repository file), so ``aigov comment --result FILE`` can re-render the
Markdown of a run from its saved JSON result. Whatever the format, no line of the result can be
taken by a CI runner for a workflow command or a log section (:mod:`aigov.report.ci_log`), be it
printed or written to a file a later step prints.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aigov.report.document import AnyReport

FORMATS: tuple[str, ...] = ("text", "json", "sarif", "junit", "codequality", "markdown", "github")
"""Format names accepted by ``-f/--format``; each is the module ``aigov.report.<name>``."""
READ_BY_PEOPLE: tuple[str, ...] = ("text", "markdown", "github")
"""Formats written in the report's language (``--lang``): findings show their rule's
translation. The others are read by programs and stay English (the JSON carries both)."""


def render(format_name: str, report: AnyReport) -> str:
    """Render ``report`` (one project's, or several projects' result) in ``format_name`` (one of
    :data:`FORMATS`)."""
    if format_name not in FORMATS:
        raise ValueError(f"unknown format '{format_name}' (known: {', '.join(FORMATS)})")
    from aigov.report.ci_log import WorkflowCommands, runner_safe
    from aigov.report.document import ProjectsReport, in_report_language

    if format_name in READ_BY_PEOPLE:
        report = in_report_language(report)
    module = importlib.import_module(f"aigov.report.{format_name}")
    several = isinstance(report, ProjectsReport)
    text: str = module.render_projects(report) if several else module.render(report)
    # The JSON formats decode the escapes back to the same values (aigov.report.ci_log).
    return text if isinstance(text, WorkflowCommands) else runner_safe(text)
