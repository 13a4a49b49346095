"""``aigov-org.yaml``: an organisation's choices over the policy packs.

At the root of a policy source (a folder or a git repository)::

    apiVersion: aigov/v1
    kind: OrgConfig
    packs:                       # default: every pack of the source (or the built-in packs)
      - {name: gdpr, version: ">=1.0,<2"}
      - {name: ai-act, version: "==1.2.0"}
    block_on: high               # findings at or above this severity block (default: high)
    on_policy_error: block       # a rule whose expression fails: block (default) or warn
    dates:                       # move a pack's named dates (the AI Act's dates move)
      annex_iii_obligations: 2027-12-02
    waivers: {approvers: [dpo@example.com], max_days: 90, waivable_critical: [GDPR-35-DPIA-DONE]}
    committees: {production: [model-risk-committee]}
    people:                      # who may attest governance records, and how they are recognised
      - name: Nadia Benali       # as records name the person (waivers' approved_by)
        roles: [dpo, waiver_approver, model-risk-committee]
        github: nbenali          # forge accounts whose approving reviews count
        gitlab: nbenali
        signers: [dpo@example.com]   # principals of the policy source's allowed_signers file
    attestation:                 # how a record a pull request adds is attested (aigov.attestation)
      methods: [forge-review, signed-commit]
      deployment: verify         # or branch-protection
      roles: {waiver: [waiver_approver], criteria: [model_risk], obligations: [dpo, model_risk],
              evidence: [model_risk]}
    lifecycle: {allow_stage_skip: false}
    evidence:                    # where evidence may come from (a PR writes aigov.yaml)
      mlflow: {trusted_tracking_uris: ["https://mlflow.bank.example"]}   # default: no server
      data_quality: {stored_results: recompute}                          # default: accept
    limits: {max_poc_days: 120, evidence_max_age_days: 30, card_metric_tolerance: 0.005}
    rules:                       # tune a rule: severity, turn it off (with a reason), parameters
      SLA-DASHBOARD: {severity: info, reason: dashboards are reviewed monthly}
      AIACT-50-CONTENT-MARKING: {enabled: false, reason: no generative model in this org}
      SLA-LATENCY-P95: {params: {max_latency_p95_ms: 300}}
    lang: en

Version constraints use the comparator syntax of :mod:`aigov.policy.semver`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from aigov.documents.types import Document, NonEmptyStr, Stage
from aigov.policy.findings import RULE_ID_PATTERN, Severity
from aigov.policy.semver import VersionConstraint, VersionError

ORG_FILE: Final = "aigov-org.yaml"


class PackPin(Document):
    """A pack the organisation evaluates, and the versions it accepts."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str = "*"

    @field_validator("version", mode="before")
    @classmethod
    def _constraint(cls, value: object) -> object:
        if isinstance(value, int | float):  # `version: 1` in YAML is a number
            value = str(value)
        if isinstance(value, str):
            try:
                VersionConstraint.parse(value)
            except VersionError as exc:
                raise ValueError(str(exc)) from exc
        return value

    @property
    def constraint(self) -> VersionConstraint:
        return VersionConstraint.parse(self.version)


class WaiverPolicy(Document):
    approvers: list[NonEmptyStr] = []
    max_days: int = Field(default=90, ge=1)
    waivable_critical: list[NonEmptyStr] = Field(
        default=[],
        description="Rules whose critical findings a waiver may cover; a critical finding of "
        "any other rule cannot be waived",
    )
    project_members_may_approve: list[NonEmptyStr] = Field(
        default=[],
        description="Rules whose waivers a person listed as the project's owner, business owner "
        "or data scientist may grant (by default nobody approves their own project)",
    )


class LifecyclePolicy(Document):
    allow_stage_skip: bool = False
    project_members_may_approve: bool = Field(
        default=False,
        description="Whether a person listed as the project's owner, business owner or data "
        "scientist may attest its committee approvals",
    )


class MlflowTrust(Document):
    """Where MLflow evidence may come from: a pull request writes the tracking URI.

    Only a listed URI receives the environment's credentials. Empty (the default) is closed to
    servers: none is contacted, and only a store committed in the repository that the pull
    request does not change is read (see :func:`aigov.evidence.mlflow.collect`).
    """

    trusted_tracking_uris: list[NonEmptyStr] = Field(
        default=[],
        description="Tracking URIs MLflow evidence may come from, each a prefix on a path "
        "boundary (scheme and host compared case-insensitively); only these receive "
        "credentials. Empty: no tracking server is contacted, and only a store committed in "
        "the repository (sqlite:, file:, a path) is read, unless the pull request changes it",
    )

    @field_validator("trusted_tracking_uris")
    @classmethod
    def _absolute(cls, value: list[str]) -> list[str]:
        for uri in value:
            if not urlsplit(uri).scheme:
                raise ValueError(f"'{uri}' is not a URI with a scheme (https://…, sqlite:///…)")
        return value


class DataQualityTrust(Document):
    """Which data quality results count: stored ones are files a pull request can write."""

    stored_results: Literal["accept", "recompute"] = Field(
        default="accept",
        description="recompute: only data checks run by this check (--run-data-checks) count, "
        "not results stored in the repository, which a pull request can write. accept: "
        "stored results count unless the pull request changes them",
    )


class EvidencePolicy(Document):
    """The ``evidence:`` section: which evidence a pull request cannot choose."""

    mlflow: MlflowTrust = Field(default_factory=MlflowTrust)
    data_quality: DataQualityTrust = Field(default_factory=DataQualityTrust)


class Limits(Document):
    """Organisation-wide values that aigov itself reads besides the rules (the portfolio's POC
    duration, the age of stored evidence, the card/MLflow tolerance the documents use). A value
    only a rule reads is that rule's parameter instead (``rules: {ID: {params: ...}}``)."""

    max_poc_days: int = Field(default=180, ge=1)
    evidence_max_age_days: int = Field(default=90, ge=1)
    card_metric_tolerance: float = Field(
        default=0.005,
        ge=0,
        description="Largest gap accepted between a model card value and MLflow's",
    )


class Person(Document):
    """Someone who may attest governance records, and how the forge and git recognise them."""

    name: NonEmptyStr = Field(description="As records name the person (a waiver's approved_by)")
    roles: list[NonEmptyStr] = Field(
        default=[],
        description="Governance roles (dpo, model_risk, waiver_approver…); a committee's name "
        "makes the person a member of that committee",
    )
    github: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*(\[bot\])?$")
    gitlab: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.][A-Za-z0-9_.-]*$")
    signers: list[NonEmptyStr] = Field(
        default=[],
        description="Principals of the policy source's allowed_signers file (git's SSH signing) "
        "whose signed commits are this person's",
    )


AttestationMethod = Literal["forge-review", "signed-commit"]


class AttestationRoles(Document):
    """Which roles may attest each kind of record (a stage approval: its committee's members)."""

    waiver: list[NonEmptyStr] = ["waiver_approver"]
    criteria: list[NonEmptyStr] = ["model_risk"]
    obligations: list[NonEmptyStr] = ["dpo", "model_risk"]
    evidence: list[NonEmptyStr] = ["model_risk"]


class AttestationPolicy(Document):
    methods: list[AttestationMethod] = Field(
        default=["forge-review", "signed-commit"],
        description="How a governance record that a pull request adds may be attested",
    )
    deployment: Literal["verify", "branch-protection"] = Field(
        default="verify",
        description="verify: each record on the deployed commit was introduced by a signed "
        "commit or an approved merge request; branch-protection: the forge requires reviews on "
        "the default branch",
    )
    roles: AttestationRoles = Field(default_factory=AttestationRoles)


class RuleTuning(Document):
    """The organisation's choice for one rule of its packs (see :mod:`aigov.policy.tuning`)."""

    severity: Severity | None = None
    enabled: bool = True
    reason: NonEmptyStr | None = None
    """Why: mandatory to turn a rule off, shown to auditors with every tuning."""
    params: dict[str, Any] = {}

    @model_validator(mode="after")
    def _reason_to_turn_off(self) -> RuleTuning:
        if not self.enabled and self.reason is None:
            raise ValueError("a rule turned off ('enabled: false') needs a 'reason'")
        if not self.enabled and (self.severity is not None or self.params):
            raise ValueError("a rule turned off takes no 'severity' or 'params'")
        return self


class OrgConfig(Document):
    """The organisation's configuration; ``OrgConfig.default()`` when a source has none."""

    api_version: Literal["aigov/v1"] = Field(default="aigov/v1", alias="apiVersion")
    kind: Literal["OrgConfig"] = "OrgConfig"
    packs: list[PackPin] = []
    block_on: Severity = "high"
    on_policy_error: Literal["block", "warn"] = "block"
    """A rule whose expression fails at evaluation is a policy bug: block (fail closed, the
    default) or let the run pass with a warning while the policy owner fixes it."""
    dates: dict[str, dt.date] = {}
    waivers: WaiverPolicy = Field(default_factory=WaiverPolicy)
    committees: dict[Stage, list[NonEmptyStr]] = {}
    lifecycle: LifecyclePolicy = Field(default_factory=LifecyclePolicy)
    evidence: EvidencePolicy = Field(default_factory=EvidencePolicy)
    limits: Limits = Field(default_factory=Limits)
    people: list[Person] = []
    attestation: AttestationPolicy = Field(default_factory=AttestationPolicy)
    rules: dict[str, RuleTuning] = {}
    """Rule id -> the organisation's severity, on/off and parameters for that rule."""
    lang: str = Field(default="en", pattern=r"^[a-z]{2}(-[A-Z]{2})?$")

    @classmethod
    def default(cls) -> OrgConfig:
        """Every pack of the source, findings of severity high or critical block."""
        return cls()

    @field_validator("rules")
    @classmethod
    def _rule_ids(cls, value: dict[str, RuleTuning]) -> dict[str, RuleTuning]:
        for rule_id in value:
            if not re.match(RULE_ID_PATTERN, rule_id):
                raise ValueError(f"'{rule_id}' is not a rule id (upper case, digits and '-')")
        return value

    @field_validator("packs")
    @classmethod
    def _unique_packs(cls, value: list[PackPin]) -> list[PackPin]:
        names = [pin.name for pin in value]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"pack '{duplicates[0]}' is listed twice")
        return value

    @field_validator("people")
    @classmethod
    def _one_identity_each(cls, value: list[Person]) -> list[Person]:
        # An account or key listed for two people would let one act with the other's roles.
        for label, keys in (
            ("name", [p.name for p in value]),
            ("github account", [p.github.lower() for p in value if p.github]),
            ("gitlab account", [p.gitlab.lower() for p in value if p.gitlab]),
            ("signer", [s for p in value for s in dict.fromkeys(p.signers)]),
        ):
            twice = sorted({key for key in keys if keys.count(key) > 1})
            if twice:
                raise ValueError(f"{label} '{twice[0]}' is listed for two people")
        return value
