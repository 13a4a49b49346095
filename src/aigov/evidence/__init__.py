"""Evidence collectors: git history, the MLflow registry, data quality checks."""

from __future__ import annotations

from aigov.documents.problems import Location
from aigov.errors import AigovError

_MAX_REASON = 300


NO_REGISTRY = "aigov.yaml declares no model.registry"
"""Why there is no MLflow evidence for a project that names no model registry."""


class EvidenceUnavailable(AigovError):
    """A source cannot give its evidence; ``reason`` says why (it becomes the finding's text),
    ``location`` points at the manifest field that named the source, when one did."""

    def __init__(self, reason: str, location: Location | None = None) -> None:
        super().__init__(
            f"evidence unavailable: {reason}", location=None if location is None else str(location)
        )
        self.reason = reason


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its class name when it has none), cut at 300
    characters: a library's error becomes one readable reason, never a multi-line dump."""
    lines = str(exc).strip().splitlines()
    line = lines[0] if lines else type(exc).__name__
    return line if len(line) <= _MAX_REASON else line[: _MAX_REASON - 3] + "..."
