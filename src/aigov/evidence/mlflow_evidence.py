"""The shape of ``evidence.mlflow``: what the model registry and the tracking server recorded.

These frozen models are what :func:`aigov.evidence.mlflow.collect` returns and what a rule may
read (``schemas/evidence.schema.json`` is generated from them, ``policies/README.md`` lists the
fields). Field names are the context's keys: renaming one renames what rules read, and the
schema test says so. Timestamps are ISO 8601 UTC strings, ``date`` fields ``YYYY-MM-DD``.

Nothing here imports mlflow: the models are plain data, readable by the parent process from the
reader process's JSON answer (:mod:`aigov.evidence.mlflow`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Evidence(BaseModel):
    # defer_build: a run that never builds this evidence never pays for its validator.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    def plain(self) -> dict[str, Any]:
        """The plain data rules read (``evidence.mlflow``), keys in this model's field order."""
        return self.model_dump()


class ModelVersion(_Evidence):
    """The registered model version the manifest's alias (or pinned version) resolves to."""

    version: str = Field(description='Always a string ("3"), whatever the store returns.')
    run_id: str | None = Field(description="The run that produced the version, when it has one.")
    status: str = Field(description="READY, PENDING_REGISTRATION or FAILED_REGISTRATION.")
    created: str | None = Field(description="When the version was registered.")
    source: str = Field(description="The artifact location the version was registered from.")
    description: str
    aliases: list[str] = Field(description="The aliases pointing at this version.")
    tags: dict[str, str]


class RunDataset(_Evidence):
    """A dataset the run logged as an input."""

    name: str | None
    digest: str | None
    source_type: str | None
    source: str | None
    context: str | None = Field(description='The ``mlflow.data.context`` tag ("training"...).')


class Run(_Evidence):
    """The run that produced the version."""

    run_id: str
    name: str | None
    experiment_id: str
    experiment: str | None = Field(description="The experiment's name.")
    status: str
    start: str | None
    end: str | None
    metrics: dict[str, float] = Field(description="The latest value of each metric.")
    params: dict[str, str]
    tags: dict[str, str] = Field(description="User tags (``mlflow.*`` system tags left out).")
    datasets: list[RunDataset]


class Criterion(_Evidence):
    """One success criterion of the manifest, checked against the run's metrics."""

    metric: str
    mlflow_metric: str = Field(
        description="The run's metric key (the criterion's metric when unset)."
    )
    threshold: float
    direction: str = Field(description="higher_is_better or lower_is_better.")
    value: float | None = Field(description="The run's value; null when the run lacks it.")
    met: bool | None = Field(description="Whether the value meets the threshold; null without it.")


class CardMetricMatch(_Evidence):
    """A numeric ``model-index`` result of the model card matched to a run metric."""

    name: str
    type: str
    split: str | None
    card_value: float
    mlflow_metric: str | None = Field(
        description="The run's metric key that records it; null when none or several fit."
    )
    mlflow_value: float | None
    abs_difference: float | None = Field(description="|mlflow_value - card_value|, 9 decimals.")


class MetricPoint(_Evidence):
    """One recorded value of a metric."""

    timestamp: str | None
    date: str | None
    step: int
    value: float


class Monitoring(_Evidence):
    """The production metric of ``monitoring.performance`` and its breaches."""

    metric: str
    threshold: float
    direction: str
    points: int = Field(description="How many values are recorded.")
    latest: MetricPoint | None
    breaches: list[MetricPoint] = Field(description="Values on the wrong side of the threshold.")
    last_breach: str | None = Field(description="The date of the most recent breach.")


class PocCandidate(_Evidence):
    """A candidate run of the POC experiment (failed runs left out)."""

    run_id: str
    name: str | None
    approach: str = Field(description="Tag approach, model_type, algorithm... or the run name.")
    status: str
    start: str | None
    metrics: dict[str, float]


class Poc(_Evidence):
    """The POC experiment named by ``model.registry.experiment``."""

    experiment: str
    found: bool
    runs: int = Field(description="Candidate runs, failed and deleted ones left out.")
    approaches: list[str] = Field(description="The distinct approaches tried, sorted.")
    approach_count: int
    first_run_start: str | None = Field(
        description="When the first candidate run started: results exist since then."
    )
    candidates: list[PocCandidate]


class MlflowEvidence(_Evidence):
    """``evidence.mlflow``: the registered model version, its run and what they prove."""

    tracking_uri: str = Field(description="As written in aigov.yaml.")
    registered_model: str
    alias: str | None = Field(description="The alias asked for; null when a version is pinned.")
    aliases: dict[str, str] = Field(description="Every alias of the registered model: version.")
    version: ModelVersion
    approved: bool = Field(description="The version carries the tag approved=true.")
    run: Run | None = Field(description="Null when the version has no run.")
    criteria: list[Criterion] = Field(description="One per success criterion of the manifest.")
    criteria_met: bool = Field(
        description="There is a criterion and every one has a value meeting its threshold."
    )
    card_metrics: list[CardMetricMatch]
    metric_history: dict[str, list[MetricPoint]] = Field(
        description="Histories of the criteria, monitoring and adoption metrics, oldest first."
    )
    monitoring: Monitoring | None = Field(
        description="Null when the manifest has no monitoring.performance."
    )
    poc: Poc | None = Field(description="Null when model.registry.experiment is not set.")
