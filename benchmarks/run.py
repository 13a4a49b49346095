"""Run every benchmark of aigov and print one table of figures.

    python benchmarks/run.py

Figures are measured here, never asserted in unit tests: timing on a shared 2-core machine is
noisy, so targets are compared by a person reading this table (and quoted in closing notes).
"""

from __future__ import annotations

import importlib.util
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
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


def _module_benchmarks() -> list[tuple[str, Callable[[], list[tuple[str, str]]]]]:
    """Other benchmark modules in this folder that expose ``run() -> [(figure, value)]``."""
    found = []
    for path in sorted(HERE.glob("bench_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        if spec is None or spec.loader is None:
            continue
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if hasattr(module, "run"):
            found.append((path.stem, module.run))
    return found


def main() -> None:
    rows: list[Row] = bench_validate()
    for name, bench in _module_benchmarks():
        try:
            rows.extend((figure, value, "") for figure, value in bench())
        except Exception as exc:  # one missing extra must not hide the other figures
            rows.append((f"{name}: not measured", type(exc).__name__, str(exc)[:60]))
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'value':>14}  target")
    for figure, value, target in rows:
        print(f"{figure:<{width}}  {value:>14}  {target}")


if __name__ == "__main__":
    main()
