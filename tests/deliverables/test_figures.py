"""Every figure the Annex IV draft and the evaluation report state is the MLflow registry's.

Each example's store is built by its own script into a temporary copy (a real SQLite store);
the documents are written by ``aigov docs``; the registry is then read directly with MLflow's
client, independently of aigov, and each figure is compared with it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES, build_mlflow_store, copy_example, run_aigov_process

from aigov.documents.manifest import LifecycleManifest
from aigov.documents.repository import load_repository
from aigov.i18n import number

mlflow = pytest.importorskip("mlflow")


def _cells(line: str) -> list[str]:
    """The cells of a Markdown table row (``\\|`` is a pipe inside a cell)."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def _table(markdown: str, heading: str) -> list[dict[str, str]]:
    """The rows of the first table with column headers under ``## heading``."""
    section = markdown.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    for table in re.findall(r"(?:^\|.*\n?)+", section, flags=re.M):
        lines = table.splitlines()
        headers = _cells(lines[0])
        if any(headers):
            return [dict(zip(headers, _cells(line), strict=True)) for line in lines[2:]]
    raise AssertionError(f"no table under {heading}")


def _facts(markdown: str) -> dict[str, str]:
    """Every label/value row of the document's fact tables."""
    return {
        cells[0]: cells[1]
        for line in markdown.splitlines()
        if line.startswith("| ") and len(cells := _cells(line)) == 2
    }


EXAMPLES_WITH_A_STORE = ("credit-scoring", "demand-forecast")


@pytest.fixture(scope="module", params=EXAMPLES_WITH_A_STORE)
def example(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An example with its MLflow store built by its own script (credit-scoring: the suite's
    shared copy with its data checks run; the others: a copy of their own)."""
    if request.param == "credit-scoring":
        root: Path = request.getfixturevalue("credit_scoring_with_evidence")
        return root
    root = copy_example(EXAMPLES / request.param, tmp_path_factory.mktemp("store") / request.param)
    build_mlflow_store(root)
    return root


@pytest.fixture(scope="module")
def documents(example: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("docs")
    result = run_aigov_process("docs", str(example), "--out", str(out), "--format", "md")
    assert result.exit_code == 0, result.stderr
    return {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()}


@pytest.fixture(scope="module")
def manifest(example: Path) -> LifecycleManifest:
    loaded = load_repository(example).manifest
    assert loaded is not None and loaded.model is not None and loaded.model.registry is not None
    return loaded


@pytest.fixture(scope="module")
def registry(example: Path, manifest: LifecycleManifest) -> tuple[str, dict[str, float]]:
    """The version the manifest's alias names and its run's metrics, read with MLflow's own
    client."""
    assert manifest.model is not None and manifest.model.registry is not None
    declared = manifest.model.registry
    assert declared.alias is not None
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{example / 'mlruns.db'}")
    version = client.get_model_version_by_alias(declared.registered_model, declared.alias)
    return str(version.version), dict(client.get_run(version.run_id).data.metrics)


def test_annex_iv_states_the_measured_values_of_the_registry(
    documents: dict[str, str],
    registry: tuple[str, dict[str, float]],
    manifest: LifecycleManifest,
) -> None:
    version, metrics = registry
    annex = documents["annex-iv.md"]
    rows = {row["Criterion"]: row for row in _table(annex, "4. Appropriateness")}
    assert list(rows) == [c.metric for c in manifest.success_criteria]
    results = _facts(annex)["Validation and testing results"]
    for criterion in manifest.success_criteria:
        key = criterion.mlflow_metric or criterion.metric
        measured, threshold = number(metrics[key], "en"), number(criterion.threshold, "en")
        row = rows[criterion.metric]
        assert row["MLflow metric"] == key
        assert row["Measured value"] == measured, criterion.metric
        assert row["Threshold"].endswith(f" {threshold}")
        assert measured != threshold  # the threshold is never where the measured value goes
        assert f"{criterion.metric}: {measured} measured (" in results
    assert manifest.model is not None and manifest.model.registry is not None
    declared = manifest.model.registry
    assert f"registered model {declared.registered_model} {version}, MLflow run" in annex
    assert _facts(annex)["Version"] == (
        f"{declared.registered_model} {declared.alias} (MLflow version {version})"
    )


def test_evaluation_report_states_the_same_figures(
    documents: dict[str, str], registry: tuple[str, dict[str, float]]
) -> None:
    version, metrics = registry
    evaluation = documents["evaluation-report.md"]
    annex_rows = _table(documents["annex-iv.md"], "4. Appropriateness")
    performance = _table(evaluation, "Performance against the success criteria")
    assert len(performance) == len(annex_rows)
    for row, annex_row in zip(performance, annex_rows, strict=True):
        assert row["Measured value"] == number(metrics[row["MLflow metric"]], "en")
        for column in ("Criterion", "Threshold", "MLflow metric", "Measured value", "Met"):
            assert row[column] == annex_row[column], column
    assert _facts(evaluation)["Version"] == version
    # The model card's declared results: every one matched to a run metric shows that metric.
    matched = [
        row
        for row in _table(evaluation, "Veracity of the model card against MLflow")
        if row["MLflow metric"] != "—"
    ]
    assert matched
    for row in matched:
        assert row["MLflow value"] == number(metrics[row["MLflow metric"]], "en")


def test_the_monitored_metric_is_the_registry_s_latest_value(
    documents: dict[str, str],
    registry: tuple[str, dict[str, float]],
    manifest: LifecycleManifest,
) -> None:
    _, metrics = registry
    assert manifest.monitoring is not None and manifest.monitoring.performance is not None
    latest = number(metrics[manifest.monitoring.performance.metric], "en")
    annex = _facts(documents["annex-iv.md"])["Monitoring evidence (MLflow)"]
    sheet = _facts(documents["monitoring-sla.md"])["Latest value"]
    assert annex.startswith(f"latest value {latest} (")
    assert sheet.startswith(f"{latest} (") and sheet in annex
