"""The portfolio's KPIs, computed from a scan (:mod:`aigov.portfolio.kpi_model`; the report and the
history read them).

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
  pack and by article (each finding once, under the first article or annex its references cite,
  paragraphs merged, so that the articles add up to the blocking findings), open waivers and their
  age (waiver debt), repositories whose own CI last gated with older pack versions
  (``.aigov/result.json``), projects in POC longer than the org's ``limits.max_poc_days``, and the
  prioritisation matrix (impact × mean feasibility, dot = build cost + one year of run cost).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Final

from aigov.documents.types import STAGES
from aigov.policy.coverage import Citation
from aigov.policy.semver import Version, VersionError
from aigov.portfolio.kpi_model import (
    NO_DATA,
    Adoption,
    AdoptionUnknown,
    AnyAdoption,
    AnyQuality,
    AnyRoi,
    AnyTimeToMarket,
    Compliance,
    Conversion,
    FindingCounts,
    FunnelStage,
    Headline,
    HistogramBin,
    OutdatedPack,
    OutdatedRepository,
    PortfolioKpis,
    ProjectKpis,
    QualityStability,
    QualityUnknown,
    QualityWindow,
    Roi,
    RoiUnknown,
    StuckProject,
    TimeToMarket,
    TimeToMarketUnknown,
    UnevaluatedRepository,
    WaiverDebt,
    WaiverStanding,
)
from aigov.portfolio.model import (
    AdoptionSeries,
    Framing,
    FramingBudget,
    FramingFeasibility,
    MetricSeries,
    PortfolioScan,
    QualitySeries,
    RepositoryResult,
)

__all__ = ["NO_DATA", "adoption", "compute_kpis", "headline", "quality_stability", "roi"]

FUNNEL_STAGES: Final = tuple(s for s in STAGES if s != "retired")
_FULL_SHARE: Final = {"direct": 1.0, "incremental": 1.0, "estimated": 1.0}


def compute_kpis(scan: PortfolioScan) -> PortfolioKpis:
    """Every KPI of ``scan`` (see the module docstring)."""
    rows = [r for r in scan.results if r.ok]
    today = scan.today
    projects = [_project(r, today, scan) for r in rows]
    reached_poc = [p for p in projects if _reached(p, "poc")]
    reached_prod = [p for p in projects if _reached(p, "production")]
    ttm = [p.time_to_market for p in projects if p.time_to_market is not None]
    return PortfolioKpis(
        today=today.isoformat(),
        repositories=len(scan.results),
        evaluated=len(rows),
        errors=tuple(
            UnevaluatedRepository(id=r.id, name=r.name, error=r.error)
            for r in scan.results
            if not r.ok
        ),
        conversion=Conversion(
            reached_poc=len(reached_poc),
            reached_production=len(reached_prod),
            rate=_ratio(len(reached_prod), len(reached_poc)),
        ),
        funnel=_funnel(projects),
        time_to_market=_ttm_summary(ttm),
        projects=tuple(projects),
        compliance=_compliance(rows, projects, scan),
        with_mlflow=scan.with_mlflow,
    )


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _stage_index(stage: str | None) -> int:
    return STAGES.index(stage) if stage in STAGES else -1


def _reached(project: ProjectKpis, stage: str) -> bool:
    if project.stage == "retired":
        return stage in project.timeline
    return _stage_index(project.stage) >= _stage_index(stage)


def _days(start: str, end: str) -> int:
    return (dt.date.fromisoformat(end[:10]) - dt.date.fromisoformat(start[:10])).days


def _project(row: RepositoryResult, today: dt.date, scan: PortfolioScan) -> ProjectKpis:
    info = row.project
    stages = row.timeline.stages
    framing = row.framing or Framing()
    findings = row.findings
    stage = info.stage if info else None
    max_poc = int(scan.policy.max_poc_days or 180)
    in_poc_days = None
    if stage == "poc" and "poc" in stages:
        in_poc_days = _days(stages["poc"], today.isoformat())
    ttm = None
    if "ideation" in stages and "production" in stages:
        ttm = _days(stages["ideation"], stages["production"])
    monitoring = row.monitoring
    return ProjectKpis(
        id=row.id,
        name=(info.name if info else None) or row.name,
        project_id=info.id if info else None,
        owner=info.owner if info else None,
        business_unit=info.business_unit if info else None,
        stage=stage,
        decision=row.decision,
        blocking=sum(1 for f in findings if f.blocking),
        warnings=sum(1 for f in findings if not f.blocking and not f.waived),
        waived=sum(1 for f in findings if f.waived),
        timeline=stages,
        timeline_source=row.timeline.source,
        time_to_market=ttm,
        in_poc_days=in_poc_days,
        stuck_in_poc=in_poc_days is not None and in_poc_days > max_poc,
        roi=roi(framing),
        impact=framing.impact,
        feasibility=_feasibility(framing.feasibility),
        budget=_budget_total(framing.budget),
        currency=framing.budget.currency if framing.budget else None,
        quality=quality_stability(monitoring.quality if monitoring else None),
        adoption=adoption(monitoring.adoption if monitoring else None),
        mlflow=monitoring.mlflow if monitoring else NO_DATA,
        cached=row.cached,
    )


def _feasibility(value: FramingFeasibility | None) -> float | None:
    if value is None:
        return None
    return (float(value.data_maturity) + float(value.it_maturity)) / 2


def _budget_total(budget: FramingBudget | None) -> float | None:
    if budget is None:
        return None
    return float(budget.build_cost) + float(budget.run_cost_per_year)


def roi(framing: Framing) -> AnyRoi:
    """ROI of one use case from its framing sheet (see the module docstring)."""
    budget, value = framing.budget, framing.expected_value
    if budget is None or value is None:
        missing = "budget" if budget is None else "expected_value"
        return RoiUnknown(status=NO_DATA, reason=f"framing.{missing} is not declared")
    model = value.attribution_model
    share = value.attribution_share
    if share is None:
        share = _FULL_SHARE.get(model)
    if share is None:
        return RoiUnknown(
            status=NO_DATA,
            attribution_model=model,
            reason="attribution_model shared without attribution_share",
        )
    years = int(value.horizon_years or 3)
    annual = float(value.annual_value) * float(share)
    build, run = float(budget.build_cost), float(budget.run_cost_per_year or 0)
    cost = build + run * years
    net_per_year = annual - run
    return Roi(
        status="ok",
        attribution_model=model,
        attribution_share=float(share),
        currency=value.currency,
        same_currency=value.currency == budget.currency,
        annual_value=float(value.annual_value),
        attributed_annual_value=round(annual, 2),
        horizon_years=years,
        cost=round(cost, 2),
        roi=round((annual * years - cost) / cost, 4) if cost else None,
        payback_months=round(build / net_per_year * 12, 1) if net_per_year > 0 else None,
    )


def _window(points: MetricSeries, months: int) -> list[float]:
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


def _quality_window(
    points: MetricSeries, months: int, threshold: float, higher: bool
) -> QualityWindow:
    values = _window(points, months)
    mean = statistics.fmean(values)
    worst = min(values) if higher else max(values)
    return QualityWindow(
        points=len(values),
        mean=round(mean, 6),
        cv=round(statistics.pstdev(values) / abs(mean), 6) if mean else None,
        worst_drop=round(_worst_drop(values, higher), 6),
        worst_value=worst,
        margin=round((worst - threshold) if higher else (threshold - worst), 6),
        breaches=sum(1 for v in values if (v < threshold if higher else v > threshold)),
    )


def quality_stability(quality: QualitySeries | None) -> AnyQuality:
    """Stability of the monitored quality metric over 6 and 12 months."""
    if quality is None:
        return QualityUnknown(status=NO_DATA, reason="no monitoring.performance in aigov.yaml")
    points = quality.points
    if not points:
        return QualityUnknown(status=NO_DATA, metric=quality.metric, reason="no MLflow history")
    higher = quality.direction != "lower_is_better"
    threshold = float(quality.threshold)
    return QualityStability(
        status="ok",
        metric=quality.metric,
        threshold=threshold,
        direction=quality.direction,
        latest=points[-1][1],
        series=tuple((str(d)[:10], float(v)) for d, v in points),
        months_6=_quality_window(points, 6, threshold, higher),
        months_12=_quality_window(points, 12, threshold, higher),
    )


def adoption(usage: AdoptionSeries | None) -> AnyAdoption:
    """Daily usage against its target (last 30 days)."""
    if usage is None:
        return AdoptionUnknown(status=NO_DATA, reason="no monitoring.adoption in aigov.yaml")
    points = usage.points
    target = float(usage.target_per_day)
    if not points:
        return AdoptionUnknown(
            status=NO_DATA, metric=usage.metric, target_per_day=target, reason="no MLflow history"
        )
    last = dt.date.fromisoformat(str(points[-1][0])[:10])
    recent = [float(v) for d, v in points if (last - dt.date.fromisoformat(str(d)[:10])).days < 30]
    mean = statistics.fmean(recent)
    return Adoption(
        status="ok",
        metric=usage.metric,
        target_per_day=target,
        last_30d_mean=round(mean, 2),
        ratio=round(mean / target, 4) if target else None,
        days_on_target=round(sum(1 for v in recent if v >= target) / len(recent), 4),
        series=tuple((str(d)[:10], float(v)) for d, v in points),
    )


def _funnel(projects: Iterable[ProjectKpis]) -> tuple[FunnelStage, ...]:
    projects = list(projects)
    current = Counter(p.stage for p in projects)
    reached = [
        FunnelStage(
            stage=stage,
            reached=sum(1 for p in projects if _reached(p, stage)),
            current=current.get(stage, 0),
        )
        for stage in FUNNEL_STAGES
    ]
    retired = current.get("retired", 0)
    return (*reached, FunnelStage(stage="retired", reached=retired, current=retired))


def _ttm_summary(days: Sequence[int]) -> AnyTimeToMarket:
    if not days:
        return TimeToMarketUnknown(status=NO_DATA, count=0)
    ordered = sorted(days)
    bins = [(0, 90), (90, 180), (180, 270), (270, 365), (365, 540), (540, 730), (730, None)]
    return TimeToMarket(
        status="ok",
        count=len(ordered),
        median_days=statistics.median(ordered),
        min_days=ordered[0],
        max_days=ordered[-1],
        histogram=tuple(
            HistogramBin(
                start=lo,
                end=hi,
                count=sum(1 for d in ordered if d >= lo and (hi is None or d < hi)),
            )
            for lo, hi in bins
        ),
    )


NO_ARTICLE: Final = "No article cited (lifecycle practice or organisation policy)"


def primary_article(references: Iterable[str]) -> str:
    """The article a finding is counted under: the first one its references cite, paragraphs
    merged (``EU AI Act Art. 14(4)`` → ``EU AI Act Art. 14``, ``Annex IV(2)`` → ``Annex IV``)."""
    for reference in references:
        citation = Citation.parse(reference)  # the coverage matrix's reading of a reference
        if citation is not None:
            return f"{citation.regulation} {citation.article}"
    return NO_ARTICLE


def _older(version: str, current: str) -> bool:
    try:
        return Version.parse(version) < Version.parse(current)
    except VersionError:
        return version != current


def _compliance(
    rows: Sequence[RepositoryResult], projects: Sequence[ProjectKpis], scan: PortfolioScan
) -> Compliance:
    today = scan.today
    by_pack: Counter[str] = Counter()
    by_article: Counter[str] = Counter()
    heat: dict[str, dict[str, FindingCounts]] = {}
    # Findings aigov raises itself (pack "aigov": waivers, attestations) get a column too.
    evaluated = tuple(p.name for p in scan.policy.packs)
    packs = evaluated + tuple(sorted({f.pack for r in rows for f in r.findings} - set(evaluated)))
    current = {p.name: p.version for p in scan.policy.packs}
    waivers: list[WaiverStanding] = []
    outdated: list[OutdatedRepository] = []
    for row in rows:
        cells: dict[str, dict[str, int]] = defaultdict(lambda: {"blocking": 0, "other": 0})
        for finding in row.findings:
            if finding.blocking:
                by_pack[finding.pack] += 1
                by_article[primary_article(finding.references)] += 1
                cells[finding.pack]["blocking"] += 1
            elif not finding.waived and finding.status != "not_yet_effective":
                cells[finding.pack]["other"] += 1
        heat[row.id] = {pack: FindingCounts(**cells.get(pack, {})) for pack in packs}
        for waiver in row.waivers:
            expires = dt.date.fromisoformat(waiver.expires)
            granted = waiver.granted_on
            waivers.append(
                WaiverStanding(
                    repository=row.id,
                    **dataclasses.asdict(waiver),
                    age_days=(today - dt.date.fromisoformat(granted)).days if granted else None,
                    days_left=(expires - today).days,
                    open=expires >= today,
                )
            )
        old = tuple(
            OutdatedPack(pack=p.name, version=p.version, current=current[p.name])
            for p in row.published_packs or ()
            if p.name in current and _older(p.version, current[p.name])
        )
        if old:
            outdated.append(OutdatedRepository(repository=row.id, packs=old))
    open_waivers = [w for w in waivers if w.open]
    ages = [w.age_days for w in open_waivers if w.age_days is not None]
    passed = sum(1 for r in rows if r.decision == "pass")
    return Compliance(
        evaluated=len(rows),
        passed=passed,
        pass_rate=_ratio(passed, len(rows)),
        blocking_total=sum(by_pack.values()),
        blocking_by_pack=dict(by_pack.most_common()),
        blocking_by_article=dict(by_article.most_common()),
        packs=packs,
        heatmap=heat,
        waivers=tuple(sorted(waivers, key=lambda w: (not w.open, w.days_left))),
        waiver_debt=WaiverDebt(
            open=len(open_waivers),
            expired_still_declared=len(waivers) - len(open_waivers),
            total_age_days=sum(ages),
            oldest_days=max(ages) if ages else None,
            mean_age_days=round(statistics.fmean(ages), 1) if ages else None,
        ),
        outdated_packs=tuple(outdated),
        outdated_known=sum(1 for r in rows if r.published_packs),
        stuck_in_poc=tuple(
            StuckProject(repository=p.id, name=p.name, in_poc_days=p.in_poc_days)
            for p in projects
            if p.stuck_in_poc
        ),
        max_poc_days=scan.policy.max_poc_days,
        tuning=scan.policy.tuning,
    )


def headline(kpis: PortfolioKpis) -> Headline:
    """The few numbers the history keeps per scan for trends."""
    compliance = kpis.compliance
    ttm = kpis.time_to_market
    return Headline(
        repositories=kpis.repositories,
        errors=len(kpis.errors),
        pass_rate=compliance.pass_rate,
        blocking_total=compliance.blocking_total,
        open_waivers=compliance.waiver_debt.open,
        waiver_debt_days=compliance.waiver_debt.total_age_days,
        conversion_rate=kpis.conversion.rate,
        median_time_to_market_days=ttm.median_days if isinstance(ttm, TimeToMarket) else None,
        stuck_in_poc=len(compliance.stuck_in_poc),
    )
