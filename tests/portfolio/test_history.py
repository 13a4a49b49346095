"""The SQLite history: one transaction per scan, trends, latest scan."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from aigov.portfolio.history import History, HistoryError
from aigov.portfolio.kpis import compute_kpis, headline
from aigov.portfolio.scan import ScanOptions, scan
from aigov.portfolio.sources import FolderSource

from .conftest import TODAY


def test_scans_are_recorded_once_and_give_trends(portfolio_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    first = scan(FolderSource(portfolio_dir), ScanOptions(today=TODAY, jobs=1))
    first = first.model_copy(update={"generated_at": "2026-11-23T02:00:00+00:00"})
    second = scan(FolderSource(portfolio_dir), ScanOptions(today=TODAY, jobs=1))
    second = second.model_copy(update={"generated_at": "2026-11-24T02:00:00+00:00"})
    with History(db) as history:
        for result in (first, second, second):
            assert history.record(result, headline(compute_kpis(result)))
        trend = history.trend()
        assert [t.generated_at[:10] for t in trend] == ["2026-11-23", "2026-11-24"]
        assert trend[-1].repositories == 6
        latest = history.latest()
        assert latest is not None and latest.generated_at == second.generated_at


def test_a_shard_is_not_recorded(portfolio_dir: Path, tmp_path: Path) -> None:
    part = scan(FolderSource(portfolio_dir), ScanOptions(today=TODAY, jobs=1, shard=(1, 2)))
    with History(tmp_path / "h.sqlite") as history:
        assert history.record(part, headline(compute_kpis(part))) is False
        assert history.trend() == []


def test_a_failure_while_recording_leaves_the_store_as_it_was(
    portfolio_dir: Path, tmp_path: Path
) -> None:
    result = scan(FolderSource(portfolio_dir), ScanOptions(today=TODAY, jobs=1))
    db = tmp_path / "h.sqlite"
    # A duplicate row breaks the primary key midway.
    result = result.model_copy(update={"results": (*result.results, result.results[0])})
    with History(db) as history, pytest.raises(sqlite3.IntegrityError):
        history.record(result, headline(compute_kpis(result)))
    with History(db) as history:
        assert history.trend() == [] and history.latest() is None
    count = sqlite3.connect(db).execute("SELECT COUNT(*) FROM repository_results").fetchone()
    assert count == (0,)


def test_a_file_that_is_not_a_history_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "h.sqlite"
    bogus.write_text("not a database" * 100)
    with pytest.raises(HistoryError):
        History(bogus)


_KILLED_WHILE_RECORDING = """
import json, os, signal, sys
from pathlib import Path
from aigov.portfolio.history import History
from aigov.portfolio.kpis import compute_kpis, headline
from aigov.portfolio.model import PortfolioScan

base = PortfolioScan.from_data(json.loads(Path(sys.argv[1]).read_text()))
rows = tuple(base.results[i % len(base.results)].model_copy(update={"id": f"repo-{i:05d}"})
             for i in range(3000))
steps = 0


def die_midway() -> int:
    # Called by SQLite every 100 virtual-machine steps: the process dies inside the transaction.
    global steps
    steps += 1
    if steps == 200:
        os.kill(os.getpid(), signal.SIGKILL)
    return 0


with History(Path(sys.argv[2])) as history:
    for n in range(3):
        scan = base.model_copy(
            update={"results": rows, "generated_at": f"2026-11-24T02:00:0{n}+00:00"}
        )
        if n == 2:
            history._db.set_progress_handler(die_midway, 100)
        history.record(scan, headline(compute_kpis(scan)))
"""


def test_a_scan_killed_while_recording_leaves_a_consistent_history(
    portfolio_dir: Path, tmp_path: Path
) -> None:
    import json
    import signal
    import subprocess
    import sys

    result = scan(FolderSource(portfolio_dir), ScanOptions(today=TODAY, jobs=1))
    scan_file = tmp_path / "scan.json"
    scan_file.write_text(json.dumps(result.data()), encoding="utf-8")
    db = tmp_path / "h.sqlite"
    child = subprocess.run(
        [sys.executable, "-c", _KILLED_WHILE_RECORDING, str(scan_file), str(db)], timeout=60
    )
    assert child.returncode == -signal.SIGKILL  # killed inside the third scan's transaction

    connection = sqlite3.connect(db)
    assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    recorded = connection.execute(
        "SELECT s.scan_id, COUNT(r.repository) FROM scans s "
        "LEFT JOIN repository_results r ON r.scan_id = s.scan_id GROUP BY s.scan_id"
    ).fetchall()
    orphans = connection.execute(
        "SELECT COUNT(*) FROM repository_results WHERE scan_id NOT IN (SELECT scan_id FROM scans)"
    ).fetchone()
    connection.close()
    # The two scans recorded before the kill are whole; the third left no trace.
    assert sorted(recorded) == [
        ("2026-11-24T02:00:00+00:00#all", 3000),
        ("2026-11-24T02:00:01+00:00#all", 3000),
    ]
    assert orphans == (0,)
    with History(db) as history:  # and the store still opens and reads
        latest = history.latest()
        assert latest is not None and len(latest.results) == 3000
