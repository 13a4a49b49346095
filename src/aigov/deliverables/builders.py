"""Build each deliverable from what the repository declares and the evidence collected for it.

Every builder is a pure function of :class:`Sources` and :class:`Writer` (language, numbers):
it copies what the files say, computes only plain arithmetic on it, and marks anything absent as
a :class:`~aigov.deliverables.document.Gap`. Evidence that could not be collected (no MLflow
registry, no stored data quality result) is "not available", never estimated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aigov.deliverables.document import (
    Block,
    Bullets,
    Cell,
    Deliverable,
    Facts,
    Gap,
    Paragraph,
    Section,
    Table,
)
from aigov.documents.manifest import MANIFEST_FILE, LifecycleManifest
from aigov.documents.repository import Repository
from aigov.i18n import Translator, number, translator

UNAVAILABLE = "unavailable"
CARD_METRIC_TOLERANCE = 0.005
"""Gap between a model card value and MLflow's shown as consistent (the org default)."""


@dataclass(frozen=True)
class Sources:
    """What a deliverable may read: the loaded repository and the evidence collected for it."""

    repository: Repository
    data_quality: Mapping[str, Any] | None = None
    """``evidence.data_quality`` (see :func:`aigov.evidence.store.assess`), or None."""
    mlflow: Mapping[str, Any] | None = None
    """``evidence.mlflow``, ``{"unavailable": reason}``, or None when not collected."""
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


@dataclass(frozen=True)
class Writer:
    """Language-dependent writing: translated labels, numbers, yes/no, gaps."""

    lang: str = "en"
    tr: Translator = field(default_factory=lambda: translator("en"))

    @classmethod
    def for_language(cls, lang: str) -> Writer:
        return cls(lang, translator(lang))

    def num(self, value: float | int | None, unit: str | None = None) -> str:
        text = number(value, self.lang)
        return f"{text} {unit}" if unit and text else text

    def yes_no(self, value: bool | None) -> str:
        return "" if value is None else self.tr("yes") if value else self.tr("no")

    def value(self, value: Any, path: str, where: str = MANIFEST_FILE) -> Cell:
        """``value`` as text, or a missing-field gap for ``path`` when it is None or empty."""
        if value is None or value == "" or value == [] or value == ():
            return Gap(path, where)
        if isinstance(value, bool):
            return self.yes_no(value)
        if isinstance(value, int | float):
            return self.num(value)
        if isinstance(value, list | tuple):
            return "; ".join(str(v) for v in value)
        return str(value)


def _sign(direction: str) -> str:
    return "≥" if direction == "higher_is_better" else "≤"


def _unavailable(reason: str) -> Gap:
    return Gap(reason, "", kind="unavailable")


def _evidence_reason(evidence: Mapping[str, Any] | None, w: Writer, source: str) -> str | None:
    """Why ``evidence`` cannot be used, or None when it can."""
    if evidence is None:
        return w.tr("{source} evidence was not collected", source=source)
    if UNAVAILABLE in evidence:
        return str(evidence[UNAVAILABLE])
    return None


def _stakeholder(manifest: LifecycleManifest, role: str) -> str | None:
    names = [s.name for s in manifest.metadata.stakeholders if s.role == role]
    return ", ".join(names) or None


def _text_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _doc_ref(reference: Any, w: Writer, path: str) -> Cell:
    """A ``DocumentReference`` (status, reference, date) on one line, or a gap."""
    if reference is None:
        return Gap(path, MANIFEST_FILE)
    parts = [w.tr(reference.status)]
    if reference.reference:
        parts.append(str(reference.reference))
    if reference.date:
        parts.append(reference.date.isoformat())
    return " — ".join(parts)


# --- Framing sheet -----------------------------------------------------------------------------


def framing_sheet(src: Sources, w: Writer) -> Deliverable:
    m, tr = src.manifest, w.tr
    meta = m.metadata
    framing = m.framing
    sections: list[Section] = [
        Section(
            tr("Project"),
            (
                Facts(
                    (
                        (tr("Identifier"), meta.id),
                        (tr("Name"), meta.name),
                        (tr("Owner"), meta.owner),
                        (tr("Business unit"), meta.business_unit),
                        (tr("Stage"), tr(m.stage)),
                        (tr("Description"), w.value(meta.description, "metadata.description")),
                        *(
                            (tr("Entered stage {stage}", stage=tr(stage)), day.isoformat())
                            for stage, day in m.timeline.items()
                        ),
                    )
                ),
            ),
        )
    ]
    if framing is None:
        sections.append(Section(tr("Problem and objectives"), (Paragraph(Gap("framing")),)))
    else:
        objectives: tuple[Block, ...] = (
            (
                Table(
                    (tr("KPI"), tr("Baseline"), tr("Target"), tr("Direction"), tr("Deadline")),
                    tuple(
                        (
                            o.kpi,
                            w.value(o.baseline, f"framing.business_objectives[{i}].baseline")
                            if o.baseline is None
                            else w.num(o.baseline, o.unit),
                            w.num(o.target, o.unit),
                            tr(o.direction),
                            o.deadline.isoformat() if o.deadline else "—",
                        )
                        for i, o in enumerate(framing.business_objectives)
                    ),
                ),
            )
            if framing.business_objectives
            else (Paragraph(Gap("framing.business_objectives")),)
        )
        sections.append(
            Section(
                tr("Problem and objectives"),
                (Paragraph(framing.problem), *objectives),
            )
        )
        scope = framing.scope
        sections.append(
            Section(
                tr("Scope"),
                (
                    Paragraph(tr("In scope"), emphasis=True),
                    Bullets(tuple(scope.in_scope))
                    if scope and scope.in_scope
                    else Paragraph(Gap("framing.scope.in_scope")),
                    Paragraph(tr("Out of scope"), emphasis=True),
                    Bullets(tuple(scope.out_of_scope))
                    if scope and scope.out_of_scope
                    else Paragraph(Gap("framing.scope.out_of_scope")),
                ),
            )
        )
    sections.append(_stakeholders_section(m, w))
    if framing is not None:
        sections.append(_budget_section(m, w))
        sections.append(_priority_section(m, w))
    sections.append(_criteria_section(m, w))
    if framing is not None and framing.alternatives_considered:
        sections.append(
            Section(
                tr("Alternatives considered"), (Bullets(tuple(framing.alternatives_considered)),)
            )
        )
    sections.append(_risk_summary(m, w))
    return Deliverable(
        "framing-sheet",
        tr("Framing sheet"),
        meta.name,
        tuple(sections),
        sources=(MANIFEST_FILE,),
    )


def _stakeholders_section(m: LifecycleManifest, w: Writer) -> Section:
    tr = w.tr
    people = m.metadata.stakeholders
    blocks: list[Block] = []
    if people:
        blocks.append(
            Table(
                (tr("Name"), tr("Role"), tr("Email")),
                tuple((s.name, tr(s.role), s.email or "—") for s in people),
            )
        )
    else:
        blocks.append(Paragraph(Gap("metadata.stakeholders")))
    for role in ("business_owner", "data_protection_officer"):
        if not _stakeholder(m, role):
            blocks.append(Paragraph(Gap(f"metadata.stakeholders[role={role}]")))
    return Section(tr("Stakeholders"), tuple(blocks))


def _budget_section(m: LifecycleManifest, w: Writer) -> Section:
    tr = w.tr
    framing = m.framing
    assert framing is not None
    rows: list[tuple[str, Cell]] = []
    budget = framing.budget
    if budget is None:
        rows.append((tr("Budget"), Gap("framing.budget")))
    else:
        rows += [
            (tr("Build cost"), w.num(budget.build_cost, budget.currency)),
            (tr("Run cost per year"), w.num(budget.run_cost_per_year, budget.currency)),
            (tr("Budget approved"), w.value(budget.approved, "framing.budget.approved")),
        ]
    value = framing.expected_value
    if value is None:
        rows.append((tr("Expected value"), Gap("framing.expected_value")))
    else:
        rows += [
            (tr("Expected annual value"), w.num(value.annual_value, value.currency)),
            (tr("Attribution model"), tr(value.attribution_model)),
        ]
        if value.attribution_share is not None:
            rows.append((tr("Share attributed to the model"), w.num(value.attribution_share)))
        rows.append((tr("Horizon"), tr("{years} years", years=value.horizon_years)))
        rows.append((tr("Rationale"), w.value(value.rationale, "framing.expected_value.rationale")))
    return Section(tr("Budget and expected value"), (Facts(tuple(rows)),))


def priority_quadrant(impact: int, feasibility: float) -> str:
    """The prioritisation matrix quadrant (scores 1-5; 3 and above is high)."""
    high_impact, high_feasibility = impact >= 3, feasibility >= 3
    if high_impact and high_feasibility:
        return "priority: high impact, feasible"
    if high_impact:
        return "strategic: high impact, feasibility to improve"
    if high_feasibility:
        return "quick win: feasible, limited impact"
    return "deprioritise: limited impact, low feasibility"


def _priority_section(m: LifecycleManifest, w: Writer) -> Section:
    tr = w.tr
    framing = m.framing
    assert framing is not None
    rows: list[tuple[str, Cell]] = [
        (tr("Impact (1-5)"), w.value(framing.impact, "framing.impact")),
    ]
    feasibility = framing.feasibility
    if feasibility is None:
        rows.append((tr("Feasibility"), Gap("framing.feasibility")))
    else:
        mean = (feasibility.data_maturity + feasibility.it_maturity) / 2
        rows += [
            (tr("Data maturity (1-5)"), w.num(feasibility.data_maturity)),
            (tr("IT maturity (1-5)"), w.num(feasibility.it_maturity)),
            (tr("Feasibility (mean)"), w.num(mean)),
        ]
        if framing.impact is not None:
            rows.append((tr("Quadrant"), tr(priority_quadrant(framing.impact, mean))))
    return Section(tr("Impact and feasibility"), (Facts(tuple(rows)),))


def _criteria_section(m: LifecycleManifest, w: Writer) -> Section:
    tr = w.tr
    if not m.success_criteria:
        return Section(tr("Success criteria (KPIs)"), (Paragraph(Gap("success_criteria")),))
    return Section(
        tr("Success criteria (KPIs)"),
        (
            Table(
                (
                    tr("Metric"),
                    tr("Threshold"),
                    tr("Direction"),
                    tr("MLflow metric"),
                    tr("Dataset"),
                ),
                tuple(
                    (
                        c.metric,
                        w.num(c.threshold),
                        tr(c.direction),
                        c.mlflow_metric or c.metric,
                        c.dataset or "—",
                    )
                    for c in m.success_criteria
                ),
            ),
        ),
    )


def _risk_summary(m: LifecycleManifest, w: Writer) -> Section:
    tr = w.tr
    ai = m.risk.ai_act if m.risk else None
    gdpr = m.risk.gdpr if m.risk else None
    rows: list[tuple[str, Cell]] = []
    if ai is None:
        rows.append((tr("AI Act category"), Gap("risk.ai_act")))
    else:
        rows += [
            (tr("AI Act role"), tr(ai.role)),
            (tr("AI Act category"), tr(ai.category)),
            (
                tr("Annex III"),
                f"{tr(ai.annex_iii_area)} {ai.annex_iii_point or ''}".strip()
                if ai.annex_iii_area
                else "—",
            ),
            (tr("Rationale"), w.value(ai.rationale, "risk.ai_act.rationale")),
        ]
    if gdpr is None:
        rows.append((tr("Personal data (GDPR)"), Gap("risk.gdpr")))
    else:
        rows.append((tr("Personal data (GDPR)"), w.yes_no(gdpr.personal_data)))
        if gdpr.personal_data:
            dpia = gdpr.dpia
            rows.append(
                (
                    tr("DPIA"),
                    Gap("risk.gdpr.dpia")
                    if dpia is None
                    else " — ".join(
                        [tr(dpia.status), *([dpia.reference] if dpia.reference else [])]
                    ),
                )
            )
    return Section(tr("Risk screening"), (Facts(tuple(rows)),))


# --- Data inventory and data quality report ------------------------------------------------------


def data_report(src: Sources, w: Writer) -> Deliverable:
    m, tr = src.manifest, w.tr
    sections = [_processing_section(m, w)]
    contracts = src.repository.contracts
    if not contracts:
        sections.append(Section(tr("Data contracts"), (Paragraph(Gap("data.contracts")),)))
    for contract in contracts:
        sections.append(_contract_section(contract.file, contract.data, w))
    sections.append(_quality_section(src, w))
    return Deliverable(
        "data-report",
        tr("Data inventory and data quality report"),
        m.metadata.name,
        tuple(sections),
        sources=(MANIFEST_FILE, *(c.file for c in contracts), ".aigov/evidence/data_quality.json"),
    )


def _processing_section(m: LifecycleManifest, w: Writer) -> Section:
    tr = w.tr
    gdpr = m.risk.gdpr if m.risk else None
    if gdpr is None:
        return Section(tr("Personal data processing (GDPR)"), (Paragraph(Gap("risk.gdpr")),))
    rows: list[tuple[str, Cell]] = [
        (tr("Personal data"), w.yes_no(gdpr.personal_data)),
    ]
    if gdpr.personal_data:
        special = gdpr.special_categories
        rows += [
            (tr("Data subjects"), w.value(gdpr.data_subjects, "risk.gdpr.data_subjects")),
            (tr("Data categories"), w.value(gdpr.data_categories, "risk.gdpr.data_categories")),
            (tr("Purposes (Art. 5(1)(b))"), w.value(gdpr.purposes, "risk.gdpr.purposes")),
            (
                tr("Lawful basis (Art. 6)"),
                Gap("risk.gdpr.lawful_basis")
                if gdpr.lawful_basis is None
                else tr(gdpr.lawful_basis),
            ),
            (
                tr("Special categories (Art. 9)"),
                Gap("risk.gdpr.special_categories")
                if special is None
                else ("; ".join(tr(c) for c in special.categories) or w.yes_no(True))
                + (f" — {tr(special.art9_condition)}" if special.art9_condition else "")
                if special.present
                else w.yes_no(False),
            ),
            (
                tr("Minimisation (Art. 5(1)(c))"),
                w.value(gdpr.minimisation, "risk.gdpr.minimisation"),
            ),
            (tr("Retention (Art. 5(1)(e))"), w.value(gdpr.retention, "risk.gdpr.retention")),
            (
                tr("Record of processing (Art. 30)"),
                w.value(gdpr.record_of_processing, "risk.gdpr.record_of_processing"),
            ),
            (
                tr("Transfers outside the EEA"),
                "; ".join(
                    f"{t.country} — {t.recipient} ({tr(t.mechanism)})" for t in gdpr.transfers
                )
                or tr("none declared"),
            ),
            (
                tr("DPIA (Art. 35)"),
                Gap("risk.gdpr.dpia")
                if gdpr.dpia is None
                else " — ".join(
                    [tr(gdpr.dpia.status), *([gdpr.dpia.reference] if gdpr.dpia.reference else [])]
                ),
            ),
            (
                tr("Data protection officer"),
                w.value(
                    _stakeholder(m, "data_protection_officer"),
                    "metadata.stakeholders[role=data_protection_officer]",
                ),
            ),
        ]
    return Section(tr("Personal data processing (GDPR)"), (Facts(tuple(rows)),))


def _contract_section(file: str, data: Mapping[str, Any], w: Writer) -> Section:
    tr = w.tr
    description = data.get("description") if isinstance(data.get("description"), dict) else {}
    servers = [s for s in data.get("servers") or [] if isinstance(s, dict)]
    retention = [
        p
        for p in data.get("slaProperties") or []
        if isinstance(p, dict) and p.get("property") == "retention"
    ]
    rows: list[tuple[str, Cell]] = [
        (tr("File"), file),
        (tr("Identifier"), str(data.get("id", ""))),
        (tr("Version"), str(data.get("version", ""))),
        (tr("Status"), str(data.get("status", ""))),
        (tr("Purpose"), w.value((description or {}).get("purpose"), "description.purpose", file)),
        (
            tr("Servers"),
            "; ".join(
                f"{s.get('server')} ({s.get('type')}, {s.get('environment', '—')})" for s in servers
            )
            or Gap("servers", file),
        ),
        (
            tr("Retention"),
            "; ".join(f"{p.get('value')} {p.get('unit', '')}".strip() for p in retention)
            or Gap("slaProperties[property=retention]", file),
        ),
    ]
    blocks: list[Block] = [Facts(tuple(rows))]
    objects = [o for o in data.get("schema") or [] if isinstance(o, dict)]
    if not objects:
        blocks.append(Paragraph(Gap("schema", file)))
    for obj in objects:
        properties = [p for p in obj.get("properties") or [] if isinstance(p, dict)]
        blocks.append(Paragraph(tr("Table {name}", name=obj.get("name", "")), emphasis=True))
        if not properties:
            blocks.append(Paragraph(Gap(f"schema[{obj.get('name')}].properties", file)))
            continue
        blocks.append(
            Table(
                (
                    tr("Column"),
                    tr("Type"),
                    tr("Required"),
                    tr("Classification"),
                    tr("Personal data"),
                ),
                tuple(
                    (
                        str(p.get("name", "")),
                        str(p.get("logicalType") or p.get("physicalType") or "—"),
                        w.yes_no(bool(p.get("required"))),
                        str(p.get("classification") or "—"),
                        w.yes_no(_is_pii(p)),
                    )
                    for p in properties
                ),
            )
        )
    return Section(
        tr("Data contract {name}", name=data.get("name") or data.get("id") or file), tuple(blocks)
    )


def _is_pii(prop: Mapping[str, Any]) -> bool:
    tags = [str(t).lower() for t in prop.get("tags") or []]
    custom = {
        str(c.get("property")).lower(): c.get("value")
        for c in prop.get("customProperties") or []
        if isinstance(c, dict)
    }
    return "pii" in tags or custom.get("pii") in (True, "true") or prop.get("pii") is True


def _quality_section(src: Sources, w: Writer) -> Section:
    tr = w.tr
    evidence = src.data_quality
    reason = _evidence_reason(evidence, w, tr("Data quality"))
    if reason is None and evidence is not None and not evidence.get("generated_at"):
        reason = tr("no data quality evidence: run `aigov data validate`")
    if reason is not None or evidence is None:
        return Section(tr("Data quality"), (Paragraph(_unavailable(reason or "")),))
    blocks: list[Block] = [
        Facts(
            (
                (tr("Evidence file"), str(evidence.get("file", ""))),
                (tr("Generated at"), str(evidence.get("generated_at") or "—")),
                (tr("Overall status"), tr(str(evidence.get("status")))),
                (tr("All checks passed"), w.yes_no(bool(evidence.get("success")))),
            )
        )
    ]
    for contract in evidence.get("contracts") or []:
        stats = contract.get("statistics") or {}
        blocks.append(Paragraph(str(contract.get("file")), emphasis=True))
        blocks.append(
            Facts(
                (
                    (tr("Status"), tr(str(contract.get("status")))),
                    (tr("Validated at"), str(contract.get("validated_at") or "—")),
                    (
                        tr("Checks"),
                        tr(
                            "{passed} passed, {failed} failed, {skipped} skipped of {evaluated}",
                            passed=stats.get("passed", 0),
                            failed=stats.get("failed", 0),
                            skipped=stats.get("skipped", 0),
                            evaluated=stats.get("evaluated", 0),
                        )
                        if stats
                        else "—",
                    ),
                )
            )
        )
        tables = contract.get("tables") or []
        if tables:
            blocks.append(
                Table(
                    (
                        tr("Table"),
                        tr("Rows"),
                        tr("Completeness"),
                        tr("Consistency"),
                        tr("Freshness"),
                    ),
                    tuple(
                        (
                            str(t.get("name")),
                            w.num(t.get("rows")) or "—",
                            _percent(t.get("completeness"), w),
                            _percent(t.get("consistency"), w),
                            _freshness(t.get("freshness"), w),
                        )
                        for t in tables
                    ),
                )
            )
        failed = [
            e for e in contract.get("expectations") or [] if e.get("status") not in ("passed",)
        ]
        if failed:
            blocks.append(
                Table(
                    (tr("Check"), tr("Status"), tr("Severity"), tr("Contract field")),
                    tuple(
                        (
                            str(e.get("id")),
                            tr(str(e.get("status")))
                            + ("" if e.get("enforced", True) else f" ({tr('not enforced')})"),
                            str(e.get("severity") or "—"),
                            str(e.get("source") or "—"),
                        )
                        for e in failed
                    ),
                )
            )
    return Section(tr("Data quality"), tuple(blocks))


def _percent(value: Any, w: Writer) -> str:
    return "—" if value is None else f"{w.num(round(float(value), 2))} %"


def _freshness(freshness: Any, w: Writer) -> str:
    if not isinstance(freshness, dict):
        return "—"
    return w.tr(
        "newest {latest}, {age} h old (limit {limit} h)",
        latest=freshness.get("latest") or "—",
        age=w.num(freshness.get("age_hours")),
        limit=w.num(freshness.get("max_age_hours")),
    )


# --- Evaluation report ---------------------------------------------------------------------------


def evaluation_report(src: Sources, w: Writer) -> Deliverable:
    m, tr = src.manifest, w.tr
    card = src.repository.model_card
    card_file = src.card_file
    mlflow_reason = _evidence_reason(src.mlflow, w, "MLflow")
    mlflow = src.mlflow if mlflow_reason is None else None
    sections: list[Section] = []

    # Performance against the thresholds fixed at ideation.
    if not m.success_criteria:
        perf: tuple[Block, ...] = (Paragraph(Gap("success_criteria")),)
    elif mlflow is None:
        perf = (
            Table(
                (tr("Criterion"), tr("Threshold"), tr("Direction"), tr("Measured value")),
                tuple(
                    (
                        c.metric,
                        w.num(c.threshold),
                        tr(c.direction),
                        _unavailable(mlflow_reason or ""),
                    )
                    for c in m.success_criteria
                ),
            ),
        )
    else:
        perf = (
            Table(
                (
                    tr("Criterion"),
                    tr("Threshold"),
                    tr("MLflow metric"),
                    tr("Measured value"),
                    tr("Met"),
                ),
                tuple(
                    (
                        str(c.get("metric")),
                        f"{'≥' if c.get('direction') == 'higher_is_better' else '≤'} "
                        f"{w.num(c.get('threshold'))}",
                        str(c.get("mlflow_metric")),
                        _unavailable(tr("no such metric in the run"))
                        if c.get("value") is None
                        else w.num(c.get("value")),
                        w.yes_no(c.get("met")) if c.get("met") is not None else "—",
                    )
                    for c in mlflow.get("criteria") or []
                ),
            ),
        )
    sections.append(Section(tr("Performance against the success criteria"), perf))

    # What the model card declares.
    if card is None:
        sections.append(
            Section(
                tr("Results declared in the model card"),
                (
                    Paragraph(
                        _unavailable(
                            tr(
                                "no model card ({file}): evaluation results are not available",
                                file=card_file,
                            )
                        )
                    ),
                ),
            )
        )
    else:
        results = [
            (entry.name, result.dataset.name, result.dataset.split or "—", metric)
            for entry in card.metadata.model_index or []
            for result in entry.results
            for metric in result.metrics
        ]
        sections.append(
            Section(
                tr("Results declared in the model card"),
                (
                    Table(
                        (tr("Metric"), tr("Dataset"), tr("Split"), tr("Value")),
                        tuple(
                            (
                                metric.name or metric.type,
                                dataset,
                                split,
                                w.num(metric.value)
                                if isinstance(metric.value, int | float)
                                else str(metric.value),
                            )
                            for _, dataset, split, metric in results
                        ),
                    )
                    if results
                    else Paragraph(Gap("model-index", card_file)),
                ),
            )
        )

    # Veracity: do the card's figures match what MLflow recorded?
    if mlflow is None:
        veracity: tuple[Block, ...] = (Paragraph(_unavailable(mlflow_reason or "")),)
    else:
        rows = [
            (
                str(c.get("name")),
                str(c.get("split") or "—"),
                w.num(c.get("card_value")),
                str(c.get("mlflow_metric") or "—"),
                _unavailable(tr("no matching MLflow metric"))
                if c.get("mlflow_value") is None
                else w.num(c.get("mlflow_value")),
                "—"
                if c.get("abs_difference") is None
                else (
                    tr("consistent")
                    if c["abs_difference"] <= src.card_metric_tolerance
                    else tr("differs by {gap}", gap=w.num(c["abs_difference"]))
                ),
            )
            for c in mlflow.get("card_metrics") or []
        ]
        version = mlflow.get("version") or {}
        veracity = (
            Facts(
                (
                    (tr("Registered model"), str(mlflow.get("registered_model"))),
                    (tr("Version"), str(version.get("version") or "—")),
                    (tr("Run"), str(version.get("run_id") or "—")),
                    (tr("Tolerance"), w.num(src.card_metric_tolerance)),
                )
            ),
            Table(
                (
                    tr("Metric"),
                    tr("Split"),
                    tr("Model card"),
                    tr("MLflow metric"),
                    tr("MLflow value"),
                    tr("Verdict"),
                ),
                tuple(rows),
            )
            if rows
            else Paragraph(_unavailable(tr("the model card declares no numeric result"))),
        )
    sections.append(Section(tr("Veracity of the model card against MLflow"), veracity))

    if card is not None:
        meta = card.metadata
        fairness = meta.fairness or []
        sections.append(
            Section(
                tr("Fairness by population slice"),
                (
                    Table(
                        (
                            tr("Slice"),
                            tr("Metric"),
                            tr("Value"),
                            tr("Reference"),
                            tr("Largest gap accepted"),
                        ),
                        tuple(
                            (
                                f.slice,
                                f.metric,
                                w.num(f.value),
                                w.num(f.reference_value) or "—",
                                w.num(f.max_gap) or "—",
                            )
                            for f in fairness
                        ),
                    )
                    if fairness
                    else Paragraph(Gap("fairness", card_file)),
                ),
            )
        )
        tests = meta.robustness_tests or []
        sections.append(
            Section(
                tr("Robustness tests"),
                (
                    Table(
                        (tr("Test"), tr("Kind"), tr("Result"), tr("Passed"), tr("Date")),
                        tuple(
                            (
                                t.name,
                                tr(t.kind),
                                t.result,
                                w.yes_no(t.passed),
                                t.date.isoformat() if t.date else "—",
                            )
                            for t in tests
                        ),
                    )
                    if tests
                    else Paragraph(Gap("robustness_tests", card_file)),
                ),
            )
        )
        limits = _text_list(meta.limitations)
        out_of_scope = _text_list(meta.out_of_scope_use)
        sections.append(
            Section(
                tr("Limits"),
                (
                    Bullets(tuple(limits)) if limits else Paragraph(Gap("limitations", card_file)),
                    Paragraph(tr("Out-of-scope uses"), emphasis=True),
                    Bullets(tuple(out_of_scope))
                    if out_of_scope
                    else Paragraph(Gap("out_of_scope_use", card_file)),
                ),
            )
        )
    else:
        sections.append(
            Section(
                tr("Limits"),
                (
                    Paragraph(
                        _unavailable(
                            tr(
                                "no model card ({file}): limitations are not documented",
                                file=card_file,
                            )
                        )
                    ),
                ),
            )
        )

    budget = m.framing.budget if m.framing else None
    sections.append(
        Section(
            tr("Costs"),
            (
                Facts(
                    (
                        (tr("Build cost"), w.num(budget.build_cost, budget.currency)),
                        (tr("Run cost per year"), w.num(budget.run_cost_per_year, budget.currency)),
                    )
                )
                if budget
                else Paragraph(Gap("framing.budget")),
            ),
        )
    )
    return Deliverable(
        "evaluation-report",
        tr("Evaluation report"),
        m.metadata.name,
        tuple(sections),
        sources=(MANIFEST_FILE, card_file, "MLflow"),
    )


# --- Annex IV technical documentation ------------------------------------------------------------


def annex_iv(src: Sources, w: Writer) -> Deliverable:
    """The nine headings of AI Act Annex IV, filled from the files, gaps marked."""
    m, tr = src.manifest, w.tr
    card = src.repository.model_card
    card_file = src.card_file
    meta = card.metadata if card else None
    ai = m.risk.ai_act if m.risk else None
    gdpr = m.risk.gdpr if m.risk else None
    registry = m.model.registry if m.model else None
    oversight = meta.human_oversight if meta else None
    mlflow_reason = _evidence_reason(src.mlflow, w, "MLflow")
    version = (src.mlflow or {}).get("version") if mlflow_reason is None else None

    def card_value(value: Any, key: str) -> Cell:
        if card is None:
            return Gap(key, card_file)
        return w.value(value, key, card_file)

    def oversight_value(attr: str) -> Cell:
        if oversight is None:
            return Gap(f"human_oversight.{attr}", card_file)
        return w.value(getattr(oversight, attr), f"human_oversight.{attr}", card_file)

    deployment = m.deployment
    sections = [
        Section(
            tr("1. General description of the AI system"),
            (
                Facts(
                    (
                        (
                            tr("Intended purpose"),
                            card_value(meta.intended_use if meta else None, "intended_use"),
                        ),
                        (tr("Provider"), f"{m.metadata.owner} — {m.metadata.business_unit}"),
                        (
                            tr("Role under the AI Act"),
                            tr(ai.role) if ai else Gap("risk.ai_act.role"),
                        ),
                        (
                            tr("Version"),
                            f"{registry.registered_model} "
                            f"{registry.alias or registry.version or ''}".strip()
                            + (f" (MLflow {version.get('version')})" if version else "")
                            if registry
                            else Gap("model.registry"),
                        ),
                        (
                            tr("Forms placed on the market, hardware and software"),
                            f"{tr(deployment.mode)}, {tr(deployment.architecture)}"
                            + (f", {deployment.region}" if deployment.region else "")
                            if deployment
                            else Gap("deployment"),
                        ),
                        (
                            tr("Upstream general-purpose AI models"),
                            "; ".join(f"{u.provider} {u.model}" for u in ai.upstream_models)
                            if ai and ai.upstream_models
                            else card_value(meta.base_model if meta else None, "base_model"),
                        ),
                        (
                            tr("Instructions for use (Art. 13)"),
                            _doc_ref(
                                ai.instructions_for_use if ai else None,
                                w,
                                "risk.ai_act.instructions_for_use",
                            ),
                        ),
                    )
                ),
            ),
        ),
        Section(
            tr("2. Detailed description of the elements of the AI system and of its development"),
            (
                Facts(
                    (
                        (
                            tr("Model type"),
                            w.value(m.model.type if m.model else None, "model.type"),
                        ),
                        (
                            tr("Design and training"),
                            _card_section(card, card_file, "Training Details"),
                        ),
                        (
                            tr("Data (contracts)"),
                            "; ".join(c.file for c in src.repository.contracts)
                            or Gap("data.contracts"),
                        ),
                        (
                            tr("Data governance (Art. 10)"),
                            _doc_ref(
                                ai.data_governance if ai else None, w, "risk.ai_act.data_governance"
                            ),
                        ),
                        (tr("Human oversight measures (Art. 14)"), oversight_value("override")),
                        (
                            tr("Validation and testing"),
                            "; ".join(
                                f"{c.metric} {w.num(c.threshold)}" for c in m.success_criteria
                            )
                            or Gap("success_criteria"),
                        ),
                        (
                            tr("Cybersecurity measures (Art. 15)"),
                            w.value(
                                gdpr.security_measures if gdpr else None,
                                "risk.gdpr.security_measures",
                            ),
                        ),
                    )
                ),
            ),
        ),
        Section(
            tr("3. Monitoring, functioning and control of the AI system"),
            (
                Facts(
                    (
                        (
                            tr("Capabilities and limitations"),
                            card_value(
                                _text_list(meta.limitations) if meta else None, "limitations"
                            ),
                        ),
                        (
                            tr("Accuracy for groups of persons"),
                            card_value(
                                [
                                    f"{f.slice}: {f.metric} {w.num(f.value)}"
                                    for f in meta.fairness or []
                                ]
                                if meta
                                else None,
                                "fairness",
                            ),
                        ),
                        (
                            tr("Foreseeable misuse"),
                            card_value(
                                _text_list(meta.out_of_scope_use) if meta else None,
                                "out_of_scope_use",
                            ),
                        ),
                        (tr("Stopping the system"), oversight_value("stop_procedure")),
                        (
                            tr("Logging (Art. 12)"),
                            (
                                w.yes_no(ai.record_keeping.automatic_logging)
                                + (
                                    f" — {ai.record_keeping.log_retention}"
                                    if ai.record_keeping.log_retention
                                    else ""
                                )
                            )
                            if ai and ai.record_keeping
                            else Gap("risk.ai_act.record_keeping"),
                        ),
                    )
                ),
            ),
        ),
        Section(
            tr("4. Appropriateness of the performance metrics"),
            (
                Table(
                    (
                        tr("Metric"),
                        tr("Threshold"),
                        tr("Why"),
                    ),
                    tuple(
                        (
                            c.metric,
                            w.num(c.threshold),
                            w.value(
                                c.description or c.dataset, f"success_criteria[{i}].description"
                            ),
                        )
                        for i, c in enumerate(m.success_criteria)
                    ),
                )
                if m.success_criteria
                else Paragraph(Gap("success_criteria")),
            ),
        ),
        Section(
            tr("5. Risk management system (Art. 9)"),
            (
                Facts(
                    (
                        (
                            tr("Risk management"),
                            _doc_ref(
                                ai.risk_management if ai else None, w, "risk.ai_act.risk_management"
                            ),
                        ),
                        (
                            tr("Quality management system (Art. 17)"),
                            _doc_ref(
                                ai.quality_management_system if ai else None,
                                w,
                                "risk.ai_act.quality_management_system",
                            ),
                        ),
                    )
                ),
            ),
        ),
        Section(
            tr("6. Relevant changes through the lifecycle"),
            (
                Table(
                    (
                        tr("Date"),
                        tr("Transition"),
                        tr("Committee"),
                        tr("Decision"),
                        tr("Reference"),
                    ),
                    tuple(
                        (
                            a.date.isoformat(),
                            f"{tr(a.from_stage) if a.from_stage else '—'} → {tr(a.to_stage)}",
                            a.committee,
                            tr(a.decision),
                            a.reference,
                        )
                        for a in m.approvals
                    ),
                )
                if m.approvals
                else Paragraph(Gap("approvals")),
            ),
        ),
        Section(
            tr("7. Harmonised standards applied"),
            (
                Paragraph(
                    Gap(tr("harmonised standards applied (not recorded in the repository's files)"))
                ),
            ),
        ),
        Section(
            tr("8. EU declaration of conformity"),
            (
                Facts(
                    (
                        (
                            tr("Conformity assessment"),
                            _doc_ref(
                                ai.conformity_assessment if ai else None,
                                w,
                                "risk.ai_act.conformity_assessment",
                            ),
                        ),
                        (
                            tr("EU database registration (Art. 49)"),
                            _doc_ref(
                                ai.eu_database_registration if ai else None,
                                w,
                                "risk.ai_act.eu_database_registration",
                            ),
                        ),
                    )
                ),
            ),
        ),
        Section(
            tr("9. Post-market monitoring (Art. 72)"),
            (
                Facts(
                    (
                        (
                            tr("Post-market monitoring plan"),
                            _doc_ref(
                                ai.post_market_monitoring if ai else None,
                                w,
                                "risk.ai_act.post_market_monitoring",
                            ),
                        ),
                        (
                            tr("Performance monitoring"),
                            f"{m.monitoring.performance.metric} "
                            f"{_sign(m.monitoring.performance.direction)} "
                            f"{w.num(m.monitoring.performance.threshold)}"
                            if m.monitoring and m.monitoring.performance
                            else Gap("monitoring.performance"),
                        ),
                    )
                ),
            ),
        ),
    ]
    intro = tr(
        "Draft generated from the repository's files: every item marked missing is still to be "
        "written. AI Act category: {category}.",
        category=tr(ai.category) if ai else tr("not screened"),
    )
    return Deliverable(
        "annex-iv",
        tr("Technical documentation (AI Act Annex IV) — draft"),
        m.metadata.name,
        tuple(sections),
        intro=intro,
        sources=(MANIFEST_FILE, card_file, *(c.file for c in src.repository.contracts)),
    )


def _card_section(card: Any, card_file: str, title: str) -> Cell:
    if card is None:
        return Gap(title, card_file)
    section = card.section(title)
    if section is None or section.is_empty or section.has_placeholder:
        return Gap(f"## {title}", card_file)
    text: str = section.text
    return text if len(text) <= 600 else text[:599] + "…"


# --- Monitoring and SLA sheet ---------------------------------------------------------------


def monitoring_sheet(src: Sources, w: Writer) -> Deliverable:
    m, tr = src.manifest, w.tr
    sla, mon, ret, dep = m.sla, m.monitoring, m.retirement, m.deployment
    sections: list[Section] = [
        Section(
            tr("Deployment"),
            (
                Facts(
                    (
                        (tr("Mode"), tr(dep.mode)),
                        (tr("Architecture"), tr(dep.architecture)),
                        (tr("Environments"), w.value(dep.environments, "deployment.environments")),
                        (tr("Region"), w.value(dep.region, "deployment.region")),
                    )
                )
                if dep
                else Paragraph(Gap("deployment")),
            ),
        ),
        Section(
            tr("Service levels (SLA)"),
            (
                Facts(
                    (
                        (
                            tr("Availability"),
                            Gap("sla.availability")
                            if sla.availability is None
                            else f"{w.num(sla.availability)} %",
                        ),
                        (
                            tr("Latency p95"),
                            Gap("sla.latency_p95_ms")
                            if sla.latency_p95_ms is None
                            else w.num(sla.latency_p95_ms, "ms"),
                        ),
                        (tr("Support hours"), w.value(sla.support_hours, "sla.support_hours")),
                        (tr("Time to detect"), w.value(sla.time_to_detect, "sla.time_to_detect")),
                        (tr("Time to repair"), w.value(sla.time_to_repair, "sla.time_to_repair")),
                        (tr("Data freshness"), w.value(sla.data_freshness, "sla.data_freshness")),
                        (
                            tr("Throughput per second"),
                            w.value(sla.throughput_per_second, "sla.throughput_per_second"),
                        ),
                    )
                )
                if sla
                else Paragraph(Gap("sla")),
            ),
        ),
    ]
    if mon is None:
        sections.append(Section(tr("Monitoring"), (Paragraph(Gap("monitoring")),)))
    else:

        def drift(d: Any, path: str) -> Cell:
            if d is None:
                return Gap(path)
            text = f"{d.method}, {tr('threshold')} {w.num(d.threshold)}"
            return text + (f", {tr('window')} {d.window}" if d.window else "")

        perf = mon.performance
        sections.append(
            Section(
                tr("Monitoring"),
                (
                    Facts(
                        (
                            (
                                tr("Performance"),
                                f"{perf.metric} {_sign(perf.direction)} "
                                f"{w.num(perf.threshold)}"
                                + (f", {tr('window')} {perf.window}" if perf.window else "")
                                if perf
                                else Gap("monitoring.performance"),
                            ),
                            (tr("Data drift"), drift(mon.data_drift, "monitoring.data_drift")),
                            (
                                tr("Concept drift"),
                                drift(mon.concept_drift, "monitoring.concept_drift"),
                            ),
                            (
                                tr("Alert channels"),
                                w.value(mon.alert_channels, "monitoring.alert_channels"),
                            ),
                            (
                                tr("Dashboard"),
                                w.value(
                                    str(mon.dashboard) if mon.dashboard else None,
                                    "monitoring.dashboard",
                                ),
                            ),
                            (
                                tr("Adoption"),
                                f"{mon.adoption.metric}: "
                                f"{w.num(mon.adoption.target_per_day)} {tr('per day')}"
                                if mon.adoption
                                else Gap("monitoring.adoption"),
                            ),
                        )
                    ),
                ),
            )
        )
    sections.append(_monitoring_evidence(src, w))
    sections.append(
        Section(
            tr("Rollback, retraining and retirement"),
            (
                Facts(
                    (
                        (
                            tr("Rollback plan"),
                            w.value(ret.rollback_plan, "retirement.rollback_plan"),
                        ),
                        (
                            tr("Retraining"),
                            f"{ret.retraining.trigger}"
                            + (f" ({ret.retraining.frequency})" if ret.retraining.frequency else "")
                            if ret.retraining
                            else Gap("retirement.retraining"),
                        ),
                        (
                            tr("Decommission plan"),
                            w.value(ret.decommission_plan, "retirement.decommission_plan"),
                        ),
                    )
                )
                if ret
                else Paragraph(Gap("retirement")),
            ),
        )
    )
    return Deliverable(
        "monitoring-sla",
        tr("Monitoring and SLA sheet"),
        m.metadata.name,
        tuple(sections),
        sources=(MANIFEST_FILE, "MLflow"),
    )


def _monitoring_evidence(src: Sources, w: Writer) -> Section:
    tr = w.tr
    reason = _evidence_reason(src.mlflow, w, "MLflow")
    monitoring = (src.mlflow or {}).get("monitoring") if reason is None else None
    if reason is not None:
        return Section(tr("Monitoring evidence (MLflow)"), (Paragraph(_unavailable(reason)),))
    if not monitoring:
        return Section(
            tr("Monitoring evidence (MLflow)"),
            (Paragraph(_unavailable(tr("no monitored metric recorded in MLflow"))),),
        )
    latest = monitoring.get("latest") or {}
    breaches: Sequence[Mapping[str, Any]] = monitoring.get("breaches") or []
    return Section(
        tr("Monitoring evidence (MLflow)"),
        (
            Facts(
                (
                    (tr("Metric"), str(monitoring.get("metric"))),
                    (tr("Recorded values"), w.num(monitoring.get("points"))),
                    (
                        tr("Latest value"),
                        f"{w.num(latest.get('value'))} ({latest.get('date')})"
                        if latest
                        else _unavailable(tr("no value recorded")),
                    ),
                    (tr("Threshold breaches"), w.num(len(breaches))),
                    (tr("Last breach"), str(monitoring.get("last_breach") or "—")),
                )
            ),
        ),
    )


BUILDERS = {
    "framing-sheet": framing_sheet,
    "data-report": data_report,
    "evaluation-report": evaluation_report,
    "annex-iv": annex_iv,
    "monitoring-sla": monitoring_sheet,
}
"""Every deliverable ``aigov docs`` writes, by file name."""
