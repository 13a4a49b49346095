"""Generate N synthetic AI repositories for the portfolio benchmark.

    python benchmarks/portfolio_repos.py DIR N

Each repository is a folder with a realistic ``aigov.yaml`` (stage spread over the lifecycle,
framing sheet with budget, value and scores, GDPR/AI Act sections, the odd waiver and a
published CI result on an older pack version); about 1 % are broken (invalid YAML) so the
scan's error rows are exercised. Deterministic for a given N.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

STAGES = ["ideation", "data-exploration", "poc", "industrialization", "production"]
MODELS = ["direct", "incremental", "estimated", "shared"]


def manifest(i: int, rng: random.Random) -> str:
    stage = rng.choices(STAGES, weights=[20, 15, 30, 15, 20])[0]
    start = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(0, 700))
    dates, day = [], start
    for s in STAGES[: STAGES.index(stage) + 1]:
        dates.append(f"  {s}: {day.isoformat()}")
        day += dt.timedelta(days=rng.randrange(20, 200))
    model = rng.choice(MODELS)
    share = f"\n    attribution_share: {rng.choice([0.3, 0.5, 0.7])}" if model == "shared" else ""
    waiver = ""
    if rng.random() < 0.1:
        waiver = f"""
waivers:
  - rule: GDPR-30-ROPA
    reason: Register entry being written
    approved_by: dpo@example.com
    ticket: RISK-{i}
    expires: 2027-0{rng.randrange(1, 9)}-15
    stage: {stage}
    granted_on: 2026-{rng.randrange(6, 11):02d}-01
"""
    return f"""apiVersion: aigov/v1
kind: AIProject
metadata:
  id: project-{i:05d}
  name: Use case {i} — {rng.choice(["churn", "fraud", "forecast", "triage", "pricing"])}
  owner: Team {i % 37}
  business_unit: BU {i % 11}
stage: {stage}
timeline:
{chr(10).join(dates)}
framing:
  problem: Synthetic problem statement number {i}.
  budget:
    currency: EUR
    build_cost: {rng.randrange(50, 900) * 1000}
    run_cost_per_year: {rng.randrange(10, 200) * 1000}
  expected_value:
    currency: EUR
    annual_value: {rng.randrange(100, 5000) * 1000}
    attribution_model: {model}{share}
  impact: {rng.randrange(1, 6)}
  feasibility: {{data_maturity: {rng.randrange(1, 6)}, it_maturity: {rng.randrange(1, 6)}}}
risk:
  gdpr:
    personal_data: {str(rng.random() < 0.5).lower()}
    lawful_basis: legitimate_interests
  ai_act:
    role: deployer
    category: {rng.choice(["minimal", "limited", "high"])}
{waiver}"""


def generate(root: Path, count: int, seed: int = 7) -> Path:
    """Write ``count`` repositories under ``root`` (which must not exist yet)."""
    rng = random.Random(seed)
    root.mkdir(parents=True)
    for i in range(count):
        folder = root / f"repo-{i:05d}"
        folder.mkdir()
        text = manifest(i, rng) if i % 100 != 99 else "apiVersion: aigov/v1\nkind: [broken\n"
        (folder / "aigov.yaml").write_text(text, encoding="utf-8")
        if i % 20 == 0:
            (folder / ".aigov").mkdir()
            version = "0.9.0" if i % 40 == 0 else "1.0.0"
            (folder / ".aigov" / "result.json").write_text(
                f'{{"packs": [{{"name": "gdpr", "version": "{version}"}}]}}', encoding="utf-8"
            )
    return root


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]))
