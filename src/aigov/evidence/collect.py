"""Collect the evidence a run needs, and only that: each source is asked for lazily.

The engine says which sources the applicable rules read (``evidence.git``, ``evidence.mlflow``,
``evidence.data_quality``); this module gathers exactly those into one :class:`Evidence`. A
source that cannot be had is recorded as an :class:`EvidenceUnavailableRecord` (``{"unavailable":
reason}`` to the rules) rather than raised, so the run goes on and each rule that needs it reports
"evidence unavailable: …" (see :func:`aigov.policy.engine.unavailable_evidence`). The evidence is
typed up to the point where the expression context is built (:meth:`Evidence.plain`); its shape
is published as ``schemas/evidence.schema.json``.

Heavy libraries stay behind their source: a check whose rules need no MLflow evidence never
imports mlflow, and stored data quality evidence is read without Great Expectations.

Evidence files are files of the checked repository, which a pull request may rewrite: a
committed MLflow store or stored data quality result that the change touches
(:attr:`EvidenceRequest.changed_files`, listed by :func:`changed_evidence`) is not counted
unless the change is attested, the org config lists the store, or the data checks were run by
this run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, create_model

from aigov.documents.repository import Repository
from aigov.evidence import NO_REGISTRY
from aigov.evidence.store import DATA_QUALITY_FILE

if TYPE_CHECKING:
    from aigov.evidence.data_quality.model import DataQualityAssessment
    from aigov.evidence.git_history import GitEvidence, GitHistory
    from aigov.evidence.mlflow_evidence import MlflowEvidence
    from aigov.policy.org import OrgConfig

GIT: Final = "git"
MLFLOW: Final = "mlflow"
DATA_QUALITY: Final = "data_quality"
SOURCES = (GIT, MLFLOW, DATA_QUALITY)
UNAVAILABLE_KEY: Final = "unavailable"
"""The one key of an unavailable source's plain form: ``{"unavailable": reason}``."""


SOURCE_FIXES: Final = {
    GIT: "run aigov in a git clone of the repository that holds its whole history and the "
    "refs it is given (the reason above says what is missing)",
    MLFLOW: "make the model registry readable: model.registry in aigov.yaml names the tracking "
    "URI, model and alias; the server is listed in the organisation's aigov-org.yaml "
    "(evidence.mlflow.trusted_tracking_uris) and answers; the mlflow extra is installed "
    "(the reason above says which is missing)",
    DATA_QUALITY: "record the data contracts' results: `aigov data validate`, or check with "
    "`aigov check --run-data-checks` (the reason above says what is missing)",
}
"""How to make a source available when its record names no more precise fix: what an evidence
unavailable finding's fix says instead of the rule's remediation, which assumes the evidence."""


class EvidenceUnavailableRecord(BaseModel):
    """A source that could not be collected, and why (``{"unavailable": reason}`` to rules):
    every rule that reads the source fails closed with this reason."""

    # defer_build: a run that never builds this evidence never pays for its validator.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    reason: str = Field(
        serialization_alias=UNAVAILABLE_KEY,
        description="Why the source gave no evidence (a shallow clone, an unreachable or "
        "untrusted MLflow server, stored results the change edits, --skip-evidence...).",
    )
    # Not part of the evidence rules read (excluded): the fix of the findings it fails.
    fix: str = Field(default="", exclude=True)

    def plain(self) -> dict[str, str]:
        return {UNAVAILABLE_KEY: self.reason}


if TYPE_CHECKING:
    SourceEvidence: TypeAlias = (
        GitEvidence | MlflowEvidence | DataQualityAssessment | EvidenceUnavailableRecord
    )


@dataclass(frozen=True)
class Evidence:
    """What a run collected, source by source: the source's evidence, why it is unavailable, or
    None when no applicable rule reads it (not collected)."""

    git: GitEvidence | EvidenceUnavailableRecord | None = dataclasses.field(
        default=None, metadata={"description": "What the history of aigov.yaml tells."}
    )
    mlflow: MlflowEvidence | EvidenceUnavailableRecord | None = dataclasses.field(
        default=None,
        metadata={"description": "The registered model version of model.registry and its run."},
    )
    data_quality: DataQualityAssessment | EvidenceUnavailableRecord | None = dataclasses.field(
        default=None,
        metadata={
            "description": "The stored data quality results judged against the contracts "
            "declared now."
        },
    )

    def collected(self) -> dict[str, SourceEvidence]:
        """The collected sources by name (``git``, ``mlflow``, ``data_quality``), typed."""
        found = {name: getattr(self, name) for name in SOURCES}
        return {name: value for name, value in found.items() if value is not None}

    def unavailable(self) -> dict[str, str]:
        """The sources recorded as unavailable, with their reasons."""
        return {
            name: value.reason
            for name, value in self.collected().items()
            if isinstance(value, EvidenceUnavailableRecord)
        }

    def unavailable_fixes(self) -> dict[str, str]:
        """How to make each unavailable source available: its record's fix, else the source's
        general one (:data:`SOURCE_FIXES`)."""
        return {
            name: value.fix or SOURCE_FIXES[name]
            for name, value in self.collected().items()
            if isinstance(value, EvidenceUnavailableRecord)
        }

    def with_unavailable(self, sources: Collection[str], reason: str, fix: str = "") -> Evidence:
        """This evidence with ``sources`` recorded as unavailable for ``reason``."""
        record = EvidenceUnavailableRecord(reason=reason, fix=fix)
        return dataclasses.replace(self, **dict.fromkeys(sorted(sources), record))

    def plain(self) -> dict[str, Any]:
        """The ``evidence`` root of the expression context: plain data, collected sources only."""
        return {name: value.plain() for name, value in self.collected().items()}


def evidence_model() -> type[BaseModel]:
    """:class:`Evidence` as a pydantic model of its plain form (``evidence``), for the published
    JSON Schema: its fields, types and descriptions read from the dataclass itself. Imports
    every source's model, so only the schema generator calls it."""
    import typing

    from aigov.evidence.data_quality.model import DataQualityAssessment
    from aigov.evidence.git_history import GitEvidence
    from aigov.evidence.mlflow_evidence import MlflowEvidence

    names = {
        "GitEvidence": GitEvidence,
        "MlflowEvidence": MlflowEvidence,
        "DataQualityAssessment": DataQualityAssessment,
    }
    hints = typing.get_type_hints(Evidence, localns=names)
    fields: dict[str, Any] = {}
    for field in dataclasses.fields(Evidence):
        # A source not collected is absent from the plain form, never null.
        kinds = tuple(t for t in typing.get_args(hints[field.name]) if t is not type(None))
        description = field.metadata.get("description")
        fields[field.name] = (typing.Union[kinds], Field(default=None, description=description))  # noqa: UP007
    return create_model(
        "Evidence",
        __config__=ConfigDict(frozen=True, extra="forbid"),
        __doc__="The evidence root of the expression context (evidence.git, evidence.mlflow, "
        "evidence.data_quality): a source is absent when no applicable rule reads it, its "
        "evidence when collected, {unavailable: reason} when it could not be.",
        **fields,
    )


@dataclass(frozen=True)
class EvidenceRequest:
    """What the collectors may need besides the repository."""

    base: str | None = None
    """The pull request's base ref (git evidence reads the change against it)."""
    now: dt.datetime | None = None
    """The time stored evidence is judged at (its age); default: the current UTC time."""
    evidence_max_age_days: float | None = None
    mlflow_timeout_s: float | None = None
    """Seconds per MLflow request; None: ``MLFLOW_HTTP_REQUEST_TIMEOUT``, else aigov's 10 s."""
    history: GitHistory | None = None
    """The history when the caller already read it (pull-request mode reads it for the base)."""
    trusted_tracking_uris: tuple[str, ...] = ()
    """The org config's ``evidence.mlflow.trusted_tracking_uris``; empty: no server, only a store
    committed in the repository (see :func:`aigov.evidence.mlflow.collect`)."""
    stored_data_quality: Literal["accept", "recompute"] = "accept"
    """The org config's ``evidence.data_quality.stored_results``."""
    data_checks_run: bool = False
    """The data checks were run by this run (``--run-data-checks``), not read as committed."""
    changed_files: frozenset[str] = frozenset()
    """The files the pull request changes, relative to the project root (the folder holding
    aigov.yaml); empty outside pull-request mode."""
    attested_evidence_changes: bool = False
    """A reviewer the org config trusts approved the change: its evidence files count as if
    unchanged."""
    criteria_histories: bool = False
    """Read the history of every success criterion's MLflow metric too (one request per metric):
    only when a rule reads ``evidence.mlflow.metric_history``."""

    @classmethod
    def for_org(cls, org: OrgConfig, **given: Any) -> EvidenceRequest:
        """A request with the organisation's bounds and trust (``given`` adds the rest)."""
        return cls(
            evidence_max_age_days=org.limits.evidence_max_age_days,
            trusted_tracking_uris=tuple(org.evidence.mlflow.trusted_tracking_uris),
            stored_data_quality=org.evidence.data_quality.stored_results,
            **given,
        )


RUN_DATA_CHECKS_FIX: Final = (
    "check with `aigov check --run-data-checks` (the action's `run-data-checks: true`, the GitLab "
    "template's AIGOV_RUN_DATA_CHECKS), so that the check computes the results itself"
)


def unavailable(reason: str, fix: str = "") -> EvidenceUnavailableRecord:
    return EvidenceUnavailableRecord(reason=reason, fix=fix)


@dataclass(frozen=True)
class EvidenceChange:
    """An evidence file (or store) that the pull request changes."""

    path: str
    """Relative to the project root; a file store's folder for a change under it."""
    source: Literal["mlflow", "data_quality"]
    description: str


def changed_evidence(
    repository: Repository, changed_files: Collection[str]
) -> list[EvidenceChange]:
    """The evidence among ``changed_files`` (relative to the project root): the MLflow store
    committed in the repository that the manifest's tracking URI names, and the stored data
    quality results."""
    if not changed_files:  # outside a pull request: nothing to look for, nothing to import
        return []
    from aigov.evidence.mlflow import changed_store_files, committed_store

    changes = []
    model = repository.manifest.model if repository.manifest else None
    if model is not None and model.registry is not None:
        uri = model.registry.tracking_uri
        store = committed_store(uri)
        changed = changed_store_files(repository.root, uri, changed_files)
        if store is not None and changed:
            files = f", {len(changed)} files changed" if len(changed) > 1 else ""
            description = f"the MLflow store model.registry.tracking_uri names{files}"
            changes.append(EvidenceChange(store, MLFLOW, description))
    if _covered(DATA_QUALITY_FILE, changed_files):
        changes.append(
            EvidenceChange(DATA_QUALITY_FILE, DATA_QUALITY, "the stored data quality results")
        )
    return changes


def _covered(path: str, changed_files: Collection[str]) -> bool:
    """Whether the change touches ``path`` or a folder (or link) on the way to it."""
    return any(path == file or path.startswith(file + "/") for file in changed_files)


def collect_evidence(
    repository: Repository, sources: Collection[str], request: EvidenceRequest
) -> Evidence:
    """Evidence for ``sources`` (names among :data:`SOURCES`; others are ignored)."""
    collectors: dict[str, Callable[[Repository, EvidenceRequest], Any]] = {
        GIT: _git,
        MLFLOW: _mlflow,
        DATA_QUALITY: _data_quality,
    }
    return Evidence(
        **{name: collectors[name](repository, request) for name in SOURCES if name in sources}
    )


def _git(
    repository: Repository, request: EvidenceRequest
) -> GitEvidence | EvidenceUnavailableRecord:
    from aigov.evidence.git_history import (
        SHALLOW_FIX,
        SHALLOW_HINT,
        GitEvidenceUnavailable,
        read_history,
    )

    history = request.history
    if history is None:
        try:
            history = read_history(repository.root.path, base=request.base)
        except GitEvidenceUnavailable as exc:
            return unavailable(str(exc))
    if history.shallow:
        # A truncated history would make "criteria fixed before the POC" pass on no evidence.
        return unavailable(SHALLOW_HINT, fix=SHALLOW_FIX)
    return history.to_evidence()


def _mlflow(
    repository: Repository, request: EvidenceRequest
) -> MlflowEvidence | EvidenceUnavailableRecord:
    manifest = repository.manifest
    if manifest is None or manifest.model is None or manifest.model.registry is None:
        # Said before importing the MLflow reader and its models (~10 ms of a cold check).
        return unavailable(NO_REGISTRY)
    from aigov.evidence.mlflow import MlflowEvidenceUnavailable, collect

    try:
        return collect(
            repository,
            timeout_s=request.mlflow_timeout_s,
            trusted_uris=request.trusted_tracking_uris,
            changed_files=request.changed_files,
            attested_changes=request.attested_evidence_changes,
            criteria_histories=request.criteria_histories,
        )
    except MlflowEvidenceUnavailable as exc:
        return unavailable(exc.reason)


def _data_quality(
    repository: Repository, request: EvidenceRequest
) -> DataQualityAssessment | EvidenceUnavailableRecord:
    from aigov.evidence.store import StoredEvidenceError, assess, load_data_quality

    if not repository.contracts:
        return unavailable(
            "the repository declares no data contract",
            fix="declare the data contracts the model is trained on in aigov.yaml (data.contracts)",
        )
    if not request.data_checks_run:
        if request.stored_data_quality == "recompute":
            return unavailable(
                "the organisation counts only data checks run by the check itself "
                "(evidence.data_quality.stored_results: recompute), not results stored in the "
                "repository: run aigov check --run-data-checks",
                fix=RUN_DATA_CHECKS_FIX,
            )
        if not request.attested_evidence_changes and _covered(
            DATA_QUALITY_FILE, request.changed_files
        ):
            return unavailable(
                f"{DATA_QUALITY_FILE} is changed by this pull request, so its results are the "
                "change's own claim: they count when the check recomputes them (aigov check "
                "--run-data-checks) or after an approving review of the evidence change",
                fix=f"{RUN_DATA_CHECKS_FIX}, or have the evidence change approved in a review",
            )
    now = request.now or dt.datetime.now(dt.UTC)
    try:
        stored = load_data_quality(repository.root.path)
    except StoredEvidenceError as exc:
        return unavailable(f"stored data quality evidence cannot be read: {exc}")
    return assess(stored, repository.contracts, now=now, max_age_days=request.evidence_max_age_days)
