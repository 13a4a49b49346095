"""The framing sheet: project, problem and objectives, scope, stakeholders, budget and expected
value, impact and feasibility, success criteria, risk screening — from ``aigov.yaml``."""

from __future__ import annotations

from typing import Any

from aigov.deliverables.document import Block, Bullets, Deliverable, Gap, Paragraph, Section
from aigov.deliverables.facts import (
    Fact,
    Writer,
    amount,
    amount_or_gap,
    constant,
    facts,
    given,
    iso_date,
    missing,
    num,
    status_ref,
    table,
    table_or_gap,
    term,
    text,
    text_or_dash,
    yes_no,
)
from aigov.deliverables.sources import Sources, stakeholder
from aigov.documents.manifest import MANIFEST_FILE, Framing, LifecycleManifest

SLUG = "framing-sheet"


def build(src: Sources, w: Writer) -> Deliverable:
    """The framing sheet of ``src``'s project."""
    m, tr = src.manifest, w.tr
    framing = m.framing
    sections = [Section(tr("Project"), (_project(m, w),))]
    if framing is None:
        sections.append(Section(tr("Problem and objectives"), (Paragraph(Gap("framing")),)))
    else:
        sections += [_objectives_section(framing, w), _scope_section(framing, w)]
    sections.append(_stakeholders_section(m, w))
    if framing is not None:
        sections += [_budget_section(framing, w), _priority_section(framing, w)]
    sections.append(_criteria_section(m, w))
    if framing is not None and framing.alternatives_considered:
        alternatives = Bullets(tuple(framing.alternatives_considered))
        sections.append(Section(tr("Alternatives considered"), (alternatives,)))
    sections.append(_risk_summary(m, w))
    return Deliverable(
        SLUG, tr("Framing sheet"), m.metadata.name, tuple(sections), sources=(MANIFEST_FILE,)
    )


def _project(m: LifecycleManifest, w: Writer) -> Block:
    tr = w.tr
    timeline = [
        Fact(tr("Entered stage {stage}", stage=w.label(stage)), constant(day), iso_date)
        for stage, day in m.timeline.items()
    ]
    return facts(
        w,
        m,
        [
            Fact(tr("Identifier"), "metadata.id", text),
            Fact(tr("Name"), "metadata.name", text),
            Fact(tr("Owner"), "metadata.owner", text),
            Fact(tr("Business unit"), "metadata.business_unit", text),
            Fact(tr("Stage"), "stage", term),
            Fact(tr("Description"), "metadata.description", given),
            *timeline,
        ],
    )


def _objectives_section(framing: Framing, w: Writer) -> Section:
    tr = w.tr
    objectives = table_or_gap(
        w,
        framing.business_objectives,
        [
            Fact(tr("KPI"), "kpi", text),
            Fact(tr("Baseline"), lambda o: (o.baseline, o.unit), amount_or_gap, "baseline"),
            Fact(tr("Target"), lambda o: (o.target, o.unit), amount),
            Fact(tr("Direction"), "direction", term),
            Fact(tr("Deadline"), "deadline", iso_date),
        ],
        missing="framing.business_objectives",
        under=lambda i: f"framing.business_objectives[{i}]",
    )
    return Section(tr("Problem and objectives"), (Paragraph(framing.problem), objectives))


def _scope_section(framing: Framing, w: Writer) -> Section:
    tr, scope = w.tr, framing.scope
    in_scope = scope.in_scope if scope else None
    out_of_scope = scope.out_of_scope if scope else None
    return Section(
        tr("Scope"),
        (
            Paragraph(tr("In scope"), emphasis=True),
            Bullets(tuple(in_scope)) if in_scope else Paragraph(Gap("framing.scope.in_scope")),
            Paragraph(tr("Out of scope"), emphasis=True),
            Bullets(tuple(out_of_scope))
            if out_of_scope
            else Paragraph(Gap("framing.scope.out_of_scope")),
        ),
    )


def _stakeholders_section(m: LifecycleManifest, w: Writer) -> Section:
    tr = w.tr
    people = m.metadata.stakeholders
    columns = [
        Fact(tr("Name"), "name", text),
        Fact(tr("Role"), "role", term),
        Fact(tr("Email"), "email", text_or_dash),
    ]
    blocks = [table_or_gap(w, people, columns, missing="metadata.stakeholders")]
    for role in ("business_owner", "data_protection_officer"):
        if not stakeholder(m, role):
            blocks.append(Paragraph(Gap(f"metadata.stakeholders[role={role}]")))
    return Section(tr("Stakeholders"), tuple(blocks))


def _budget_section(framing: Framing, w: Writer) -> Section:
    tr = w.tr
    budget, value = framing.budget, framing.expected_value
    rows = (
        [Fact(tr("Budget"), "budget", missing)]
        if budget is None
        else [
            Fact(tr("Build cost"), lambda f: (f.budget.build_cost, f.budget.currency), amount),
            Fact(
                tr("Run cost per year"),
                lambda f: (f.budget.run_cost_per_year, f.budget.currency),
                amount,
            ),
            Fact(tr("Budget approved"), "budget.approved", given),
        ]
    )
    if value is None:
        rows.append(Fact(tr("Expected value"), "expected_value", missing))
    else:
        rows += [
            Fact(
                tr("Expected annual value"),
                lambda f: (f.expected_value.annual_value, f.expected_value.currency),
                amount,
            ),
            Fact(tr("Attribution model"), "expected_value.attribution_model", term),
        ]
        if value.attribution_share is not None:
            rows.append(
                Fact(tr("Share attributed to the model"), "expected_value.attribution_share", num)
            )
        rows += [
            Fact(tr("Horizon"), lambda f: _years(f, w), text),
            Fact(tr("Rationale"), "expected_value.rationale", given),
        ]
    return Section(tr("Budget and expected value"), (facts(w, framing, rows, under="framing"),))


def _years(framing: Any, w: Writer) -> str:
    return w.tr("{years} years", years=framing.expected_value.horizon_years)


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


def _feasibility(framing: Framing) -> float:
    assert framing.feasibility is not None
    return (framing.feasibility.data_maturity + framing.feasibility.it_maturity) / 2


def _priority_section(framing: Framing, w: Writer) -> Section:
    tr = w.tr
    rows = [Fact(tr("Impact (1-5)"), "impact", given)]
    if framing.feasibility is None:
        rows.append(Fact(tr("Feasibility"), "feasibility", missing))
    else:
        rows += [
            Fact(tr("Data maturity (1-5)"), "feasibility.data_maturity", num),
            Fact(tr("IT maturity (1-5)"), "feasibility.it_maturity", num),
            Fact(tr("Feasibility (mean)"), _feasibility, num),
        ]
        if framing.impact is not None:
            quadrant = priority_quadrant(framing.impact, _feasibility(framing))
            rows.append(Fact(tr("Quadrant"), constant(quadrant), term))
    return Section(tr("Impact and feasibility"), (facts(w, framing, rows, under="framing"),))


def _criteria_section(m: LifecycleManifest, w: Writer) -> Section:
    tr = w.tr
    if not m.success_criteria:
        return Section(tr("Success criteria (KPIs)"), (Paragraph(Gap("success_criteria")),))
    columns = [
        Fact(tr("Metric"), "metric", text),
        Fact(tr("Threshold"), "threshold", num),
        Fact(tr("Direction"), "direction", term),
        Fact(tr("MLflow metric"), lambda c: c.mlflow_metric or c.metric, text),
        Fact(tr("Dataset"), "dataset", text_or_dash),
    ]
    return Section(tr("Success criteria (KPIs)"), (table(w, m.success_criteria, columns),))


def _annex_iii(ai: Any, w: Writer) -> str:
    if not ai.annex_iii_area:
        return "—"
    return f"{w.label(ai.annex_iii_area)} {ai.annex_iii_point or ''}".strip()


def _risk_summary(m: LifecycleManifest, w: Writer) -> Section:
    tr = w.tr
    ai = m.risk.ai_act if m.risk else None
    gdpr = m.risk.gdpr if m.risk else None
    rows = (
        [Fact(tr("AI Act category"), "ai_act", missing)]
        if ai is None
        else [
            Fact(tr("AI Act role"), "ai_act.role", term),
            Fact(tr("AI Act category"), "ai_act.category", term),
            Fact(tr("Annex III"), lambda r: _annex_iii(r.ai_act, w), text),
            Fact(tr("Rationale"), "ai_act.rationale", given),
        ]
    )
    if gdpr is None:
        rows.append(Fact(tr("Personal data (GDPR)"), "gdpr", missing))
    else:
        rows.append(Fact(tr("Personal data (GDPR)"), "gdpr.personal_data", yes_no))
        if gdpr.personal_data:
            rows.append(Fact(tr("DPIA"), "gdpr.dpia", status_ref))
    return Section(tr("Risk screening"), (facts(w, m.risk, rows, under="risk"),))
