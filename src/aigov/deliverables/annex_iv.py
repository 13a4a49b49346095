"""The AI Act Annex IV technical documentation draft: its nine headings, filled from
``aigov.yaml``, the model card and the data contracts, every gap marked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aigov.deliverables.document import Deliverable, Gap, Paragraph, Section
from aigov.deliverables.facts import (
    Fact,
    Writer,
    cell,
    doc_ref,
    facts,
    given,
    iso_date,
    num,
    or_gap,
    read,
    sign,
    table_or_gap,
    term,
    text,
    text_list,
)
from aigov.deliverables.sources import Sources
from aigov.documents.manifest import MANIFEST_FILE, LifecycleManifest
from aigov.documents.model_card import ModelCard

SLUG = "annex-iv"


@dataclass(frozen=True)
class _Annex:
    """What the headings read: the manifest (the facts' subject), the model card, MLflow."""

    src: Sources
    w: Writer

    @property
    def m(self) -> LifecycleManifest:
        return self.src.manifest

    @property
    def meta(self) -> Any:
        card = self.src.repository.model_card
        return card.metadata if card else None

    def card(self, label: str, attr: str, value: Any = None) -> Fact:
        """A fact of the model card's front matter (``value``: composed from it instead)."""
        read_value = (lambda _: read(self.meta, attr)) if value is None else (lambda _: value)
        return Fact(label, read_value, given, attr, self.src.card_file)

    def headed(self, title: str, rows: Sequence[Fact]) -> Section:
        return Section(title, (facts(self.w, self.m, rows),))


def build(src: Sources, w: Writer) -> Deliverable:
    """The nine headings of AI Act Annex IV, filled from the files, gaps marked."""
    m, tr = src.manifest, w.tr
    annex = _Annex(src, w)
    ai = m.risk.ai_act if m.risk else None
    sections = [
        _general_description(annex),
        _elements_and_development(annex),
        _monitoring_and_control(annex),
        _performance_metrics(annex),
        annex.headed(
            tr("5. Risk management system (Art. 9)"),
            [
                Fact(tr("Risk management"), "risk.ai_act.risk_management", doc_ref),
                Fact(
                    tr("Quality management system (Art. 17)"),
                    "risk.ai_act.quality_management_system",
                    doc_ref,
                ),
            ],
        ),
        _lifecycle_changes(annex),
        Section(
            tr("7. Harmonised standards applied"),
            (
                Paragraph(
                    Gap(tr("harmonised standards applied (not recorded in the repository's files)"))
                ),
            ),
        ),
        annex.headed(
            tr("8. EU declaration of conformity"),
            [
                Fact(tr("Conformity assessment"), "risk.ai_act.conformity_assessment", doc_ref),
                Fact(
                    tr("EU database registration (Art. 49)"),
                    "risk.ai_act.eu_database_registration",
                    doc_ref,
                ),
            ],
        ),
        _post_market_monitoring(annex),
    ]
    intro = tr(
        "Draft generated from the repository's files: every item marked missing is still to be "
        "written. AI Act category: {category}.",
        category=tr(ai.category) if ai else tr("not screened"),
    )
    return Deliverable(
        SLUG,
        tr("Technical documentation (AI Act Annex IV) — draft"),
        m.metadata.name,
        tuple(sections),
        intro=intro,
        sources=(MANIFEST_FILE, src.card_file, *(c.file for c in src.repository.contracts)),
    )


def _version(m: LifecycleManifest, src: Sources, w: Writer) -> str | None:
    registry = m.model.registry if m.model else None
    if registry is None:
        return None
    version = read(src.mlflow_evidence(w).evidence, "version")
    name = f"{registry.registered_model} {registry.alias or registry.version or ''}".strip()
    return name + (f" (MLflow {read(version, 'version')})" if version else "")


def _forms(m: LifecycleManifest, w: Writer) -> str | None:
    deployment = m.deployment
    if deployment is None:
        return None
    forms = f"{w.tr(deployment.mode)}, {w.tr(deployment.architecture)}"
    return forms + (f", {deployment.region}" if deployment.region else "")


def _general_description(annex: _Annex) -> Section:
    w, tr, card_file = annex.w, annex.w.tr, annex.src.card_file

    def upstream(m: LifecycleManifest) -> Any:
        ai = m.risk.ai_act if m.risk else None
        if ai and ai.upstream_models:
            return "; ".join(f"{u.provider} {u.model}" for u in ai.upstream_models)
        return w.value(read(annex.meta, "base_model"), "base_model", card_file)

    return annex.headed(
        tr("1. General description of the AI system"),
        [
            annex.card(tr("Intended purpose"), "intended_use"),
            Fact(
                tr("Provider"),
                lambda m: f"{m.metadata.owner} — {m.metadata.business_unit}",
                text,
            ),
            Fact(tr("Role under the AI Act"), "risk.ai_act.role", term),
            Fact(tr("Version"), lambda m: _version(m, annex.src, w), or_gap, "model.registry"),
            Fact(
                tr("Forms placed on the market, hardware and software"),
                lambda m: _forms(m, w),
                or_gap,
                "deployment",
            ),
            Fact(tr("Upstream general-purpose AI models"), upstream, cell),
            Fact(
                tr("Instructions for use (Art. 13)"),
                "risk.ai_act.instructions_for_use",
                doc_ref,
            ),
        ],
    )


def _card_section(card: ModelCard | None, card_file: str, title: str) -> Any:
    if card is None:
        return Gap(title, card_file)
    section = card.section(title)
    if section is None or section.is_empty or section.has_placeholder:
        return Gap(f"## {title}", card_file)
    text: str = section.text
    return text if len(text) <= 600 else text[:599] + "…"


def _elements_and_development(annex: _Annex) -> Section:
    w, tr, src = annex.w, annex.w.tr, annex.src
    return annex.headed(
        tr("2. Detailed description of the elements of the AI system and of its development"),
        [
            Fact(tr("Model type"), "model.type", given),
            Fact(
                tr("Design and training"),
                lambda _: _card_section(
                    src.repository.model_card, src.card_file, "Training Details"
                ),
                cell,
            ),
            Fact(
                tr("Data (contracts)"),
                lambda _: "; ".join(c.file for c in src.repository.contracts) or None,
                or_gap,
                "data.contracts",
            ),
            Fact(tr("Data governance (Art. 10)"), "risk.ai_act.data_governance", doc_ref),
            annex.card(tr("Human oversight measures (Art. 14)"), "human_oversight.override"),
            Fact(
                tr("Validation and testing"),
                lambda m: (
                    "; ".join(f"{c.metric} {w.num(c.threshold)}" for c in m.success_criteria)
                    or None
                ),
                or_gap,
                "success_criteria",
            ),
            Fact(tr("Cybersecurity measures (Art. 15)"), "risk.gdpr.security_measures", given),
        ],
    )


def _logging(m: LifecycleManifest, w: Writer) -> str | None:
    ai = m.risk.ai_act if m.risk else None
    if not (ai and ai.record_keeping):
        return None
    keeping = ai.record_keeping
    retention = f" — {keeping.log_retention}" if keeping.log_retention else ""
    return w.yes_no(keeping.automatic_logging) + retention


def _monitoring_and_control(annex: _Annex) -> Section:
    w, tr, meta = annex.w, annex.w.tr, annex.meta
    by_group = (
        [f"{f.slice}: {f.metric} {w.num(f.value)}" for f in meta.fairness or []] if meta else None
    )
    return annex.headed(
        tr("3. Monitoring, functioning and control of the AI system"),
        [
            annex.card(
                tr("Capabilities and limitations"),
                "limitations",
                text_list(meta.limitations) if meta else None,
            ),
            annex.card(tr("Accuracy for groups of persons"), "fairness", by_group),
            annex.card(
                tr("Foreseeable misuse"),
                "out_of_scope_use",
                text_list(meta.out_of_scope_use) if meta else None,
            ),
            annex.card(tr("Stopping the system"), "human_oversight.stop_procedure"),
            Fact(
                tr("Logging (Art. 12)"),
                lambda m: _logging(m, w),
                or_gap,
                "risk.ai_act.record_keeping",
            ),
        ],
    )


def _performance_metrics(annex: _Annex) -> Section:
    w, tr, m = annex.w, annex.w.tr, annex.m
    columns = [
        Fact(tr("Metric"), "metric", text),
        Fact(tr("Threshold"), "threshold", num),
        Fact(tr("Why"), lambda c: c.description or c.dataset, given, "description"),
    ]
    block = table_or_gap(
        w,
        m.success_criteria,
        columns,
        missing="success_criteria",
        under=lambda i: f"success_criteria[{i}]",
    )
    return Section(tr("4. Appropriateness of the performance metrics"), (block,))


def _lifecycle_changes(annex: _Annex) -> Section:
    w, tr, m = annex.w, annex.w.tr, annex.m

    def transition(approval: Any) -> str:
        before = tr(approval.from_stage) if approval.from_stage else "—"
        return f"{before} → {tr(approval.to_stage)}"

    columns = [
        Fact(tr("Date"), "date", iso_date),
        Fact(tr("Transition"), transition, text),
        Fact(tr("Committee"), "committee", text),
        Fact(tr("Decision"), "decision", term),
        Fact(tr("Reference"), "reference", text),
    ]
    block = table_or_gap(w, m.approvals, columns, missing="approvals")
    return Section(tr("6. Relevant changes through the lifecycle"), (block,))


def _post_market_monitoring(annex: _Annex) -> Section:
    w, tr = annex.w, annex.w.tr

    def performance(m: LifecycleManifest) -> str | None:
        watched = m.monitoring.performance if m.monitoring else None
        if watched is None:
            return None
        return f"{watched.metric} {sign(watched.direction)} {w.num(watched.threshold)}"

    return annex.headed(
        tr("9. Post-market monitoring (Art. 72)"),
        [
            Fact(
                tr("Post-market monitoring plan"),
                "risk.ai_act.post_market_monitoring",
                doc_ref,
            ),
            Fact(tr("Performance monitoring"), performance, or_gap, "monitoring.performance"),
        ],
    )
