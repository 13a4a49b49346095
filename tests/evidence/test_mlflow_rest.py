"""The REST reader (no mlflow package) against MLflow's own client, on one real ``mlflow server``.

Both clients read the same registry from the session's server (the credit-scoring example's
store plus the ``churn`` model) and must give identical evidence, or identical reasons when the
evidence is unavailable; faults come from the fault-injecting proxy in front of the server
(tests/fault_proxy.py), credentials are seen by real HTTP servers on 127.0.0.1 that record the
requests (pytest-httpserver).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from pytest_httpserver import HTTPServer
from tests.evidence.mlflow_store import DAY_MS, START, free_port
from tests.fault_proxy import DRIP, HANG, FaultProxy, fault_proxy, status

os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"

from mlflow import MlflowClient
from mlflow.entities import Metric

from aigov.documents.files import RepositoryRoot
from aigov.documents.manifest import Registry
from aigov.documents.repository import load_repository
from aigov.evidence import mlflow as mlflow_evidence
from aigov.evidence.mlflow import CardMetric, MlflowEvidenceUnavailable, read_registry
from aigov.evidence.mlflow_rest import METRIC_HISTORY_PAGE

Client = Literal["rest", "mlflow"]
CLIENTS: tuple[Client, ...] = ("rest", "mlflow")
FIRST = "/api/2.0/mlflow/registered-models/get"
HISTORY = "/api/2.0/mlflow/metrics/get-history"
LONG_POINTS = METRIC_HISTORY_PAGE + 1_500
"""The long history's points: two pages of the REST API's metric history."""
TOKEN = "rest-s3cr3t-token-never-elsewhere"
ASKED: dict[str, Any] = {
    "criteria": [
        {"metric": "AUC", "mlflow_metric": "test_auc", "threshold": 0.78,
         "direction": "higher_is_better"},
        {"metric": "Brier", "mlflow_metric": "test_brier", "threshold": 0.03,
         "direction": "lower_is_better"},
    ],
    "monitoring": {"metric": "auc_monthly", "threshold": 0.75, "direction": "higher_is_better"},
    "histories": ["test_brier"],
    "card_metrics": [CardMetric("AUC", "roc_auc", "test", 0.81)],
}  # fmt: skip
MLFLOW_SETTINGS = (
    "MLFLOW_HTTP_REQUEST_TIMEOUT",
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES",
    "MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER",
    "MLFLOW_TRACKING_TOKEN",
    "MLFLOW_TRACKING_USERNAME",
    "MLFLOW_TRACKING_PASSWORD",
)


@pytest.fixture(autouse=True)
def _default_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in MLFLOW_SETTINGS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def server(mlflow_server: str) -> str:
    """The session's server with a ``long`` model whose run holds a metric of
    :data:`LONG_POINTS` points (its own experiment: the churn POC keeps its runs)."""
    client = MlflowClient(tracking_uri=mlflow_server)
    experiment = client.create_experiment("long-history")
    run = client.create_run(experiment, run_name="daily", tags={"approach": "gbm"})
    points = [
        Metric("auc_monthly", 0.7 + (i % 50) / 1000, START + i * DAY_MS // 24, i)
        for i in range(LONG_POINTS)
    ]
    for first in range(0, len(points), 1000):  # log_batch's limit
        client.log_batch(run.info.run_id, metrics=points[first : first + 1000])
    client.set_terminated(run.info.run_id)
    client.create_registered_model("long")
    version = client.create_model_version(
        "long", f"runs:/{run.info.run_id}/model", run_id=run.info.run_id
    )
    client.set_registered_model_alias("long", "champion", str(version.version))
    return mlflow_server


@pytest.fixture
def proxy(server: str) -> Iterator[FaultProxy]:
    with fault_proxy(server) as running:
        yield running


def _registry(uri: str, model: str = "churn", **pin: str) -> Registry:
    pin = pin if pin else {"alias": "champion"}
    return Registry(tracking_uri=uri, registered_model=model, experiment="churn-poc", **pin)


def _read(client: Client, registry: Registry, tmp_path: Path, **options: Any) -> dict[str, Any]:
    evidence = read_registry(
        RepositoryRoot(tmp_path), registry, http_client=client, **{"timeout_s": 5, **ASKED,
                                                                   **options}
    )  # fmt: skip
    return evidence.plain()


def _reason(client: Client, registry: Registry, tmp_path: Path, **options: Any) -> str:
    with pytest.raises(MlflowEvidenceUnavailable) as raised:
        _read(client, registry, tmp_path, **options)
    return raised.value.reason


@pytest.mark.parametrize(
    ("pin", "version"),
    [({"alias": "champion"}, "2"), ({"alias": "previous"}, "1"), ({"version": "1"}, "1"),
     ({}, "2")],
    ids=["champion", "previous", "version-1", "latest"],
)  # fmt: skip
def test_both_clients_give_the_same_evidence(
    server: str, tmp_path: Path, pin: dict[str, str], version: str
) -> None:
    registry = _registry(server, **pin) if pin else _registry(server).model_copy(
        update={"alias": None}
    )  # fmt: skip
    rest = _read("rest", registry, tmp_path)
    assert rest == _read("mlflow", registry, tmp_path)
    assert rest["version"]["version"] == version  # a string from both
    assert rest["aliases"] == {"champion": "2", "previous": "1"}
    # The monthly history is logged on version 2's run (gbm) only.
    assert rest["monitoring"]["points"] == (4 if version == "2" else 0)
    assert rest["metric_history"]["test_brier"]
    assert rest["poc"]["approaches"] == ["lightgbm", "logistic"] and rest["poc"]["runs"] == 2


def test_the_rest_reader_matches_the_committed_store_it_serves(
    server: str, credit_scoring_with_evidence: Path, tmp_path: Path
) -> None:
    """The server's store is a copy of the example's committed SQLite store: the REST reader
    over HTTP gives what MLflow reads from the file (datasets, 12 monthly points, the POC)."""
    repository = load_repository(credit_scoring_with_evidence)
    assert repository.manifest and repository.manifest.model and repository.manifest.model.registry
    registry = repository.manifest.model.registry
    criteria, monitoring, histories = mlflow_evidence._asked(repository.manifest)
    asked = {
        "criteria": criteria,
        "monitoring": monitoring,
        "histories": histories,
        "card_metrics": mlflow_evidence.card_metrics(repository),
    }
    committed = read_registry(repository.root, registry, timeout_s=30, **asked).plain()
    served = registry.model_copy(update={"tracking_uri": server})
    rest = _read("rest", served, tmp_path, **asked)
    assert rest == _read("mlflow", served, tmp_path, **asked)
    assert rest["run"]["datasets"] and rest["poc"]["approach_count"] == 3
    assert {**rest, "tracking_uri": None} == {**committed, "tracking_uri": None}


@pytest.mark.parametrize(
    ("model", "pin", "reason"),
    [
        ("nope", {"alias": "champion"}, "registered model 'nope' not found in {uri}"),
        ("churn", {"alias": "gold"}, "alias 'gold' of registered model 'churn' not found in {uri}"),
        ("churn", {"version": "9"}, "version 9 of registered model 'churn' not found in {uri}"),
    ],
    ids=["model", "alias", "version"],
)
def test_a_missing_model_alias_or_version_reads_the_same(
    server: str, tmp_path: Path, model: str, pin: dict[str, str], reason: str
) -> None:
    registry = _registry(server, model, **pin)
    reasons = {client: _reason(client, registry, tmp_path) for client in CLIENTS}
    assert reasons == {"rest": reason.format(uri=server), "mlflow": reason.format(uri=server)}


def test_a_server_that_is_down_fails_closed_the_same(tmp_path: Path) -> None:
    registry = _registry(f"http://127.0.0.1:{free_port()}")  # nothing listens
    began = time.monotonic()
    reasons = {c: _reason(c, registry, tmp_path, max_retries=1) for c in CLIENTS}
    assert reasons["rest"] == reasons["mlflow"]
    assert reasons["rest"].endswith("is unreachable: connection refused (2 attempts)")
    assert time.monotonic() - began < 15


def test_a_hanging_server_times_out_the_same(proxy: FaultProxy, tmp_path: Path) -> None:
    proxy.inject(HANG, path=FIRST, times=None)
    registry = _registry(proxy.url)
    for client in CLIENTS:
        began = time.monotonic()
        reason = _reason(client, registry, tmp_path, timeout_s=1, max_retries=1)
        assert (
            reason == f"MLflow tracking server {proxy.url} gave no answer within 1 s (2 attempts)"
        )
        assert 1.9 <= time.monotonic() - began < 6, client
    assert proxy.calls() == [("GET", FIRST)] * 4


def test_a_dripping_answer_is_a_timeout_for_the_rest_reader(
    proxy: FaultProxy, tmp_path: Path
) -> None:
    """Bytes that keep coming slower than an answer defeat a per-read timeout, not aigov's."""
    proxy.inject(DRIP, path=FIRST, times=None)
    began = time.monotonic()
    reason = _reason("rest", _registry(proxy.url), tmp_path, timeout_s=1, max_retries=0)
    assert reason.endswith("gave no answer within 1 s (1 attempt)")
    assert time.monotonic() - began < 4


@pytest.mark.parametrize("client", CLIENTS)
def test_a_5xx_is_retried_and_the_evidence_is_whole(
    server: str, proxy: FaultProxy, tmp_path: Path, client: Client
) -> None:
    alias = "/api/2.0/mlflow/registered-models/alias"
    proxy.inject(status(503), path=alias)
    proxy.inject(status(500), path=HISTORY)
    through_proxy = _read(client, _registry(proxy.url), tmp_path)
    direct = _read(client, _registry(server), tmp_path)
    assert {**through_proxy, "tracking_uri": server} == direct
    assert len(proxy.seen("GET", alias)) == 2
    assert proxy.injected == {"503": 1, "500": 1}


def test_a_server_that_keeps_failing_fails_closed_the_same(
    proxy: FaultProxy, tmp_path: Path
) -> None:
    proxy.inject(status(502), path=FIRST, times=None)
    reasons = {c: _reason(c, _registry(proxy.url), tmp_path) for c in CLIENTS}
    assert reasons["rest"] == reasons["mlflow"]
    assert reasons["rest"].endswith("kept answering HTTP 502 (3 attempts)")
    assert proxy.calls() == [("GET", FIRST)] * 6  # three attempts each


def test_retry_after_is_obeyed_when_asked(
    proxy: FaultProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER", "true")
    proxy.inject(status(429, retry_after="2"), path=FIRST)
    began = time.monotonic()
    assert _read("rest", _registry(proxy.url), tmp_path)["approved"] is True
    assert time.monotonic() - began >= 2
    assert len(proxy.seen("GET", FIRST)) == 2


def test_a_long_metric_history_is_read_page_after_page(
    server: str, proxy: FaultProxy, tmp_path: Path
) -> None:
    registry = Registry(tracking_uri=proxy.url, registered_model="long", alias="champion")
    rest = _read("rest", registry, tmp_path)
    pages = [seen.query for seen in proxy.seen("GET", HISTORY)]
    assert rest == _read("mlflow", registry, tmp_path)
    assert len(rest["metric_history"]["auc_monthly"]) == LONG_POINTS
    assert rest["monitoring"]["points"] == LONG_POINTS
    steps = [point["step"] for point in rest["metric_history"]["auc_monthly"]]
    assert steps == list(range(LONG_POINTS))  # every point once, in order
    # The REST reader's requests (recorded before MLflow's client read): the run lacks
    # test_brier (one empty page; test_auc, a criterion whose history nobody asked for, is not
    # requested), auc_monthly takes two pages, the second named by the first page's token.
    assert len(pages) == 3 and not any("metric_key=test_auc" in q for q in pages)
    monthly = [q for q in pages if "metric_key=auc_monthly" in q]
    assert len(monthly) == 2 and "page_token=" not in monthly[0] and "page_token=" in monthly[1]


def test_the_rest_reader_never_imports_mlflow(server: str, tmp_path: Path) -> None:
    script = f"""
import json, sys
from aigov.documents.files import RepositoryRoot
from aigov.documents.manifest import Registry
from aigov.evidence.mlflow import read_registry
registry = Registry(tracking_uri={server!r}, registered_model="churn", alias="champion",
                    experiment="churn-poc")
evidence = read_registry(RepositoryRoot({str(tmp_path)!r}), registry, timeout_s=5)
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("mlflow", "requests", "urllib3"))
print(json.dumps({{"version": evidence.version.version, "heavy": heavy}}))
"""
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(completed.stdout) == {"version": "2", "heavy": []}


# Credentials: real servers on 127.0.0.1 that record what they receive.


@pytest.fixture
def other_host() -> Iterator[HTTPServer]:
    """A second server (another origin: another port) that records what reaches it."""
    running = HTTPServer(host="127.0.0.1", port=0)
    running.start()
    yield running
    running.clear()
    running.stop()


def _not_found(server: HTTPServer) -> None:
    server.expect_request(FIRST).respond_with_json(
        {"error_code": "RESOURCE_DOES_NOT_EXIST",
         "message": "Registered Model with name=churn not found"}, status=404
    )  # fmt: skip


def _authorizations(server: HTTPServer) -> list[str | None]:
    return [request.headers.get("Authorization") for request, _ in server.log]


@pytest.mark.parametrize(
    ("variables", "sent"),
    [
        ({"MLFLOW_TRACKING_TOKEN": TOKEN}, f"Bearer {TOKEN}"),
        (
            {"MLFLOW_TRACKING_USERNAME": "ci", "MLFLOW_TRACKING_PASSWORD": "pw",
             "MLFLOW_TRACKING_TOKEN": TOKEN},
            "Basic " + base64.b64encode(b"ci:pw").decode(),
        ),
    ],
    ids=["token", "basic-before-token"],
)  # fmt: skip
def test_credentials_go_only_to_a_server_the_caller_vouches_for(
    httpserver: HTTPServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    variables: dict[str, str],
    sent: str,
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.mlflow/credentials of the machine's
    _not_found(httpserver)
    registry = _registry(httpserver.url_for("/").rstrip("/"))
    for send in (True, False):
        reason = _reason("rest", registry, tmp_path, send_credentials=send)
        assert reason.startswith("registered model 'churn' not found")
    assert _authorizations(httpserver) == [sent, None]


def test_the_credentials_file_is_read_like_mlflows(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".mlflow").mkdir()
    (tmp_path / ".mlflow" / "credentials").write_text(
        "[mlflow]\nmlflow_tracking_username = filed\nmlflow_tracking_password = secret\n"
    )
    monkeypatch.setenv("HOME", str(tmp_path))
    _not_found(httpserver)
    _reason("rest", _registry(httpserver.url_for("/").rstrip("/")), tmp_path, send_credentials=True)
    assert _authorizations(httpserver) == ["Basic " + base64.b64encode(b"filed:secret").decode()]


def test_a_redirect_to_another_host_carries_no_credentials(
    httpserver: HTTPServer,
    other_host: HTTPServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", TOKEN)
    moved = "/moved/api/2.0/mlflow/registered-models/get"
    # Same origin first (the token follows), then another host (it does not).
    httpserver.expect_request(FIRST).respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for(moved) + "?name=churn"}
    )
    httpserver.expect_request(moved).respond_with_data(
        "", status=307, headers={"Location": other_host.url_for(FIRST) + "?name=churn"}
    )
    _not_found(other_host)
    registry = _registry(httpserver.url_for("/").rstrip("/"))
    reason = _reason("rest", registry, tmp_path, send_credentials=True)
    assert reason.startswith("registered model 'churn' not found")
    assert _authorizations(httpserver) == [f"Bearer {TOKEN}", f"Bearer {TOKEN}"]
    assert _authorizations(other_host) == [None]


def test_an_answer_that_is_not_mlflows_fails_closed(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request(FIRST).respond_with_data("<html>login</html>", status=200)
    reason = _reason("rest", _registry(httpserver.url_for("/").rstrip("/")), tmp_path)
    assert reason.startswith("MLflow at http://") and "not JSON" in reason
