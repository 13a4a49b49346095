"""``aigov gate --to ENVIRONMENT``: the deployment gate."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.conftest import EXAMPLES, CliResult

ORG_POLICIES = str(EXAMPLES / "org-policies")


def test_production_rules_apply_whatever_the_stage(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli(
        "gate",
        "--to",
        "production",
        str(EXAMPLES / "customer-chatbot"),
        "-f",
        "json",
        "--policies",
        ORG_POLICIES,
    )
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["stage"] == "poc" and data["stages"] == ["production"]
    assert data["target"] == "production"
    blocking = {f["rule_id"] for f in data["findings"] if f["blocking"]}
    assert "LC-DEPLOY-STAGE" in blocking
    assert "LC-MONITORING" in blocking  # a production-readiness rule a POC is not held to


def test_a_passing_poc_still_cannot_go_to_production(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli(
        "gate",
        "--to",
        "production",
        str(EXAMPLES / "customer-chatbot"),
        "--policies",
        ORG_POLICIES,
        "-f",
        "json",
    )
    check = run_cli("check", str(EXAMPLES / "customer-chatbot"), "--policies", ORG_POLICIES)
    assert check.exit_code == 0 and result.exit_code == 1
    staging = run_cli(
        "gate",
        "--to",
        "staging",
        str(EXAMPLES / "demand-forecast"),
        "--policies",
        ORG_POLICIES,
        "-f",
        "json",
    )
    data = json.loads(staging.stdout)
    assert data["stages"] == ["industrialization"]
    assert "LC-DEPLOY-STAGE" not in {f["rule_id"] for f in data["findings"]}


def test_unknown_environment_lists_the_known_ones(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("gate", "--to", "moon", str(EXAMPLES / "credit-scoring"))
    assert result.exit_code == 2
    assert "unknown environment 'moon'" in result.stderr
    assert "production" in result.stderr and "staging" in result.stderr


def test_gate_requires_to(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("gate", str(EXAMPLES / "credit-scoring"))
    assert result.exit_code == 2 and "--to" in result.stderr


def test_gate_writes_several_outputs(run_cli: Callable[..., CliResult], tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    out = tmp_path / "gate.json"
    result = run_cli(
        "gate",
        "--to",
        "prod",
        str(EXAMPLES / "credit-scoring"),
        "--policies",
        ORG_POLICIES,
        "-f",
        "json",
        "-o",
        str(out),
        "-f",
        "text",
    )
    assert result.exit_code in (0, 1)
    assert json.loads(out.read_text(encoding="utf-8"))["target"] == "prod"
    assert "credit-scoring" in result.stdout
