"""What changed in the portfolio since the previous recorded scan.

Compares a scan with the rows the history store kept of the scan before it
(:meth:`aigov.portfolio.history.History.previous`): repositories that appeared or disappeared,
that block now and did not, that pass now and did not, that can no longer be read, and projects
that moved stage. A repository is the same one across scans when its id is (the folder name, the
normalised git URL, ``github:owner/name``…).
"""

from __future__ import annotations

from collections.abc import Sequence

from aigov.portfolio.history import RecordedRow
from aigov.portfolio.kpi_model import ProjectMove, RecordedScan, ScanChanges
from aigov.portfolio.model import PortfolioScan, RepositoryResult


def changes_since(
    previous: RecordedScan, before: Sequence[RecordedRow], scan: PortfolioScan
) -> ScanChanges:
    """The changes from ``previous`` (whose rows are ``before``) to ``scan``."""
    old = {row.repository: row for row in before}
    now = {row.id: row for row in scan.results}
    moves: dict[str, list[ProjectMove]] = {
        key: []
        for key in (
            "new",
            "removed",
            "newly_blocked",
            "newly_passing",
            "newly_unreadable",
            "stage_moves",
        )
    }
    for repository, row in now.items():
        was = old.get(repository)
        move = _move(row, was)
        if was is None:
            moves["new"].append(move)
            continue
        readable_before = was.status == "ok"
        if not row.ok:
            if readable_before:
                moves["newly_unreadable"].append(move)
            continue
        if row.decision == "block" and (not readable_before or was.decision != "block"):
            moves["newly_blocked"].append(move)
        elif row.decision == "pass" and (not readable_before or was.decision != "pass"):
            moves["newly_passing"].append(move)
        if readable_before and move.stage != was.stage:
            moves["stage_moves"].append(move)
    for repository, was in old.items():
        if repository not in now:
            moves["removed"].append(
                ProjectMove(
                    repository=repository,
                    name=was.project or repository,
                    stage=None,
                    stage_before=was.stage,
                    blocking=None,
                    blocking_before=was.blocking if was.status == "ok" else None,
                )
            )
    return ScanChanges(
        previous_scan=previous.generated_at,
        previous_today=previous.today,
        **{key: tuple(sorted(found, key=lambda m: m.name.lower())) for key, found in moves.items()},
    )


def _move(row: RepositoryResult, was: RecordedRow | None) -> ProjectMove:
    project = row.project
    readable_before = was is not None and was.status == "ok"
    return ProjectMove(
        repository=row.id,
        name=(project.name if project else None) or row.name,
        stage=project.stage if project and row.ok else None,
        stage_before=was.stage if was is not None and readable_before else None,
        blocking=sum(1 for f in row.findings if f.blocking) if row.ok else None,
        blocking_before=was.blocking if was is not None and readable_before else None,
    )
