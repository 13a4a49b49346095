"""Evidence a pull request writes cannot make the gate pass (issue 14, item 3).

Real components: the credit-scoring example with the MLflow store its own script builds and its
data checks stored, committed to a real git repository (the base) and changed by a pull request
(the head); real HTTP servers on 127.0.0.1 (pytest_httpserver) standing for hosts a pull request
names, recording every request; the command line, in-process and as ``aigov portfolio scan``.
Every credential MLflow, the Databricks SDK or requests could send is set: the environment's
variables, ``~/.netrc``, ``~/.mlflow/credentials`` and ``~/.databrickscfg`` in a home folder of
the test's own.
"""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import git
import pytest
from pytest_httpserver import HTTPServer
from tests.conftest import EXAMPLES, CliResult

TODAY = "2026-11-24"
SECRETS = {
    "MLFLOW_TRACKING_TOKEN": "mlflow-t0ken-that-must-not-leave",
    "MLFLOW_TRACKING_USERNAME": "mlflow-user",
    "MLFLOW_TRACKING_PASSWORD": "mlflow-pa55word",
    "DATABRICKS_TOKEN": "dapi-databricks-t0ken",
    "DATABRICKS_CLIENT_SECRET": "databricks-client-s3cret",
}
NETRC_PASSWORD = "netrc-pa55word"
CREDENTIAL_FILE_PASSWORD = "credentials-file-pa55word"
MLFLOW_RULES = {
    "SUCCESS-MLFLOW-CRITERIA-MET",
    "SUCCESS-MLFLOW-CARD-VERACITY",
    "SUCCESS-MLFLOW-PRODUCTION-APPROVED",
}
DATA_QUALITY_RULES = {"LC-DATA-QUALITY-EVIDENCE", "LC-DATA-QUALITY-PASSED"}
STORE, RESULTS = "mlruns.db", ".aigov/evidence/data_quality.json"


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every credential a tracking client could pick up, for any host on this machine."""
    home = tmp_path / "home"
    (home / ".mlflow").mkdir(parents=True)
    netrc = home / ".netrc"
    netrc.write_text(
        "".join(
            f"machine {host} login netrc-user password {NETRC_PASSWORD}\n"
            for host in ("127.0.0.1", "localhost")
        )
    )
    netrc.chmod(0o600)
    (home / ".mlflow" / "credentials").write_text(
        "[mlflow]\nmlflow_tracking_username = file-user\n"
        f"mlflow_tracking_password = {CREDENTIAL_FILE_PASSWORD}\n"
    )
    (home / ".databrickscfg").write_text(
        f"[DEFAULT]\nhost = http://127.0.0.1\ntoken = {SECRETS['DATABRICKS_TOKEN']}\n"
    )
    monkeypatch.setenv("HOME", str(home))
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)


def _credentials_in(server: HTTPServer) -> list[str]:
    """Every credential-looking part of the requests ``server`` received."""
    found = []
    for request, _ in server.log:
        for header in ("Authorization", "Proxy-Authorization", "Cookie"):
            if request.headers.get(header):
                found.append(f"{header}: {request.headers[header]}")
        text = request.url + request.get_data(as_text=True)
        found.extend(s for s in (*SECRETS.values(), NETRC_PASSWORD) if s in text)
    return found


def _repository(tmp_path: Path, source: Path, tracking_uri: str | None = None) -> Path:
    root = tmp_path / "credit-scoring"
    shutil.copytree(source, root, symlinks=True)
    if tracking_uri is not None:
        manifest = root / "aigov.yaml"
        text = manifest.read_text(encoding="utf-8")
        manifest.write_text(
            text.replace("tracking_uri: sqlite:///mlruns.db", f"tracking_uri: {tracking_uri}"),
            encoding="utf-8",
        )
    return root


def _policies(tmp_path: Path, trusted: list[str] | None = None) -> Path:
    """The examples' org policies, listing ``trusted`` tracking URIs when given."""
    folder = tmp_path / "org-policies"
    shutil.copytree(EXAMPLES / "org-policies", folder)
    if trusted is not None:
        with (folder / "aigov-org.yaml").open("a", encoding="utf-8") as org:
            org.write(f"evidence:\n  mlflow:\n    trusted_tracking_uris: {json.dumps(trusted)}\n")
    return folder


def _check(run_cli: Callable[..., CliResult], repo: Path, policies: Path, *extra: str) -> dict:
    result = run_cli(
        "check", str(repo), "--policies", str(policies), "--today", TODAY, "-f", "json", *extra
    )
    assert result.exit_code in (0, 1), result.stderr[-2000:]
    for secret in (*SECRETS.values(), NETRC_PASSWORD, CREDENTIAL_FILE_PASSWORD):
        assert secret not in result.stdout + result.stderr
    data: dict = json.loads(result.stdout)
    return data


def _notes(data: dict, prefix: str) -> list[str]:
    return [note for note in data["notes"] if note.startswith(prefix)]


def _failed_closed(data: dict, rules: set[str]) -> set[str]:
    return {
        f["rule_id"]
        for f in data["findings"]
        if f["rule_id"] in rules and "evidence unavailable" in f["message"]
    }


# --- credentials go only where the org config says ---------------------------------------------


def test_a_host_the_org_does_not_list_is_never_contacted(
    httpserver: HTTPServer,
    credentials: None,
    credit_scoring_with_evidence: Path,
    run_cli: Callable[..., CliResult],
    tmp_path: Path,
) -> None:
    url = httpserver.url_for("/mlflow")
    repo = _repository(tmp_path, credit_scoring_with_evidence, url)
    data = _check(run_cli, repo, _policies(tmp_path))  # no evidence section: the default
    assert httpserver.log == []
    (note,) = _notes(data, "evidence unavailable: mlflow: ")
    assert f"tracking server '{url}' is not listed" in note
    assert "evidence.mlflow.trusted_tracking_uris" in note
    assert _failed_closed(data, MLFLOW_RULES) == MLFLOW_RULES
    assert data["decision"] == "block"


def test_a_listed_host_gets_the_credentials_and_its_redirect_none(
    httpserver: HTTPServer,
    credentials: None,
    credit_scoring_with_evidence: Path,
    run_cli: Callable[..., CliResult],
    tmp_path: Path,
) -> None:
    """The org lists its server, which sends the client elsewhere (a compromised or misconfigured
    proxy): the listed server sees MLflow's credentials, the other host none — not even the
    ~/.netrc entry requests would add for it."""
    elsewhere = HTTPServer(host="127.0.0.1")
    elsewhere.expect_request("/elsewhere").respond_with_json({"error_code": "NOPE"}, status=404)
    elsewhere.start()
    try:
        httpserver.expect_request("/api/2.0/mlflow/registered-models/get").respond_with_data(
            "", status=302, headers={"Location": elsewhere.url_for("/elsewhere")}
        )
        url = httpserver.url_for("/")[:-1]
        repo = _repository(tmp_path, credit_scoring_with_evidence, url)
        data = _check(run_cli, repo, _policies(tmp_path, [url]))
        assert httpserver.log, "the listed server was not asked"
        first = httpserver.log[0][0]
        basic = base64.b64encode(b"mlflow-user:mlflow-pa55word").decode()
        assert first.headers.get("Authorization") == f"Basic {basic}"
        assert elsewhere.log, "the redirect was not followed"
        assert _credentials_in(elsewhere) == []
        (note,) = _notes(data, "evidence unavailable: mlflow: ")
        assert url in note
    finally:
        elsewhere.clear()
        if elsewhere.is_running():
            elsewhere.stop()


def test_the_library_sends_no_credential_unless_told_the_uri_is_listed(
    httpserver: HTTPServer, credentials: None, tmp_path: Path
) -> None:
    """A caller of :func:`read_registry` that skipped the org's list still sends nothing."""
    from aigov.documents.files import RepositoryRoot
    from aigov.documents.manifest import Registry
    from aigov.evidence.mlflow import MlflowEvidenceUnavailable, read_registry

    httpserver.expect_request("/api/2.0/mlflow/registered-models/get").respond_with_json(
        {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no such model"}, status=404
    )
    registry = Registry(tracking_uri=httpserver.url_for("/")[:-1], registered_model="churn")
    with pytest.raises(MlflowEvidenceUnavailable, match="no such model"):
        read_registry(RepositoryRoot(tmp_path), registry, timeout_s=5, max_retries=0)
    assert httpserver.log
    assert _credentials_in(httpserver) == []


def test_the_portfolio_scan_obeys_the_same_rule(
    httpserver: HTTPServer,
    credentials: None,
    credit_scoring_with_evidence: Path,
    run_cli: Callable[..., CliResult],
    tmp_path: Path,
) -> None:
    httpserver.expect_request("/api/2.0/mlflow/registered-models/get").respond_with_json(
        {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no such model"}, status=404
    )
    url = httpserver.url_for("/")[:-1]
    folder = tmp_path / "repos"
    _repository(folder, credit_scoring_with_evidence, url)

    def scan(policies: Path, name: str) -> dict[str, Any]:
        output = tmp_path / f"{name}.json"
        result = run_cli(
            "portfolio", "scan", "--dir", str(folder), "--policies", str(policies),
            "--with-mlflow", "--no-cache", "--jobs", "1", "-o", str(output),
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr[-2000:]
        for secret in (*SECRETS.values(), NETRC_PASSWORD):
            assert secret not in result.stdout + result.stderr + output.read_text()
        (row,) = json.loads(output.read_text())["results"]
        return dict(row)

    unlisted = scan(_policies(tmp_path / "default"), "unlisted")
    assert httpserver.log == []
    assert "is not listed" in json.dumps(unlisted)
    listed = scan(_policies(tmp_path / "listed", [url]), "listed")
    assert httpserver.log
    assert all(r.headers.get("Authorization") for r, _ in httpserver.log)
    assert "no such model" in json.dumps(listed)


# --- evidence files a pull request changes -----------------------------------------------------


@pytest.fixture
def pull_request(
    credit_scoring_with_evidence: Path, tmp_path: Path
) -> Iterator[Callable[[Callable[[Path], None]], Path]]:
    """A real repository: the example with its store and stored results committed on ``main``,
    and a branch ``pr`` whose head commit ``change`` makes."""

    def make(change: Callable[[Path], None]) -> Path:
        root = _repository(tmp_path, credit_scoring_with_evidence)
        repo = git.Repo(root)
        author = git.Actor("Risk Models", "risk@bank.example")
        repo.git.add("--force", STORE, RESULTS)
        repo.index.commit("evidence", author=author, committer=author)
        repo.git.checkout("-b", "pr")
        change(root)
        repo.git.add("--force", "--all")
        repo.index.commit("the pull request", author=author, committer=author)
        return root

    yield make


def _better_metrics(root: Path) -> None:
    """The PR's store: the champion's AUC rewritten with sqlite3."""
    with sqlite3.connect(root / STORE) as db:
        db.execute("UPDATE metrics SET value = 0.99 WHERE key = 'test_oot_auc'")
        db.execute("UPDATE latest_metrics SET value = 0.99 WHERE key = 'test_oot_auc'")


def _flipped_results(root: Path) -> None:
    """The PR's stored results: every contract's checks marked as passed."""
    path = root / RESULTS
    stored = json.loads(path.read_text(encoding="utf-8"))
    for contract in stored["contracts"]:
        contract["success"] = True
    stored["success"] = True
    path.write_text(json.dumps(stored, indent=2), encoding="utf-8")


def test_a_pull_request_that_swaps_the_store_and_flips_the_results_fails_closed(
    pull_request: Callable[[Callable[[Path], None]], Path],
    run_cli: Callable[..., CliResult],
    tmp_path: Path,
) -> None:
    repo = pull_request(lambda root: (_better_metrics(root), _flipped_results(root)))
    data = _check(run_cli, repo, _policies(tmp_path), "--base", "main")
    assert _notes(data, "evidence changed by this change: ") == [
        f"evidence changed by this change: {STORE} "
        "(the MLflow store model.registry.tracking_uri names)",
        f"evidence changed by this change: {RESULTS} (the stored data quality results)",
    ]
    (mlflow,) = _notes(data, "evidence unavailable: mlflow: ")
    assert f"the MLflow store {STORE} is changed by this pull request" in mlflow
    assert "approving review" in mlflow and "trusted_tracking_uris" in mlflow
    (quality,) = _notes(data, "evidence unavailable: data_quality: ")
    assert f"{RESULTS} is changed by this pull request" in quality
    assert "--run-data-checks" in quality
    assert (
        _failed_closed(data, MLFLOW_RULES | DATA_QUALITY_RULES) == MLFLOW_RULES | DATA_QUALITY_RULES
    )
    assert data["decision"] == "block"


def test_the_same_evidence_unchanged_by_the_pull_request_counts(
    pull_request: Callable[[Callable[[Path], None]], Path],
    run_cli: Callable[..., CliResult],
    tmp_path: Path,
) -> None:
    repo = pull_request(lambda root: (root / "NOTES.md").write_text("a note\n"))
    data = _check(run_cli, repo, _policies(tmp_path), "--base", "main")
    assert _notes(data, "evidence changed by this change: ") == []
    assert _notes(data, "evidence unavailable: mlflow") == []
    assert _notes(data, "evidence unavailable: data_quality") == []
    assert _failed_closed(data, MLFLOW_RULES | DATA_QUALITY_RULES) == set()


def test_results_the_check_recomputes_count_and_a_listed_store_counts(
    pull_request: Callable[[Callable[[Path], None]], Path],
    run_cli: Callable[..., CliResult],
    tmp_path: Path,
) -> None:
    repo = pull_request(lambda root: (_better_metrics(root), _flipped_results(root)))
    policies = _policies(tmp_path, ["sqlite:///mlruns.db"])
    data = _check(run_cli, repo, policies, "--base", "main", "--run-data-checks")
    assert _notes(data, "evidence unavailable: ") == []
    assert any(note.startswith("data checks re-run for") for note in data["notes"])
    assert len(_notes(data, "evidence changed by this change: ")) == 2  # still reported
    assert _failed_closed(data, MLFLOW_RULES | DATA_QUALITY_RULES) == set()
