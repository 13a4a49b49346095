"""The measured results every deliverable states: one typed source, so that the Annex IV draft and
the evaluation report cannot disagree on a figure.

Each success criterion of ``aigov.yaml`` (what was promised: metric, threshold, direction) is
joined with what MLflow measured for it (``evidence.mlflow.criteria``: the registered version's
run value and whether it meets the threshold). A criterion MLflow could not measure carries why,
and is shown as "not available": a threshold is never shown where a measured value belongs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aigov.deliverables.document import Cell
from aigov.deliverables.facts import At, Fact, Writer, read, sign, text, unavailable
from aigov.deliverables.sources import Sources


@dataclass(frozen=True)
class CriterionResult:
    """A success criterion and what MLflow measured for it."""

    index: int
    """Its place in ``success_criteria`` (a gap names ``success_criteria[index]``)."""
    metric: str
    threshold: float
    direction: str
    mlflow_metric: str
    dataset: str | None
    description: str | None
    value: float | None
    """The registered version's run value; None when not measured."""
    met: bool | None
    not_measured: str | None
    """Why there is no value (MLflow unavailable, no such metric in the run); None when there is."""


@dataclass(frozen=True)
class Measured:
    """The results of every criterion, and the registered model version they were read from."""

    criteria: tuple[CriterionResult, ...]
    version: str | None
    """``registered model`` version (``MLflow 2``), None when MLflow was not read."""
    run_id: str | None


def measured(src: Sources, w: Writer) -> Measured:
    """Every success criterion of ``src`` with its measured value (or why it has none)."""
    usable = src.mlflow_evidence(w)
    evidence = usable.evidence
    checked = list(read(evidence, "criteria") or [])
    by_metric = {read(c, "metric"): c for c in checked}
    results = []
    for index, criterion in enumerate(src.manifest.success_criteria):
        # The evidence has one entry per criterion, in the manifest's order; by name otherwise
        # (evidence collected before the manifest changed).
        in_order = checked[index] if index < len(checked) else None
        found: Any = (
            in_order
            if read(in_order, "metric") == criterion.metric
            else by_metric.get(criterion.metric)
        )
        value = read(found, "value")
        if evidence is None:
            why: str | None = usable.reason or ""
        elif value is None:
            why = w.tr("no such metric in the run")
        else:
            why = None
        results.append(
            CriterionResult(
                index=index,
                metric=criterion.metric,
                threshold=criterion.threshold,
                direction=criterion.direction,
                mlflow_metric=criterion.mlflow_metric or criterion.metric,
                dataset=criterion.dataset,
                description=criterion.description,
                value=value,
                met=read(found, "met"),
                not_measured=why,
            )
        )
    version = read(evidence, "version.version")
    return Measured(
        tuple(results),
        f"{read(evidence, 'registered_model')} {version}" if version else None,
        read(evidence, "version.run_id"),
    )


def threshold_text(result: CriterionResult, w: Writer) -> str:
    """``≥ 0.78``: the threshold with its direction."""
    return f"{sign(result.direction)} {w.num(result.threshold)}"


def measured_cell(result: CriterionResult, at: At) -> Cell:
    """The measured value, or why it is not available."""
    if result.value is None:
        return unavailable(result.not_measured or "")
    return at.w.num(result.value)


def met_cell(result: CriterionResult, at: At) -> Cell:
    return "—" if result.met is None else at.w.yes_no(result.met)


def summary(result: CriterionResult, w: Writer) -> str:
    """One line: "AUC: 0.812 measured (≥ 0.78, met)" or "AUC (≥ 0.78): not measured — why"."""
    if result.value is None:
        return w.tr(
            "{metric} ({threshold}): not measured — {reason}",
            metric=result.metric,
            threshold=threshold_text(result, w),
            reason=result.not_measured or "",
        )
    return w.tr(
        "{metric}: {value} measured ({threshold}, {verdict})",
        metric=result.metric,
        value=w.num(result.value),
        threshold=threshold_text(result, w),
        verdict=w.tr("met") if result.met else w.tr("not met"),
    )


def columns(w: Writer) -> Sequence[Fact]:
    """The columns every results table has: criterion, threshold, MLflow metric, value, met."""
    tr = w.tr
    return [
        Fact(tr("Criterion"), "metric", text),
        Fact(tr("Threshold"), lambda r: threshold_text(r, w), text),
        Fact(tr("MLflow metric"), "mlflow_metric", text),
        Fact(tr("Measured value"), lambda r: r, measured_cell),
        Fact(tr("Met"), lambda r: r, met_cell),
    ]


def point_text(point: Any, w: Writer) -> str:
    """A recorded value with its date: ``0.786 (2026-11-05)``."""
    return f"{w.num(read(point, 'value'))} ({read(point, 'date')})"


def monitored(src: Sources, w: Writer) -> Cell:
    """The production metric as MLflow recorded it (latest value, breaches), or why it cannot
    be shown — the monitoring sheet's figures, for the Annex IV draft's section 9."""
    usable = src.mlflow_evidence(w)
    if usable.evidence is None:
        return unavailable(usable.reason or "")
    monitoring = read(usable.evidence, "monitoring")
    if not monitoring or not read(monitoring, "latest"):
        return unavailable(w.tr("no monitored metric recorded in MLflow"))
    return w.tr(
        "latest value {value}; {breaches} of {points} recorded values breach the threshold",
        value=point_text(read(monitoring, "latest"), w),
        breaches=len(read(monitoring, "breaches") or []),
        points=read(monitoring, "points"),
    )
