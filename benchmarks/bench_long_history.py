"""Benchmark: a pull request that piles up commits on ``aigov.yaml`` to slow the check down.

A repository whose manifest was changed by ``MAX_MANIFEST_COMMITS`` commits (the most aigov
reads) and by ten times more: ``aigov check`` wall time and peak memory (fresh process each). The
first is the longest the git history can hold a check; the second must be refused at once
(history unavailable, rules on it fail closed), not read for minutes.

Standalone: ``python benchmarks/bench_long_history.py``; ``run()`` gives ``benchmarks/run.py``
its rows. Histories are written with ``git fast-import`` (seconds for 50,000 commits).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aigov.evidence.git_history import MAX_MANIFEST_COMMITS

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLE = PROJECT / "examples" / "customer-chatbot"


def _history(root: Path, commits: int) -> Path:
    """The customer-chatbot example whose manifest went through ``commits`` commits."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    manifest = (EXAMPLE / "aigov.yaml").read_bytes()
    stream = bytearray()
    for n in range(commits):
        content = manifest + f"# revision {n}\n".encode()
        header = (
            f"commit refs/heads/main\ncommitter CI <ci@example.com> {1_700_000_000 + n * 60} "
            f"+0000\ndata 9\nrevision\nM 100644 inline aigov.yaml\ndata {len(content)}\n"
        )
        stream += header.encode() + content + b"\n"
    subprocess.run(["git", "-C", str(root), "fast-import", "--quiet"], input=bytes(stream))
    subprocess.run(["git", "-C", str(root), "checkout", "-q", "-f", "main"], check=True)
    for path in EXAMPLE.iterdir():  # the card and contracts, in one last commit
        if path.name != "aigov.yaml":
            subprocess.run(["cp", "-r", str(path), str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=CI", "-c", "user.email=ci@example.com",
         "commit", "-q", "-m", "card and contracts"],
        check=True,
    )  # fmt: skip
    return root


def _check(root: Path) -> tuple[float, float, dict[str, object]]:
    """Seconds, peak MiB and the JSON result of ``aigov check`` in a fresh interpreter."""
    code = (
        "import json, resource, subprocess, sys, time;"
        "t = time.perf_counter();"
        "r = subprocess.run([sys.executable, '-m', 'aigov', 'check', sys.argv[1], '-f', 'json',"
        " '--today', '2026-11-24'], capture_output=True, text=True);"
        "s = time.perf_counter() - t;"
        "m = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024;"
        "print(json.dumps([s, m, r.stdout]))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True)
    seconds, mib, stdout = json.loads(out.stdout)
    return seconds, mib, json.loads(stdout)


def run() -> list[tuple[str, str]]:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for commits in (MAX_MANIFEST_COMMITS, MAX_MANIFEST_COMMITS * 10):
            started = time.perf_counter()
            root = _history(Path(folder) / f"h{commits}", commits)
            built = time.perf_counter() - started
            seconds, mib, result = _check(root)
            notes = [str(n) for n in result["notes"]]  # type: ignore[union-attr]
            refused = any("aigov reads at most" in n for n in notes)
            assert refused == (commits > MAX_MANIFEST_COMMITS), notes
            what = "refused" if refused else "read"
            rows.append((f"check, {commits:,} manifest commits ({what})", f"{seconds:.2f} s"))
            rows.append((f"  peak memory, {commits:,} commits", f"{mib:.0f} MiB"))
            rows.append((f"  history built with fast-import, {commits:,}", f"{built:.1f} s"))
    return rows


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for figure, value in run():
        print(f"{figure:<48} {value:>10}")
