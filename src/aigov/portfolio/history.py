"""The history of portfolio scans, in SQLite (the standard library's ``sqlite3``).

Every recorded scan keeps its headline KPIs (for trends), one row per repository (stage,
decision, blocking findings: for per-project movements) and the scan itself, compressed, so that
``aigov portfolio report`` without a scan file reports the latest one. Each scan is written in
one transaction: a scan killed while recording leaves the store as it was. Shards are partial
views of a run and are not recorded: record the merged scan.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from aigov.errors import AigovError
from aigov.portfolio.kpi_model import Headline, RecordedScan, TrendPoint
from aigov.portfolio.model import PortfolioScan, ScanFileError

HISTORY_SCHEMA: Final = 1

_TABLES: Final = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS scans (scan_id TEXT PRIMARY KEY, generated_at TEXT NOT NULL, "
    "today TEXT NOT NULL, headline TEXT NOT NULL, scan BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS repository_results (scan_id TEXT NOT NULL REFERENCES scans, "
    "repository TEXT NOT NULL, project TEXT, stage TEXT, status TEXT NOT NULL, decision TEXT, "
    "blocking INTEGER NOT NULL, PRIMARY KEY (scan_id, repository))",
    "CREATE INDEX IF NOT EXISTS scans_by_date ON scans (generated_at)",
)


@dataclass(frozen=True, slots=True)
class RecordedRow:
    """One repository of a recorded scan, as the history keeps it."""

    repository: str
    project: str | None
    stage: str | None
    status: str
    decision: str | None
    blocking: int


class HistoryError(AigovError):
    """The history store cannot be used (not an aigov history, unreadable, newer schema)."""


class History:
    """An open history store; use as a context manager."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        try:
            self._db = sqlite3.connect(path, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            with self._db:
                for statement in _TABLES:
                    self._db.execute(statement)
                found = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
                if found is None:
                    self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (HISTORY_SCHEMA,))
                elif int(found[0]) > HISTORY_SCHEMA:
                    raise HistoryError(f"{path}: written by a newer aigov (schema {found[0]})")
        except sqlite3.DatabaseError as exc:
            raise HistoryError(f"{path}: not a usable history store ({exc})") from None

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self._db.close()

    def record(self, scan: PortfolioScan, headline: Headline) -> bool:
        """Store ``scan`` (once: recording it again changes nothing); False for a shard."""
        if scan.shard is not None:
            return False
        blob = zlib.compress(scan.model_dump_json().encode(), 6)
        with self._db:  # one transaction
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO scans VALUES (?, ?, ?, ?, ?)",
                (
                    scan.scan_id,
                    scan.generated_at,
                    scan.today.isoformat(),
                    json.dumps(headline.data()),
                    blob,
                ),
            )
            if cursor.rowcount == 0:
                return True
            self._db.executemany(
                "INSERT INTO repository_results VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        scan.scan_id,
                        row.id,
                        row.project.id if row.project else None,
                        row.project.stage if row.project else None,
                        row.status,
                        row.decision,
                        sum(1 for f in row.findings if f.blocking),
                    )
                    for row in scan.results
                ),
            )
        return True

    def trend(self, limit: int = 60) -> list[TrendPoint]:
        """Headline KPIs of the last ``limit`` scans, oldest first."""
        found = self._db.execute(
            "SELECT scan_id, generated_at, today, headline FROM scans "
            "ORDER BY generated_at DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [
            TrendPoint.model_validate(
                {"scan_id": s, "generated_at": g, "today": t, **json.loads(h)}
            )
            for s, g, t, h in reversed(found)
        ]

    def previous(self, scan: PortfolioScan) -> tuple[RecordedScan, list[RecordedRow]] | None:
        """The last whole scan recorded before ``scan`` and its repositories; None if none."""
        found = self._db.execute(
            "SELECT scan_id, generated_at, today FROM scans WHERE generated_at < ? "
            "ORDER BY generated_at DESC LIMIT 1",
            (scan.generated_at,),
        ).fetchone()
        if found is None:
            return None
        rows = self._db.execute(
            "SELECT repository, project, stage, status, decision, blocking "
            "FROM repository_results WHERE scan_id = ? ORDER BY repository",
            (found[0],),
        ).fetchall()
        recorded = RecordedScan(scan_id=found[0], generated_at=found[1], today=found[2])
        return recorded, [RecordedRow(*row) for row in rows]

    def latest(self) -> PortfolioScan | None:
        """The last recorded scan, or None when the store is empty."""
        found = self._db.execute(
            "SELECT scan FROM scans ORDER BY generated_at DESC LIMIT 1"
        ).fetchone()
        if found is None:
            return None
        try:
            return PortfolioScan.from_json(zlib.decompress(found[0]))
        except (zlib.error, ValueError, ScanFileError) as exc:
            raise HistoryError(f"{self.path}: the latest scan cannot be read ({exc})") from None
