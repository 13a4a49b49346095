"""Portfolio fixtures: small synthetic repositories written into temporary folders."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

TODAY = dt.date(2026, 11, 24)
STAGES = ["ideation", "data-exploration", "poc", "industrialization", "production"]


def write_repo(
    root: Path,
    repo_id: str,
    stage: str = "ideation",
    *,
    name: str | None = None,
    start: dt.date = dt.date(2025, 1, 6),
    step_days: int = 60,
    impact: int = 3,
    data_maturity: int = 3,
    build_cost: float = 100_000,
    annual_value: float = 400_000,
    attribution_model: str = "direct",
    waivers: list[dict[str, Any]] | None = None,
    published_packs: list[dict[str, str]] | None = None,
) -> Path:
    """A repository with a valid manifest at ``stage`` (timeline dates every ``step_days``)."""
    folder = root / repo_id
    folder.mkdir(parents=True)
    reached = STAGES[: STAGES.index(stage) + 1] if stage in STAGES else ["ideation"]
    manifest: dict[str, Any] = {
        "apiVersion": "aigov/v1",
        "kind": "AIProject",
        "metadata": {
            "id": repo_id,
            "name": name or f"Project {repo_id}",
            "owner": "Data team",
            "business_unit": "Retail",
        },
        "stage": stage,
        "timeline": {
            s: (start + dt.timedelta(days=i * step_days)).isoformat() for i, s in enumerate(reached)
        },
        "framing": {
            "problem": "A problem worth solving.",
            "budget": {"currency": "EUR", "build_cost": build_cost, "run_cost_per_year": 20_000},
            "expected_value": {
                "currency": "EUR",
                "annual_value": annual_value,
                "attribution_model": attribution_model,
            },
            "impact": impact,
            "feasibility": {"data_maturity": data_maturity, "it_maturity": 3},
        },
    }
    if waivers:
        manifest["waivers"] = waivers
    (folder / "aigov.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), "utf-8")
    if published_packs is not None:
        (folder / ".aigov").mkdir()
        (folder / ".aigov" / "result.json").write_text(
            '{"packs": ' + str(published_packs).replace("'", '"') + "}", "utf-8"
        )
    return folder


@pytest.fixture
def portfolio_dir(tmp_path: Path) -> Path:
    """Five repositories (ideation → production) and one broken."""
    root = tmp_path / "repos"
    root.mkdir()
    write_repo(root, "alpha", "production", impact=5, data_maturity=4, build_cost=300_000)
    write_repo(root, "bravo", "poc", start=dt.date(2025, 1, 6), step_days=100)
    write_repo(root, "charlie", "industrialization", attribution_model="estimated")
    write_repo(root, "delta", "ideation", name="<script>alert('x')</script> | **bold**")
    write_repo(root, "echo", "poc", start=dt.date(2026, 6, 1), step_days=30)
    broken = root / "zulu-broken"
    broken.mkdir()
    (broken / "aigov.yaml").write_text("apiVersion: aigov/v1\nkind: [unclosed\n", "utf-8")
    return root
