"""The files ``aigov init`` writes: ``aigov.yaml``, ``MODEL_CARD.md`` and a first ODCS contract.

:func:`scaffold` is pure: it returns ``{relative path: text}`` from the project's answers and the
screening; the command decides what may be written. Structured parts are dumped with PyYAML (so a
name with a colon or a quote stays a string), the rest comes from the templates in
``templates/``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
from dataclasses import dataclass
from typing import Any

import jinja2
import yaml

from aigov.i18n import Translator, translator
from aigov.init.screening import Screening, risk_section
from aigov.templating import template_environment

CONTRACTS_FOLDER = "contracts"
_NAMESPACE = uuid.UUID("6f1c8c1e-2b7a-4f0e-9d55-1c0f3c2a7b10")


@dataclass(frozen=True)
class ProjectAnswers:
    """What ``aigov init`` asks besides the screening."""

    id: str
    name: str
    owner: str
    business_unit: str
    stage: str = "ideation"
    problem: str | None = None
    business_owner: str | None = None
    data_protection_officer: str | None = None
    contract: str | None = None
    """Name of the first data contract (default: ``<id>-data``)."""
    screened_by: str | None = None

    @property
    def contract_name(self) -> str:
        return slug(self.contract or f"{self.id}-data")

    @property
    def contract_path(self) -> str:
        return f"{CONTRACTS_FOLDER}/{self.contract_name}.odcs.yaml"


def slug(text: str) -> str:
    """``text`` as a file-name and identifier-safe slug (``Credit Data!`` → ``credit-data``)."""
    cleaned = re.sub(r"[^a-z0-9._-]+", "-", text.strip().lower()).strip("-._")
    return cleaned or "data"


def _to_yaml(value: Any, indent: int = 0) -> str:
    text = yaml.safe_dump(
        value, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100
    ).rstrip("\n")
    pad = " " * indent
    return "\n".join(pad + line if line else line for line in text.split("\n"))


@functools.cache
def _environment() -> jinja2.Environment:
    # Plain text files (YAML, Markdown): no HTML escaping; values go through to_yaml.
    environment = template_environment("aigov.init", autoescape=False)
    environment.filters["to_yaml"] = _to_yaml
    return environment


def scaffold(
    project: ProjectAnswers,
    screening: Screening,
    *,
    today: dt.date,
    tr: Translator | None = None,
    lang: str = "en",
) -> dict[str, str]:
    """``{relative path: text}`` of the three files, the manifest first."""
    tr = tr or translator(lang)
    environment = _environment()
    metadata: dict[str, Any] = {
        "id": project.id,
        "name": project.name,
        "owner": project.owner,
        "business_unit": project.business_unit,
    }
    stakeholders = [
        {"name": name, "role": role}
        for name, role in (
            (project.business_owner, "business_owner"),
            (project.data_protection_officer, "data_protection_officer"),
        )
        if name
    ]
    if stakeholders:
        metadata["stakeholders"] = stakeholders
    framing = {"problem": project.problem} if project.problem else None
    risk = risk_section(screening, screened_on=today, screened_by=project.screened_by)
    gdpr_reasons = screening.gdpr.reasons if screening.gdpr.dpia_status == "required" else ()
    manifest = environment.get_template("aigov.yaml.j2").render(
        tr=tr,
        metadata=metadata,
        stage=project.stage,
        today=today.isoformat(),
        framing=framing,
        risk=risk,
        gdpr_reasons=gdpr_reasons,
        contract_path=project.contract_path,
    )
    front_matter: dict[str, Any] = {
        "language": lang,
        "license": "other",
        "model_name": project.name,
        "tags": ["aigov", f"ai-act-{screening.ai_act.category}"],
    }
    card = environment.get_template("MODEL_CARD.md.j2").render(
        tr=tr,
        front_matter=front_matter,
        name=project.name,
        description=project.problem or "[More Information Needed]",
    )
    contract: dict[str, Any] = {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": str(uuid.uuid5(_NAMESPACE, f"{project.id}/{project.contract_name}")),
        "name": project.contract_name,
        "version": "0.1.0",
        "status": "draft",
        "description": {
            "purpose": tr("Data used by {name}.", name=project.name),
        },
        "tags": ["aigov"] + (["pii"] if screening.gdpr.personal_data else []),
    }
    contract_text = environment.get_template("contract.odcs.yaml.j2").render(
        tr=tr, contract=contract
    )
    return {
        "aigov.yaml": manifest,
        "MODEL_CARD.md": card,
        project.contract_path: contract_text,
    }
