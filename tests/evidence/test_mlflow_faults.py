"""``aigov check`` when the MLflow tracking server fails: 5xx, 429, closed connections, hangs.

MLflow's own REST client talks over real HTTP to the fault-injecting proxy (tests/fault_proxy.py)
in front of a real ``mlflow server`` holding the credit-scoring example's registry. The repository
is that example pointed at the proxy, judged by the success-thresholds pack alone (the rules that
read ``evidence.mlflow``): it passes when the evidence comes through, and must block — exit 1,
"evidence unavailable: mlflow: …", fail closed, no traceback — within a bound aigov sets when the
server never recovers. The MLflow token never shows.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import EXAMPLES, PROJECT_ROOT, CliResult, run_aigov_process
from tests.fault_proxy import (
    CLOSE,
    HANG,
    TRUNCATED_ANSWER,
    Fault,
    FaultProxy,
    fault_proxy,
    status,
)

from aigov.evidence import mlflow as mlflow_evidence

MLFLOW_TOKEN = "mlflow-s3cr3t-T0k3n-ThatMustNeverLeak-04"
MLFLOW_RULES = {
    "SUCCESS-MLFLOW-CRITERIA-MET",
    "SUCCESS-MLFLOW-CARD-VERACITY",
    "SUCCESS-MLFLOW-PRODUCTION-APPROVED",
    "SUCCESS-MLFLOW-NO-RECENT-BREACH",
    "SUCCESS-MLFLOW-POC-APPROACHES",
}
FIRST = "/api/2.0/mlflow/registered-models/get"
"""The first request of a read: the registered model."""
MLFLOW_SETTINGS = (
    "MLFLOW_HTTP_REQUEST_TIMEOUT",
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR",
    "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER",
    "MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER",
)


@dataclass
class Checked:
    exit_code: int
    report: dict[str, Any]
    stderr: str
    seconds: float

    @property
    def notes(self) -> list[str]:
        return [str(n) for n in self.report["notes"]]

    def findings(self, rule: str) -> list[dict[str, Any]]:
        return [f for f in self.report["findings"] if f["rule_id"] == rule]


@pytest.fixture
def proxy(mlflow_server: str) -> Iterator[FaultProxy]:
    with fault_proxy(mlflow_server) as running:
        yield running


@pytest.fixture
def packs(tmp_path_factory: pytest.TempPathFactory, proxy: FaultProxy) -> Path:
    """The success-thresholds pack alone (every rule of it reads evidence.mlflow or the card),
    and an org config that lists the proxy: aigov contacts no server the org does not list."""
    folder = tmp_path_factory.mktemp("packs")
    shutil.copytree(PROJECT_ROOT / "policies" / "success-thresholds", folder / "success")
    (folder / "aigov-org.yaml").write_text(
        "apiVersion: aigov/v1\nkind: OrgConfig\n"
        f"evidence: {{mlflow: {{trusted_tracking_uris: ['{proxy.url}']}}}}\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def repository(tmp_path: Path, proxy: FaultProxy) -> Path:
    """The credit-scoring example, its registry served through the proxy, waivers left out."""
    root = tmp_path / "credit-scoring"
    shutil.copytree(
        EXAMPLES / "credit-scoring", root, ignore=shutil.ignore_patterns("*.db", ".aigov")
    )
    manifest = (root / "aigov.yaml").read_text(encoding="utf-8")
    manifest = manifest.replace("tracking_uri: sqlite:///mlruns.db", f"tracking_uri: {proxy.url}")
    manifest = manifest[: manifest.index("\nwaivers:")] + "\n"  # the last section
    (root / "aigov.yaml").write_text(manifest, encoding="utf-8")
    return root


@pytest.fixture
def check(
    repository: Path,
    packs: Path,
    monkeypatch: pytest.MonkeyPatch,
    run_cli: Callable[..., CliResult],
) -> Callable[..., Checked]:
    """``aigov check REPO --policies PACKS -f json`` in-process, timed; no traceback, no token."""
    for name in MLFLOW_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", MLFLOW_TOKEN)

    def run() -> Checked:
        started = time.monotonic()
        result = run_cli("check", str(repository), "--policies", str(packs), "-f", "json")
        seconds = time.monotonic() - started
        assert MLFLOW_TOKEN not in result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        return Checked(result.exit_code, json.loads(result.stdout), result.stderr, seconds)

    return run


def _passed_with_evidence(checked: Checked) -> None:
    assert checked.exit_code == 0, checked.report["findings"]
    assert not [n for n in checked.notes if "evidence unavailable" in n]
    assert not [f for f in checked.report["findings"] if f["rule_id"] in MLFLOW_RULES]


def _blocked_for_lack_of_evidence(checked: Checked, cause: str) -> str:
    """Exit 1, one note naming MLflow and ``cause``, every MLflow rule failing closed."""
    assert checked.exit_code == 1
    notes = [n for n in checked.notes if n.startswith("evidence unavailable: mlflow: ")]
    assert len(notes) == 1, checked.notes
    assert cause in notes[0], notes[0]
    for rule in MLFLOW_RULES:
        (finding,) = checked.findings(rule)
        assert "evidence unavailable: mlflow" in finding["message"]
    return notes[0]


def test_the_healthy_server_gives_real_evidence(check: Callable[..., Checked]) -> None:
    _passed_with_evidence(check())


@pytest.mark.parametrize(
    "fault",
    [status(500), status(503), status(429), status(429, retry_after="1"), CLOSE],
    ids=lambda f: f.label,
)
def test_a_transient_fault_is_retried_and_the_check_passes(
    check: Callable[..., Checked], proxy: FaultProxy, fault: Fault
) -> None:
    proxy.inject(fault, path=FIRST)
    checked = check()
    _passed_with_evidence(checked)
    assert len(proxy.seen("GET", FIRST)) == 2
    assert proxy.injected[fault.label] == 1


def test_an_answer_cut_off_mid_body_is_read_again(
    check: Callable[..., Checked], proxy: FaultProxy
) -> None:
    proxy.inject(TRUNCATED_ANSWER, path=FIRST)
    _passed_with_evidence(check())
    assert len(proxy.seen("GET", FIRST)) == 2


def test_a_hanging_request_times_out_and_is_retried(
    check: Callable[..., Checked], proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "1")  # the user's setting wins
    proxy.inject(HANG, path=FIRST)
    checked = check()
    _passed_with_evidence(checked)
    assert len(proxy.seen("GET", FIRST)) == 2
    assert 0.9 <= checked.seconds < 8


@pytest.mark.parametrize(
    ("fault", "cause"),
    [
        (status(500), "kept answering HTTP 500"),
        (status(429, retry_after="3600"), "kept answering HTTP 429"),
        (CLOSE, "closed the connection before answering"),
    ],
    ids=lambda v: v.label if isinstance(v, Fault) else "",
)
def test_a_server_that_keeps_failing_blocks_within_aigovs_bound(
    check: Callable[..., Checked], proxy: FaultProxy, fault: Fault, cause: str
) -> None:
    # aigov's defaults: 2 retries, backoff 0 s then 2 s, Retry-After not obeyed (unbounded).
    proxy.inject(fault, times=None)
    checked = check()
    note = _blocked_for_lack_of_evidence(checked, cause)
    attempts = mlflow_evidence.DEFAULT_MAX_RETRIES + 1
    assert proxy.calls() == [("GET", FIRST)] * attempts
    assert f"{attempts} attempts" in note
    assert checked.seconds < 8


def test_a_hanging_server_blocks_within_the_timeout_a_real_process(
    repository: Path, packs: Path, proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy.inject(HANG, times=None)
    for name in MLFLOW_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", MLFLOW_TOKEN)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "1")  # the user's bounds win
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
    started = time.monotonic()
    result = run_aigov_process("check", str(repository), "--policies", str(packs), "-f", "json")
    seconds = time.monotonic() - started
    assert "Traceback" not in result.stderr and MLFLOW_TOKEN not in result.stdout + result.stderr
    checked = Checked(result.exit_code, json.loads(result.stdout), result.stderr, seconds)
    note = _blocked_for_lack_of_evidence(checked, "gave no answer within 1 s")
    assert "2 attempts" in note
    assert proxy.calls() == [("GET", FIRST)] * 2
    assert seconds < 2 * 1 + 8  # two timed-out attempts + the start of a Python process


def test_the_bounds_aigov_sets_and_the_environment_overrides(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in MLFLOW_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    with mlflow_evidence._bounded_requests(None, None) as bounds:
        seen = {name: os.environ[name] for name in MLFLOW_SETTINGS}
    assert seen == {
        "MLFLOW_HTTP_REQUEST_TIMEOUT": "10",
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
        "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER": "0",
        "MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER": "false",
    }
    assert bounds.worst_case_seconds == 3 * 10 + 2
    assert not any(name in os.environ for name in MLFLOW_SETTINGS)  # restored

    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "3")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    with mlflow_evidence._bounded_requests(None, None) as bounds:
        assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "3"
        assert os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "0"
    assert bounds.worst_case_seconds == 3
    with mlflow_evidence._bounded_requests(2, 1):  # explicit arguments win over both
        assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "2"
        assert os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "1"
    assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "3"
