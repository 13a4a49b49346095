"""What an evaluation produces: findings, and the result that records what was evaluated."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from aigov.documents.problems import Location

FindingStatus = Literal["failed", "error", "not_yet_effective"]
"""failed: the assert is false or names a missing field; error: the rule could not be evaluated
(type error, bad function argument...); not_yet_effective: it fails but applies only later."""


@dataclass(frozen=True)
class AppliedWaiver:
    """The waiver that excuses a finding, as written in ``aigov.yaml``."""

    rule: str
    reason: str
    approved_by: str
    ticket: str
    expires: dt.date
    stage: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "reason": self.reason,
            "approved_by": self.approved_by,
            "ticket": self.ticket,
            "expires": self.expires.isoformat(),
            "stage": self.stage,
        }


@dataclass(frozen=True)
class Finding:
    """A rule that does not hold for a repository, where, and what it means for the gate."""

    rule_id: str
    pack: str
    title: str
    severity: str
    message: str
    remediation: str
    references: tuple[str, ...]
    location: Location
    status: FindingStatus = "failed"
    field: str = ""
    """The context path the finding is about (``manifest.risk.gdpr.dpia``), when known."""
    effective_from: dt.date | None = None
    waived: bool = False
    waiver: AppliedWaiver | None = None
    blocking: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "pack": self.pack,
            "title": self.title,
            "severity": self.severity,
            "status": self.status,
            "message": self.message,
            "remediation": self.remediation,
            "references": list(self.references),
            "file": self.location.file,
            "line": self.location.line,
            "column": self.location.column,
            "field": self.field,
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "waived": self.waived,
            "waiver": self.waiver.to_dict() if self.waiver else None,
            "blocking": self.blocking,
        }


@dataclass(frozen=True)
class PackInfo:
    """A pack as evaluated: identity, version and content digest (for audit trails)."""

    name: str
    version: str
    digest: str
    origin: str

    def to_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "version": self.version,
            "digest": self.digest,
            "origin": self.origin,
        }


@dataclass(frozen=True)
class Result:
    """The outcome of evaluating one repository against one policy set."""

    project: str
    stage: str
    stages: tuple[str, ...]
    """The stages whose rules were evaluated (the manifest's, or a transition's two)."""
    today: dt.date
    block_on: str
    packs: tuple[PackInfo, ...]
    findings: tuple[Finding, ...]
    rules_evaluated: int = 0
    rules_passed: int = 0
    rules_not_applicable: int = 0
    evidence_used: tuple[str, ...] = field(default=())

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.blocking)

    @property
    def waived(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.waived)

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "stage": self.stage,
            "stages": list(self.stages),
            "today": self.today.isoformat(),
            "block_on": self.block_on,
            "packs": [p.to_dict() for p in self.packs],
            "rules_evaluated": self.rules_evaluated,
            "rules_passed": self.rules_passed,
            "rules_not_applicable": self.rules_not_applicable,
            "evidence_used": list(self.evidence_used),
            "findings": [f.to_dict() for f in self.findings],
        }
