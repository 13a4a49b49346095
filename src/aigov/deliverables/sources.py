"""What a deliverable may read: the loaded repository and the evidence collected for it.

The evidence is read through one accessor per source (:meth:`Sources.mlflow_evidence`,
:meth:`Sources.data_quality_evidence`): each returns the evidence, or why it cannot be used.
Its fields are then read by the deliverables' fact tables through
:func:`aigov.deliverables.facts.read`, which reads plain mappings and typed models alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aigov.deliverables.facts import Writer, read
from aigov.documents.manifest import LifecycleManifest
from aigov.documents.repository import Repository

if TYPE_CHECKING:
    from aigov.evidence.collect import EvidenceUnavailableRecord
    from aigov.evidence.data_quality.model import DataQualityAssessment
    from aigov.evidence.mlflow_evidence import MlflowEvidence

CARD_METRIC_TOLERANCE = 0.005
"""Gap between a model card value and MLflow's shown as consistent (the org default)."""

Evidence = Any
"""A source's evidence model (:class:`~aigov.evidence.mlflow_evidence.MlflowEvidence`,
:class:`~aigov.evidence.data_quality.model.DataQualityAssessment`), read with :func:`read`."""


@dataclass(frozen=True)
class Usable:
    """Evidence a deliverable can read, or the reason it cannot (then ``evidence`` is None)."""

    evidence: Evidence | None
    reason: str | None


@dataclass(frozen=True)
class Sources:
    """What a deliverable may read: the loaded repository and the evidence collected for it."""

    repository: Repository
    data_quality: DataQualityAssessment | EvidenceUnavailableRecord | None = None
    """``evidence.data_quality`` (see :func:`aigov.evidence.store.assess`), why it is
    unavailable, or None when not collected."""
    mlflow: MlflowEvidence | EvidenceUnavailableRecord | None = None
    """``evidence.mlflow``, why it is unavailable, or None when not collected."""
    card_metric_tolerance: float = CARD_METRIC_TOLERANCE

    @property
    def manifest(self) -> LifecycleManifest:
        if self.repository.manifest is None:
            raise ValueError("the repository has no valid aigov.yaml")
        return self.repository.manifest

    @property
    def card_file(self) -> str:
        return self.repository.model_card_file or (
            self.manifest.model.card if self.manifest.model else "MODEL_CARD.md"
        )

    def mlflow_evidence(self, w: Writer) -> Usable:
        """``evidence.mlflow`` when it was collected and is available."""
        return _usable(self.mlflow, w, "MLflow")

    def data_quality_evidence(self, w: Writer) -> Usable:
        """``evidence.data_quality`` when a data quality result is stored."""
        usable = _usable(self.data_quality, w, w.tr("Data quality"))
        if usable.evidence is not None and not read(usable.evidence, "generated_at"):
            return Usable(None, w.tr("no data quality evidence: run `aigov data validate`"))
        return usable


def _usable(evidence: Evidence | None, w: Writer, source: str) -> Usable:
    from aigov.evidence.collect import EvidenceUnavailableRecord

    if evidence is None:
        return Usable(None, w.tr("{source} evidence was not collected", source=source))
    if isinstance(evidence, EvidenceUnavailableRecord):
        return Usable(None, evidence.reason)
    return Usable(evidence, None)


def stakeholder(manifest: LifecycleManifest, role: str) -> str | None:
    """The names of the stakeholders holding ``role``, or None."""
    names = [s.name for s in manifest.metadata.stakeholders if s.role == role]
    return ", ".join(names) or None
