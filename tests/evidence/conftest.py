"""Fixtures of the evidence tests: one real MLflow tracking server for the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``mlflow server``: the credit-scoring registry and the ``churn`` model."""
    from tests.evidence.mlflow_store import tracking_server

    with tracking_server(tmp_path_factory.mktemp("mlflow-server")) as url:
        yield url
