"""Benchmark of ``aigov validate``: cold wall time of a fresh process, and heavy imports.

Standalone: ``python benchmarks/bench_validate.py``; ``run()`` gives ``benchmarks/run.py`` its
rows. Target (issue 2): ≤ 250 ms median on the project's 2-core machine, no heavy import.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the timing helpers beside this file

from bench_check import cold_wall_ms, heavy_imports

ARGS = ["validate", "examples/credit-scoring"]


def run() -> list[tuple[str, str]]:
    median, worst = cold_wall_ms(ARGS, bytecode=True)
    return [
        (
            "aigov validate credit-scoring, cold, bytecode cached: median / worst of 15 "
            "(target ≤ 250 ms)",
            f"{median:.0f} / {worst:.0f} ms",
        ),
        ("aigov validate: heavy imports", ", ".join(heavy_imports(ARGS)) or "none"),
    ]


if __name__ == "__main__":
    for figure, value in run():
        print(f"{figure:<90} {value}")
