"""The nightly job killed at any moment (a CI timeout, an OOM kill): nothing it had is lost.

Real processes: ``aigov portfolio scan`` and ``aigov portfolio report`` run on 40 repositories
and are sent SIGKILL after delays spread over their whole run. After every kill the scan file is
the previous complete one or the new complete one, the history store passes SQLite's integrity
check and holds only whole scans, the report files are each whole, and the next run succeeds.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import STAGES, TODAY, write_repo

# 40 repositories: a scan (without its row cache) takes about 1.5 s on the project's 2-core
# machine, a report about 0.6 s, start-up included; the kills are spread over both.
REPOSITORIES = 40
KILL_AT = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
"""When each kill lands, as a share of how long an uninterrupted run took on this machine (fixed
delays missed the runs once the report got faster, or on a faster machine)."""


@pytest.fixture
def portfolio(tmp_path: Path) -> Path:
    root = tmp_path / "repos"
    for n in range(REPOSITORIES):
        write_repo(root, f"project-{n:02d}", STAGES[n % len(STAGES)])
    return root


def _whole_report(out: Path, reference_markdown: str) -> None:
    """The three files are whole: HTML closed, JSON parsed, Markdown with every section."""
    assert (out / "portfolio.html").read_text("utf-8").rstrip().endswith("</html>")
    json.loads((out / "portfolio.json").read_text("utf-8"))
    markdown = (out / "portfolio.md").read_text("utf-8")
    assert markdown.count("\n## ") == reference_markdown.count("\n## ")
    assert len(markdown) > len(reference_markdown) - 100  # only dates may differ


def _aigov(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "aigov", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _run_to_the_end(*args: str) -> None:
    process = _aigov(*args)
    assert process.wait(timeout=120) == 0, args


def _killed_after(seconds: float, *args: str) -> bool:
    """Run aigov, SIGKILL it after ``seconds``; whether it was still running when killed."""
    process = _aigov(*args)
    time.sleep(seconds)
    running = process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    return running


def _processes_naming(folder: Path) -> list[int]:
    """Live processes whose command line names ``folder`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if str(folder).encode() in command and state != "Z":
                found.append(int(entry.name))
    return found


def _whole_scans(history: Path) -> list[tuple[str, int]]:
    """Each recorded scan and its number of rows; the store must be intact and orphan-free."""
    connection = sqlite3.connect(history)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        orphans = connection.execute(
            "SELECT COUNT(*) FROM repository_results "
            "WHERE scan_id NOT IN (SELECT scan_id FROM scans)"
        ).fetchone()
        assert orphans == (0,)
        return connection.execute(
            "SELECT s.scan_id, COUNT(r.repository) FROM scans s "
            "LEFT JOIN repository_results r ON r.scan_id = s.scan_id GROUP BY s.scan_id"
        ).fetchall()
    finally:
        connection.close()


@pytest.mark.parametrize("command", ["scan", "report"])
def test_a_portfolio_job_killed_at_any_moment_loses_nothing(
    portfolio: Path, tmp_path: Path, command: str
) -> None:
    scan_file, history, out = tmp_path / "scan.json", tmp_path / "h.sqlite", tmp_path / "report"
    scan = (
        "portfolio", "scan", "--dir", str(portfolio), "-o", str(scan_file),
        "--history", str(history), "--no-cache", "--jobs", "2",
        "--today", TODAY.isoformat(),
    )  # fmt: skip
    report = ("portfolio", "report", str(scan_file), "--history", str(history), "--out", str(out))
    _run_to_the_end(*scan)
    _run_to_the_end(*report)
    started = time.monotonic()
    _run_to_the_end(*(scan if command == "scan" else report))
    duration = time.monotonic() - started
    repositories = len(json.loads(scan_file.read_text("utf-8"))["results"])
    reference_markdown = (out / "portfolio.md").read_text("utf-8")
    killed_while_running = 0
    for share in KILL_AT:
        killed_while_running += _killed_after(
            share * duration, *(scan if command == "scan" else report)
        )
        data = json.loads(scan_file.read_text("utf-8"))  # whole: the old scan or the new one
        assert len(data["results"]) == repositories
        recorded = _whole_scans(history)
        assert recorded and all(rows == repositories for _, rows in recorded), recorded
        _whole_report(out, reference_markdown)
    assert killed_while_running >= 4  # most kills landed inside the runs
    # The killed scans' pool workers end too (they watch their parent), rather than wait forever.
    deadline = time.monotonic() + 5
    while _processes_naming(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_naming(tmp_path) == []
    _run_to_the_end(*scan)  # and the next night's job runs as usual
    _run_to_the_end(*report)
    assert len(_whole_scans(history)) >= 2
