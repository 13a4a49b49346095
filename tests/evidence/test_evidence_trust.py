"""Evidence a pull request can choose: the org config says which MLflow stores and which data
quality results count (``evidence:`` in aigov-org.yaml).

Real components: the credit-scoring example with its MLflow SQLite store built by its own script
and its data checks stored (the session fixture), the org config in a policy folder, the CLI.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import EXAMPLES, CliResult, imported_modules, run_aigov_process

from aigov.documents.repository import load_repository
from aigov.evidence.collect import (
    EvidenceChange,
    EvidenceRequest,
    changed_evidence,
    collect_evidence,
)
from aigov.evidence.mlflow import changed_store_files, is_trusted_uri
from aigov.evidence.mlflow_store import START_ALLOWANCE_S
from aigov.evidence.store import DATA_QUALITY_FILE

TODAY = "2026-11-24"


@pytest.mark.parametrize(
    ("uri", "trusted", "expected"),
    [
        ("https://mlflow.bank.example", "https://mlflow.bank.example", True),
        ("https://MLflow.Bank.example/", "HTTPS://mlflow.bank.example", True),
        ("https://mlflow.bank.example/team/a", "https://mlflow.bank.example/team", True),
        ("https://mlflow.bank.example/teams", "https://mlflow.bank.example/team", False),
        ("https://mlflow.bank.example/team/../other", "https://mlflow.bank.example/team", False),
        ("https://mlflow.bank.example.evil.io", "https://mlflow.bank.example", False),
        ("https://mlflow.bank.example@evil.io", "https://mlflow.bank.example", False),
        ("https://user@mlflow.bank.example", "https://mlflow.bank.example", False),
        ("http://mlflow.bank.example", "https://mlflow.bank.example", False),
        ("https://mlflow.bank.example:8443", "https://mlflow.bank.example", False),
        ("https://mlflow.bank.example:8443/x", "https://mlflow.bank.example:8443", True),
        ("https://mlflow.bank.example/?a=1", "https://mlflow.bank.example", False),
        ("https://[abc", "https://mlflow.bank.example", False),
        ("https://mlflow.bank.example:99999", "https://mlflow.bank.example", False),
        ("sqlite:///mlruns.db", "sqlite:///mlruns.db", True),
        ("sqlite:///other.db", "sqlite:///mlruns.db", False),
        ("sqlite:///mlruns.db/../evil.db", "sqlite:///mlruns.db", False),
        ("databricks://profile", "databricks://profile", True),
    ],
)
def test_a_tracking_uri_is_trusted_only_at_or_below_a_listed_one(
    uri: str, trusted: str, expected: bool
) -> None:
    assert is_trusted_uri(uri, trusted) is expected


def _policies(tmp_path: Path, evidence: str) -> Path:
    folder = tmp_path / "org-policies"
    shutil.copytree(EXAMPLES / "org-policies", folder)
    with (folder / "aigov-org.yaml").open("a", encoding="utf-8") as org:
        org.write(evidence)
    return folder


def _check(run_cli: Callable[..., CliResult], repo: Path, policies: Path, *extra: str) -> dict:
    result = run_cli(
        "check", str(repo), "--policies", str(policies), "--today", TODAY, "-f", "json", *extra
    )
    assert result.exit_code in (0, 1), result.stderr[-2000:]
    data: dict = json.loads(result.stdout)
    return data


def _unavailable(data: dict, source: str) -> list[str]:
    prefix = f"evidence unavailable: {source}: "
    return [note.removeprefix(prefix) for note in data["notes"] if note.startswith(prefix)]


UNTRUSTED = "evidence:\n  mlflow:\n    trusted_tracking_uris: [https://mlflow.bank.example]\n"
TRUSTED = "evidence:\n  mlflow:\n    trusted_tracking_uris: ['sqlite:///mlruns.db']\n"


def test_mlflow_evidence_from_a_store_the_org_does_not_trust_is_not_read(
    credit_scoring_with_evidence: Path, run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    repo = credit_scoring_with_evidence
    trusted = _check(run_cli, repo, _policies(tmp_path / "a", TRUSTED))
    assert _unavailable(trusted, "mlflow") == []
    untrusted = _check(run_cli, repo, _policies(tmp_path / "b", UNTRUSTED))
    (reason,) = _unavailable(untrusted, "mlflow")
    assert "tracking URI 'sqlite:///mlruns.db' is not one the organisation trusts" in reason
    # The rules reading MLflow fail closed instead of passing on the repository's own store.
    failed = {f["rule_id"] for f in untrusted["findings"] if "evidence unavailable" in f["message"]}
    passed_before = {f["rule_id"] for f in trusted["findings"]}
    assert failed - passed_before, "no rule that passed on the store now fails without it"
    assert untrusted["decision"] == "block"


def test_an_untrusted_store_is_not_even_opened(
    credit_scoring_with_evidence: Path, tmp_path: Path
) -> None:
    policies = _policies(tmp_path, UNTRUSTED)
    args = ("check", str(credit_scoring_with_evidence), "--policies", str(policies))
    code, modules = imported_modules(*args, "--today", TODAY)
    assert code == 1
    assert "mlflow" not in modules and "sqlalchemy" not in modules


def test_a_trusted_list_entry_must_be_a_uri(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    policies = _policies(tmp_path, "evidence:\n  mlflow:\n    trusted_tracking_uris: [mlflow]\n")
    result = run_cli("check", str(EXAMPLES / "customer-chatbot"), "--policies", str(policies))
    assert result.exit_code == 2
    assert "aigov-org.yaml:" in result.stdout + result.stderr
    assert "'mlflow' is not a URI with a scheme" in result.stdout + result.stderr


def test_stored_data_quality_results_count_only_when_the_org_accepts_them(
    credit_scoring_with_evidence: Path, run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    repo = tmp_path / "credit-scoring"
    shutil.copytree(credit_scoring_with_evidence, repo, symlinks=True)  # --run-data-checks writes
    recompute = _policies(tmp_path, "evidence:\n  data_quality: {stored_results: recompute}\n")
    accepted = _check(run_cli, repo, EXAMPLES / "org-policies")
    assert _unavailable(accepted, "data_quality") == []
    stored_only = _check(run_cli, repo, recompute)
    (reason,) = _unavailable(stored_only, "data_quality")
    assert "run aigov check --run-data-checks" in reason
    rerun = _check(run_cli, repo, recompute, "--run-data-checks")
    assert _unavailable(rerun, "data_quality") == []
    assert any(note.startswith("data checks re-run for") for note in rerun["notes"])


# --- a pull request's evidence files -----------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "changed", "expected"),
    [
        ("sqlite:///mlruns.db", {"mlruns.db", "README.md"}, ["mlruns.db"]),
        ("sqlite:///./stores/../mlruns.db", {"mlruns.db"}, ["mlruns.db"]),
        ("sqlite:///stores/mlruns.db", {"stores"}, ["stores"]),  # a folder replaced by a link
        ("sqlite:///mlruns.db", {"mlruns.db-journal", "other.db"}, []),
        ("file:mlruns", {"mlruns/1/meta.yaml", "mlruns/models/m/meta.yaml"}, None),
        ("mlruns", {"mlrunsx/meta.yaml"}, []),
        ("https://mlflow.bank.example", {"mlruns.db"}, []),
    ],
)
def test_the_store_files_a_change_touches(uri: str, changed: set[str], expected: Any) -> None:
    from aigov.documents.files import RepositoryRoot

    found = changed_store_files(RepositoryRoot(EXAMPLES / "credit-scoring"), uri, changed)
    assert found == (sorted(changed) if expected is None else expected)


def _request(**given: Any) -> EvidenceRequest:
    return EvidenceRequest(now=dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC), **given)


def test_changed_evidence_counts_only_when_attested_or_listed(
    credit_scoring_with_evidence: Path,
) -> None:
    repository = load_repository(credit_scoring_with_evidence)
    changed = frozenset({"mlruns.db", DATA_QUALITY_FILE, "MODEL_CARD.md"})
    assert changed_evidence(repository, changed) == [
        EvidenceChange("mlruns.db", "mlflow", "the MLflow store model.registry.tracking_uri names"),
        EvidenceChange(DATA_QUALITY_FILE, "data_quality", "the stored data quality results"),
    ]
    assert changed_evidence(repository, frozenset({"MODEL_CARD.md"})) == []
    sources = {"mlflow", "data_quality"}
    claimed = collect_evidence(repository, sources, _request(changed_files=changed))
    assert "mlruns.db is changed by this pull request" in claimed.plain()["mlflow"]["unavailable"]
    assert f"{DATA_QUALITY_FILE} is changed" in claimed.plain()["data_quality"]["unavailable"]
    attested = collect_evidence(
        repository, sources, _request(changed_files=changed, attested_evidence_changes=True)
    )
    assert attested.plain()["mlflow"]["criteria_met"] is True
    assert attested.plain()["data_quality"]["status"] == "current"
    listed = collect_evidence(
        repository,
        {"mlflow"},
        _request(changed_files=changed, trusted_tracking_uris=("sqlite:///mlruns.db",)),
    )
    assert listed.plain()["mlflow"]["criteria_met"] is True


def test_a_listed_tracking_server_still_gives_evidence(
    mlflow_server: str,
    credit_scoring_with_evidence: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "a-token-for-the-listed-server")
    repo = tmp_path / "credit-scoring"
    shutil.copytree(credit_scoring_with_evidence, repo, symlinks=True)
    manifest = repo / "aigov.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("sqlite:///mlruns.db", mlflow_server),
        encoding="utf-8",
    )
    repository = load_repository(repo)
    listed = collect_evidence(
        repository, {"mlflow"}, _request(trusted_tracking_uris=(mlflow_server,))
    )
    assert listed.plain()["mlflow"]["criteria_met"] is True
    unlisted = collect_evidence(repository, {"mlflow"}, _request())
    assert "is not listed" in unlisted.plain()["mlflow"]["unavailable"]


# --- hostile committed stores ------------------------------------------------------------------


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


RECURSIVE_METRICS = """
DROP TABLE metrics;
CREATE VIEW metrics AS
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)
  SELECT 'test_oot_auc' AS key, 0.99 AS value, i AS timestamp, '' AS run_uuid, i AS step,
         0 AS is_nan
  FROM n;
"""
TRIGGER = """
CREATE TRIGGER pr_rewrites_history AFTER INSERT ON experiments
BEGIN UPDATE latest_metrics SET value = 0.99; END;
"""
OLD_SCHEMA = "UPDATE alembic_version SET version_num = '75868b020152';"
COMPUTED = """
ALTER TABLE params ADD COLUMN padding BLOB GENERATED ALWAYS AS (zeroblob(1000000000)) VIRTUAL;
"""


@pytest.mark.parametrize(
    ("hostile", "reason"),
    [
        (RECURSIVE_METRICS, "holds view 'metrics': MLflow builds no view"),
        (TRIGGER, "holds trigger 'pr_rewrites_history', which MLflow does not create"),
        (OLD_SCHEMA, "has schema 75868b020152, this MLflow ({version}) expects {head}: "
                     "rebuild it with MLflow {version}"),
        (COMPUTED, "computes column 'params.padding', which MLflow does not"),
    ],
    ids=["recursive-view", "trigger", "old-schema", "computed-column"],
)  # fmt: skip
def test_a_hostile_committed_store_is_refused_unchanged_and_in_time(
    credit_scoring_with_evidence: Path, tmp_path: Path, hostile: str, reason: str
) -> None:
    from aigov.evidence.mlflow import DEFAULT_TIMEOUT_S, expected_schema

    expected = expected_schema()
    repo = tmp_path / "credit-scoring"
    shutil.copytree(credit_scoring_with_evidence, repo, symlinks=True)
    store = repo / "mlruns.db"
    with contextlib.closing(sqlite3.connect(store)) as db:
        db.executescript(hostile)
    before = _digest(store)
    started = time.monotonic()
    result = run_aigov_process(
        "check", str(repo), "--policies", str(EXAMPLES / "org-policies"), "--today", TODAY,
        "-f", "json", timeout=120,
    )  # fmt: skip
    seconds = time.monotonic() - started
    assert result.exit_code == 1, result.stderr[-2000:]
    (note,) = _unavailable(json.loads(result.stdout), "mlflow")
    explained = reason.format(version=expected.mlflow_version, head=expected.revision)
    assert f"the MLflow store mlruns.db {explained}" in note
    assert _digest(store) == before
    assert not list(repo.glob("mlruns.db-*")), "SQLite wrote a journal beside the store"
    assert seconds < DEFAULT_TIMEOUT_S + START_ALLOWANCE_S


def test_a_store_too_slow_to_read_stops_at_its_budget(
    credit_scoring_with_evidence: Path, tmp_path: Path
) -> None:
    """A store MLflow would read, padded with 200,000 points of a criterion's history: MLflow
    turns them into objects for about 15 s, in Python, where no SQLite progress handler runs."""
    repo = tmp_path / "credit-scoring"
    shutil.copytree(credit_scoring_with_evidence, repo, symlinks=True)
    store = repo / "mlruns.db"
    with contextlib.closing(sqlite3.connect(store)) as db, db:
        (run,) = db.execute(
            "SELECT version.run_id FROM model_versions AS version JOIN registered_model_aliases"
            " AS alias ON alias.name = version.name AND alias.version = version.version"
            " WHERE alias.alias = 'champion'"
        ).fetchone()
        db.executemany(
            "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan)"
            " VALUES ('test_oot_auc', 0.9, ?, ?, ?, 0)",
            ((1_767_225_600_000 + i, run, i) for i in range(200_000)),
        )
    before = _digest(store)
    started = time.monotonic()
    # The criteria's histories are read because a rule asks for them (a stability rule of the
    # organisation): the read the padding slows down.
    request = _request(mlflow_timeout_s=1, criteria_histories=True)
    evidence = collect_evidence(load_repository(repo), {"mlflow"}, request)
    seconds = time.monotonic() - started
    reason = evidence.plain()["mlflow"]["unavailable"]
    assert reason.startswith("reading the MLflow store mlruns.db took longer than 1 s: stopped")
    assert seconds < 1 + START_ALLOWANCE_S
    assert _digest(store) == before
