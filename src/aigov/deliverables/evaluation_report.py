"""The evaluation report: performance against the success criteria (MLflow), the results the
model card declares and their veracity against MLflow, fairness, robustness, limits and costs."""

from __future__ import annotations

from typing import Any

from aigov.deliverables.document import Bullets, Cell, Deliverable, Gap, Paragraph, Section
from aigov.deliverables.facts import (
    At,
    Fact,
    Writer,
    amount,
    constant,
    facts,
    facts_or_gap,
    iso_date,
    num,
    num_or_dash,
    read,
    table,
    table_or_gap,
    term,
    text,
    text_list,
    text_or_dash,
    unavailable,
    yes_no,
)
from aigov.deliverables.results import columns, measured
from aigov.deliverables.sources import Evidence, Sources
from aigov.documents.manifest import MANIFEST_FILE

SLUG = "evaluation-report"


def build(src: Sources, w: Writer) -> Deliverable:
    """The evaluation report of ``src``'s model."""
    m, tr = src.manifest, w.tr
    card = src.repository.model_card
    sections = [
        _performance_section(src, w),
        _card_results_section(src, w),
        _veracity_section(src, w),
    ]
    if card is not None:
        sections += _card_tables(src, w)
    sections.append(_limits_section(src, w))
    budget = m.framing.budget if m.framing else None
    costs = facts_or_gap(
        w,
        budget,
        [
            Fact(tr("Build cost"), lambda b: (b.build_cost, b.currency), amount),
            Fact(tr("Run cost per year"), lambda b: (b.run_cost_per_year, b.currency), amount),
        ],
        under="framing.budget",
    )
    sections.append(Section(tr("Costs"), (costs,)))
    return Deliverable(
        SLUG,
        tr("Evaluation report"),
        m.metadata.name,
        tuple(sections),
        sources=(MANIFEST_FILE, src.card_file, "MLflow"),
    )


def _performance_section(src: Sources, w: Writer) -> Section:
    """Performance against the thresholds fixed at ideation, as MLflow measured it."""
    title = w.tr("Performance against the success criteria")
    if not src.manifest.success_criteria:
        return Section(title, (Paragraph(Gap("success_criteria")),))
    results = measured(src, w).criteria
    return Section(title, (table(w, results, columns(w)),))


def _card_results_section(src: Sources, w: Writer) -> Section:
    """What the model card's ``model-index`` declares."""
    tr, card, card_file = w.tr, src.repository.model_card, src.card_file
    title = tr("Results declared in the model card")
    if card is None:
        reason = tr("no model card ({file}): evaluation results are not available", file=card_file)
        return Section(title, (Paragraph(unavailable(reason)),))
    results = [
        (
            result.dataset.name,
            result.dataset.split or "—",
            metric,
            f"model-index[{e}].results[{r}].metrics[{i}].value",
        )
        for e, entry in enumerate(card.metadata.model_index or [])
        for r, result in enumerate(entry.results)
        for i, metric in enumerate(result.metrics)
    ]
    if not results:
        return Section(title, (Paragraph(Gap("model-index", card_file)),))
    columns = [
        Fact(tr("Metric"), lambda r: r[2].name or r[2].type, text),
        Fact(tr("Dataset"), lambda r: r[0], text),
        Fact(tr("Split"), lambda r: r[1], text),
        Fact(tr("Value"), lambda r: r, _card_value),
    ]
    return Section(title, (table(w, results, columns, file=card_file),))


def _card_value(result: tuple[Any, Any, Any, str], at: At) -> Cell:
    """The declared value (a number, or a text as written); a null one is the card's gap."""
    value = result[2].value
    if value is None:
        return Gap(result[3], at.file)
    return at.w.num(value) if isinstance(value, int | float) else str(value)


def _veracity_section(src: Sources, w: Writer) -> Section:
    """Do the card's figures match what MLflow recorded?"""
    tr = w.tr
    title = tr("Veracity of the model card against MLflow")
    usable = src.mlflow_evidence(w)
    mlflow = usable.evidence
    if mlflow is None:
        return Section(title, (Paragraph(unavailable(usable.reason or "")),))
    tolerance = src.card_metric_tolerance
    summary = facts(
        w,
        mlflow,
        [
            Fact(tr("Registered model"), "registered_model", text),
            Fact(tr("Version"), "version.version", text_or_dash),
            Fact(tr("Run"), "version.run_id", text_or_dash),
            Fact(tr("Tolerance"), constant(tolerance), num),
        ],
    )
    matches = read(mlflow, "card_metrics") or []
    if not matches:
        reason = tr("the model card declares no numeric result")
        return Section(title, (summary, Paragraph(unavailable(reason))))
    columns = [
        Fact(tr("Metric"), "name", text),
        Fact(tr("Split"), "split", text_or_dash),
        Fact(tr("Model card"), "card_value", num),
        Fact(tr("MLflow metric"), "mlflow_metric", text_or_dash),
        Fact(tr("MLflow value"), "mlflow_value", _mlflow_value),
        Fact(tr("Verdict"), lambda c: _verdict(c, tolerance, w), text),
    ]
    return Section(title, (summary, table(w, matches, columns)))


def _mlflow_value(value: Any, at: At) -> Cell:
    if value is None:
        return unavailable(at.w.tr("no matching MLflow metric"))
    return at.w.num(value)


def _verdict(match: Evidence, tolerance: float, w: Writer) -> str:
    difference = read(match, "abs_difference")
    if difference is None:
        return "—"
    if difference <= tolerance:
        return w.tr("consistent")
    return w.tr("differs by {gap}", gap=w.num(difference))


def _card_tables(src: Sources, w: Writer) -> list[Section]:
    """The lists the model card's front matter declares: fairness by slice, robustness tests."""
    tr = w.tr
    assert src.repository.model_card is not None
    meta = src.repository.model_card.metadata
    fairness = [
        Fact(tr("Slice"), "slice", text),
        Fact(tr("Metric"), "metric", text),
        Fact(tr("Value"), "value", num),
        Fact(tr("Reference"), "reference_value", num_or_dash),
        Fact(tr("Largest gap accepted"), "max_gap", num_or_dash),
    ]
    robustness = [
        Fact(tr("Test"), "name", text),
        Fact(tr("Kind"), "kind", term),
        Fact(tr("Result"), "result", text),
        Fact(tr("Passed"), "passed", yes_no),
        Fact(tr("Date"), "date", iso_date),
    ]
    return [
        Section(
            title,
            (table_or_gap(w, read(meta, key) or [], columns, missing=key, file=src.card_file),),
        )
        for title, key, columns in (
            (tr("Fairness by population slice"), "fairness", fairness),
            (tr("Robustness tests"), "robustness_tests", robustness),
        )
    ]


def _limits_section(src: Sources, w: Writer) -> Section:
    tr, card, card_file = w.tr, src.repository.model_card, src.card_file
    if card is None:
        reason = tr("no model card ({file}): limitations are not documented", file=card_file)
        return Section(tr("Limits"), (Paragraph(unavailable(reason)),))
    limits = text_list(card.metadata.limitations)
    out_of_scope = text_list(card.metadata.out_of_scope_use)
    return Section(
        tr("Limits"),
        (
            Bullets(tuple(limits)) if limits else Paragraph(Gap("limitations", card_file)),
            Paragraph(tr("Out-of-scope uses"), emphasis=True),
            Bullets(tuple(out_of_scope))
            if out_of_scope
            else Paragraph(Gap("out_of_scope_use", card_file)),
        ),
    )
