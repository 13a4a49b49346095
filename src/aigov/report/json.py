"""The JSON result: :meth:`CheckReport.to_dict` as documented by
``schemas/aigov-result.schema.json`` (see ``docs/result-format.md``).

Keys keep the order of ``to_dict`` (the schema's documentation order), two-space indent,
non-ASCII text kept as UTF-8; ``CheckReport.from_dict(json.loads(render(r))) == r``.
"""

from __future__ import annotations

import json

from aigov.report.document import CheckReport


def render(report: CheckReport) -> str:
    """The report as a JSON document, ending with a newline."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
