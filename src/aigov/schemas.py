"""Generate the JSON Schemas in ``schemas/`` from the models (the single source of truth): the
files people write (manifest, model card front matter, policy packs' ``pack.yaml`` and
``rules/*.yaml``, ``aigov-org.yaml``) and what aigov writes or lets rules read (the result, the
evidence and change context, the portfolio's scan and report).

It sits at the top of the package because it reads every stage's models; no stage imports it.
Run ``python -m aigov.schemas schemas`` after changing a model; a test fails while the committed
files differ from what the models generate. Editors use them through a first line such as
``# yaml-language-server: $schema=https://…/aigov-manifest.schema.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, RootModel
from pydantic.json_schema import JsonSchemaMode

from aigov.documents.manifest import LifecycleManifest
from aigov.documents.model_card import ModelCardMetadata
from aigov.evidence.change import ChangeContext
from aigov.evidence.collect import evidence_model
from aigov.policy.coverage import CoverageScope
from aigov.policy.org import OrgConfig
from aigov.policy.pack import PolicyPack, Rule
from aigov.policy.translations import RuleTranslation
from aigov.portfolio.kpi_model import PortfolioReport
from aigov.portfolio.model import PortfolioScan
from aigov.report.document import RESULT_SCHEMA_VERSION, CheckReport, ProjectsReport

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_BASE_URI = "https://aigov.dev/schemas/"


class RulesFile(RootModel[list[Rule]]):
    """A policy pack's ``rules/*.yaml``: a list of rules."""


class RuleTranslationsFile(RootModel[dict[str, RuleTranslation]]):
    """A policy pack's ``locales/<lang>.yaml``: rule id -> its title, message, remediation."""


class SchemaSource(NamedTuple):
    """A published schema: the model it is generated from and how."""

    model: type[BaseModel]
    title: str
    mode: JsonSchemaMode = "validation"
    """``validation`` for files people write (what aigov accepts); ``serialization`` for what
    aigov writes (every key present)."""
    description: str | None = None
    """The schema's description; default: the model's docstring."""


MODEL_SCHEMAS: dict[str, SchemaSource] = {
    "aigov-manifest.schema.json": SchemaSource(
        LifecycleManifest, "aigov lifecycle manifest (aigov.yaml)"
    ),
    "model-card-metadata.schema.json": SchemaSource(
        ModelCardMetadata,
        "aigov model card front matter (Hugging Face metadata + governance keys)",
    ),
    "aigov-result.schema.json": SchemaSource(
        CheckReport,
        "aigov check/gate result (aigov check -f json)",
        mode="serialization",
        description=f"The outcome of one `aigov check` or `aigov gate` run. Version "
        f"{RESULT_SCHEMA_VERSION}; see docs/result-format.md for the versioning policy. A consumer "
        "must ignore properties it does not know.",
    ),
    "aigov-projects-result.schema.json": SchemaSource(
        ProjectsReport,
        "aigov check/gate result over several projects (aigov check --all -f json)",
        mode="serialization",
        description=f"The outcome of one `aigov check --all` (or `aigov gate --all`, or a run on "
        f"paths of several projects): one result per project, each as aigov-result.schema.json "
        f"describes it, and the decision the worst of theirs. Version {RESULT_SCHEMA_VERSION}; "
        "see docs/result-format.md. A consumer must ignore properties it does not know.",
    ),
    "evidence.schema.json": SchemaSource(
        evidence_model(),
        "aigov evidence a rule reads (the evidence root of the policy context)",
        mode="serialization",
        description="What an expression reads under `evidence.*`: the git history of aigov.yaml, "
        "the MLflow registry and the stored data quality results. A source is absent when no "
        'applicable rule reads it and {"unavailable": reason} when it could not be collected '
        "(every rule reading it then fails closed with that reason). See policies/README.md.",
    ),
    "change.schema.json": SchemaSource(
        ChangeContext,
        "aigov change a rule reads (the change root of the policy context)",
        mode="serialization",
        description="What an expression reads under `change.*`: a pull request's stage change and "
        "files (aigov check --base), a deployment's target (aigov gate --to). A field the run "
        "does not know is absent, never null: test it with has(). See policies/README.md.",
    ),
    "aigov-pack.schema.json": SchemaSource(
        PolicyPack,
        "aigov policy pack (pack.yaml)",
        description="A policy pack's pack.yaml: its name, semantic version, title, the "
        "regulation it enforces, where its rules are documented, named dates and changelog. "
        "See policies/README.md.",
    ),
    "aigov-rules.schema.json": SchemaSource(
        RulesFile,
        "aigov policy rules (rules/*.yaml)",
        description="A policy pack's rules/*.yaml: a list of rules, each data (id, title, "
        "severity, the articles it enforces, when it applies, the CEL assertion, message, "
        "remediation, parameters and fixtures). See policies/README.md.",
    ),
    "aigov-rule-translations.schema.json": SchemaSource(
        RuleTranslationsFile,
        "aigov rule translations (locales/<lang>.yaml)",
        description="A policy pack's locales/<lang>.yaml (fr.yaml): each rule id of the pack "
        "mapped to its title, message and remediation in that language, with exactly the "
        "{{ }} placeholders of the English text. See policies/README.md.",
    ),
    "aigov-coverage.schema.json": SchemaSource(
        CoverageScope,
        "aigov coverage scope (policies/<pack>/coverage.yaml)",
        description="The articles of one regulation that can apply to an organisation building "
        "or using an AI system, for the coverage matrix (aigov policy coverage): each article "
        "(and paragraph judged apart) with, where no rule can enforce it, why a repository's "
        "files cannot show the fact and what the organisation does instead. See docs/coverage.md.",
    ),
    "aigov-org.schema.json": SchemaSource(
        OrgConfig,
        "aigov organisation configuration (aigov-org.yaml)",
        description="An organisation's choices over the policy packs, at the root of its policy "
        "source: packs and versions, the blocking severity, named dates, waivers, people and "
        "attestation, evidence trust, limits, rule tuning. See docs/policy-reference.md.",
    ),
    "portfolio-scan.schema.json": SchemaSource(
        PortfolioScan, "aigov portfolio scan file (aigov portfolio scan -o FILE)"
    ),
    "portfolio-report.schema.json": SchemaSource(
        PortfolioReport, "aigov portfolio report (reports/portfolio.json)"
    ),
}


def generate_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema, for every model-backed schema."""
    schemas = {}
    for name, source in MODEL_SCHEMAS.items():
        schema = source.model.model_json_schema(by_alias=True, mode=source.mode)
        if source.description is not None:
            schema["description"] = source.description
        schemas[name] = {
            "$schema": SCHEMA_DIALECT,
            "$id": SCHEMA_BASE_URI + name,
            "title": source.title,
            **{k: v for k, v in schema.items() if k != "title"},
        }
    return schemas


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in generate_schemas().items():
        path = folder / name
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("schemas")
    for path in write_schemas(target):
        print(f"wrote {path}")
