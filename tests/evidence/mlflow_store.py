"""The MLflow data of the evidence tests, and one real ``mlflow server`` for the whole session.

:func:`populate` writes the ``churn`` model (two POC approaches, two versions, aliases, a monthly
history); :func:`tracking_server` serves a SQLite store that holds it next to the credit-scoring
example's registry (a copy of the store its ``build_mlflow_store.py`` builds, which a fresh clone
does not have until the ``credit_scoring_with_evidence`` fixture runs it), so the REST tests and
the fault tests share one server (it takes seconds to start).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"

from mlflow import MlflowClient
from mlflow.entities import Metric

DAY_MS = 86_400_000
START = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def populate(client: MlflowClient) -> None:
    """Two POC approaches, a registered model with two versions and aliases, monthly history."""
    experiment = client.create_experiment("churn-poc")
    run_ids = {}
    for name, approach, auc in (("logreg", "logistic", 0.76), ("gbm", "lightgbm", 0.812)):
        run = client.create_run(experiment, run_name=name, tags={"approach": approach})
        client.log_batch(
            run.info.run_id,
            metrics=[Metric("test_auc", auc, START, 0), Metric("test_brier", 0.028, START, 0)],
        )
        client.set_terminated(run.info.run_id)
        run_ids[name] = run.info.run_id
    history = [0.80, 0.79, 0.74, 0.78]  # one month below the 0.75 threshold
    client.log_batch(
        run_ids["gbm"],
        metrics=[
            Metric("auc_monthly", v, START + i * 30 * DAY_MS, i) for i, v in enumerate(history)
        ],
    )
    failed = client.create_run(experiment, run_name="broken", tags={"approach": "svm"})
    client.set_terminated(failed.info.run_id, status="FAILED")
    client.create_registered_model("churn")
    old = client.create_model_version(
        "churn", f"runs:/{run_ids['logreg']}/model", run_id=run_ids["logreg"]
    )
    new = client.create_model_version(
        "churn", f"runs:/{run_ids['gbm']}/model", run_id=run_ids["gbm"], tags={"approved": "true"}
    )
    client.set_registered_model_alias("churn", "champion", str(new.version))
    client.set_registered_model_alias("churn", "previous", str(old.version))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def tracking_server(folder: Path, registry: Path) -> Iterator[str]:
    """A real ``mlflow server`` (one worker) on a free local port; its URL.

    Its store is a copy of ``registry`` (the credit-scoring example's SQLite store) with
    :func:`populate`'s ``churn`` added.
    """
    store = folder / "server.db"
    shutil.copy(registry, store)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--workers", "1", "--host", "127.0.0.1",
         "--port", str(port), "--backend-store-uri", f"sqlite:///{store}",
         "--default-artifact-root", (folder / "artifacts").as_uri()],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder,
        env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("mlflow server did not start")
            time.sleep(0.2)
        populate(MlflowClient(tracking_uri=url))
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
