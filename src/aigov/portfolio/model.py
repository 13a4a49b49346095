"""What a portfolio scan produces: one row per repository, and the scan that holds them.

A scan file (``aigov portfolio scan -o FILE``) is JSON, ``kind: aigov-portfolio-scan``; shards of
one nightly run are merged with :func:`merge_scans`. A row is plain data: everything the KPIs and
the report need, read once from the repository, so that neither ever re-reads a repository.

Row shape (``RepositoryResult.to_dict``)::

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from aigov import __version__
from aigov.documents.files import write_atomically
from aigov.errors import AigovError

SCAN_KIND: Final = "aigov-portfolio-scan"
SCAN_SCHEMA_VERSION: Final = "1.0"


class ScanFileError(AigovError):
    """A scan file cannot be read or merged."""


@dataclass(frozen=True)
class RepositoryRef:
    """A repository to scan, as a source lists it."""

    id: str
    """Stable identity: the folder name, the normalised git URL, ``github:owner/name``…"""
    name: str
    source: str
    """``dir``, ``git``, ``github`` or ``gitlab``."""
    location: str


@dataclass
class RepositoryResult:
    """One row of a scan (see the module docstring for the shape)."""

    id: str
    name: str
    source: str
    location: str
    head: str | None = None
    status: str = "ok"
    error: str | None = None
    cached: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    """Everything else (project, decision, findings, framing, timeline, monitoring…)."""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @classmethod
    def failed(cls, ref: RepositoryRef, error: str, head: str | None = None) -> RepositoryResult:
        return cls(ref.id, ref.name, ref.source, ref.location, head, "error", error)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "source": self.source,
            "location": self.location,
            "head": self.head,
            "status": self.status,
            "error": self.error,
            "cached": self.cached,
            **self.data,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RepositoryResult:
        known = ("id", "name", "source", "location", "head", "status", "error", "cached")
        rest = {k: v for k, v in data.items() if k not in known}
        return cls(
            id=str(data["id"]),
            name=str(data["name"]),
            source=str(data["source"]),
            location=str(data["location"]),
            head=data.get("head"),
            status=str(data.get("status", "ok")),
            error=data.get("error"),
            cached=bool(data.get("cached", False)),
            data=rest,
        )


@dataclass
class PortfolioScan:
    """A scan of many repositories against one policy set, on one day."""

    generated_at: str
    today: dt.date
    sources: list[str]
    policy: dict[str, Any]
    """``{source, packs: [{name, version, digest}], block_on, max_poc_days}``."""
    results: list[RepositoryResult]
    shard: str | None = None
    """``I/N`` for one shard of a fanned-out scan; None for a whole scan (or a merge)."""
    with_mlflow: bool = False
    stats: dict[str, Any] = field(default_factory=dict)
    tool_version: str = __version__

    @property
    def scan_id(self) -> str:
        """Identity in the history store: when it was made, which shard."""
        return f"{self.generated_at}#{self.shard or 'all'}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": SCAN_KIND,
            "schema_version": SCAN_SCHEMA_VERSION,
            "tool": {"name": "aigov", "version": self.tool_version},
            "generated_at": self.generated_at,
            "today": self.today.isoformat(),
            "sources": list(self.sources),
            "shard": self.shard,
            "with_mlflow": self.with_mlflow,
            "policy": self.policy,
            "stats": self.stats,
            "results": [r.to_dict() for r in self.results],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PortfolioScan:
        if not isinstance(data, dict) or data.get("kind") != SCAN_KIND:
            raise ScanFileError(f"not an aigov portfolio scan (kind is not '{SCAN_KIND}')")
        major = str(data.get("schema_version", "")).split(".")[0]
        if major != SCAN_SCHEMA_VERSION.split(".")[0]:
            raise ScanFileError(f"unsupported scan schema_version {data.get('schema_version')}")
        try:
            return cls(
                generated_at=str(data["generated_at"]),
                today=dt.date.fromisoformat(data["today"]),
                sources=[str(s) for s in data.get("sources", [])],
                policy=dict(data.get("policy") or {}),
                results=[RepositoryResult.from_dict(r) for r in data["results"]],
                shard=data.get("shard"),
                with_mlflow=bool(data.get("with_mlflow", False)),
                stats=dict(data.get("stats") or {}),
                tool_version=str((data.get("tool") or {}).get("version", __version__)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ScanFileError(f"malformed scan: {exc!r}") from None


def write_scan(scan: PortfolioScan, path: Path) -> None:
    """Write ``scan`` as JSON (atomically: a killed job never leaves half a file)."""
    write_atomically(path, json.dumps(scan.to_dict(), ensure_ascii=False, separators=(",", ":")))


def read_scan(path: Path) -> PortfolioScan:
    """Read a scan file; :class:`ScanFileError` when it is not one."""
    try:
        with path.open(encoding="utf-8") as stream:
            data = json.load(stream)
    except OSError as exc:
        raise ScanFileError(f"{path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ScanFileError(f"{path}: not JSON ({exc})") from None
    try:
        return PortfolioScan.from_dict(data)
    except ScanFileError as exc:
        raise ScanFileError(f"{path}: {exc}") from None


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
    stats = {
        "repositories": len(rows),
        "evaluated": sum(int(s.stats.get("evaluated", 0)) for s in scans),
        "cached": sum(int(s.stats.get("cached", 0)) for s in scans),
        "errors": sum(1 for r in rows.values() if not r.ok),
        "seconds": round(max(float(s.stats.get("seconds", 0)) for s in scans), 3),
        "shards": sorted(s.shard or "all" for s in scans),
    }
    return PortfolioScan(
        generated_at=max(s.generated_at for s in scans),
        today=first.today,
        sources=sorted({src for s in scans for src in s.sources}),
        policy=first.policy,
        results=sorted(rows.values(), key=lambda r: r.id),
        shard=None,
        with_mlflow=all(s.with_mlflow for s in scans),
        stats=stats,
    )


def _pack_digests(scan: PortfolioScan) -> list[tuple[str, str]]:
    return sorted((str(p["name"]), str(p["digest"])) for p in scan.policy.get("packs", []))


def _describe(scan: PortfolioScan) -> str:
    packs: Iterable[dict[str, Any]] = scan.policy.get("packs", [])
    return ", ".join(f"{p['name']} {p['version']}" for p in packs) or "no packs"
