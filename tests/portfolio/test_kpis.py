"""The KPI definitions, on hand-made rows and on a scan."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import TypeAdapter

from aigov.policy.sources import load_policy_set
from aigov.portfolio.kpi_model import QualityStability
from aigov.portfolio.kpis import (
    NO_ARTICLE,
    adoption,
    compute_kpis,
    primary_article,
    quality_stability,
    roi,
)
from aigov.portfolio.model import AdoptionSeries, Framing, QualitySeries
from aigov.portfolio.render import policy_source_label, scan_source_label
from aigov.portfolio.scan import ScanOptions, scan
from aigov.portfolio.sources import FolderSource

from .conftest import TODAY, write_repo

FRAMING = TypeAdapter(Framing)
QUALITY = TypeAdapter(QualitySeries)
ADOPTION = TypeAdapter(AdoptionSeries)


def test_roi_uses_the_attribution_share_and_shows_the_model() -> None:
    framing = {
        "budget": {"currency": "EUR", "build_cost": 100_000, "run_cost_per_year": 50_000},
        "expected_value": {
            "currency": "EUR",
            "annual_value": 400_000,
            "attribution_model": "shared",
            "attribution_share": 0.5,
            "horizon_years": 2,
        },
    }
    result = roi(FRAMING.validate_python(framing))
    # value 400k × 0.5 × 2 years = 400k; cost 100k + 2 × 50k = 200k.
    assert result.attribution_model == "shared"
    assert result.status == "ok" and result.attributed_annual_value == 200_000
    assert result.roi == pytest.approx(1.0)
    assert result.payback_months == pytest.approx(100_000 / 150_000 * 12, abs=0.1)
    del framing["expected_value"]["attribution_share"]  # type: ignore[attr-defined]
    assert roi(FRAMING.validate_python(framing)).status == "no data"
    assert roi(Framing()).status == "no data"


def test_quality_stability_over_6_and_12_months() -> None:
    months = [f"2026-{m:02d}-05" for m in range(1, 13)]
    values = [0.80, 0.80, 0.79, 0.81, 0.80, 0.80, 0.78, 0.75, 0.77, 0.79, 0.80, 0.80]
    quality = {
        "metric": "auc",
        "threshold": 0.76,
        "direction": "higher_is_better",
        "points": [[d, v] for d, v in zip(months, values, strict=True)],
    }
    result = quality_stability(QUALITY.validate_python(quality))
    assert isinstance(result, QualityStability)
    assert result.months_12.points == 12 and result.months_6.points == 6
    assert result.months_12.worst_drop == pytest.approx(0.81 - 0.75)
    assert result.months_12.margin == pytest.approx(0.75 - 0.76)
    assert result.months_12.breaches == 1
    assert result.months_6.cv is not None and 0 < result.months_6.cv < 0.03
    lower = quality_stability(
        QUALITY.validate_python({**quality, "direction": "lower_is_better", "threshold": 0.82})
    )
    assert isinstance(lower, QualityStability)
    assert lower.months_12.worst_drop == pytest.approx(0.80 - 0.75)  # worst rise after a low
    no_points = QUALITY.validate_python({**quality, "points": []})
    assert quality_stability(no_points).status == "no data"
    assert quality_stability(None).status == "no data"


def test_adoption_against_the_daily_target() -> None:
    points = [[f"2026-11-{d:02d}", 100.0 if d % 2 else 60.0] for d in range(1, 31)]
    result = adoption(
        ADOPTION.validate_python({"metric": "calls", "target_per_day": 80, "points": points})
    )
    assert result.status == "ok"
    assert result.last_30d_mean == pytest.approx(80.0, abs=1.5)
    assert result.days_on_target == pytest.approx(0.5)
    empty = ADOPTION.validate_python({"metric": "calls", "target_per_day": 80, "points": []})
    assert adoption(empty).status == "no data"


def test_portfolio_kpis_on_a_scan(portfolio_dir: Path) -> None:
    kpis = compute_kpis(scan(FolderSource(portfolio_dir), ScanOptions(today=TODAY, jobs=1)))
    # alpha (production), bravo/echo (poc), charlie (industrialization) reached the POC.
    assert kpis.conversion.data() == {"reached_poc": 4, "reached_production": 1, "rate": 0.25}
    funnel = {s.stage: (s.reached, s.current) for s in kpis.funnel}
    assert funnel["ideation"] == (5, 1) and funnel["production"] == (1, 1)
    assert kpis.time_to_market.status == "ok" and kpis.time_to_market.median_days == 4 * 60
    stuck = kpis.compliance.stuck_in_poc
    assert [s.repository for s in stuck] == ["bravo"]  # echo is in POC for < 180 days
    assert kpis.errors[0].id == "zulu-broken"
    projects = {p.id: p for p in kpis.projects}
    assert projects["alpha"].timeline_source == "manifest"
    assert projects["alpha"].quality.status == "no data"
    assert kpis.compliance.pass_rate is not None and 0 <= kpis.compliance.pass_rate <= 1


def test_waiver_debt_and_outdated_packs(tmp_path: Path) -> None:
    root = tmp_path / "repos"
    waiver = {
        "rule": "GDPR-30-ROPA",
        "reason": "Register entry pending",
        "approved_by": "dpo@example.com",
        "ticket": "RISK-1",
        "expires": "2027-01-31",
        "stage": "ideation",
        "granted_on": "2026-10-25",
    }
    write_repo(root, "waived", "ideation", waivers=[waiver])
    write_repo(
        root, "old-packs", "ideation", published_packs=[{"name": "gdpr", "version": "0.9.0"}]
    )
    gdpr = load_policy_set().pack("gdpr")
    assert gdpr is not None
    write_repo(
        root, "new-packs", "ideation", published_packs=[{"name": "gdpr", "version": gdpr.version}]
    )
    kpis = compute_kpis(scan(FolderSource(root), ScanOptions(today=TODAY, jobs=1)))
    debt = kpis.compliance.waiver_debt
    assert debt.open == 1 and debt.total_age_days == 30
    outdated = [o.data() for o in kpis.compliance.outdated_packs]
    assert outdated == [
        {
            "repository": "old-packs",
            "packs": [{"pack": "gdpr", "version": "0.9.0", "current": gdpr.version}],
        }
    ]
    assert kpis.compliance.outdated_known == 2


def test_each_blocking_finding_counts_once_under_the_first_article_it_cites() -> None:
    cites = ["aigov lifecycle practice: set thresholds", "EU AI Act Art. 9(2)", "GDPR Art. 5"]
    assert primary_article(cites) == "EU AI Act Art. 9"
    assert primary_article(["EU AI Act Annex IV(2)(b)", "EU AI Act Art. 11"]) == (
        "EU AI Act Annex IV"
    )
    assert primary_article(["aigov lifecycle practice"]) == NO_ARTICLE
    assert primary_article([]) == NO_ARTICLE


def test_the_posture_adds_up_and_gives_aigov_s_own_checks_a_column(tmp_path: Path) -> None:
    root = tmp_path / "repos"
    # No approver of the built-in org config granted this waiver: AIGOV-WAIVER, pack "aigov".
    waiver = {
        "rule": "LC-RISK-SCREENING",
        "reason": "Screening next week",
        "approved_by": "someone@example.com",
        "ticket": "RISK-2",
        "expires": "2026-12-31",
        "stage": "poc",
    }
    write_repo(root, "waived", "poc", waivers=[waiver])
    write_repo(root, "plain", "production")
    result = scan(FolderSource(root), ScanOptions(today=TODAY, jobs=1))
    compliance = compute_kpis(result).compliance
    blocking = [f for row in result.results for f in row.findings if f.blocking]
    assert len(blocking) == compliance.blocking_total > 0
    assert sum(compliance.blocking_by_article.values()) == compliance.blocking_total
    assert sum(compliance.blocking_by_pack.values()) == compliance.blocking_total
    # Findings that cite several articles exist, and are still counted once.
    assert any(len(f.references) > 1 for f in blocking)
    evaluated = [p.name for p in result.policy.packs]
    assert list(compliance.packs) == [*evaluated, "aigov"]
    assert compliance.heatmap["waived"]["aigov"].blocking == 1
    assert compliance.heatmap["plain"]["aigov"].blocking == 0


@pytest.mark.parametrize(
    ("source", "label"),
    [
        ("builtin", "built-in packs"),
        ("examples/org-policies", "local policy folder"),
        ("/home/ci/policies", "local policy folder"),
        ("git+file:///srv/policies@v1.2.0", "local policy repository"),
        (
            "https://git.example.com/org/policies@v1.2.0",
            "https://git.example.com/org/policies@v1.2.0",
        ),
    ],
)
def test_a_report_never_names_a_local_policy_path(source: str, label: str) -> None:
    assert policy_source_label(source) == label


def test_a_report_names_a_local_scan_source_by_its_folder() -> None:
    assert scan_source_label("dir:/home/ci/checkouts/repos") == "dir:repos"
    assert scan_source_label("repos:/srv/lists/ai.txt") == "repos:ai.txt"
    assert scan_source_label("github:acme") == "github:acme"
