"""Benchmark of ``aigov check``: cold wall time of a fresh process, heavy imports, and phases.

Standalone: ``python benchmarks/bench_check.py``. ``run()`` returns the rows for
``benchmarks/run.py``. Target (issue 4): ``aigov check`` on an example, cold, no heavy evidence,
≤ 300 ms median on the project's 2-core machine, and no mlflow, great_expectations, github or
gitlab import on that path.

"No heavy evidence": ``customer-chatbot`` (poc, no model registry: its rules read git history
only) as it is, and ``credit-scoring`` (production) with ``--skip-evidence mlflow``. The README's
main command, which reads the MLflow store, is timed too, for information.

Timings are taken twice: as the environment is (this machine sets PYTHONDONTWRITEBYTECODE=1, so
every module is compiled from source at each start) and with bytecode caching allowed, which is
how a ``pip install``ed aigov runs in CI (pip compiles the .pyc files at install).

Packs come from the pack cache as ``aigov check`` reads them (the built-in packs from the entries
shipped in the package, so even a fresh runner skips parsing them); ``--no-cache`` rows show
the cost of parsing every pack from source.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
_SRC = PROJECT / "src"
if _SRC.is_dir() and str(_SRC) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(_SRC))

ORG = "examples/org-policies"
NO_HEAVY_EVIDENCE = {
    "customer-chatbot": ["check", "examples/customer-chatbot", "--policies", ORG],
    "credit-scoring, --skip-evidence mlflow": [
        "check",
        "examples/credit-scoring",
        "--policies",
        ORG,
        "--skip-evidence",
        "mlflow",
    ],
}
MAIN_COMMAND = ["check", "examples/credit-scoring", "--policies", ORG]
# Pull-request mode as CI runs it: the stage change, the changed files and the policy folder
# read at the base commit (needs this checkout's history).
PULL_REQUEST = [*NO_HEAVY_EVIDENCE["customer-chatbot"], "--base", "HEAD~1"]
# GitPython ("git") too: the check path reads git through plumbing commands.
HEAVY = ("mlflow", "great_expectations", "github", "gitlab", "pandas", "git")


def _env(bytecode: bool) -> dict[str, str]:
    env = dict(os.environ)
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def cold_wall_ms(args: list[str], *, runs: int = 15, bytecode: bool) -> tuple[float, float]:
    """Median and worst wall time (ms) of a fresh ``python -m aigov`` after one warm-up run."""
    command = [sys.executable, "-m", "aigov", *args]
    env = _env(bytecode)
    subprocess.run(command, capture_output=True, check=False, cwd=PROJECT, env=env)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False, cwd=PROJECT, env=env)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def _has_parent_commit() -> bool:
    completed = subprocess.run(
        ["git", "rev-parse", "--is-shallow-repository", "--verify", "--quiet", "HEAD~1"],
        capture_output=True,
        text=True,
        check=False,
        cwd=PROJECT,
    )
    return completed.returncode == 0 and completed.stdout.startswith("false")


def heavy_imports(args: list[str]) -> list[str]:
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "aigov", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=PROJECT,
    )
    names = {line.rsplit("|", 1)[-1].strip() for line in completed.stderr.splitlines()}
    return sorted({n.split(".")[0] for n in names if n.split(".")[0] in HEAVY})


_PHASES = """
import datetime as dt, sys, time
from pathlib import Path
from aigov.cli import _skip_pydantic_plugin_loader
_skip_pydantic_plugin_loader()  # as the command line does
t0 = time.perf_counter()
from aigov.documents.repository import load_repository
repository = load_repository(Path(sys.argv[1]))
t1 = time.perf_counter()
from aigov.policy.cache import default_cache
from aigov.policy.sources import load_policy_set, parse_policy_source
cache = None if sys.argv[3] == "no-cache" else default_cache()
policy_set = load_policy_set(parse_policy_source(sys.argv[2]), cache=cache)
t2 = time.perf_counter()
from aigov.checking import collect_evidence
stages = (repository.manifest.stage,)
evidence = collect_evidence(repository, policy_set, stages, today=dt.date(2026, 11, 24))
t3 = time.perf_counter()
from aigov.policy.engine import evaluate
evaluate(repository, policy_set, evidence, dt.date(2026, 11, 24))
t4 = time.perf_counter()
print(*(round((b - a) * 1000, 1) for a, b in ((t0, t1), (t1, t2), (t2, t3), (t3, t4))))
"""


def phases_ms(example: str, *, cache: bool = True) -> list[float]:
    """In a fresh process: load repository, load policies, collect evidence, evaluate (ms).

    With ``cache``, the policies come from the pack cache as ``aigov check`` reads them (the
    built-in packs from the entries shipped in the package); without, from source.
    """
    completed = subprocess.run(
        [sys.executable, "-c", _PHASES, example, ORG, "cache" if cache else "no-cache"],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT,
        env=_env(True),
    )
    return [float(x) for x in completed.stdout.split()]


def run() -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for label, args in NO_HEAVY_EVIDENCE.items():
        for bytecode in (True, False):
            median, worst = cold_wall_ms(args, bytecode=bytecode)
            how = "bytecode cached" if bytecode else "PYTHONDONTWRITEBYTECODE=1"
            rows.append(
                (
                    f"aigov check {label}, cold, {how}: median / worst of 15",
                    f"{median:.0f} / {worst:.0f} ms",
                )
            )
        rows.append(
            (f"aigov check {label}: heavy imports", ", ".join(heavy_imports(args)) or "none")
        )
    median, worst = cold_wall_ms(
        [*NO_HEAVY_EVIDENCE["customer-chatbot"], "--no-cache"], bytecode=True
    )
    rows.append(
        (
            "aigov check customer-chatbot --no-cache (packs parsed from source), bytecode cached",
            f"{median:.0f} / {worst:.0f} ms",
        )
    )
    if _has_parent_commit():
        median, worst = cold_wall_ms(PULL_REQUEST, bytecode=True)
        rows.append(
            (
                "aigov check customer-chatbot --base HEAD~1 (pull-request mode), bytecode cached",
                f"{median:.0f} / {worst:.0f} ms",
            )
        )
    median, worst = cold_wall_ms(MAIN_COMMAND, runs=5, bytecode=True)
    rows.append(
        (
            "aigov check credit-scoring with MLflow evidence (README), median / worst of 5",
            f"{median:.0f} / {worst:.0f} ms",
        )
    )
    for cache in (True, False):
        load, policies, evidence, evaluate = phases_ms("examples/customer-chatbot", cache=cache)
        how = "pack cache" if cache else "no cache"
        rows.append(
            (
                f"customer-chatbot phases ({how}): load repo (with imports) / policies / "
                "evidence / evaluate",
                f"{load:.0f} / {policies:.0f} / {evidence:.0f} / {evaluate:.0f} ms",
            )
        )
    return rows


if __name__ == "__main__":
    for figure, value in run():
        print(f"{figure:<88} {value:>20}")
