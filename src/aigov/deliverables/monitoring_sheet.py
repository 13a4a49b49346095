"""The monitoring and SLA sheet: deployment, service levels, what is monitored and what MLflow
recorded of it, rollback, retraining and retirement."""

from __future__ import annotations

from typing import Any

from aigov.deliverables.document import Cell, Deliverable, Gap, Paragraph, Section
from aigov.deliverables.facts import (
    At,
    Fact,
    Writer,
    amount_or_gap,
    facts,
    facts_or_gap,
    given,
    num,
    or_gap,
    read,
    sign,
    term,
    text,
    text_or_dash,
    unavailable,
)
from aigov.deliverables.results import point_text
from aigov.deliverables.sources import Sources
from aigov.documents.manifest import MANIFEST_FILE, LifecycleManifest

SLUG = "monitoring-sla"


def build(src: Sources, w: Writer) -> Deliverable:
    """The monitoring and SLA sheet of ``src``'s project."""
    m, tr = src.manifest, w.tr
    sections = [
        _deployment_section(m, w),
        _sla_section(m, w),
        _monitoring_section(m, w),
        _monitoring_evidence(src, w),
        _retirement_section(m, w),
    ]
    return Deliverable(
        SLUG,
        tr("Monitoring and SLA sheet"),
        m.metadata.name,
        tuple(sections),
        sources=(MANIFEST_FILE, "MLflow"),
    )


def _deployment_section(m: LifecycleManifest, w: Writer) -> Section:
    tr = w.tr
    rows = [
        Fact(tr("Mode"), "mode", term),
        Fact(tr("Architecture"), "architecture", term),
        Fact(tr("Environments"), "environments", given),
        Fact(tr("Region"), "region", given),
    ]
    block = facts_or_gap(w, m.deployment, rows, under="deployment")
    return Section(tr("Deployment"), (block,))


def _percent_or_gap(value: Any, at: At) -> Cell:
    return at.gap() if value is None else f"{at.w.num(value)} %"


def _sla_section(m: LifecycleManifest, w: Writer) -> Section:
    tr = w.tr
    rows = [
        Fact(tr("Availability"), "availability", _percent_or_gap),
        Fact(
            tr("Latency p95"), lambda s: (s.latency_p95_ms, "ms"), amount_or_gap, "latency_p95_ms"
        ),
        Fact(tr("Support hours"), "support_hours", given),
        Fact(tr("Time to detect"), "time_to_detect", given),
        Fact(tr("Time to repair"), "time_to_repair", given),
        Fact(tr("Data freshness"), "data_freshness", given),
        Fact(tr("Throughput per second"), "throughput_per_second", given),
    ]
    block = facts_or_gap(w, m.sla, rows, under="sla")
    return Section(tr("Service levels (SLA)"), (block,))


def _drift(drift: Any, at: At) -> Cell:
    if drift is None:
        return at.gap()
    tr = at.w.tr
    text = f"{drift.method}, {tr('threshold')} {at.w.num(drift.threshold)}"
    return text + (f", {tr('window')} {at.w.duration(drift.window)}" if drift.window else "")


def _performance(performance: Any, w: Writer) -> str | None:
    if performance is None:
        return None
    watched = f"{performance.metric} {sign(performance.direction)} {w.num(performance.threshold)}"
    if not performance.window:
        return watched
    return f"{watched}, {w.tr('window')} {w.duration(performance.window)}"


def _adoption(adoption: Any, w: Writer) -> str | None:
    if adoption is None:
        return None
    return f"{adoption.metric}: {w.num(adoption.target_per_day)} {w.tr('per day')}"


def _monitoring_section(m: LifecycleManifest, w: Writer) -> Section:
    tr = w.tr
    if m.monitoring is None:
        return Section(tr("Monitoring"), (Paragraph(Gap("monitoring")),))
    rows = [
        Fact(tr("Performance"), lambda o: _performance(o.performance, w), or_gap, "performance"),
        Fact(tr("Data drift"), "data_drift", _drift),
        Fact(tr("Concept drift"), "concept_drift", _drift),
        Fact(tr("Alert channels"), "alert_channels", given),
        Fact(
            tr("Dashboard"), lambda o: str(o.dashboard) if o.dashboard else None, given, "dashboard"
        ),
        Fact(tr("Adoption"), lambda o: _adoption(o.adoption, w), or_gap, "adoption"),
    ]
    return Section(tr("Monitoring"), (facts(w, m.monitoring, rows, under="monitoring"),))


def _latest(latest: Any, at: At) -> Cell:
    if not latest:
        return unavailable(at.w.tr("no value recorded"))
    return point_text(latest, at.w)


def _monitoring_evidence(src: Sources, w: Writer) -> Section:
    tr = w.tr
    title = tr("Monitoring evidence (MLflow)")
    usable = src.mlflow_evidence(w)
    if usable.evidence is None:
        return Section(title, (Paragraph(unavailable(usable.reason or "")),))
    monitoring = read(usable.evidence, "monitoring")
    if not monitoring:
        reason = tr("no monitored metric recorded in MLflow")
        return Section(title, (Paragraph(unavailable(reason)),))
    rows = [
        Fact(tr("Metric"), "metric", text),
        Fact(tr("Recorded values"), "points", num),
        Fact(tr("Latest value"), "latest", _latest),
        Fact(tr("Threshold breaches"), lambda e: len(read(e, "breaches") or []), num),
        Fact(tr("Last breach"), "last_breach", text_or_dash),
    ]
    return Section(title, (facts(w, monitoring, rows),))


def _retraining(retraining: Any, w: Writer) -> str | None:
    if retraining is None:
        return None
    frequency = (
        f" ({w.tr('frequency: {period}', period=w.duration(retraining.frequency))})"
        if retraining.frequency
        else ""
    )
    return f"{retraining.trigger}{frequency}"


def _retirement_section(m: LifecycleManifest, w: Writer) -> Section:
    tr = w.tr
    rows = [
        Fact(tr("Rollback plan"), "rollback_plan", given),
        Fact(tr("Retraining"), lambda r: _retraining(r.retraining, w), or_gap, "retraining"),
        Fact(tr("Decommission plan"), "decommission_plan", given),
    ]
    block = facts_or_gap(w, m.retirement, rows, under="retirement")
    return Section(tr("Rollback, retraining and retirement"), (block,))
