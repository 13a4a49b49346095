"""Portfolio scan + report of N synthetic repositories: wall time and peak RSS.

    python benchmarks/bench_portfolio.py [N ...]     # default: 1000

Each N runs ``aigov portfolio scan --dir`` then ``aigov portfolio report`` in fresh processes
(no cache: every repository is evaluated), and reports the wall time and the peak RSS of each
(``ru_maxrss`` of the process and its worker children). Targets: 1,000 ≤ 20 s, 10,000 ≤ 200 s,
peak RSS ≤ 500 MB at 10,000.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from portfolio_repos import generate  # noqa: E402


def _timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of the largest process among the command and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024


def measure(count: int) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        root = generate(Path(tmp) / "repos", count)
        scan_file = Path(tmp) / "scan.json"
        aigov = [sys.executable, "-m", "aigov", "portfolio"]
        scan_s, scan_mb = _timed(
            [*aigov, "scan", "--dir", str(root), "--no-cache", "-o", str(scan_file)]
        )
        report_s, report_mb = _timed(
            [
                *aigov,
                "report",
                str(scan_file),
                "--history",
                str(Path(tmp) / "h.sqlite"),
                "--out",
                str(Path(tmp) / "out"),
            ]
        )
        html = (Path(tmp) / "out" / "portfolio.html").stat().st_size / 1e6
    return [
        (f"portfolio {count:,} repositories: scan", f"{scan_s:.1f} s, peak RSS {scan_mb:.0f} MB"),
        (
            f"portfolio {count:,} repositories: report",
            f"{report_s:.1f} s, HTML {html:.1f} MB, peak RSS so far {report_mb:.0f} MB",
        ),
        (f"portfolio {count:,} repositories: scan + report", f"{scan_s + report_s:.1f} s"),
    ]


def run() -> list[tuple[str, str]]:
    """The 1,000-repository figures (the 10,000 case: run this file with 10000)."""
    return measure(1000)


if __name__ == "__main__":
    counts = [int(a) for a in sys.argv[1:]] or [1000]
    for count in counts:
        for figure, value in measure(count):
            print(f"{figure:<50} {value}")
