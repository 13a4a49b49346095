"""The expression context built from a repository, and locating context paths in its files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from tests.conftest import EXAMPLES, MINIMAL_MANIFEST

from aigov.documents.repository import load_repository
from aigov.policy.context import build_context, locate
from aigov.policy.org import OrgConfig

CARD = """\
---
license: mit
model-index:
  - name: churn
    results: []
human_oversight:
  override: The retention desk can cancel any offer
---
# Churn model

## Intended   Use

Retention campaigns.

## Limitations

[More Information Needed]

## Training data
"""


def test_context_follows_the_policy_readme(make_repo: Callable[..., Path]) -> None:
    repository = load_repository(make_repo({"aigov.yaml": MINIMAL_MANIFEST, "MODEL_CARD.md": CARD}))
    context = build_context(
        repository,
        OrgConfig.default(),
        evidence={"git": {}},
        change=None,
        today=dt.date(2026, 1, 2),
    )
    assert set(context) == {
        "manifest",
        "model_card",
        "contracts",
        "evidence",
        "change",
        "today",
        "org",
        "derived",
    }
    manifest = context["manifest"]
    assert manifest["apiVersion"] == "aigov/v1" and manifest["stage"] == "ideation"
    assert manifest["waivers"] == [] and "risk" not in manifest  # absent, not null
    card = context["model_card"]
    assert card["exists"] is True and card["placeholders"] == 1
    assert card["model_index"] == [{"name": "churn", "results": []}]
    assert card["human_oversight"]["override"].startswith("The retention desk")
    assert card["sections"]["intended use"] == {
        "title": "Intended   Use",
        "text": "Retention campaigns.",
        "line": 11,
        "empty": False,
        "placeholder": False,
    }
    assert card["sections"]["limitations"]["placeholder"] is True
    assert card["sections"]["training data"]["empty"] is True
    assert context["org"]["block_on"] == "high" and context["org"]["waivers"]["max_days"] == 90
    assert context["org"]["limits"]["max_poc_days"] == 180  # the default limit
    assert context["change"] == {} and context["evidence"] == {"git": {}}


def test_locations_in_the_card_the_manifest_and_contracts(make_repo: Callable[..., Path]) -> None:
    repository = load_repository(make_repo({"aigov.yaml": MINIMAL_MANIFEST, "MODEL_CARD.md": CARD}))
    assert str(locate(repository, "model_card.human_oversight.override")) == "MODEL_CARD.md:7:3"
    assert str(locate(repository, "model_card.model_index[0].name")) == "MODEL_CARD.md:4:5"
    assert (
        str(locate(repository, 'model_card.sections["limitations"].text')) == "MODEL_CARD.md:15:1"
    )
    assert str(locate(repository, "manifest.metadata.owner")) == "aigov.yaml:6:3"
    # A section the file lacks: where it is to be written, after the one before it (stage),
    # not the file's first line.
    assert str(locate(repository, "manifest.risk.gdpr")) == "aigov.yaml:8:1"
    assert str(locate(repository, "evidence.mlflow")) == "aigov.yaml:1:1"
    example = load_repository(EXAMPLES / "credit-scoring")
    contract = example.contracts[0]
    found = locate(example, "contracts[0].schema[0]")
    assert found.file == contract.file and found.line > 1


def test_without_a_card_findings_point_at_where_it_should_be(
    make_repo: Callable[..., Path],
) -> None:
    repository = load_repository(make_repo({"aigov.yaml": MINIMAL_MANIFEST}))
    context = build_context(
        repository, OrgConfig.default(), evidence={}, change=None, today=dt.date(2026, 1, 2)
    )
    assert context["model_card"] == {"exists": False, "sections": {}, "placeholders": 0}
    # No card and no model.card: the manifest, where the card is to be declared (after stage),
    # not a file that does not exist.
    assert str(locate(repository, "model_card.intended_use")) == "aigov.yaml:8:1"
