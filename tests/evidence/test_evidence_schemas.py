"""The published shapes of what a rule reads (schemas/evidence.schema.json, change.schema.json)
hold the plain data a real run gives the expressions. Their freshness against the models is
checked with every other schema (tests/test_schemas.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import git
import jsonschema
from tests.conftest import MINIMAL_MANIFEST, PROJECT_ROOT

from aigov.checking import stage_change
from aigov.documents.repository import load_repository
from aigov.evidence.change import ChangeContext
from aigov.evidence.collect import EvidenceRequest, collect_evidence

SCHEMAS = PROJECT_ROOT / "schemas"


def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads((SCHEMAS / name).read_text("utf-8")))


def _errors(name: str, data: Any) -> list[str]:
    return [error.message for error in _validator(name).iter_errors(data)]


def test_the_evidence_of_a_run_has_the_published_shape(make_repo: Callable[..., Path]) -> None:
    root = make_repo({"aigov.yaml": MINIMAL_MANIFEST})
    repo = git.Repo.init(root)
    repo.index.add(["aigov.yaml"])
    repo.index.commit("init", author=git.Actor("A", "a@example.com"))
    evidence = collect_evidence(load_repository(root), {"git", "mlflow"}, EvidenceRequest())
    plain = evidence.plain()
    assert set(plain) == {"git", "mlflow"} and "unavailable" in plain["mlflow"]
    assert _errors("evidence.schema.json", plain) == []
    broken = {**plain, "git": {**plain["git"], "timeline": "ideation"}}
    assert _errors("evidence.schema.json", broken)
    assert _errors("evidence.schema.json", {"jira": {}})  # no such source


def test_a_stage_change_and_a_deployment_have_the_published_shape() -> None:
    change = stage_change("poc", "production", ["aigov.yaml"])
    assert change.plain() == {
        "stage_changed": True,
        "base_stage": "poc",
        "head_stage": "production",
        "direction": "forward",
        "skipped_stages": ["industrialization"],
        "files": ["aigov.yaml"],
    }
    deployment = ChangeContext(target="production", target_stage="production")
    for plain in (change.plain(), deployment.plain(), ChangeContext().plain()):
        assert _errors("change.schema.json", plain) == []
    assert deployment.plain() == {"target": "production", "target_stage": "production"}
    assert _errors("change.schema.json", {"direction": "sideways"})
