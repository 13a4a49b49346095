"""Benchmark of the policy expression layer (aigov.policy.cel), on one core.

Standalone: ``python benchmarks/bench_expressions.py``. ``run()`` returns the rows for
``benchmarks/run.py``. Figures: import time of the module in a fresh interpreter, compile time,
context preparation, and evaluations per second for typical rules against a realistic context.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

_SRC = Path(__file__).resolve().parent.parent / "src"
if _SRC.is_dir() and str(_SRC) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(_SRC))

from aigov.policy.cel import (  # noqa: E402
    compile_expression,
    prepare_context,
)

RULES: dict[str, str] = {
    "equality": 'manifest.risk.ai_act.category == "high"',
    "has()": "has(model_card.human_oversight.override)",
    "all() over success criteria": (
        "manifest.success_criteria.all(c, has(c.metric) && has(c.threshold)"
        ' && c.direction in ["higher_is_better", "lower_is_better"])'
    ),
    "implication": '!manifest.risk.gdpr.personal_data || manifest.risk.gdpr.lawful_basis != ""',
    "nested exists() over 150 properties": (
        "contracts.exists(c, c.schema.exists(s, s.properties.exists(p,"
        ' p.classification == "restricted")))'
    ),
    "dates (3 custom calls)": (
        "days_between(date(manifest.poc.started), today) <= org.max_poc_days"
        ' && date(manifest.approvals[0].date) <= today && duration_days("P6M") >= 180'
    ),
}


def realistic_context() -> dict[str, Any]:
    """A context the size of a real project: manifest, model card, 3 data contracts, evidence."""
    manifest = {
        "metadata": {"id": "credit-scoring", "name": "Credit scoring", "owner": "risk-team"},
        "stage": "industrialization",
        "risk": {
            "ai_act": {"category": "high", "annex_iii": "5(b)"},
            "gdpr": {"personal_data": True, "lawful_basis": "contract", "dpia": "DPIA-12"},
        },
        "success_criteria": [
            {"metric": f"m{i}", "threshold": 0.8, "direction": "higher_is_better"} for i in range(6)
        ],
        "approvals": [
            {"stage": stage, "by": "jane.doe", "date": f"2026-0{i + 1}-15"}
            for i, stage in enumerate(["ideation", "poc", "industrialization"])
        ],
        "poc": {"started": "2026-02-01", "ended": "2026-04-30"},
        "artefacts": {name: f"docs/{name}.md" for name in ["model_card", "dpia", "runbook"]},
    }
    model_card = {
        "human_oversight": {"override": "On-call analyst can stop scoring", "monitoring": "daily"},
        "intended_use": "Pre-screening of credit applications",
        "limitations": ["Not for applicants under 18", "Retrain yearly"],
        "metrics": {f"m{i}": 0.85 for i in range(6)},
    }
    contracts = [
        {
            "id": f"contract-{n}",
            "schema": [
                {
                    "name": f"table_{t}",
                    "properties": [
                        {"name": f"col_{c}", "classification": "internal", "required": c < 3}
                        for c in range(10)
                    ],
                }
                for t in range(5)
            ],
        }
        for n in range(3)
    ]
    evidence = {
        "mlflow": {"runs": [{"id": f"run-{i}", "metrics": {"m0": 0.9}} for i in range(20)]},
        "data_quality": {"suites": [{"name": f"suite-{i}", "success": True} for i in range(10)]},
    }
    return {
        "manifest": manifest,
        "model_card": model_card,
        "contracts": contracts,
        "evidence": evidence,
        "change": {"files": [f"src/file_{i}.py" for i in range(30)], "stage_changed": False},
        "org": {"max_poc_days": 120, "blocking_severity": "high"},
        "rule": {"id": "BENCH-1"},
        "today": dt.date(2026, 11, 24),
    }


def _best_seconds(action: Callable[[], object], number: int, repeat: int = 5) -> float:
    """Best time per call over ``repeat`` rounds of ``number`` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            action()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def _import_seconds(statement: str) -> float:
    """Best wall time of ``statement`` in a fresh interpreter (bytecode cached, as installed)."""
    code = (
        "import time\n"
        "start = time.perf_counter()\n"
        f"{statement}\n"
        "print(time.perf_counter() - start)\n"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, PYTHONPYCACHEPREFIX=cache)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPATH"] = os.pathsep.join([str(_SRC), env.get("PYTHONPATH", "")])
        timings = []
        for _ in range(6):  # the first run writes the bytecode cache
            done = subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
            )
            timings.append(float(done.stdout.strip()))
    return min(timings[1:])


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} µs"


def run() -> list[tuple[str, str]]:
    """Measure and return (figure, value) rows."""
    rows: list[tuple[str, str]] = []
    rows.append(("import aigov.policy.cel", _ms(_import_seconds("import aigov.policy.cel"))))
    rows.append(
        (
            "import + first compile (loads the CEL extension)",
            _ms(
                _import_seconds(
                    "from aigov.policy.cel import compile_expression\ncompile_expression('1 == 1')"
                )
            ),
        )
    )
    rows.append(("import cel (whole package, avoided)", _ms(_import_seconds("import cel"))))

    uncached = compile_expression.__wrapped__  # bypass the per-source cache
    compile_times = [_best_seconds(partial(uncached, source), 200) for source in RULES.values()]
    rows.append(("compile, mean of the rules below", _us(sum(compile_times) / len(compile_times))))
    rows.append(
        ("compile, cached", _us(_best_seconds(lambda: compile_expression("1 == 1"), 10000)))
    )

    context = realistic_context()
    rows.append(
        (
            "prepare_context (realistic context)",
            _us(_best_seconds(lambda: prepare_context(context), 200)),
        )
    )
    prepared = prepare_context(context)

    total = 0.0
    for name, source in RULES.items():
        expression = compile_expression(source)
        assert expression.evaluate_bool(prepared) in (True, False)
        seconds = _best_seconds(partial(expression.evaluate_bool, prepared), 20000)
        total += seconds
        rows.append((f"evaluations/s: {name}", f"{1 / seconds:,.0f}"))
    rows.append(("evaluations/s: the 6 rules in turn", f"{len(RULES) / total:,.0f}"))

    first = compile_expression(next(iter(RULES.values())))
    seconds = _best_seconds(lambda: first.evaluate_bool(context), 200)
    rows.append(("evaluations/s: equality, unprepared dict context", f"{1 / seconds:,.0f}"))
    return rows


def main() -> None:
    rows = run()
    width = max(len(name) for name, _ in rows)
    print(f"{'figure'.ljust(width)}  value")
    print(f"{'-' * width}  {'-' * 12}")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")


if __name__ == "__main__":
    main()
