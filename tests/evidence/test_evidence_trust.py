"""Evidence a pull request can choose: the org config says which MLflow stores and which data
quality results count (``evidence:`` in aigov-org.yaml).

Real components: the credit-scoring example with its MLflow SQLite store built by its own script
and its data checks stored (the session fixture), the org config in a policy folder, the CLI.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES, CliResult, imported_modules

from aigov.evidence.mlflow import is_trusted_uri

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
