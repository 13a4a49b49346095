"""The gdpr pack on real repositories: one root cause, one blocking finding, and messages that
name what is wrong (issue 19, points 3 and 4)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from tests.conftest import CliResult

Run = Callable[..., CliResult]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _example(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """The credit-scoring example (production, every GDPR fact recorded) with ``edit`` applied."""
    root = tmp_path / "credit-scoring"
    shutil.copytree(EXAMPLES / "credit-scoring", root)
    manifest = root / "aigov.yaml"
    data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    edit(data)
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


def _gdpr_findings(run_cli: Run, root: Path) -> dict[str, dict[str, Any]]:
    result = run_cli(
        "check",
        str(root),
        "--skip-evidence",
        "mlflow",
        "--skip-evidence",
        "data_quality",
        "--skip-evidence",
        "git",
        "--format",
        "json",
        "--today",
        "2026-12-04",
    )
    assert result.exit_code in (0, 1), result.stderr
    findings = json.loads(result.stdout)["findings"]
    return {f["rule_id"]: f for f in findings if f["rule_id"].startswith("GDPR")}


def test_the_example_has_no_gdpr_finding(run_cli: Run, tmp_path: Path) -> None:
    assert _gdpr_findings(run_cli, _example(tmp_path, lambda _: None)) == {}


def test_a_missing_dpia_is_one_finding_with_its_chain(run_cli: Run, tmp_path: Path) -> None:
    def drop_dpia(data: dict[str, Any]) -> None:
        del data["risk"]["gdpr"]["dpia"]

    findings = _gdpr_findings(run_cli, _example(tmp_path, drop_dpia))
    assert sorted(findings) == ["GDPR-35-DPIA-DONE"]
    dpia = findings["GDPR-35-DPIA-DONE"]
    assert dpia["blocking"] and dpia["severity"] == "critical"
    # screened (criteria implied by the Annex III use and the automated decision; the others
    # unanswered) -> triggered -> done, in one message
    assert dpia["message"] == (
        "DPIA (GDPR Art. 35) of credit-scoring at production: screened: WP248 criteria met: "
        "1, 2; unanswered: 3, 4, 5, 6, 7, 8, 9 → triggered: required (Art. 35(3)(a), "
        "2 criteria) → done: no status, no reference"
    )


def test_undeclared_personal_data_is_one_finding_naming_the_columns(
    run_cli: Run, tmp_path: Path
) -> None:
    def deny(data: dict[str, Any]) -> None:
        data["risk"]["gdpr"] = {"personal_data": False}

    findings = _gdpr_findings(run_cli, _example(tmp_path, deny))
    assert sorted(findings) == ["GDPR-CONTRACT-PERSONAL-DATA"]
    message = findings["GDPR-CONTRACT-PERSONAL-DATA"]["message"]
    assert (
        "contracts/credit-applications.odcs.yaml: credit_application.customer_id (tagged pii)"
        in (message)
    )
    assert findings["GDPR-CONTRACT-PERSONAL-DATA"]["field"] == "manifest.risk.gdpr.personal_data"


def test_a_missing_lawful_basis_is_one_finding_naming_the_purpose(
    run_cli: Run, tmp_path: Path
) -> None:
    def partial(data: dict[str, Any]) -> None:
        gdpr = data["risk"]["gdpr"]
        del gdpr["lawful_basis"]
        gdpr["lawful_bases"] = [{"purpose": gdpr["purposes"][0], "basis": "contract"}]

    findings = _gdpr_findings(run_cli, _example(tmp_path, partial))
    assert sorted(findings) == ["GDPR-6-LAWFUL-BASIS"]
    assert findings["GDPR-6-LAWFUL-BASIS"]["message"] == (
        "credit-scoring processes personal data without an Art. 6(1) lawful basis: no lawful "
        "basis for 'Produce the reason codes given to applicants on…'"
    )


def test_a_contract_server_outside_the_eea_is_an_undeclared_transfer(
    run_cli: Run, tmp_path: Path
) -> None:
    root = _example(tmp_path, lambda _: None)
    contract = root / "contracts" / "credit-applications.odcs.yaml"
    text = contract.read_text(encoding="utf-8").replace(
        "host: hive.risk-datalake.bh.local", "host: risk-lake.s3.us-east-1.amazonaws.com", 1
    )
    contract.write_text(text, encoding="utf-8")
    findings = _gdpr_findings(run_cli, root)
    assert sorted(findings) == ["GDPR-44-UNDECLARED-TRANSFER"]
    assert findings["GDPR-44-UNDECLARED-TRANSFER"]["message"] == (
        "credit-scoring transfers personal data outside the EEA without declaring it: "
        "contracts/credit-applications.odcs.yaml: server risk-datalake, host "
        "risk-lake.s3.us-east-1.amazonaws.com (US, outside the EEA) — risk.gdpr.transfers "
        "declares no transfer to US"
    )


def test_messages_never_print_a_raw_null(run_cli: Run, tmp_path: Path) -> None:
    def strip(data: dict[str, Any]) -> None:
        data["risk"]["gdpr"] = {"personal_data": True, "minors": {"present": True}}

    findings = _gdpr_findings(run_cli, _example(tmp_path, strip))
    assert len(findings) > 10
    for finding in findings.values():
        for word in ("None", "null", "<missing>"):
            assert word not in finding["message"], (finding["rule_id"], finding["message"])


def test_the_adequacy_list_is_the_organisations_to_override(run_cli: Run, tmp_path: Path) -> None:
    def to_japan(data: dict[str, Any]) -> None:
        gdpr = data["risk"]["gdpr"]
        gdpr["third_country_transfers"] = True
        gdpr["transfers"] = [
            {
                "country": "JP",
                "recipient": "Hexagone KK",
                "mechanism": "adequacy_decision",
                "reference": "Implementing Decision (EU) 2019/419",
                "systematic": True,
            }
        ]

    root = _example(tmp_path, to_japan)
    assert _gdpr_findings(run_cli, root) == {}  # Japan is on the pack's dated list
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "aigov-org.yaml").write_text(
        "apiVersion: aigov/v1\nkind: OrgConfig\n"
        "packs: [{name: gdpr, version: '>=1.2,<2'}]\n"
        "rules:\n  GDPR-45-ADEQUACY:\n"
        "    params: {adequacy_decisions: ['CH 2000-07-26 Commission Decision 2000/518/EC']}\n"
        "    reason: the group's transfer policy relies on the Swiss decision only\n",
        encoding="utf-8",
    )
    result = run_cli(
        "check",
        str(root),
        "--policies",
        str(policies),
        "--skip-evidence",
        "mlflow",
        "--skip-evidence",
        "data_quality",
        "--skip-evidence",
        "git",
        "--format",
        "json",
        "--today",
        "2026-12-04",
    )
    assert result.exit_code == 1, result.stderr
    findings = {f["rule_id"]: f for f in json.loads(result.stdout)["findings"]}
    adequacy = findings["GDPR-45-ADEQUACY"]
    assert adequacy["blocking"] and adequacy["field"] == "manifest.risk.gdpr.transfers[0]"
    assert (
        "to JP (Hexagone KK) on an adequacy decision that does not cover it"
        in (adequacy["message"])
    )
