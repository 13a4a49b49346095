"""What an evaluation produces: findings, and the result that records what was evaluated.

These are the values every later stage reads (the gate decides on a :class:`Result`, the report
holds its findings), and the JSON result writes them as they are: the fields of :class:`Finding`,
:class:`AppliedWaiver` and :class:`PackInfo` are the keys of ``schemas/aigov-result.schema.json``,
whose parts are generated from these models.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from aigov.documents.problems import Location

FindingStatus = Literal["failed", "error", "policy_error", "not_yet_effective"]
"""failed: the assert is false or names a missing field; error: the rule could not be evaluated
(type error, bad function argument...); not_yet_effective: it fails but applies only later."""

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITIES: Final[tuple[Severity, ...]] = ("critical", "high", "medium", "low", "info")
"""Severities from the most to the least severe (a rule's, and the org's ``block_on``)."""

_RANKS: Final[dict[str, int]] = {
    severity: len(SEVERITIES) - 1 - i for i, severity in enumerate(SEVERITIES)
}


def severity_rank(severity: str) -> int:
    """Higher is more severe: info 0 … critical 4."""
    return _RANKS[severity]


RULE_ID_PATTERN: Final = r"^[A-Z0-9][A-Z0-9-]*$"

FINGERPRINT_VERSION: Final = "v1"


class ResultValue(BaseModel):
    """A value of the result: immutable, no unknown key, every key written (a JSON consumer
    relies on each being present, null or empty when there is nothing to say)."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_serialization_defaults_required=True
    )


class AppliedWaiver(ResultValue):
    """The waiver of aigov.yaml that excuses a finding."""

    rule: str
    reason: str
    approved_by: str
    ticket: str
    expires: dt.date
    stage: str


class FindingText(ResultValue):
    """A finding's title, message and remediation in one language."""

    lang: str = Field(description="The language, an ISO 639-1 code (`fr`).")
    title: str
    message: str
    remediation: str


class Finding(ResultValue):
    """A rule that does not hold for a repository, where, and what it means for the gate."""

    rule_id: str = Field(min_length=1)
    pack: str = Field(
        description="The rule's pack; `aigov` for findings aigov makes itself (`AIGOV-WAIVER`)."
    )
    title: str
    severity: Severity
    status: FindingStatus = Field(
        default="failed",
        description="`failed`: the rule does not hold; `error`: evidence it reads could not "
        "be collected (blocks like a failure); `policy_error`: the rule's own expression failed, "
        "a bug of the policy (`file` is empty, `policy_location` says where the rule is written; "
        "blocks when the result's `on_policy_error` is `block`); `not_yet_effective`: it fails "
        "but applies only from `effective_from` (never blocks).",
    )
    message: str
    remediation: str
    references: tuple[str, ...]
    file: str = Field(description="Path relative to `repository`, `/`-separated.")
    line: int = Field(
        default=0,
        ge=0,
        description="1-based line of the offending field (or of the parent that lacks it); "
        "0 when unknown.",
    )
    column: int = Field(default=0, ge=0, description="1-based column; 0 when unknown.")
    field: str = Field(
        default="",
        description="The context path the finding is about (`manifest.risk.gdpr.dpia`; an item "
        "of a list by its index, `manifest.success_criteria[1].threshold`); empty when unknown.",
    )
    effective_from: dt.date | None = Field(
        default=None, description="The date the rule applies from, when it has one."
    )
    waived: bool = False
    waiver: AppliedWaiver | None = None
    policy_location: str | None = Field(
        default=None,
        description="For a `policy_error`: where the rule is written (pack file:line:column).",
    )
    blocking: bool = Field(
        default=False,
        description="Whether this finding blocks: effective, not waived, and at or above "
        "`block_on` (an evaluation error counts as a failure). Set by the gate "
        "(:func:`aigov.gate.decide`); a finding aigov makes about the gate's own integrity "
        "(`AIGOV-WAIVER`, `AIGOV-ATTESTATION`) is made blocking by its maker.",
    )

    translations: tuple[FindingText, ...] = Field(
        default=(),
        description="The finding's title, message and remediation in each language its rule's "
        "pack translates the rule into (the pack's `locales/<lang>.yaml`); `title`, `message` "
        "and `remediation` above stay English. The text and Markdown reports show the one of "
        "the report's language, else the English.",
    )

    @property
    def location(self) -> Location:
        """Where the finding points: ``file:line:column``."""
        return Location(self.file, self.line, self.column)

    def text(self, lang: str) -> FindingText:
        """The title, message and remediation in ``lang``: the translation, else English."""
        found = next((t for t in self.translations if t.lang == lang), None)
        if found is not None:
            return found
        return FindingText(
            lang="en", title=self.title, message=self.message, remediation=self.remediation
        )


class PackInfo(ResultValue):
    """A pack as evaluated: identity, version and content digest (for audit trails)."""

    name: str = Field(min_length=1)
    version: str = Field(description="The pack's semantic version.")
    digest: str = Field(description="Content digest of the pack's files, `sha256:<64 hex>`.")
    origin: str = Field(description="Where the pack was read: `builtin` or the policy source.")


class ParamChange(ResultValue):
    """A rule parameter the organisation set to another value than the pack's default."""

    name: str
    default: Any
    value: Any


class RuleTuningApplied(ResultValue):
    """What the organisation changed in one rule (``aigov-org.yaml`` ``rules:``), so that an
    auditor sees every departure from the packs as published."""

    rule_id: str
    pack: str
    enabled: bool = True
    severity: Severity | None = Field(
        default=None, description="The organisation's severity; null when unchanged."
    )
    pack_severity: Severity
    params: tuple[ParamChange, ...] = ()
    reason: str | None = None


class Result(ResultValue):
    """The outcome of evaluating one repository against one policy set: what the engine
    returns and the gate decides on (:func:`aigov.gate.decide`)."""

    project: str
    stage: str
    stages: tuple[str, ...]
    """The stages whose rules were evaluated (the manifest's, or a transition's two)."""
    today: dt.date
    block_on: Severity
    on_policy_error: Literal["block", "warn"] = "block"
    """Whether a rule whose expression fails blocks (fail closed) or only warns."""
    packs: tuple[PackInfo, ...]
    findings: tuple[Finding, ...]
    rules_evaluated: int = 0
    rules_passed: int = 0
    rules_not_applicable: int = 0
    not_applicable: tuple[str, ...] = ()
    """The ids of the rules that did not apply (outside the stages, or ``when`` false)."""
    evidence_used: tuple[str, ...] = ()
    tuning: tuple[RuleTuningApplied, ...] = ()
    """The organisation's changes to the rules of the packs evaluated (turned-off rules too)."""

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.blocking)

    @property
    def waived(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.waived)


def fingerprint_of(rule_id: str, file: str, field: str) -> str:
    """A stable identity for a finding across runs and line moves.

    Built from the rule id, the file and the field the finding is about, never the line or the
    message (messages may quote values that change): SARIF ``partialFingerprints``, GitLab Code
    Quality fingerprints and baselines all use it.
    """
    material = "\0".join((FINGERPRINT_VERSION, rule_id, file, field))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def finding_fingerprint(finding: Finding) -> str:
    """:func:`fingerprint_of` the finding."""
    return fingerprint_of(finding.rule_id, finding.file, finding.field)
