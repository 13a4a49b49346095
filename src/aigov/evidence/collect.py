"""Collect the evidence a run needs, and only that: each source is asked for lazily.

The engine says which sources the applicable rules read (``evidence.git``, ``evidence.mlflow``,
``evidence.data_quality``); this module gathers exactly those. A source that cannot be had is
recorded as ``{"unavailable": reason}`` rather than raised, so the run goes on and each rule that
needs it reports "evidence unavailable: …" (see :func:`aigov.policy.engine.unavailable_evidence`).

Heavy libraries stay behind their source: a check whose rules need no MLflow evidence never
imports mlflow, and stored data quality evidence is read without Great Expectations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from aigov.documents.repository import Repository
from aigov.policy.engine import UNAVAILABLE_KEY

if TYPE_CHECKING:
    from aigov.evidence.git_history import GitHistory
    from aigov.policy.org import OrgConfig

GIT, MLFLOW, DATA_QUALITY = "git", "mlflow", "data_quality"
SOURCES = (GIT, MLFLOW, DATA_QUALITY)


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
    """The org config's ``evidence.mlflow.trusted_tracking_uris``; empty: any."""
    stored_data_quality: Literal["accept", "recompute"] = "accept"
    """The org config's ``evidence.data_quality.stored_results``."""
    data_checks_run: bool = False
    """The data checks were run by this run (``--run-data-checks``), not read as committed."""

    @classmethod
    def for_org(cls, org: OrgConfig, **given: Any) -> EvidenceRequest:
        """A request with the organisation's bounds and trust (``given`` adds the rest)."""
        return cls(
            evidence_max_age_days=org.limits.evidence_max_age_days,
            trusted_tracking_uris=tuple(org.evidence.mlflow.trusted_tracking_uris),
            stored_data_quality=org.evidence.data_quality.stored_results,
            **given,
        )


def unavailable(reason: str) -> dict[str, str]:
    return {UNAVAILABLE_KEY: reason}


def collect_evidence(
    repository: Repository, sources: Collection[str], request: EvidenceRequest
) -> dict[str, Any]:
    """Evidence for ``sources`` (names among :data:`SOURCES`; others are ignored)."""
    collectors: dict[str, Callable[[Repository, EvidenceRequest], dict[str, Any]]] = {
        GIT: _git,
        MLFLOW: _mlflow,
        DATA_QUALITY: _data_quality,
    }
    return {name: collectors[name](repository, request) for name in SOURCES if name in sources}


def _git(repository: Repository, request: EvidenceRequest) -> dict[str, Any]:
    from aigov.evidence.git_history import SHALLOW_HINT, GitEvidenceUnavailable, read_history

    history = request.history
    if history is None:
        try:
            history = read_history(repository.root.path, base=request.base)
        except GitEvidenceUnavailable as exc:
            return unavailable(str(exc))
    if history.shallow:
        # A truncated history would make "criteria fixed before the POC" pass on no evidence.
        return unavailable(SHALLOW_HINT)
    return history.to_evidence()


def _mlflow(repository: Repository, request: EvidenceRequest) -> dict[str, Any]:
    from aigov.evidence.mlflow import MlflowEvidenceUnavailable, collect

    try:
        return collect(
            repository,
            timeout_s=request.mlflow_timeout_s,
            trusted_uris=request.trusted_tracking_uris,
        )
    except MlflowEvidenceUnavailable as exc:
        return unavailable(exc.reason)


def _data_quality(repository: Repository, request: EvidenceRequest) -> dict[str, Any]:
    from aigov.evidence.store import StoredEvidenceError, assess, load_data_quality

    if not repository.contracts:
        return unavailable("the repository declares no data contract")
    if request.stored_data_quality == "recompute" and not request.data_checks_run:
        return unavailable(
            "the organisation counts only data checks run by the check itself "
            "(evidence.data_quality.stored_results: recompute), not results stored in the "
            "repository: run aigov check --run-data-checks"
        )
    now = request.now or dt.datetime.now(dt.UTC)
    try:
        stored = load_data_quality(repository.root.path)
    except StoredEvidenceError as exc:
        return unavailable(f"stored data quality evidence cannot be read: {exc}")
    return assess(stored, repository.contracts, now=now, max_age_days=request.evidence_max_age_days)
