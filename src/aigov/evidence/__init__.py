"""Evidence collectors: git history, the MLflow registry, data quality checks."""

from __future__ import annotations

from aigov.documents.problems import Location


class EvidenceUnavailable(Exception):
    """A source cannot give its evidence; ``reason`` says why (it becomes the finding's text),
    ``location`` points at the manifest field that named the source, when one did."""

    def __init__(self, reason: str, location: Location | None = None) -> None:
        super().__init__(f"evidence unavailable: {reason}")
        self.reason = reason
        self.location = location
