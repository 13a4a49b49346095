"""What a portfolio scan produces: one row per repository, and the scan that holds them.

A scan file (``aigov portfolio scan -o FILE``) is JSON, ``kind: aigov-portfolio-scan``; shards of
one nightly run are merged with :func:`merge_scans`. A row is a frozen model: everything the KPIs
and the report need, read once from the repository, so that neither ever re-reads a repository.

Row shape (:class:`RepositoryResult`; ``schemas/portfolio-scan.schema.json``)::

    id, name, source, location      # id: stable across runs (sharding, cache, history)
    head: str | null                # commit SHA, or sha256 of the governed files outside git
    status: ok | error              # error: the repository could not be evaluated (see error)
    error: str | null
    cached: bool                    # reused from an earlier scan of the same head
    project: {id, name, owner, business_unit, stage} | null
    decision: pass | block | null, block_on, rules_evaluated, rules_passed
    findings: [{rule, pack, severity, blocking, waived, status, references}]   # unwaived first
    packs: [{name, version, digest}]          # the packs the scan evaluated
    published_packs: [{name, version}] | null # what the repository's own CI last evaluated
    waivers: [{rule, ticket, approved_by, granted_on, expires, stage}]
    framing: {budget, expected_value, impact, feasibility} | null
    timeline: {source: git | manifest | null, stages: {stage: date}, git: {...}, manifest: {...}}
    monitoring: {mlflow: str, quality: {...} | null, adoption: {...} | null}
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
)
from pydantic.dataclasses import dataclass as pydantic_dataclass

from aigov import __version__
from aigov.documents.files import write_atomically
from aigov.errors import AigovError
from aigov.policy.findings import RuleTuningApplied

SCAN_KIND: Final = "aigov-portfolio-scan"
SCAN_SCHEMA_VERSION: Final = "1.0"

Number = int | float
"""A number read from a repository or MLflow: written back as it came (``4`` stays ``4``)."""


class ScanFileError(AigovError):
    """A scan file cannot be read or merged."""


class PortfolioValue(BaseModel):
    """A value of the portfolio: frozen, written under the names it is read by."""

    model_config = ConfigDict(
        frozen=True,
        serialize_by_alias=True,
        validate_by_name=True,
        validate_by_alias=True,
        ser_json_inf_nan="constants",  # a NaN metric is stored as Python's json writes it
    )

    def data(self) -> dict[str, Any]:
        """Plain JSON data, as written to a scan file or a report."""
        return self.model_dump(mode="json")


class SparseValue(PortfolioValue):
    """A value whose ``OPTIONAL`` keys are left out when None (they are not part of its shape)."""

    OPTIONAL: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _without_absent(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for key in self.OPTIONAL:
            if data.get(key, 0) is None:
                del data[key]
        return data


# The parts of a row are slotted pydantic dataclasses, not models: a portfolio holds some twenty
# findings per repository, and a model instance (its __dict__ and set of fields) weighs about
# five times as much; they validate, serialise and publish their schema the same way.


@dataclass(frozen=True)
class RepositoryRef:
    """A repository to scan, as a source lists it."""

    id: str
    """Stable identity: the folder name, the normalised git URL, ``github:owner/name``…"""
    name: str
    source: str
    """``dir``, ``git``, ``github`` or ``gitlab``."""
    location: str


@pydantic_dataclass(frozen=True, slots=True, kw_only=True)
class ProjectInfo:
    """Who and where a project is, from its ``aigov.yaml``."""

    id: str | None = None
    name: str | None = None
    owner: str | None = None
    business_unit: str | None = None
    stage: str | None = None


@pydantic_dataclass(frozen=True, slots=True, kw_only=True)
class FindingRow:
    """One finding of the repository's check."""

    rule: str
    pack: str
    severity: str
    blocking: bool
    waived: bool
    status: str
    references: tuple[str, ...] = ()


@pydantic_dataclass(frozen=True, slots=True, kw_only=True)
class PackRef:
    """A policy pack the scan evaluated."""

    name: str
    version: str
    digest: str


@pydantic_dataclass(frozen=True, slots=True, kw_only=True)
class PublishedPack:
    """A pack version the repository's own CI last evaluated (``.aigov/result.json``)."""

    name: str
    version: str


@pydantic_dataclass(frozen=True, slots=True, kw_only=True)
class WaiverRow:
    """A waiver the manifest declares."""

    rule: str
    ticket: str
    approved_by: str
    granted_on: str | None = None
    expires: str
    stage: str | None = None


@pydantic_dataclass(frozen=True, slots=True, kw_only=True)
class FramingBudget:
    """``framing.budget`` as declared."""

    currency: str | None = None
    build_cost: Number = 0
    run_cost_per_year: Number = 0
    approved: bool | None = None


@pydantic_dataclass(frozen=True, slots=True, kw_only=True)
class FramingValue:
    """``framing.expected_value`` as declared (its rationale left out)."""

    currency: str | None = None
    annual_value: Number
    attribution_model: str
    attribution_share: Number | None = None
    horizon_years: int | None = None


@pydantic_dataclass(frozen=True, slots=True, kw_only=True)
class FramingFeasibility:
    """``framing.feasibility`` scores (1–5)."""

    data_maturity: Number
    it_maturity: Number


@pydantic_dataclass(frozen=True, slots=True, kw_only=True)
class Framing:
    """What the KPIs read of the framing sheet."""

    budget: FramingBudget | None = None
    expected_value: FramingValue | None = None
    impact: int | None = None
    feasibility: FramingFeasibility | None = None


@pydantic_dataclass(frozen=True, slots=True, kw_only=True)
class Timeline:
    """First entry into each stage (``source``: ``git``, ``manifest`` or None)."""

    source: str | None = None
    stages: dict[str, str] = Field(default_factory=dict)
    git: dict[str, str] = Field(default_factory=dict)
    git_note: str | None = None


MetricSeries = tuple[tuple[str, Number], ...]
"""``(date, value)`` points of an MLflow metric, oldest first."""


@pydantic_dataclass(frozen=True, slots=True, kw_only=True)
class QualitySeries:
    """``monitoring.performance`` and the MLflow history of its metric."""

    metric: str
    threshold: Number
    direction: str | None = None
    points: MetricSeries = ()


@pydantic_dataclass(frozen=True, slots=True, kw_only=True)
class AdoptionSeries:
    """``monitoring.adoption`` and the MLflow history of its metric."""

    metric: str
    target_per_day: Number
    source: str | None = None
    points: MetricSeries = ()


@pydantic_dataclass(frozen=True, slots=True, kw_only=True)
class Monitoring:
    """Whether MLflow was read, and the monitored metrics' histories."""

    mlflow: str
    quality: QualitySeries | None = None
    adoption: AdoptionSeries | None = None


class RepositoryResult(PortfolioValue):
    """One row of a scan (see the module docstring for the shape).

    An error row (``status: error``) holds the header keys only: nothing was evaluated.
    """

    HEADER: ClassVar[tuple[str, ...]] = (
        "id", "name", "source", "location", "head", "status", "error", "cached"
    )  # fmt: skip

    id: str
    name: str
    source: str
    location: str
    head: str | None = None
    status: Literal["ok", "error"] = "ok"
    """error: the repository could not be evaluated (see ``error``)."""
    error: str | None = None
    cached: bool = False
    """Reused from an earlier scan of the same head."""
    project: ProjectInfo | None = None
    decision: str | None = None
    block_on: str | None = None
    rules_evaluated: int = 0
    rules_passed: int = 0
    findings: tuple[FindingRow, ...] = ()
    """Unwaived first, then by blocking and severity."""
    packs: tuple[PackRef, ...] = ()
    published_packs: tuple[PublishedPack, ...] | None = None
    waivers: tuple[WaiverRow, ...] = ()
    framing: Framing | None = None
    timeline: Timeline = Timeline()
    monitoring: Monitoring | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @classmethod
    def failed(cls, ref: RepositoryRef, error: str, head: str | None = None) -> RepositoryResult:
        """The row of a repository that could not be fetched or evaluated."""
        return cls(
            id=ref.id,
            name=ref.name,
            source=ref.source,
            location=ref.location,
            head=head,
            status="error",
            error=error,
        )

    @classmethod
    def evaluated(
        cls, ref: RepositoryRef, head: str | None, found: Mapping[str, Any]
    ) -> RepositoryResult:
        """The row of an evaluated repository, from what the evaluation found (row keys)."""
        header = {"id": ref.id, "name": ref.name, "source": ref.source, "location": ref.location}
        return cls.model_validate({**header, "head": head, **found})

    @model_serializer(mode="wrap")
    def _header_only_when_failed(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if self.status == "ok":
            return data
        return {key: data[key] for key in self.HEADER if key in data}


class ToolInfo(PortfolioValue):
    """The aigov that wrote a file."""

    name: str = "aigov"
    version: str = __version__


class PolicySummary(PortfolioValue):
    """The policy set a scan evaluated."""

    source: str = "builtin"
    packs: tuple[PackRef, ...] = ()
    block_on: str = "high"
    max_poc_days: int | None = None
    waiver_max_days: int | None = None
    tuning: tuple[RuleTuningApplied, ...] = ()
    """What the organisation changed in the packs' rules (aigov-org.yaml ``rules:``)."""


class ScanStats(SparseValue):
    """How a scan went (``shards``: the shards a merged scan was made of)."""

    OPTIONAL = frozenset({"shards"})

    repositories: int = 0
    evaluated: int = 0
    cached: int = 0
    errors: int = 0
    seconds: Number = 0
    shards: tuple[str, ...] | None = None


class PortfolioScan(PortfolioValue):
    """A scan of many repositories against one policy set, on one day (a scan file's content)."""

    kind: Literal["aigov-portfolio-scan"] = SCAN_KIND
    schema_version: str = SCAN_SCHEMA_VERSION
    tool: ToolInfo = ToolInfo()
    generated_at: str
    today: dt.date
    sources: tuple[str, ...] = ()
    shard: str | None = None
    """``I/N`` for one shard of a fanned-out scan; None for a whole scan (or a merge)."""
    with_mlflow: bool = False
    policy: PolicySummary = PolicySummary()
    stats: ScanStats = ScanStats()
    results: tuple[RepositoryResult, ...]

    @property
    def scan_id(self) -> str:
        """Identity in the history store: when it was made, which shard."""
        return f"{self.generated_at}#{self.shard or 'all'}"

    @classmethod
    def from_json(cls, text: bytes | str) -> PortfolioScan:
        """The scan in a scan file's ``text``; :class:`ScanFileError` when it is not one."""
        try:
            scan = cls.model_validate_json(text)  # parsed and validated in one pass
        except ValidationError:
            try:
                data = json.loads(text)
            except ValueError as exc:
                raise ScanFileError(f"not JSON ({exc})") from exc
            return cls.from_data(data)  # which says what is wrong
        _check_version(scan.schema_version)
        return scan

    @classmethod
    def from_data(cls, data: Any) -> PortfolioScan:
        """The scan in ``data`` (a scan file's JSON); :class:`ScanFileError` when it is not one."""
        if not isinstance(data, dict) or data.get("kind") != SCAN_KIND:
            raise ScanFileError(f"not an aigov portfolio scan (kind is not '{SCAN_KIND}')")
        _check_version(data.get("schema_version"))
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"])
            raise ScanFileError(f"malformed scan: {where}: {error['msg']}") from exc


def _check_version(version: object) -> None:
    """A scan of another major schema version is refused (its rows may mean other things)."""
    if str(version or "").split(".")[0] != SCAN_SCHEMA_VERSION.split(".")[0]:
        raise ScanFileError(f"unsupported scan schema_version {version}")


def write_scan(scan: PortfolioScan, path: Path) -> None:
    """Write ``scan`` as JSON (atomically: a killed job never leaves half a file)."""
    write_atomically(path, scan_text(scan))


def scan_text(scan: PortfolioScan) -> str:
    """A scan file's text: compact JSON, ``results`` last.

    Python's ``json`` writes it (pydantic's writer spells some floats otherwise: ``1e-7`` for
    ``1e-07``), one row at a time, so that the plain data of a whole portfolio is never held at
    once beside its models.
    """

    def dumped(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    head = dumped(scan.model_dump(mode="json", exclude={"results"}))
    rows = ",".join(dumped(row.data()) for row in scan.results)
    return f'{head[:-1]},"results":[{rows}]}}'


def read_scan(path: Path) -> PortfolioScan:
    """Read a scan file; :class:`ScanFileError` when it is not one."""
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ScanFileError(f"{path}: {exc.strerror or exc}") from None
    try:
        return PortfolioScan.from_json(text)
    except ScanFileError as exc:
        raise ScanFileError(f"{path}: {exc}") from exc


def merge_scans(scans: Sequence[PortfolioScan]) -> PortfolioScan:
    """One scan from the shards of a fanned-out run.

    The shards must have evaluated the same packs (same digests) on the same day; a repository
    present in several shards (a re-run shard) keeps its row from the latest scan.
    """
    if not scans:
        raise ScanFileError("nothing to merge")
    first = scans[0]
    digests = _pack_digests(first)
    for scan in scans[1:]:
        if _pack_digests(scan) != digests:
            raise ScanFileError(
                "the shards evaluated different policy packs "
                f"({_describe(first)} vs {_describe(scan)}): re-run them with one --policies"
            )
        if scan.today != first.today:
            raise ScanFileError(f"the shards ran on different days ({first.today}, {scan.today})")
    rows: dict[str, RepositoryResult] = {}
    for scan in sorted(scans, key=lambda s: s.generated_at):
        for row in scan.results:
            rows[row.id] = row
    stats = ScanStats(
        repositories=len(rows),
        evaluated=sum(s.stats.evaluated for s in scans),
        cached=sum(s.stats.cached for s in scans),
        errors=sum(1 for r in rows.values() if not r.ok),
        seconds=round(max(float(s.stats.seconds) for s in scans), 3),
        shards=tuple(sorted(s.shard or "all" for s in scans)),
    )
    return PortfolioScan(
        generated_at=max(s.generated_at for s in scans),
        today=first.today,
        sources=tuple(sorted({src for s in scans for src in s.sources})),
        policy=first.policy,
        results=tuple(sorted(rows.values(), key=lambda r: r.id)),
        shard=None,
        with_mlflow=all(s.with_mlflow for s in scans),
        stats=stats,
    )


def _pack_digests(scan: PortfolioScan) -> list[tuple[str, str]]:
    return sorted((p.name, p.digest) for p in scan.policy.packs)


def _describe(scan: PortfolioScan) -> str:
    return ", ".join(f"{p.name} {p.version}" for p in scan.policy.packs) or "no packs"
