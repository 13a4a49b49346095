"""Benchmark of the policy engine on one core: pack loading and rule evaluations per second.

Standalone: ``python benchmarks/bench_engine.py``. ``run()`` returns the rows for
``benchmarks/run.py``. Targets: >= 100,000 rule evaluations/s, <= 100 ms to load the built-in
packs. Uses the built-in packs, or a synthetic pack of typical rules while they are missing.
"""

from __future__ import annotations

import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_PROJECT = Path(__file__).resolve().parent.parent
_SRC = _PROJECT / "src"
if _SRC.is_dir() and str(_SRC) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(_SRC))

from aigov.documents.repository import load_repository  # noqa: E402
from aigov.documents.types import STAGES  # noqa: E402
from aigov.policy.cel import compile_expression, prepare_context  # noqa: E402
from aigov.policy.context import build_context  # noqa: E402
from aigov.policy.engine import evaluate, evaluate_rule  # noqa: E402
from aigov.policy.sources import (  # noqa: E402
    PolicySet,
    load_pack_folders,
    load_policy_set,
)

EXAMPLE = _PROJECT / "examples" / "credit-scoring"
TODAY = dt.date(2026, 11, 24)

SYNTHETIC_RULES = """\
- id: SYN-DPIA
  title: DPIA completed
  severity: critical
  references: ["GDPR Art. 35"]
  applies: {when: 'manifest.risk.gdpr.personal_data'}
  assert: manifest.risk.gdpr.dpia.status == "completed" && has(manifest.risk.gdpr.dpia.reference)
  message: m
  remediation: r
- id: SYN-OVERSIGHT
  title: Oversight
  severity: high
  references: ["EU AI Act Art. 14"]
  applies: {when: 'manifest.risk.ai_act.category == "high"'}
  assert: has(model_card.human_oversight.override)
  message: m
  remediation: r
- id: SYN-CRITERIA
  title: Criteria
  severity: medium
  references: ["Charter"]
  assert: size(manifest.success_criteria) > 0 && manifest.success_criteria.all(c, has(c.metric))
  message: m
  remediation: r
- id: SYN-APPROVAL
  title: Approval
  severity: high
  references: ["Charter"]
  assert: manifest.approvals.exists(a, a.to_stage == manifest.stage && a.decision == "approved")
  message: m
  remediation: r
- id: SYN-RETENTION
  title: Retention
  severity: medium
  references: ["GDPR Art. 5(1)(e)"]
  assert: duration_days(manifest.risk.gdpr.retention) <= 3650
  message: m
  remediation: r
"""

SYNTHETIC_PACK = """\
apiVersion: aigov/v1
kind: PolicyPack
name: synthetic
version: 1.0.0
title: Synthetic pack of typical rules
source: {title: Benchmark}
"""


def _policy_set() -> tuple[PolicySet, str]:
    try:
        policy_set = load_policy_set()
        if policy_set.rules:
            return policy_set, "built-in packs"
    except Exception:
        pass
    folder = Path(tempfile.mkdtemp()) / "synthetic"
    (folder / "rules").mkdir(parents=True)
    (folder / "pack.yaml").write_text(SYNTHETIC_PACK, encoding="utf-8")
    (folder / "rules" / "main.yaml").write_text(SYNTHETIC_RULES, encoding="utf-8")
    return load_pack_folders([folder]), "synthetic pack"


def load_time_ms(runs: int = 7) -> tuple[float, float]:
    """(median in-process load with the compile cache cleared, load in a fresh process)."""
    load_policy_set()  # imports, pydantic model building, CEL extension
    samples = []
    for _ in range(runs):
        compile_expression.cache_clear()
        started = time.perf_counter()
        load_policy_set()
        samples.append((time.perf_counter() - started) * 1000)
    fresh = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, time; sys.path.insert(0, sys.argv[1])\n"
            "from aigov.policy.sources import load_policy_set\n"
            "started = time.perf_counter(); load_policy_set()\n"
            "print((time.perf_counter() - started) * 1000)",
            str(_SRC),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    first = float(fresh.stdout.strip() or "nan")
    return statistics.median(samples), first


def evaluations_per_second(policy_set: PolicySet, seconds: float = 1.0) -> tuple[float, int]:
    """Rule evaluations (applicability + assert) per second against the example repository.

    Every stage is active so that every rule is evaluated, not skipped on its stage list.
    """
    repository = load_repository(EXAMPLE)
    context = build_context(repository, policy_set.org, evidence={}, change={}, today=TODAY)
    prepared = prepare_context(context)
    rules = [(rule, policy_set.effective_dates.get(rule.id)) for rule in policy_set.rules]
    count = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for rule, effective_from in rules:
            evaluate_rule(rule, prepared, STAGES, TODAY, effective_from)
        count += len(rules)
    return count / (time.perf_counter() - started), len(rules)


def evaluate_ms(policy_set: PolicySet, runs: int = 20) -> float:
    """Median time of a whole ``evaluate()`` (context, waivers, findings) of the example."""
    repository = load_repository(EXAMPLE)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        evaluate(repository, policy_set, {}, TODAY)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def run() -> list[tuple[str, str]]:
    policy_set, label = _policy_set()
    rate, rules = evaluations_per_second(policy_set)
    rows = [
        (
            f"rule evaluations/s, one core ({label}, {rules} rules, credit-scoring)",
            f"{rate:,.0f}",
        ),
        ("evaluate() of credit-scoring, median", f"{evaluate_ms(policy_set):.2f} ms"),
    ]
    if label == "built-in packs":
        warm, first = load_time_ms()
        rows += [
            ("load built-in packs, median (compile cache cleared)", f"{warm:.0f} ms"),
            ("load built-in packs, first load in a fresh process", f"{first:.0f} ms"),
        ]
    return rows


if __name__ == "__main__":
    for figure, value in run():
        print(f"{figure:<75} {value:>12}")
