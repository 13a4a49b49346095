"""Every figure the Annex IV draft and the evaluation report state is the MLflow registry's.

The credit-scoring example's store is built by its own script into a temporary copy (a real
SQLite store); the documents are written by ``aigov docs``; the registry is then read directly
with MLflow's client, independently of aigov, and each figure is compared with it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.conftest import run_aigov_process

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


@pytest.fixture(scope="module")
def documents(
    credit_scoring_with_evidence: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    out = tmp_path_factory.mktemp("docs")
    args = ("docs", str(credit_scoring_with_evidence), "--out", str(out), "--format", "md")
    result = run_aigov_process(*args)
    assert result.exit_code == 0, result.stderr
    return {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()}


@pytest.fixture(scope="module")
def registry(credit_scoring_with_evidence: Path) -> tuple[str, dict[str, float]]:
    """The champion version and its run's metrics, read with MLflow's own client."""
    client = mlflow.MlflowClient(
        tracking_uri=f"sqlite:///{credit_scoring_with_evidence / 'mlruns.db'}"
    )
    version = client.get_model_version_by_alias("credit-scoring", "champion")
    return str(version.version), dict(client.get_run(version.run_id).data.metrics)


def test_annex_iv_states_the_measured_values_of_the_registry(
    documents: dict[str, str],
    registry: tuple[str, dict[str, float]],
    credit_scoring_with_evidence: Path,
) -> None:
    version, metrics = registry
    manifest = load_repository(credit_scoring_with_evidence).manifest
    assert manifest is not None
    annex = documents["annex-iv.md"]
    rows = {row["Criterion"]: row for row in _table(annex, "4\\. Appropriateness")}
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
    assert f"registered model credit-scoring {version}, MLflow run" in annex
    assert _facts(annex)["Version"] == f"credit-scoring champion (MLflow version {version})"


def test_evaluation_report_states_the_same_figures(
    documents: dict[str, str], registry: tuple[str, dict[str, float]]
) -> None:
    version, metrics = registry
    evaluation = documents["evaluation-report.md"]
    annex_rows = _table(documents["annex-iv.md"], "4\\. Appropriateness")
    performance = _table(evaluation, "Performance against the success criteria")
    assert len(performance) == len(annex_rows)
    for row, annex_row in zip(performance, annex_rows, strict=True):
        assert row["Measured value"] == number(metrics[row["MLflow metric"]], "en")
        for column in ("Criterion", "Threshold", "MLflow metric", "Measured value", "Met"):
            assert row[column] == annex_row[column], column
    veracity = _table(evaluation, "Veracity of the model card against MLflow")
    assert _facts(evaluation)["Version"] == version
    checked = 0
    for row in veracity:
        if row["MLflow metric"] in metrics:
            assert row["MLflow value"] == number(metrics[row["MLflow metric"]], "en")
            checked += 1
    assert checked == 4  # AUC, recall, KS and Brier of the out-of-time sample


def test_the_monitored_metric_is_the_registry_s_latest_value(
    documents: dict[str, str], registry: tuple[str, dict[str, float]]
) -> None:
    _, metrics = registry
    latest = number(metrics["auc_6m_default"], "en")  # monitoring.performance.metric
    annex = _facts(documents["annex-iv.md"])["Monitoring evidence (MLflow)"]
    sheet = _facts(documents["monitoring-sla.md"])["Latest value"]
    assert annex.startswith(f"latest value {latest} (")
    assert sheet.startswith(f"{latest} (") and sheet in annex
