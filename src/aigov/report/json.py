"""The JSON result: the :class:`~aigov.report.document.CheckReport` model's JSON form, whose
schema ``schemas/aigov-result.schema.json`` is generated from the model (see
``docs/result-format.md``).

Keys keep the model's field order (the schema's documentation order), two-space indent,
non-ASCII text kept as UTF-8; ``CheckReport.model_validate_json(render(r)) == r``.
"""

from __future__ import annotations

import json

from aigov.report.document import AnyReport, ProjectsReport


def render(report: AnyReport) -> str:
    """The report as a JSON document, ending with a newline."""
    data = report.model_dump(mode="json")
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def render_projects(report: ProjectsReport) -> str:
    """Several projects' result (``schemas/aigov-projects-result.schema.json``)."""
    return render(report)
