"""The portfolio's KPIs as frozen models: what :func:`aigov.portfolio.kpis.compute_kpis` returns,
the report shows and ``reports/portfolio.json`` holds (``schemas/portfolio-report.schema.json``).

Field names are the report's JSON keys; where a key is not a Python name (``6m``, ``from``) the
field carries it as its alias. A KPI that cannot be computed is a ``status: "no data"`` value
saying why, a different model from the computed one (``status: "ok"``).
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Final, Literal

from pydantic import Field
from pydantic.dataclasses import dataclass as pydantic_dataclass

from aigov.policy.findings import RuleTuningApplied
from aigov.portfolio.model import Number, PackRef, PortfolioValue, SparseValue, ToolInfo

NO_DATA: Final = "no data"
REPORT_KIND: Final = "aigov-portfolio-report"
REPORT_SCHEMA_VERSION: Final = "1.0"

NoData = Literal["no data"]


class UnevaluatedRepository(PortfolioValue):
    """A repository that could not be evaluated."""

    id: str
    name: str
    error: str | None


class Conversion(PortfolioValue):
    """POC → production conversion."""

    reached_poc: int
    reached_production: int
    rate: float | None


class FunnelStage(PortfolioValue):
    """Projects that reached a stage, and those in it now."""

    stage: str
    reached: int
    current: int


class HistogramBin(PortfolioValue):
    """Projects whose time-to-market is in ``[from, to)`` days (``to`` None: no upper bound)."""

    start: int = Field(alias="from")
    end: int | None = Field(alias="to")
    count: int


class TimeToMarketUnknown(PortfolioValue):
    """No project reached production with an ideation date."""

    status: NoData
    count: int


class TimeToMarket(PortfolioValue):
    """Days from ideation to production, over the projects that made it."""

    status: Literal["ok"]
    count: int
    median_days: Number
    min_days: int
    max_days: int
    histogram: tuple[HistogramBin, ...]


class RoiUnknown(SparseValue):
    """ROI without the data it needs (``reason``)."""

    OPTIONAL = frozenset({"attribution_model"})

    status: NoData
    attribution_model: str | None = None
    reason: str


class Roi(PortfolioValue):
    """ROI of one use case over its horizon (see :mod:`aigov.portfolio.kpis`)."""

    status: Literal["ok"]
    attribution_model: str
    attribution_share: float
    currency: str | None
    same_currency: bool
    annual_value: float
    attributed_annual_value: float
    horizon_years: int
    cost: float
    roi: float | None
    payback_months: float | None


class QualityWindow(PortfolioValue):
    """The quality metric over the last 6 or 12 months."""

    points: int
    mean: float
    cv: float | None
    worst_drop: float
    worst_value: float
    margin: float
    breaches: int


class QualityUnknown(SparseValue):
    """No quality stability (``reason``)."""

    OPTIONAL = frozenset({"metric"})

    status: NoData
    metric: str | None = None
    reason: str


class QualityStability(PortfolioValue):
    """Stability of the monitored quality metric."""

    status: Literal["ok"]
    metric: str
    threshold: float
    direction: str | None
    latest: Number
    series: tuple[tuple[str, float], ...]
    months_6: QualityWindow = Field(alias="6m")
    months_12: QualityWindow = Field(alias="12m")


class AdoptionUnknown(SparseValue):
    """No adoption figures (``reason``)."""

    OPTIONAL = frozenset({"metric", "target_per_day"})

    status: NoData
    metric: str | None = None
    target_per_day: float | None = None
    reason: str


class Adoption(PortfolioValue):
    """Daily usage against its target, over the last 30 days."""

    status: Literal["ok"]
    metric: str
    target_per_day: float
    last_30d_mean: float
    ratio: float | None
    days_on_target: float
    series: tuple[tuple[str, float], ...]


AnyTimeToMarket = Annotated[TimeToMarket | TimeToMarketUnknown, Field(discriminator="status")]
AnyRoi = Annotated[Roi | RoiUnknown, Field(discriminator="status")]
AnyQuality = Annotated[QualityStability | QualityUnknown, Field(discriminator="status")]
AnyAdoption = Annotated[Adoption | AdoptionUnknown, Field(discriminator="status")]


class ProjectKpis(PortfolioValue):
    """The KPIs of one evaluated repository."""

    id: str
    name: str
    project_id: str | None
    owner: str | None
    business_unit: str | None
    stage: str | None
    decision: str | None
    blocking: int
    warnings: int
    waived: int
    timeline: dict[str, str]
    timeline_source: str | None
    time_to_market: int | None
    in_poc_days: int | None
    stuck_in_poc: bool
    roi: AnyRoi
    impact: int | None
    feasibility: float | None
    budget: float | None
    currency: str | None
    quality: AnyQuality
    adoption: AnyAdoption
    mlflow: str
    cached: bool


@pydantic_dataclass(frozen=True, slots=True)  # five per repository: see model.py
class FindingCounts:
    """Findings of one repository in one pack: blocking, and other open ones."""

    blocking: int = 0
    other: int = 0


class WaiverStanding(PortfolioValue):
    """A declared waiver, its age and whether it is still open."""

    repository: str
    rule: str
    ticket: str
    approved_by: str
    granted_on: str | None
    expires: str
    stage: str | None
    age_days: int | None
    days_left: int
    open: bool


class WaiverDebt(PortfolioValue):
    """Open waivers and their accumulated age."""

    open: int
    expired_still_declared: int
    total_age_days: int
    oldest_days: int | None
    mean_age_days: float | None


class OutdatedPack(PortfolioValue):
    """A pack version a repository's CI last gated with, older than the current one."""

    pack: str
    version: str
    current: str


class OutdatedRepository(PortfolioValue):
    """A repository whose CI gates on outdated packs."""

    repository: str
    packs: tuple[OutdatedPack, ...]


class StuckProject(PortfolioValue):
    """A project in POC for longer than the org allows."""

    repository: str
    name: str
    in_poc_days: int | None


class Compliance(PortfolioValue):
    """The compliance posture of the portfolio."""

    evaluated: int
    passed: int
    pass_rate: float | None
    blocking_total: int
    blocking_by_pack: dict[str, int]
    blocking_by_article: dict[str, int]
    """Each blocking finding once, under the first article its references cite."""
    packs: tuple[str, ...]
    """The packs evaluated, then ``aigov`` when aigov's own checks (waivers, attestations) found
    something."""
    heatmap: dict[str, dict[str, FindingCounts]]
    """Repository id -> pack -> counts."""
    waivers: tuple[WaiverStanding, ...]
    waiver_debt: WaiverDebt
    outdated_packs: tuple[OutdatedRepository, ...]
    outdated_known: int
    stuck_in_poc: tuple[StuckProject, ...]
    max_poc_days: int | None
    tuning: tuple[RuleTuningApplied, ...] = ()
    """The organisation's changes to the packs' rules that every repository was judged with."""


class PortfolioKpis(PortfolioValue):
    """Every KPI of one scan."""

    today: str
    repositories: int
    evaluated: int
    errors: tuple[UnevaluatedRepository, ...]
    conversion: Conversion
    funnel: tuple[FunnelStage, ...]
    time_to_market: AnyTimeToMarket
    projects: tuple[ProjectKpis, ...]
    compliance: Compliance
    with_mlflow: bool


class Headline(PortfolioValue):
    """The few numbers the history keeps per scan for trends."""

    TRENDS: ClassVar[tuple[str, ...]] = (
        "pass_rate", "blocking_total", "conversion_rate", "open_waivers"
    )  # fmt: skip
    """The numbers the report draws across scans."""

    repositories: int | None = None
    errors: int | None = None
    pass_rate: float | None = None
    blocking_total: int | None = None
    open_waivers: int | None = None
    waiver_debt_days: int | None = None
    conversion_rate: float | None = None
    median_time_to_market_days: Number | None = None
    stuck_in_poc: int | None = None


class RecordedScan(PortfolioValue):
    """Which recorded scan a trend point is."""

    scan_id: str
    generated_at: str
    today: str


class TrendPoint(Headline, RecordedScan):
    """One recorded scan's headline (a scan recorded by an older aigov may lack a number)."""


class ScanStatsSummary(PortfolioValue):
    """How the reported scan went."""

    evaluated: int
    cached: int
    errors: int
    seconds: Number


class ReportedScan(PortfolioValue):
    """The scan a report is made from."""

    generated_at: str
    today: str
    sources: tuple[str, ...]
    policy_source: str
    """Built-in, local (never the path) or the remote URL and ref: see the packs for what."""
    packs: tuple[PackRef, ...]
    block_on: str
    stats: ScanStatsSummary
    with_mlflow: bool


class ProjectMove(PortfolioValue):
    """A repository whose standing changed between the previous recorded scan and this one."""

    repository: str
    name: str
    stage: str | None
    """The project's stage now (None: not evaluated now)."""
    stage_before: str | None
    """Its stage at the previous scan (None: not evaluated then)."""
    blocking: int | None
    """Blocking findings now (None: not evaluated now)."""
    blocking_before: int | None
    """Blocking findings at the previous scan (None: not evaluated then)."""


class ScanChanges(PortfolioValue):
    """What changed since the previous recorded scan (the history store's rows)."""

    previous_scan: str
    previous_today: str
    new: tuple[ProjectMove, ...] = ()
    removed: tuple[ProjectMove, ...] = ()
    newly_blocked: tuple[ProjectMove, ...] = ()
    newly_passing: tuple[ProjectMove, ...] = ()
    newly_unreadable: tuple[ProjectMove, ...] = ()
    stage_moves: tuple[ProjectMove, ...] = ()

    @property
    def any(self) -> bool:
        """Whether anything changed."""
        return bool(
            self.new
            or self.removed
            or self.newly_blocked
            or self.newly_passing
            or self.newly_unreadable
            or self.stage_moves
        )


class PortfolioReport(PortfolioValue):
    """``reports/portfolio.json``: the KPIs (series cut to their last 30 points) and the trend."""

    kind: Literal["aigov-portfolio-report"] = REPORT_KIND
    schema_version: str = REPORT_SCHEMA_VERSION
    tool: ToolInfo = ToolInfo()
    scan: ReportedScan
    kpis: PortfolioKpis
    trend: tuple[TrendPoint, ...]
    changes: ScanChanges | None = None
    """Since the previous recorded scan; None without one (first scan, or ``--no-history``)."""
