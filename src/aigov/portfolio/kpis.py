"""The portfolio's KPIs, computed from a scan (plain data; the report and the history read them).

Definitions (the README's "Portfolio KPIs" section says the same):

- **POC → production conversion**: projects that reached production ÷ projects that reached the
  POC. "Reached" a stage: the current stage is at or after it (``retired`` counts the stages its
  timeline records).
- **Time-to-market**: days from ideation to the first entry into production, from the git stage
  timeline of ``aigov.yaml`` when it starts at ideation, else from the manifest's ``timeline``
  dates (each project says which).
- **ROI per use case**: attributed annual value = ``expected_value.annual_value`` × share, where
  the share is ``attribution_share`` when declared, 1 for ``direct``/``incremental``/``estimated``
  and "no data" for ``shared`` without a share. Over ``horizon_years``: ROI = (value × years −
  cost) ÷ cost with cost = ``build_cost`` + ``run_cost_per_year`` × years; payback = build cost ÷
  (attributed value − run cost) in months. Currencies are never converted.
- **Quality stability** (6 and 12 months before the last point of ``monitoring.performance``'s
  MLflow history): coefficient of variation (population σ ÷ |mean|); worst drop = the largest
  fall from an earlier peak (a rise for ``lower_is_better``); worst value against the threshold
  (margin; negative = breached) and the number of breaches.
- **Daily adoption**: the MLflow metric named by ``monitoring.adoption.metric`` (one value per
  day) against ``target_per_day``: mean of the last 30 days, its ratio to the target, and the
  share of those days at or above target.
- **Compliance posture**: pass rate (decision pass ÷ evaluated repositories), blocking findings by
  pack and by article, open waivers and their age (waiver debt), repositories whose own CI last
  gated with older pack versions (``.aigov/result.json``), projects in POC longer than the org's
  ``limits.max_poc_days``, and the prioritisation matrix (impact × mean feasibility, bubble =
  build cost + one year of run cost).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from aigov.documents.types import STAGES
from aigov.policy.semver import Version, VersionError
from aigov.portfolio.model import PortfolioScan, RepositoryResult

NO_DATA: Final = "no data"
FUNNEL_STAGES: Final = tuple(s for s in STAGES if s != "retired")
_FULL_SHARE: Final = {"direct": 1.0, "incremental": 1.0, "estimated": 1.0}


def compute_kpis(scan: PortfolioScan) -> dict[str, Any]:
    """Every KPI of ``scan`` (see the module docstring)."""
    rows = [r for r in scan.results if r.ok]
    today = scan.today
    projects = [_project(r, today, scan) for r in rows]
    reached_poc = [p for p in projects if _reached(p, "poc")]
    reached_prod = [p for p in projects if _reached(p, "production")]
    ttm = [p["time_to_market"] for p in projects if p["time_to_market"] is not None]
    evaluated = len(rows)
    return {
        "today": today.isoformat(),
        "repositories": len(scan.results),
        "evaluated": evaluated,
        "errors": [
            {"id": r.id, "name": r.name, "error": r.error} for r in scan.results if not r.ok
        ],
        "conversion": {
            "reached_poc": len(reached_poc),
            "reached_production": len(reached_prod),
            "rate": _ratio(len(reached_prod), len(reached_poc)),
        },
        "funnel": _funnel(projects),
        "time_to_market": _ttm_summary(ttm),
        "projects": projects,
        "compliance": _compliance(rows, projects, scan),
        "with_mlflow": scan.with_mlflow,
    }


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _stage_index(stage: str) -> int:
    return STAGES.index(stage) if stage in STAGES else -1


def _reached(project: Mapping[str, Any], stage: str) -> bool:
    if project["stage"] == "retired":
        return stage in project["timeline"]
    return _stage_index(project["stage"]) >= _stage_index(stage)


def _project(row: RepositoryResult, today: dt.date, scan: PortfolioScan) -> dict[str, Any]:
    data = row.data
    info = data.get("project") or {}
    timeline = data.get("timeline") or {}
    stages: dict[str, str] = timeline.get("stages") or {}
    framing = data.get("framing") or {}
    findings = data.get("findings") or []
    monitoring = data.get("monitoring") or {}
    max_poc = int(scan.policy.get("max_poc_days") or 180)
    in_poc_days = None
    if info.get("stage") == "poc" and "poc" in stages:
        in_poc_days = (today - dt.date.fromisoformat(stages["poc"][:10])).days
    ttm = None
    if "ideation" in stages and "production" in stages:
        ttm = (
            dt.date.fromisoformat(stages["production"][:10])
            - dt.date.fromisoformat(stages["ideation"][:10])
        ).days
    return {
        "id": row.id,
        "name": info.get("name") or row.name,
        "project_id": info.get("id"),
        "owner": info.get("owner"),
        "business_unit": info.get("business_unit"),
        "stage": info.get("stage"),
        "decision": data.get("decision"),
        "blocking": sum(1 for f in findings if f.get("blocking")),
        "warnings": sum(1 for f in findings if not f.get("blocking") and not f.get("waived")),
        "waived": sum(1 for f in findings if f.get("waived")),
        "timeline": stages,
        "timeline_source": timeline.get("source"),
        "time_to_market": ttm,
        "in_poc_days": in_poc_days,
        "stuck_in_poc": in_poc_days is not None and in_poc_days > max_poc,
        "roi": roi(framing),
        "impact": framing.get("impact"),
        "feasibility": _feasibility(framing.get("feasibility")),
        "budget": _budget_total(framing.get("budget")),
        "currency": (framing.get("budget") or {}).get("currency"),
        "quality": quality_stability(monitoring.get("quality")),
        "adoption": adoption(monitoring.get("adoption")),
        "mlflow": monitoring.get("mlflow", NO_DATA),
        "cached": row.cached,
    }


def _feasibility(value: Mapping[str, Any] | None) -> float | None:
    if not value:
        return None
    return (float(value["data_maturity"]) + float(value["it_maturity"])) / 2


def _budget_total(budget: Mapping[str, Any] | None) -> float | None:
    if not budget:
        return None
    return float(budget.get("build_cost", 0)) + float(budget.get("run_cost_per_year", 0))


def roi(framing: Mapping[str, Any]) -> dict[str, Any]:
    """ROI of one use case from its framing sheet (see the module docstring)."""
    budget, value = framing.get("budget"), framing.get("expected_value")
    if not budget or not value:
        missing = "budget" if not budget else "expected_value"
        return {"status": NO_DATA, "reason": f"framing.{missing} is not declared"}
    model = str(value["attribution_model"])
    share = value.get("attribution_share")
    if share is None:
        share = _FULL_SHARE.get(model)
    if share is None:
        return {
            "status": NO_DATA,
            "attribution_model": model,
            "reason": "attribution_model shared without attribution_share",
        }
    years = int(value.get("horizon_years") or 3)
    annual = float(value["annual_value"]) * float(share)
    build, run = float(budget["build_cost"]), float(budget.get("run_cost_per_year") or 0)
    cost = build + run * years
    net_per_year = annual - run
    return {
        "status": "ok",
        "attribution_model": model,
        "attribution_share": float(share),
        "currency": value.get("currency"),
        "same_currency": value.get("currency") == budget.get("currency"),
        "annual_value": float(value["annual_value"]),
        "attributed_annual_value": round(annual, 2),
        "horizon_years": years,
        "cost": round(cost, 2),
        "roi": round((annual * years - cost) / cost, 4) if cost else None,
        "payback_months": round(build / net_per_year * 12, 1) if net_per_year > 0 else None,
    }


def _window(points: Sequence[Sequence[Any]], months: int) -> list[float]:
    if not points:
        return []
    last = dt.date.fromisoformat(str(points[-1][0])[:10])
    start = last - dt.timedelta(days=round(months * 30.4375))
    return [float(v) for d, v in points if dt.date.fromisoformat(str(d)[:10]) > start]


def _worst_drop(values: Sequence[float], higher_is_better: bool) -> float:
    worst, best = 0.0, None
    for value in values:
        best = (
            value if best is None else (max(best, value) if higher_is_better else min(best, value))
        )
        worst = max(worst, (best - value) if higher_is_better else (value - best))
    return worst


def quality_stability(quality: Mapping[str, Any] | None) -> dict[str, Any]:
    """Stability of the monitored quality metric over 6 and 12 months."""
    if not quality:
        return {"status": NO_DATA, "reason": "no monitoring.performance in aigov.yaml"}
    points = quality.get("points") or []
    if not points:
        return {"status": NO_DATA, "metric": quality["metric"], "reason": "no MLflow history"}
    higher = quality.get("direction") != "lower_is_better"
    threshold = float(quality["threshold"])
    windows = {}
    for months in (6, 12):
        values = _window(points, months)
        mean = statistics.fmean(values)
        worst = min(values) if higher else max(values)
        windows[f"{months}m"] = {
            "points": len(values),
            "mean": round(mean, 6),
            "cv": round(statistics.pstdev(values) / abs(mean), 6) if mean else None,
            "worst_drop": round(_worst_drop(values, higher), 6),
            "worst_value": worst,
            "margin": round((worst - threshold) if higher else (threshold - worst), 6),
            "breaches": sum(1 for v in values if (v < threshold if higher else v > threshold)),
        }
    return {
        "status": "ok",
        "metric": quality["metric"],
        "threshold": threshold,
        "direction": quality.get("direction"),
        "latest": points[-1][1],
        "series": [[str(d)[:10], float(v)] for d, v in points],
        **windows,
    }


def adoption(usage: Mapping[str, Any] | None) -> dict[str, Any]:
    """Daily usage against its target (last 30 days)."""
    if not usage:
        return {"status": NO_DATA, "reason": "no monitoring.adoption in aigov.yaml"}
    points = usage.get("points") or []
    target = float(usage["target_per_day"])
    if not points:
        return {
            "status": NO_DATA,
            "metric": usage["metric"],
            "target_per_day": target,
            "reason": "no MLflow history",
        }
    last = dt.date.fromisoformat(str(points[-1][0])[:10])
    recent = [float(v) for d, v in points if (last - dt.date.fromisoformat(str(d)[:10])).days < 30]
    mean = statistics.fmean(recent)
    return {
        "status": "ok",
        "metric": usage["metric"],
        "target_per_day": target,
        "last_30d_mean": round(mean, 2),
        "ratio": round(mean / target, 4) if target else None,
        "days_on_target": round(sum(1 for v in recent if v >= target) / len(recent), 4),
        "series": [[str(d)[:10], float(v)] for d, v in points],
    }


def _funnel(projects: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    projects = list(projects)
    current = Counter(p["stage"] for p in projects)
    return [
        {
            "stage": stage,
            "reached": sum(1 for p in projects if _reached(p, stage)),
            "current": current.get(stage, 0),
        }
        for stage in FUNNEL_STAGES
    ] + [
        {
            "stage": "retired",
            "reached": current.get("retired", 0),
            "current": current.get("retired", 0),
        }
    ]


def _ttm_summary(days: Sequence[int]) -> dict[str, Any]:
    if not days:
        return {"status": NO_DATA, "count": 0}
    ordered = sorted(days)
    bins = [(0, 90), (90, 180), (180, 270), (270, 365), (365, 540), (540, 730), (730, None)]
    return {
        "status": "ok",
        "count": len(ordered),
        "median_days": statistics.median(ordered),
        "min_days": ordered[0],
        "max_days": ordered[-1],
        "histogram": [
            {
                "from": lo,
                "to": hi,
                "count": sum(1 for d in ordered if d >= lo and (hi is None or d < hi)),
            }
            for lo, hi in bins
        ],
    }


def _article(reference: str) -> str:
    """``EU AI Act Art. 14(4)`` → ``EU AI Act Art. 14``: findings are grouped by article."""
    head, art, rest = reference.partition("Art. ")
    if not art:
        return reference
    number = ""
    for char in rest:
        if char.isdigit():
            number += char
        else:
            break
    return f"{head}{art}{number}" if number else reference


def _older(version: str, current: str) -> bool:
    try:
        return Version.parse(version) < Version.parse(current)
    except VersionError:
        return version != current


def _compliance(
    rows: Sequence[RepositoryResult], projects: Sequence[Mapping[str, Any]], scan: PortfolioScan
) -> dict[str, Any]:
    today = scan.today
    by_pack: Counter[str] = Counter()
    by_article: Counter[str] = Counter()
    heat: dict[str, dict[str, dict[str, int]]] = {}
    packs = [str(p["name"]) for p in scan.policy.get("packs", [])]
    current = {str(p["name"]): str(p["version"]) for p in scan.policy.get("packs", [])}
    waivers: list[dict[str, Any]] = []
    outdated: list[dict[str, Any]] = []
    for row in rows:
        cells: dict[str, dict[str, int]] = defaultdict(lambda: {"blocking": 0, "other": 0})
        for finding in row.data.get("findings") or []:
            pack = str(finding["pack"])
            if finding.get("blocking"):
                by_pack[pack] += 1
                for reference in finding.get("references") or []:
                    by_article[_article(str(reference))] += 1
                cells[pack]["blocking"] += 1
            elif not finding.get("waived") and finding.get("status") != "not_yet_effective":
                cells[pack]["other"] += 1
        heat[row.id] = {pack: dict(cells.get(pack, {"blocking": 0, "other": 0})) for pack in packs}
        for waiver in row.data.get("waivers") or []:
            expires = dt.date.fromisoformat(waiver["expires"])
            granted = waiver.get("granted_on")
            waivers.append(
                {
                    "repository": row.id,
                    **waiver,
                    "age_days": (today - dt.date.fromisoformat(granted)).days if granted else None,
                    "days_left": (expires - today).days,
                    "open": expires >= today,
                }
            )
        published = row.data.get("published_packs")
        if published:
            old = [
                {"pack": p["name"], "version": p["version"], "current": current[p["name"]]}
                for p in published
                if p["name"] in current and _older(p["version"], current[p["name"]])
            ]
            if old:
                outdated.append({"repository": row.id, "packs": old})
    open_waivers = [w for w in waivers if w["open"]]
    ages = [w["age_days"] for w in open_waivers if w["age_days"] is not None]
    evaluated = len(rows)
    passed = sum(1 for r in rows if r.data.get("decision") == "pass")
    published_count = sum(1 for r in rows if r.data.get("published_packs"))
    return {
        "evaluated": evaluated,
        "passed": passed,
        "pass_rate": _ratio(passed, evaluated),
        "blocking_total": sum(by_pack.values()),
        "blocking_by_pack": dict(by_pack.most_common()),
        "blocking_by_article": dict(by_article.most_common()),
        "packs": packs,
        "heatmap": heat,
        "waivers": sorted(waivers, key=lambda w: (not w["open"], w["days_left"])),
        "waiver_debt": {
            "open": len(open_waivers),
            "expired_still_declared": len(waivers) - len(open_waivers),
            "total_age_days": sum(ages),
            "oldest_days": max(ages) if ages else None,
            "mean_age_days": round(statistics.fmean(ages), 1) if ages else None,
        },
        "outdated_packs": outdated,
        "outdated_known": published_count,
        "stuck_in_poc": [
            {"repository": p["id"], "name": p["name"], "in_poc_days": p["in_poc_days"]}
            for p in projects
            if p["stuck_in_poc"]
        ],
        "max_poc_days": scan.policy.get("max_poc_days"),
    }


def headline(kpis: Mapping[str, Any]) -> dict[str, float | int | None]:
    """The few numbers the history keeps per scan for trends."""
    compliance = kpis["compliance"]
    ttm = kpis["time_to_market"]
    return {
        "repositories": kpis["repositories"],
        "errors": len(kpis["errors"]),
        "pass_rate": compliance["pass_rate"],
        "blocking_total": compliance["blocking_total"],
        "open_waivers": compliance["waiver_debt"]["open"],
        "waiver_debt_days": compliance["waiver_debt"]["total_age_days"],
        "conversion_rate": kpis["conversion"]["rate"],
        "median_time_to_market_days": ttm.get("median_days"),
        "stuck_in_poc": len(compliance["stuck_in_poc"]),
    }
