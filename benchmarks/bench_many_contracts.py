"""Benchmark: a repository with thousands of data contracts through ``aigov validate`` and
``aigov check`` — wall time and peak memory (max RSS) of a fresh process each.

Standalone: ``python benchmarks/bench_many_contracts.py [N]`` (default 3,000); ``run()`` gives
``benchmarks/run.py`` its rows. The results are checked too (validate exits 0 and lists every
contract; check gives the same verdict and rules as the one-contract example), so a fast wrong
answer does not pass for a figure.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from many_contracts import EXAMPLE, write_repository

COUNT = 3000


def _measure(args: list[str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall seconds, peak RSS (MiB) and the result of one fresh ``python -m aigov`` process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "aigov", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "AIGOV_NO_CACHE": "1"},
    )
    stdout, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    # RUSAGE_CHILDREN is the max over all reaped children: measure each in its own helper.
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    completed = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    return elapsed, peak_kib / 1024, completed


def _in_fresh_interpreter(args: list[str]) -> tuple[float, float, int, str]:
    """Run :func:`_measure` in a child interpreter so that the peak RSS is this run's alone."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]);"
        "from bench_many_contracts import _measure;"
        "s, m, r = _measure(sys.argv[2:]);"
        "print(json.dumps([s, m, r.returncode, r.stdout]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(Path(__file__).resolve().parent), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, mib, exit_code, stdout = json.loads(out.stdout)
    return seconds, mib, exit_code, stdout


def _figure(seconds: float, mib: float) -> str:
    return f"{seconds:.2f} s / {mib:.0f} MiB"


def run(count: int = COUNT) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as folder:
        root = write_repository(Path(folder) / "repo", count)
        seconds, mib, code, out = _in_fresh_interpreter(["validate", str(root), "-f", "json"])
        files = json.loads(out)["files"]
        assert code == 0 and len(files) == count + 2, (code, len(files))
        rows.append(
            (
                f"aigov validate, {count:,} contracts: wall / peak RSS",
                f"{seconds:.2f} s / {mib:.0f} MiB",
            )
        )
        check = ["check", "-f", "json", "--today", "2026-11-24", "--skip-evidence", "git"]
        seconds, mib, code, out = _in_fresh_interpreter([*check[:1], str(root), *check[1:]])
        _, _, one_code, one_out = _in_fresh_interpreter([*check[:1], str(EXAMPLE), *check[1:]])
        many, one = json.loads(out), json.loads(one_out)
        assert code == one_code and many["decision"] == one["decision"]
        assert {f["rule_id"] for f in many["findings"]} == {f["rule_id"] for f in one["findings"]}
        rows.append(
            (
                f"aigov check, {count:,} contracts: wall / peak RSS",
                f"{seconds:.2f} s / {mib:.0f} MiB",
            )
        )
        size = sum(p.stat().st_size for p in (root / "contracts").iterdir()) / 1024 / 1024
        rows.append((f"{count:,} contracts on disk", f"{size:.1f} MiB"))
    return rows


if __name__ == "__main__":
    for figure, value in run(int(sys.argv[1]) if len(sys.argv) > 1 else COUNT):
        print(f"{figure:<70} {value}")
