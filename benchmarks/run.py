"""Run every benchmark of aigov and print one table of figures.

    python benchmarks/run.py

Figures are measured here, never asserted in unit tests: timing on a shared 2-core machine is
noisy, so targets are compared by a person reading this table (and quoted in closing notes).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent

Row = tuple[str, str, str]  # figure, value, note


# Each benchmark module runs in a fresh interpreter: peak-memory figures (ru_maxrss) and import
# times must not inherit what an earlier benchmark loaded (Great Expectations, a million rows).
_RUN_ONE = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location(sys.argv[1], sys.argv[2])
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module  # a dataclass looks its module up there while it is created
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
    rows: list[Row] = []
    for path in sorted(HERE.glob("bench_*.py")):
        if "\ndef run(" not in path.read_text("utf-8"):
            # A benchmark with a command line of its own (bench_hostile.py): named, not run.
            rows.append((f"{path.stem}: run on its own", f"python benchmarks/{path.name}", ""))
            continue
        rows.extend(_module_benchmark(path))
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'value':>14}")
    for figure, value, note in rows:
        print(f"{figure:<{width}}  {value:>14}  {note}".rstrip())


if __name__ == "__main__":
    main()
