"""The Annex IV draft states what the files say, "none" where they say none, and flags the rest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES, MINIMAL_MANIFEST

from aigov.deliverables import BUILDERS, Sources, Writer
from aigov.deliverables.document import Deliverable, Facts, Gap, Table
from aigov.deliverables.render import render
from aigov.documents.repository import load_repository
from aigov.evidence.collect import EvidenceUnavailableRecord

MakeRepo = Callable[..., Path]
NO_MLFLOW = EvidenceUnavailableRecord(reason="MLflow is down")

CARD = """\
---
base_model: {base_model}
---
# Model card

## Technical Specifications

### Model Architecture and Objective

A transformer with 12 layers,
fine-tuned on the bank's tickets.

### Compute Infrastructure

#### Hardware

4 × A100 for 6 hours.

#### Software

PyTorch 2.4.

## Training Details

### Training Data

Tickets 2020–2024, see contract tickets.
"""

CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: tickets
name: tickets
version: 1.2.0
status: active
description:
  purpose: Support tickets written by customers.
servers:
  - server: crm
    type: postgresql
    environment: prod
    description: CRM read replica
    host: crm.internal
    port: 5432
    database: crm
    schema: public
schema: []
"""


def _manifest(ai_act: str = "", model: str = "") -> str:
    risk = f"risk:\n  ai_act:\n    role: provider\n    category: high\n{ai_act}" if ai_act else ""
    return MINIMAL_MANIFEST + risk + model


def _annex(root: Path, lang: str = "en") -> Deliverable:
    repository = load_repository(root)
    assert not repository.problems.errors, repository.problems.errors
    return BUILDERS["annex-iv"](Sources(repository, mlflow=NO_MLFLOW), Writer.for_language(lang))


def _rows(document: Deliverable) -> dict[str, str | Gap]:
    return {
        label: value
        for section in document.sections
        for block in section.blocks
        if isinstance(block, Facts)
        for label, value in block.rows
    }


UPSTREAM = "Upstream general-purpose AI models"


def test_upstream_models_written_as_none(make_repo: MakeRepo) -> None:
    root = make_repo({"aigov.yaml": _manifest("    upstream_models: []\n")})
    assert _rows(_annex(root))[UPSTREAM] == (
        "none: the system is built on no general-purpose AI model"
    )
    french = _rows(_annex(root, "fr"))["Modèles d'IA à usage général utilisés"]
    assert isinstance(french, str) and french.startswith("aucun")


def test_upstream_models_listed(make_repo: MakeRepo) -> None:
    listed = (
        "    upstream_models:\n"
        "      - {provider: Mistral AI, model: Mistral Small, version: '3.1'}\n"
    )
    root = make_repo({"aigov.yaml": _manifest(listed)})
    assert _rows(_annex(root))[UPSTREAM] == "Mistral AI Mistral Small 3.1"


def test_upstream_models_not_stated_is_a_gap_naming_the_manifest_field(
    make_repo: MakeRepo,
) -> None:
    root = make_repo({"aigov.yaml": _manifest("    rationale: credit\n")})
    assert _rows(_annex(root))[UPSTREAM] == Gap("risk.ai_act.upstream_models")


def test_base_model_of_the_card_is_shown_when_the_manifest_is_silent(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "aigov.yaml": _manifest("    rationale: x\n"),
            "MODEL_CARD.md": CARD.format(base_model="mistralai/Mistral-Small"),
        }
    )
    assert _rows(_annex(root))[UPSTREAM] == "base model mistralai/Mistral-Small (MODEL_CARD.md)"


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("", Gap("risk.ai_act.harmonised_standards")),
        ("    harmonised_standards: []\n", "none applied"),
        (
            "    harmonised_standards:\n"
            "      - {reference: EN 18286:2026, title: Quality management system,"
            " extent: partial}\n"
            "      - {reference: EN 18228:2026}\n",
            "EN 18286:2026 — Quality management system (in part); EN 18228:2026 (in full)",
        ),
    ],
)
def test_harmonised_standards(make_repo: MakeRepo, written: str, shown: str | Gap) -> None:
    root = make_repo({"aigov.yaml": _manifest("    rationale: x\n" + written)})
    rows = _rows(_annex(root))
    assert rows["Harmonised standards (Art. 40)"] == shown
    assert rows["Common specifications (Art. 41)"] == Gap("risk.ai_act.common_specifications")


def test_architecture_compute_and_data_provenance_from_the_card_and_contracts(
    make_repo: MakeRepo,
) -> None:
    model = "data:\n  contracts: [contracts/tickets.odcs.yaml]\nmodel:\n  card: MODEL_CARD.md\n"
    root = make_repo(
        {
            "aigov.yaml": _manifest("    upstream_models: []\n", model),
            "MODEL_CARD.md": CARD.format(base_model="distilbert-base-uncased"),
            "contracts/tickets.odcs.yaml": CONTRACT,
        }
    )
    document = _annex(root)
    rows = _rows(document)
    # The card's hard-wrapped paragraph reads as one line.
    assert rows["Architecture and objective"] == (
        "A transformer with 12 layers, fine-tuned on the bank's tickets."
    )
    assert (
        rows["Computational resources"]
        == "Hardware: 4 × A100 for 6 hours. — Software: PyTorch 2.4."
    )
    assert rows["Training data"] == "Tickets 2020–2024, see contract tickets."
    provenance = next(
        block
        for section in document.sections
        for block in section.blocks
        if isinstance(block, Table) and "Data contract" in block.headers
    )
    assert provenance.rows == (
        (
            "tickets 1.2.0 (contracts/tickets.odcs.yaml)",
            "Support tickets written by customers.",
            "crm (postgresql, prod): CRM read replica",
        ),
    )


def test_a_card_without_those_sections_is_flagged_at_the_hub_template_headings(
    make_repo: MakeRepo,
) -> None:
    root = make_repo(
        {
            "aigov.yaml": _manifest("    upstream_models: []\n", "model:\n  card: MODEL_CARD.md\n"),
            "MODEL_CARD.md": "---\nlicense: mit\n---\n# Card\n\n## Uses\n\nScoring.\n",
        }
    )
    rows = _rows(_annex(root))
    assert rows["Architecture and objective"] == Gap(
        "### Model Architecture and Objective", "MODEL_CARD.md"
    )
    assert rows["Computational resources"] == Gap("### Compute Infrastructure", "MODEL_CARD.md")
    assert rows["Training data"] == Gap("### Training Data", "MODEL_CARD.md")


def test_without_mlflow_no_figure_is_stated_as_measured() -> None:
    document = _annex(EXAMPLES / "credit-scoring")
    rows = _rows(document)
    assert rows["Validation and testing results"] == Gap("MLflow is down", "", "unavailable")
    metrics = next(s for s in document.sections if s.title.startswith("4."))
    table = metrics.blocks[0]
    assert isinstance(table, Table)
    measured = table.headers.index("Measured value")
    assert all(row[measured] == Gap("MLflow is down", "", "unavailable") for row in table.rows)
    text = render(document, "md", today=dt.date(2026, 12, 4))
    assert "| AUC on out-of-time test sample | ≥ 0.78 | test_oot_auc | **⚠ Not available" in text
