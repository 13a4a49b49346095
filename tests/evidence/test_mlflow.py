"""MLflow evidence read from real stores: SQLite in a temp dir and a real ``mlflow server``."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tests.conftest import (
    EXAMPLES,
    MINIMAL_MANIFEST,
    PROJECT_ROOT,
    build_mlflow_store,
    copy_example,
)
from tests.evidence.mlflow_store import free_port, populate

os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"

from mlflow import MlflowClient

from aigov.documents.files import RepositoryRoot
from aigov.documents.manifest import Registry
from aigov.documents.repository import load_repository
from aigov.evidence.mlflow import (
    CardMetric,
    MlflowEvidenceUnavailable,
    collect,
    match_card_metric,
    read_registry,
)

MANIFEST = (
    MINIMAL_MANIFEST.replace("stage: ideation", "stage: production")
    + """\
success_criteria:
  - {metric: AUC, threshold: 0.78, direction: higher_is_better, mlflow_metric: test_auc}
  - {metric: Brier, threshold: 0.03, direction: lower_is_better, mlflow_metric: test_brier}
model:
  registry:
    tracking_uri: {uri}
    registered_model: churn
    {pin}
    experiment: churn-poc
monitoring:
  performance: {metric: auc_monthly, threshold: 0.75, direction: higher_is_better}
"""
)

CARD = """\
---
model-index:
  - name: churn
    results:
      - task: {type: tabular-classification}
        dataset: {type: crm, name: Test, split: test}
        metrics:
          - {type: roc_auc, value: 0.81}
          - {type: brier_score, value: 0.03}
---
# Churn
"""


@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One populated SQLite store, copied by each test (creating the schema takes ~2 s)."""
    path = tmp_path_factory.mktemp("store") / "mlruns.db"
    populate(MlflowClient(tracking_uri=f"sqlite:///{path}"))
    return path


@pytest.fixture
def repo_with_store(make_repo: Callable[..., Path], sqlite_store: Path) -> Callable[..., Path]:
    def make(pin: str = "alias: champion", uri: str = "sqlite:///mlruns.db") -> Path:
        manifest = MANIFEST.replace("{uri}", uri).replace("{pin}", pin)
        root = make_repo({"aigov.yaml": manifest, "MODEL_CARD.md": CARD})
        shutil.copy(sqlite_store, root / "mlruns.db")
        return root

    return make


def _collect(root: Path) -> dict[str, Any]:
    """The evidence as rules read it (``evidence.mlflow``: the model's plain form)."""
    repository = load_repository(root)
    assert not repository.problems.errors, repository.problems.errors
    return collect(repository, timeout_s=5).plain()


def test_alias_resolves_to_the_approved_version(repo_with_store: Callable[..., Path]) -> None:
    evidence = _collect(repo_with_store())
    assert evidence["version"]["version"] == "2"
    assert evidence["aliases"] == {"champion": "2", "previous": "1"}
    assert evidence["approved"] is True
    assert evidence["run"]["name"] == "gbm" and evidence["run"]["tags"] == {"approach": "lightgbm"}
    assert evidence["criteria_met"] is True
    assert [c["value"] for c in evidence["criteria"]] == [0.812, 0.028]
    assert evidence["card_metrics"][0]["mlflow_metric"] == "test_auc"
    assert evidence["card_metrics"][0]["abs_difference"] == pytest.approx(0.002)
    monitoring = evidence["monitoring"]
    assert monitoring["points"] == 4 and monitoring["latest"]["value"] == 0.78
    assert [b["value"] for b in monitoring["breaches"]] == [0.74]
    assert monitoring["last_breach"] == "2026-03-02"
    assert evidence["poc"]["approaches"] == ["lightgbm", "logistic"]
    assert evidence["poc"]["runs"] == 2  # the failed run is no candidate
    published = json.loads((PROJECT_ROOT / "schemas/evidence.schema.json").read_text("utf-8"))
    assert not list(jsonschema.Draft202012Validator(published).iter_errors({"mlflow": evidence}))


def test_pinned_version_and_latest(repo_with_store: Callable[..., Path]) -> None:
    pinned = _collect(repo_with_store(pin='version: "1"'))
    assert pinned["version"]["version"] == "1" and pinned["approved"] is False
    assert pinned["criteria_met"] is False  # AUC 0.76 < 0.78
    assert _collect(repo_with_store(pin=""))["version"]["version"] == "2"


@pytest.mark.parametrize(
    ("pin", "model", "message"),
    [
        ("alias: gold", "churn", "alias 'gold' of registered model 'churn' not found"),
        ('version: "9"', "churn", "version 9 of registered model 'churn' not found"),
        ("alias: champion", "nope", "registered model 'nope' not found"),
    ],
)
def test_missing_model_alias_or_version(
    repo_with_store: Callable[..., Path], pin: str, model: str, message: str
) -> None:
    root = repo_with_store(pin=pin)
    manifest = root / "aigov.yaml"
    manifest.write_text(
        manifest.read_text().replace("registered_model: churn", f"registered_model: {model}")
    )
    with pytest.raises(MlflowEvidenceUnavailable, match=f"^evidence unavailable: {message}"):
        _collect(root)


def test_missing_store_is_not_created(repo_with_store: Callable[..., Path]) -> None:
    root = repo_with_store(uri="sqlite:///missing.db")
    with pytest.raises(MlflowEvidenceUnavailable, match=r"tracking store missing.db not found"):
        _collect(root)
    assert not (root / "missing.db").exists()


@pytest.mark.parametrize(
    "uri", ["sqlite:///../outside.db", "sqlite:////etc/mlflow.db", "../mlruns"]
)
def test_local_store_outside_the_repository_is_refused(
    repo_with_store: Callable[..., Path], uri: str
) -> None:
    with pytest.raises(
        MlflowEvidenceUnavailable, match=r"evidence unavailable: .*(leaves|absolute)"
    ):
        _collect(repo_with_store(uri=uri))


def test_no_registry_declared(make_repo: Callable[..., Path]) -> None:
    repository = load_repository(make_repo({"aigov.yaml": MINIMAL_MANIFEST}))
    with pytest.raises(MlflowEvidenceUnavailable, match=r"declares no model.registry"):
        collect(repository)


def test_unreachable_server_fails_fast(tmp_path: Path) -> None:
    port = free_port()  # nothing listens: connection refused
    registry = Registry(
        tracking_uri=f"http://127.0.0.1:{port}", registered_model="churn", alias="champion"
    )
    began = time.monotonic()
    with pytest.raises(MlflowEvidenceUnavailable, match=r"evidence unavailable: .*unreachable"):
        read_registry(RepositoryRoot(tmp_path), registry, timeout_s=2, max_retries=0)
    assert time.monotonic() - began < 10
    assert "MLFLOW_HTTP_REQUEST_TIMEOUT" not in os.environ  # restored after the call


def test_reads_a_real_tracking_server(mlflow_server: str, tmp_path: Path) -> None:
    registry = Registry(
        tracking_uri=mlflow_server,
        registered_model="churn",
        alias="champion",
        experiment="churn-poc",
    )
    evidence = read_registry(
        RepositoryRoot(tmp_path),
        registry,
        criteria=[{"metric": "AUC", "mlflow_metric": "test_auc", "threshold": 0.78,
                   "direction": "higher_is_better"}],
        monitoring={"metric": "auc_monthly", "threshold": 0.75, "direction": "higher_is_better"},
        timeout_s=5,
    ).plain()  # fmt: skip
    assert evidence["version"]["version"] == "2"  # a string over REST as from local stores
    assert evidence["approved"] is True and evidence["criteria_met"] is True
    assert evidence["monitoring"]["points"] == 4
    assert evidence["poc"]["approach_count"] == 2
    missing = registry.model_copy(update={"alias": "gold"})
    with pytest.raises(MlflowEvidenceUnavailable, match="alias 'gold'"):
        read_registry(RepositoryRoot(tmp_path), missing, timeout_s=5)


def test_card_metric_matching() -> None:
    metrics = {"test_oot_auc": 0.8, "test_oot_recall_default": 0.7, "backtest_rmse_a": 1.0,
               "backtest_rmse_b": 2.0, "auc_6m": 0.79}  # fmt: skip
    assert (
        match_card_metric(CardMetric("AUC", "roc_auc", "test_oot", 0.8), metrics) == "test_oot_auc"
    )
    assert match_card_metric(CardMetric("R", "recall", "test_oot", 0.7), metrics) == (
        "test_oot_recall_default"
    )
    assert match_card_metric(CardMetric("RMSE", "rmse", "backtest", 1.0), metrics) is None
    assert match_card_metric(CardMetric("AUC", "roc_auc", "prod", 0.79), metrics) is None


def test_credit_scoring_example_store(tmp_path: Path) -> None:
    root = copy_example(EXAMPLES / "credit-scoring", tmp_path / "credit-scoring")
    build_mlflow_store(root)
    evidence = _collect(root)
    assert evidence["approved"] and evidence["criteria_met"]
    assert evidence["poc"]["approach_count"] == 3
    matched = [m for m in evidence["card_metrics"] if m["mlflow_metric"]]
    assert len(matched) == 4 and all(m["abs_difference"] == 0 for m in matched)
    assert evidence["monitoring"]["points"] == 12 and not evidence["monitoring"]["breaches"]
