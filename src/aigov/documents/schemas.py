"""Generate the JSON Schemas in ``schemas/`` from the document models (the single source of truth).

Run ``python -m aigov.documents.schemas`` after changing a model; a test fails while the committed
files differ from what the models generate. Editors use them through a first line such as
``# yaml-language-server: $schema=https://…/aigov-manifest.schema.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode

from aigov.documents.manifest import LifecycleManifest
from aigov.documents.model_card import ModelCardMetadata
from aigov.portfolio.kpi_model import PortfolioReport
from aigov.portfolio.model import PortfolioScan
from aigov.report.document import RESULT_SCHEMA_VERSION, CheckReport

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_BASE_URI = "https://aigov.dev/schemas/"


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
