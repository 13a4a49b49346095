"""The AI Act Annex IV technical documentation draft: its nine headings, filled from
``aigov.yaml``, the model card and the data contracts, every gap marked."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aigov.deliverables.data_report import contract_purpose
from aigov.deliverables.document import Block, Cell, Deliverable, Gap, Paragraph, Section, Table
from aigov.deliverables.facts import (
    At,
    Fact,
    Writer,
    cell,
    constant,
    doc_ref,
    facts,
    given,
    iso_date,
    or_gap,
    read,
    sign,
    table,
    table_or_gap,
    term,
    text,
    text_list,
    unavailable,
)
from aigov.deliverables.results import columns, measured, monitored, summary
from aigov.deliverables.sources import Sources
from aigov.documents.manifest import MANIFEST_FILE, LifecycleManifest
from aigov.documents.model_card import ModelCard
from aigov.policy.derive.ai_act import roles_of

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
        annex.headed(
            tr("7. Harmonised standards applied"),
            [
                Fact(
                    tr("Harmonised standards (Art. 40)"),
                    "risk.ai_act.harmonised_standards",
                    _standards,
                ),
                Fact(
                    tr("Common specifications (Art. 41)"),
                    "risk.ai_act.common_specifications",
                    _standards,
                ),
            ],
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
        category=w.label(ai.category) if ai else tr("not screened"),
    )
    return Deliverable(
        SLUG,
        tr("Technical documentation (AI Act Annex IV) — draft"),
        m.metadata.name,
        tuple(sections),
        intro=intro,
        sources=(
            MANIFEST_FILE,
            src.card_file,
            *(c.file for c in src.repository.contracts),
            *(["MLflow"] if m.model and m.model.registry else []),
        ),
    )


def _version(m: LifecycleManifest, src: Sources, w: Writer) -> str | None:
    registry = m.model.registry if m.model else None
    if registry is None:
        return None
    version = read(src.mlflow_evidence(w).evidence, "version")
    name = f"{registry.registered_model} {registry.alias or registry.version or ''}".strip()
    if not version:
        return name
    return f"{name} ({w.tr('MLflow version {version}', version=read(version, 'version'))})"


def _forms(m: LifecycleManifest, w: Writer) -> str | None:
    deployment = m.deployment
    if deployment is None:
        return None
    forms = f"{w.label(deployment.mode)}, {w.label(deployment.architecture)}"
    return forms + (f", {deployment.region}" if deployment.region else "")


def _general_description(annex: _Annex) -> Section:
    w, tr, card_file = annex.w, annex.w.tr, annex.src.card_file

    def upstream(m: LifecycleManifest) -> Cell:
        ai = m.risk.ai_act if m.risk else None
        if ai and ai.upstream_models:
            return "; ".join(
                " ".join(filter(None, (u.provider, u.model, u.version))) for u in ai.upstream_models
            )
        if ai and "upstream_models" in ai.model_fields_set:  # written as []: none, on purpose
            return tr("none: the system is built on no general-purpose AI model")
        base_model = text_list(read(annex.meta, "base_model"))
        if base_model:
            return tr("base model {model} ({file})", model="; ".join(base_model), file=card_file)
        return Gap("risk.ai_act.upstream_models")

    return annex.headed(
        tr("1. General description of the AI system"),
        [
            annex.card(tr("Intended purpose"), "intended_use"),
            Fact(
                tr("Provider"),
                lambda m: f"{m.metadata.owner} — {m.metadata.business_unit}",
                text,
            ),
            Fact(tr("Role under the AI Act"), _roles, term, "risk.ai_act.role"),
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


def _roles(manifest: LifecycleManifest) -> list[str] | None:
    """The roles the rules judge: declared, and those the law derives from who builds and uses
    the system (a bank building its own credit model is its provider and deployer)."""
    ai = manifest.risk.ai_act if manifest.risk else None
    if ai is None:
        return None
    roles = roles_of(ai.model_dump(mode="json", exclude_none=True))["value"]
    return [str(role) for role in roles] or None


CARD_EXCERPT_CHARS = 600
"""How much of a model card section a row quotes (the card stays the full text)."""


def _card_text(card: ModelCard | None, card_file: str, *headings: tuple[int, str]) -> Cell:
    """The text of the first of ``headings`` (level, title: the Hub template's) the card fills,
    or the gap of the first: a section that is absent, empty or still the template's."""
    level, title = headings[0]
    gap = Gap(f"{'#' * level} {title}", card_file)
    if card is None:
        return gap
    for _, heading in headings:
        section = card.section(heading)
        if section is not None and not section.is_empty and not section.has_placeholder:
            text = _unwrapped(section.text)
            if len(text) > CARD_EXCERPT_CHARS:
                return text[: CARD_EXCERPT_CHARS - 1] + "…"
            return text
    return gap


_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)]|\|)\s")


def _unwrapped(text: str) -> str:
    """Markdown prose as one line per paragraph or list item: a card's hard-wrapped lines are
    one paragraph to its reader, and a line break only shows where the card starts a new one."""
    lines: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        for line in paragraph.split("\n"):
            if lines and lines[-1] and line.strip() and not _LIST_ITEM.match(line):
                lines[-1] += " " + line.strip()
            else:
                lines.append(line.strip())
        lines.append("")
    # Quoted as text: the card's inline code and strong emphasis markers are not shown.
    text = "\n".join(line for line in lines if line)
    return re.sub(r"\*\*(\S(?:.*?\S)?)\*\*|`([^`\n]+)`", lambda m: m.group(1) or m.group(2), text)


def _compute(card: ModelCard | None, card_file: str, w: Writer) -> Cell:
    """Annex IV 2(c)'s computational resources: the card's hardware and software, else its
    "Compute Infrastructure" text."""
    hardware = _card_text(card, card_file, (4, "Hardware"))
    software = _card_text(card, card_file, (4, "Software"))
    parts = [
        *([w.tr("Hardware: {text}", text=hardware)] if isinstance(hardware, str) else []),
        *([w.tr("Software: {text}", text=software)] if isinstance(software, str) else []),
    ]
    return " — ".join(parts) or _card_text(card, card_file, (3, "Compute Infrastructure"))


def _provenance(src: Sources, w: Writer) -> Block:
    """Annex IV 2(d): where each data set comes from — its contract's purpose and the servers
    it is read from, as the contract describes them."""
    tr = w.tr
    contracts = src.repository.contracts
    if not contracts:
        return Paragraph(Gap("data.contracts"))
    rows = tuple(
        (
            _contract_name(contract.file, contract.data),
            w.value(contract_purpose(contract.data), "description.purpose", contract.file),
            _origins(contract.data) or Gap("servers", contract.file),
        )
        for contract in contracts
    )
    return Table((tr("Data contract"), tr("Purpose"), tr("Sources (servers)")), rows)


def _origins(data: Any) -> str:
    """Each server of a contract with its own description (where the data lives, what copy)."""
    servers = [s for s in data.get("servers") or [] if isinstance(s, dict)]
    listed = []
    for server in servers:
        kind = ", ".join(str(server[key]) for key in ("type", "environment") if server.get(key))
        name = f"{server.get('server', '')} ({kind})" if kind else str(server.get("server", ""))
        description = server.get("description")
        listed.append(f"{name}: {description}" if description else name)
    return "; ".join(listed)


def _contract_name(file: str, data: Any) -> str:
    name = " ".join(str(part) for part in (data.get("name"), data.get("version")) if part)
    return f"{name} ({file})" if name else file


def _elements_and_development(annex: _Annex) -> Section:
    w, tr, src = annex.w, annex.w.tr, annex.src
    card, card_file = src.repository.model_card, src.card_file
    elements = facts(
        w,
        annex.m,
        [
            Fact(tr("Model type"), "model.type", given),
            Fact(
                tr("Architecture and objective"),
                constant(_card_text(card, card_file, (3, "Model Architecture and Objective"))),
                cell,
            ),
            Fact(
                tr("Design and training"),
                constant(
                    _card_text(card, card_file, (3, "Training Procedure"), (2, "Training Details"))
                ),
                cell,
            ),
            Fact(tr("Computational resources"), constant(_compute(card, card_file, w)), cell),
            Fact(
                tr("Training data"),
                constant(_card_text(card, card_file, (3, "Training Data"))),
                cell,
            ),
            Fact(tr("Data governance (Art. 10)"), "risk.ai_act.data_governance", doc_ref),
            annex.card(tr("Human oversight measures (Art. 14)"), "human_oversight.override"),
            Fact(
                tr("Validation and testing data"),
                constant(
                    _card_text(
                        card,
                        card_file,
                        (3, "Testing Data, Factors & Metrics"),
                        (4, "Testing Data"),
                    )
                ),
                cell,
            ),
            Fact(
                tr("Validation and testing results"),
                constant(_results_line(src, w)),
                cell,
                "success_criteria",
            ),
            Fact(tr("Cybersecurity measures (Art. 15)"), "risk.gdpr.security_measures", given),
        ],
    )
    return Section(
        tr("2. Detailed description of the elements of the AI system and of its development"),
        (
            elements,
            Paragraph(tr("Data provenance (data contracts)"), emphasis=True),
            _provenance(src, w),
        ),
    )


def _results_line(src: Sources, w: Writer) -> Cell:
    """Every criterion's measured value on one line — the figures of section 4 and of the
    evaluation report, from the same source."""
    if not src.manifest.success_criteria:
        return Gap("success_criteria")
    results = measured(src, w).criteria
    if all(r.value is None for r in results):
        return unavailable(results[0].not_measured or "")
    return "; ".join(summary(r, w) for r in results)


def _logging(m: LifecycleManifest, w: Writer) -> str | None:
    ai = m.risk.ai_act if m.risk else None
    if not (ai and ai.record_keeping):
        return None
    keeping = ai.record_keeping
    retention = f" — {w.duration(keeping.log_retention)}" if keeping.log_retention else ""
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
    w, tr, src = annex.w, annex.w.tr, annex.src
    title = tr("4. Appropriateness of the performance metrics")
    if not src.manifest.success_criteria:
        return Section(title, (Paragraph(Gap("success_criteria")),))
    results = measured(src, w)
    why = Fact(
        tr("Why this metric"),
        lambda r: r.description or r.dataset,
        given,
        "description",
    )
    block = table(
        w,
        results.criteria,
        [*columns(w), why],
        under=lambda i: f"success_criteria[{i}]",
    )
    blocks: list[Block] = [block]
    if results.version:
        blocks.insert(
            0,
            Paragraph(
                tr(
                    "Measured values: registered model {version}, MLflow run {run}.",
                    version=results.version,
                    run=results.run_id or "—",
                )
            ),
        )
    return Section(title, tuple(blocks))


def _standards(standards: Any, at: At) -> Cell:
    """Annex IV point 7: each standard with how far it is applied; [] is "none applied"."""
    if standards is None:
        return at.gap()
    if not standards:
        return at.w.tr("none applied")
    return "; ".join(
        " ".join(filter(None, (s.reference, f"— {s.title}" if s.title else None)))
        + f" ({at.w.label(s.extent)})"
        for s in standards
    )


def _lifecycle_changes(annex: _Annex) -> Section:
    w, tr, m = annex.w, annex.w.tr, annex.m

    def transition(approval: Any) -> str:
        before = w.label(approval.from_stage) if approval.from_stage else "—"
        return f"{before} → {w.label(approval.to_stage)}"

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
            Fact(tr("Monitoring evidence (MLflow)"), constant(monitored(annex.src, w)), cell),
        ],
    )
