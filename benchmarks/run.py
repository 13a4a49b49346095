"""Run every benchmark of aigov and print one table of figures.

    python benchmarks/run.py

Figures are measured here, never asserted in unit tests: timing on a shared 2-core machine is
noisy, so targets are compared by a person reading this table (and quoted in closing notes).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
EXAMPLE = PROJECT / "examples" / "credit-scoring"

Row = tuple[str, str, str]  # figure, value, target


def cold_cli_wall_time(args: list[str], runs: int = 15) -> tuple[float, float]:
    """Median and max wall time (ms) of a fresh ``aigov`` process, after one warm-up run."""
    command = [sys.executable, "-m", "aigov", *args]
    subprocess.run(command, capture_output=True, check=False)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def heavy_imports(args: list[str]) -> list[str]:
    """Heavy modules imported by a CLI run (seen through ``python -X importtime``)."""
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "aigov", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    heavy = ("mlflow", "great_expectations", "github", "gitlab", "pandas")
    found = set()
    for line in completed.stderr.splitlines():
        name = line.rsplit("|", 1)[-1].strip()
        if name.split(".")[0] in heavy:
            found.add(name.split(".")[0])
    return sorted(found)


def bench_validate() -> list[Row]:
    median, worst = cold_cli_wall_time(["validate", str(EXAMPLE)])
    heavy = heavy_imports(["validate", str(EXAMPLE)])
    return [
        (
            "aigov validate, cold wall time, median of 15 (credit-scoring)",
            f"{median:.0f} ms",
            "<= 250 ms",
        ),
        ("aigov validate, cold wall time, worst of 15", f"{worst:.0f} ms", ""),
        ("aigov validate, heavy imports", ", ".join(heavy) or "none", "none"),
    ]


# Each benchmark module runs in a fresh interpreter: peak-memory figures (ru_maxrss) and import
# times must not inherit what an earlier benchmark loaded (Great Expectations, a million rows).
_RUN_ONE = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location(sys.argv[1], sys.argv[2])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps(module.run()))
"""


def _module_benchmark(path: Path) -> list[Row]:
    """The rows of one ``bench_*.py`` module exposing ``run() -> [(figure, value)]``."""
    completed = subprocess.run(
        [sys.executable, "-c", _RUN_ONE, path.stem, str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=PROJECT,
    )
    if completed.returncode != 0:
        # One missing extra must not hide the other figures.
        reason = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        return [(f"{path.stem}: not measured", "failed", reason[:80])]
    return [(figure, value, "") for figure, value in json.loads(completed.stdout.splitlines()[-1])]


def main() -> None:
    rows: list[Row] = bench_validate()
    for path in sorted(HERE.glob("bench_*.py")):
        rows.extend(_module_benchmark(path))
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'value':>14}  target")
    for figure, value, target in rows:
        print(f"{figure:<{width}}  {value:>14}  {target}")


if __name__ == "__main__":
    main()
