"""The outcome of one ``aigov check``/``aigov gate`` run, as every output format reads it.

A :class:`CheckReport` is what the JSON output holds (schema ``schemas/aigov-result.schema.json``,
versioned by ``schema_version``), and it round-trips: ``CheckReport.from_dict(r.to_dict()) == r``.
That is how a later job (the PR comment bot) renders the Markdown of a run it did not make.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from aigov import __version__
from aigov.documents.problems import Location
from aigov.policy.findings import AppliedWaiver, Finding, PackInfo

RESULT_SCHEMA_VERSION = "1.0"
Decision = Literal["pass", "block"]

SEVERITY_ORDER: Final[tuple[str, ...]] = ("critical", "high", "medium", "low", "info")
"""Severities from the most to the least severe (as the policy packs define them)."""

POLICY_REFERENCE_URL: Final = "https://github.com/aigov/aigov/blob/main/docs/policy-reference.md"
"""Where a rule without its own ``help_uri`` is documented (anchor: :func:`rule_anchor`)."""

FINGERPRINT_VERSION: Final = "v1"


def severity_index(severity: str) -> int:
    """0 for critical … 4 for info; unknown severities sort last."""
    try:
        return SEVERITY_ORDER.index(severity)
    except ValueError:
        return len(SEVERITY_ORDER)


def finding_order(finding: Finding) -> tuple[int, str, int, int, str, str]:
    """The order every output lists findings in: severity, then place, then rule and field."""
    where = finding.location
    return (
        severity_index(finding.severity),
        where.file,
        where.line,
        where.column,
        finding.rule_id,
        finding.field,
    )


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """``findings`` sorted by :func:`finding_order` (deterministic outputs)."""
    return sorted(findings, key=finding_order)


def finding_fingerprint(finding: Finding) -> str:
    """A stable identity for a finding across runs and line moves.

    Built from the rule id, the file and the field the finding is about, never the line or the
    message (messages may quote values that change): SARIF ``partialFingerprints``, GitLab Code
    Quality fingerprints and baselines all use it.
    """
    material = "\0".join(
        (FINGERPRINT_VERSION, finding.rule_id, finding.location.file, finding.field)
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


MANIFEST_FILE: Final = "aigov.yaml"


def finding_path(report: CheckReport, finding: Finding) -> str:
    """The finding's file relative to the working directory the check ran in.

    Findings hold paths relative to the checked repository; CI annotations (SARIF, GitHub
    workflow commands, GitLab Code Quality) want them relative to the checkout root. When the
    repository was given as a relative path inside the working directory
    (``aigov check examples/credit-scoring``) it is prefixed; an absolute or outside path is
    assumed to be the checkout root. A finding without a file points at ``aigov.yaml``.
    """
    file = finding.location.file.replace("\\", "/") or MANIFEST_FILE
    root = report.repository.replace("\\", "/")
    if not root or posixpath.isabs(root) or re.match(r"^[A-Za-z]:/", root):
        return file
    prefix = posixpath.normpath(root)
    if prefix == "." or prefix == ".." or prefix.startswith("../"):
        return file
    return posixpath.normpath(posixpath.join(prefix, file))


def rule_anchor(rule_id: str, title: str) -> str:
    """The GitHub anchor of the rule's heading in ``docs/policy-reference.md``.

    The heading is ``### {id} — {title}``; GitHub lower-cases it, drops punctuation other than
    ``-`` and ``_`` and turns each space into ``-``.
    """
    heading = f"{rule_id} — {title}".lower()
    kept = re.sub(r"[^\w\- ]", "", heading)
    return kept.replace(" ", "-")


def rule_help_uri(rule: RuleInfo) -> str:
    """The rule's own ``help_uri``, else its section of the policy reference."""
    if rule.help_uri:
        return rule.help_uri
    return f"{POLICY_REFERENCE_URL}#{rule_anchor(rule.id, rule.title)}"


@dataclass(frozen=True)
class RuleInfo:
    """A rule as reports describe it (SARIF reportingDescriptors, the comment's links)."""

    id: str
    pack: str
    title: str
    severity: str
    references: tuple[str, ...]
    description: str = ""
    remediation: str = ""
    help_uri: str = ""
    outcome: str = ""
    """How the rule came out (``passed``, ``not_applicable``, ``failed``, ``error``,
    ``not_yet_effective``); empty when unknown. Written to JSON only when set."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "pack": self.pack,
            "title": self.title,
            "severity": self.severity,
            "references": list(self.references),
            "description": self.description,
            "remediation": self.remediation,
            "help_uri": self.help_uri,
        }
        if self.outcome:
            data["outcome"] = self.outcome
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RuleInfo:
        return cls(**{**data, "references": tuple(data.get("references", ()))})


@dataclass(frozen=True)
class CheckReport:
    """Everything a renderer may show about one run."""

    repository: str
    """The checked repository as given on the command line (paths in findings are relative)."""
    project: str
    stage: str
    stages: tuple[str, ...]
    today: dt.date
    decision: Decision
    block_on: str
    packs: tuple[PackInfo, ...]
    rules: tuple[RuleInfo, ...]
    """Every rule evaluated (not only those with findings)."""
    findings: tuple[Finding, ...]
    rules_evaluated: int = 0
    rules_passed: int = 0
    rules_not_applicable: int = 0
    target: str | None = None
    """``aigov gate --to TARGET``: the deployment environment; None for a check."""
    policy_source: str = "builtin"
    commit: str | None = None
    base: str | None = None
    notes: tuple[str, ...] = ()
    """Things the reader must know that are not findings (e.g. a PR edits the policy source)."""
    tool_version: str = __version__
    schema_version: str = RESULT_SCHEMA_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.decision == "pass"

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.blocking)

    def rule(self, rule_id: str) -> RuleInfo | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def rule_for(self, finding: Finding) -> RuleInfo:
        """The finding's rule; one described from the finding itself when not in ``rules``
        (e.g. ``AIGOV-WAIVER``, made by aigov rather than a pack)."""
        known = self.rule(finding.rule_id)
        if known is not None:
            return known
        return RuleInfo(
            id=finding.rule_id,
            pack=finding.pack,
            title=finding.title,
            severity=finding.severity,
            references=finding.references,
            remediation=finding.remediation,
        )

    def described_rules(self) -> tuple[RuleInfo, ...]:
        """``rules`` followed by the rules of findings that ``rules`` does not list."""
        seen = {r.id for r in self.rules}
        extra: list[RuleInfo] = []
        for finding in self.findings:
            if finding.rule_id not in seen:
                seen.add(finding.rule_id)
                extra.append(self.rule_for(finding))
        return (*self.rules, *extra)

    @property
    def waived(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.waived)

    @property
    def not_yet_effective(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status == "not_yet_effective" and not f.waived)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """Effective, unwaived findings that do not block (below ``block_on``)."""
        return tuple(
            f
            for f in self.findings
            if not f.blocking and not f.waived and f.status != "not_yet_effective"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "tool": {"name": "aigov", "version": self.tool_version},
            "repository": self.repository,
            "project": self.project,
            "stage": self.stage,
            "stages": list(self.stages),
            "target": self.target,
            "today": self.today.isoformat(),
            "decision": self.decision,
            "block_on": self.block_on,
            "policy_source": self.policy_source,
            "commit": self.commit,
            "base": self.base,
            "packs": [p.to_dict() for p in self.packs],
            "summary": {
                "rules_evaluated": self.rules_evaluated,
                "rules_passed": self.rules_passed,
                "rules_not_applicable": self.rules_not_applicable,
                "findings": len(self.findings),
                "blocking": len(self.blocking),
                "waived": sum(1 for f in self.findings if f.waived),
            },
            "notes": list(self.notes),
            "rules": [r.to_dict() for r in self.rules],
            "findings": [f.to_dict() for f in self.findings],
            "extra": self.extra,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckReport:
        """Rebuild a report from its JSON form; KeyError, TypeError or ValueError if malformed."""
        summary = data["summary"]
        return cls(
            repository=data["repository"],
            project=data["project"],
            stage=data["stage"],
            stages=tuple(data["stages"]),
            today=dt.date.fromisoformat(data["today"]),
            decision=data["decision"],
            block_on=data["block_on"],
            packs=tuple(PackInfo(**p) for p in data["packs"]),
            rules=tuple(RuleInfo.from_dict(r) for r in data["rules"]),
            findings=tuple(_finding(f) for f in data["findings"]),
            rules_evaluated=summary["rules_evaluated"],
            rules_passed=summary["rules_passed"],
            rules_not_applicable=summary["rules_not_applicable"],
            target=data.get("target"),
            policy_source=data.get("policy_source", "builtin"),
            commit=data.get("commit"),
            base=data.get("base"),
            notes=tuple(data.get("notes", ())),
            tool_version=data["tool"]["version"],
            schema_version=data["schema_version"],
            extra=dict(data.get("extra", {})),
        )


def _finding(data: dict[str, Any]) -> Finding:
    waiver = data.get("waiver")
    effective = data.get("effective_from")
    return Finding(
        rule_id=data["rule_id"],
        pack=data["pack"],
        title=data["title"],
        severity=data["severity"],
        message=data["message"],
        remediation=data["remediation"],
        references=tuple(data["references"]),
        location=Location(data["file"], data["line"], data["column"]),
        status=data["status"],
        field=data.get("field", ""),
        effective_from=dt.date.fromisoformat(effective) if effective else None,
        waived=data["waived"],
        waiver=(
            AppliedWaiver(**{**waiver, "expires": dt.date.fromisoformat(waiver["expires"])})
            if waiver
            else None
        ),
        blocking=data["blocking"],
    )
