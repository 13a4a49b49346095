"""The data inventory and data quality report: the personal data processing (GDPR), each data
contract (servers, retention, every property at any depth with its path and classification), and
the stored data quality evidence."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aigov.deliverables.document import Block, Cell, Deliverable, Facts, Gap, Paragraph, Section
from aigov.deliverables.facts import (
    At,
    Fact,
    Writer,
    constant,
    facts,
    given,
    num_or_dash,
    or_gap,
    read,
    status_ref,
    table,
    term,
    term_text,
    text,
    text_or_dash,
    unavailable,
    yes_no,
)
from aigov.deliverables.sources import Evidence, Sources, stakeholder
from aigov.documents.contract_fields import contract_fields
from aigov.documents.manifest import MANIFEST_FILE, LifecycleManifest

SLUG = "data-report"


def build(src: Sources, w: Writer) -> Deliverable:
    """The data inventory and data quality report of ``src``'s project."""
    m, tr = src.manifest, w.tr
    sections = [_processing_section(m, w)]
    contracts = src.repository.contracts
    if not contracts:
        sections.append(Section(tr("Data contracts"), (Paragraph(Gap("data.contracts")),)))
    for contract in contracts:
        sections.append(_contract_section(contract.file, contract.data, w))
    sections.append(_quality_section(src, w))
    return Deliverable(
        SLUG,
        tr("Data inventory and data quality report"),
        m.metadata.name,
        tuple(sections),
        sources=(MANIFEST_FILE, *(c.file for c in contracts), ".aigov/evidence/data_quality.json"),
    )


# --- Personal data processing ------------------------------------------------------------------


def _special_categories(special: Any, at: At) -> Cell:
    w = at.w
    if special is None:
        return at.gap()
    if not special.present:
        return w.yes_no(False)
    categories = "; ".join(w.label(c) for c in special.categories) or w.yes_no(True)
    return categories + (f" — {w.label(special.art9_condition)}" if special.art9_condition else "")


def _transfers(gdpr: Any, w: Writer) -> str:
    listed = "; ".join(
        f"{t.country} — {t.recipient} ({w.label(t.mechanism)})" for t in gdpr.transfers
    )
    return listed or w.tr("none declared")


def _processing_section(m: LifecycleManifest, w: Writer) -> Section:
    tr = w.tr
    gdpr = m.risk.gdpr if m.risk else None
    if gdpr is None:
        return Section(tr("Personal data processing (GDPR)"), (Paragraph(Gap("risk.gdpr")),))
    rows = [Fact(tr("Personal data"), "risk.gdpr.personal_data", yes_no)]
    if gdpr.personal_data:
        rows += [
            Fact(tr("Data subjects"), "risk.gdpr.data_subjects", given),
            Fact(tr("Data categories"), "risk.gdpr.data_categories", given),
            Fact(tr("Purposes (Art. 5(1)(b))"), "risk.gdpr.purposes", given),
            Fact(tr("Lawful basis (Art. 6)"), "risk.gdpr.lawful_basis", term),
            Fact(
                tr("Special categories (Art. 9)"),
                "risk.gdpr.special_categories",
                _special_categories,
            ),
            Fact(tr("Minimisation (Art. 5(1)(c))"), "risk.gdpr.minimisation", given),
            Fact(tr("Retention (Art. 5(1)(e))"), "risk.gdpr.retention", given),
            Fact(tr("Record of processing (Art. 30)"), "risk.gdpr.record_of_processing", given),
            Fact(tr("Transfers outside the EEA"), lambda m: _transfers(m.risk.gdpr, w), text),
            Fact(tr("DPIA (Art. 35)"), "risk.gdpr.dpia", status_ref),
            Fact(
                tr("Data protection officer"),
                lambda m: stakeholder(m, "data_protection_officer"),
                given,
                "metadata.stakeholders[role=data_protection_officer]",
            ),
        ]
    return Section(tr("Personal data processing (GDPR)"), (facts(w, m, rows),))


# --- Data contracts (ODCS) ---------------------------------------------------------------------


def contract_purpose(data: Mapping[str, Any]) -> Any:
    description = data.get("description")
    return description.get("purpose") if isinstance(description, dict) else None


def contract_servers(data: Mapping[str, Any]) -> str | None:
    servers = [s for s in data.get("servers") or [] if isinstance(s, dict)]
    listed = "; ".join(
        f"{s.get('server')} ({s.get('type')}, {s.get('environment', '—')})" for s in servers
    )
    return listed or None


def _retention(data: Mapping[str, Any]) -> str | None:
    retention = [
        p
        for p in data.get("slaProperties") or []
        if isinstance(p, dict) and p.get("property") == "retention"
    ]
    listed = "; ".join(f"{p.get('value')} {p.get('unit', '')}".strip() for p in retention)
    return listed or None


def _is_pii(prop: Mapping[str, Any]) -> bool:
    tags = [str(t).lower() for t in prop.get("tags") or []]
    custom = {
        str(c.get("property")).lower(): c.get("value")
        for c in prop.get("customProperties") or []
        if isinstance(c, dict)
    }
    return "pii" in tags or custom.get("pii") in (True, "true") or prop.get("pii") is True


def _contract_section(file: str, data: Mapping[str, Any], w: Writer) -> Section:
    tr = w.tr
    contract_facts = facts(
        w,
        data,
        [
            Fact(tr("File"), constant(file), text),
            Fact(tr("Identifier"), lambda d: d.get("id", ""), text),
            Fact(tr("Version"), lambda d: d.get("version", ""), text),
            Fact(tr("Status"), lambda d: d.get("status", ""), text),
            Fact(tr("Purpose"), contract_purpose, given, "description.purpose"),
            Fact(tr("Servers"), contract_servers, or_gap, "servers"),
            Fact(tr("Retention"), _retention, or_gap, "slaProperties[property=retention]"),
        ],
        file=file,
    )
    blocks: list[Block] = [contract_facts]
    objects = [o for o in data.get("schema") or [] if isinstance(o, dict)]
    if not objects:
        blocks.append(Paragraph(Gap("schema", file)))
    columns = [
        Fact(tr("Column"), "path", text),
        Fact(tr("Type"), lambda p: p.get("logicalType") or p.get("physicalType"), text_or_dash),
        Fact(tr("Required"), lambda p: bool(p.get("required")), yes_no),
        Fact(tr("Classification"), "classification", text_or_dash),
        Fact(tr("Personal data"), _is_pii, yes_no),
    ]
    # Every property at any depth, by its path (customer.address.email, orders[].sku).
    fields: dict[int, list[dict[str, Any]]] = {}
    for field in contract_fields(data):
        fields.setdefault(int(field.where[1]), []).append(field.plain())
    for index, obj in enumerate(data.get("schema") or []):
        if not isinstance(obj, dict):
            continue
        blocks.append(Paragraph(tr("Table {name}", name=obj.get("name", "")), emphasis=True))
        if index not in fields:
            blocks.append(Paragraph(Gap(f"schema[{obj.get('name')}].properties", file)))
            continue
        blocks.append(table(w, fields[index], columns))
    name = data.get("name") or data.get("id") or file
    return Section(tr("Data contract {name}", name=name), tuple(blocks))


# --- Data quality evidence ---------------------------------------------------------------------


def _percent(value: Any, at: At) -> Cell:
    return "—" if value is None else f"{at.w.num(round(float(value), 2))} %"


def _freshness(freshness: Any, at: At) -> Cell:
    w = at.w
    if freshness is None:
        return "—"
    return w.tr(
        "newest {latest}, {age} h old (limit {limit} h)",
        latest=read(freshness, "latest") or "—",
        age=w.num(read(freshness, "age_hours")),
        limit=w.num(read(freshness, "max_age_hours")),
    )


def _checks(stats: Any, at: At) -> Cell:
    if not stats:
        return "—"
    return at.w.tr(
        "{passed} passed, {failed} failed, {skipped} skipped of {evaluated}",
        passed=read(stats, "passed", 0),
        failed=read(stats, "failed", 0),
        skipped=read(stats, "skipped", 0),
        evaluated=read(stats, "evaluated", 0),
    )


def _check_status(expectation: Any, at: At) -> Cell:
    status = at.w.label(str(read(expectation, "status")))
    enforced = read(expectation, "enforced", True)
    return status + ("" if enforced else f" ({at.w.tr('not enforced')})")


def _contract_quality(contract: Evidence, w: Writer) -> list[Block]:
    tr = w.tr
    blocks: list[Block] = [
        Paragraph(str(read(contract, "file")), emphasis=True),
        facts(
            w,
            contract,
            [
                Fact(tr("Status"), "status", term_text),
                Fact(tr("Validated at"), "validated_at", text_or_dash),
                Fact(tr("Checks"), "statistics", _checks),
            ],
        ),
    ]
    tables = read(contract, "tables") or []
    if tables:
        columns = [
            Fact(tr("Table"), "name", text),
            Fact(tr("Rows"), "rows", num_or_dash),
            Fact(tr("Completeness"), "completeness", _percent),
            Fact(tr("Consistency"), "consistency", _percent),
            Fact(tr("Freshness"), "freshness", _freshness),
        ]
        blocks.append(table(w, tables, columns))
    expectations = read(contract, "expectations") or []
    failed = [e for e in expectations if read(e, "status") not in ("passed",)]
    if failed:
        columns = [
            Fact(tr("Check"), "id", text),
            Fact(tr("Status"), lambda e: e, _check_status),
            Fact(tr("Severity"), "severity", text_or_dash),
            Fact(tr("Contract field"), "source", text_or_dash),
        ]
        blocks.append(table(w, failed, columns))
    return blocks


def _quality_section(src: Sources, w: Writer) -> Section:
    tr = w.tr
    usable = src.data_quality_evidence(w)
    evidence = usable.evidence
    if evidence is None:
        return Section(tr("Data quality"), (Paragraph(unavailable(usable.reason or "")),))
    summary: Facts = facts(
        w,
        evidence,
        [
            Fact(tr("Evidence file"), lambda e: read(e, "file", ""), text),
            Fact(tr("Generated at"), "generated_at", text_or_dash),
            Fact(tr("Overall status"), "status", term_text),
            Fact(tr("All checks passed"), lambda e: bool(read(e, "success")), yes_no),
        ],
    )
    blocks: list[Block] = [summary]
    for contract in read(evidence, "contracts") or []:
        blocks += _contract_quality(contract, w)
    return Section(tr("Data quality"), tuple(blocks))
