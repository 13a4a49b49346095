"""Fixtures of the evidence tests: one real MLflow tracking server for the session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def mlflow_server(
    tmp_path_factory: pytest.TempPathFactory, credit_scoring_with_evidence: Path
) -> Iterator[str]:
    """A real ``mlflow server``: the credit-scoring registry and the ``churn`` model."""
    from tests.evidence.mlflow_store import tracking_server

    registry = credit_scoring_with_evidence / "mlruns.db"
    with tracking_server(tmp_path_factory.mktemp("mlflow-server"), registry) as url:
        yield url
