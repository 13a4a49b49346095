"""The ai-act pack on real repositories: one root cause gives one blocking finding that carries
its chain, prohibited practices are named with their point, exemptions do not block, and the
French report translates every message."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import CliResult

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TODAY = "2026-12-04"


@pytest.fixture
def credit_scoring(tmp_path: Path) -> Path:
    root = tmp_path / "credit-scoring"
    shutil.copytree(EXAMPLES / "credit-scoring", root)
    return root


def edit(root: Path, old: str, new: str) -> None:
    manifest = root / "aigov.yaml"
    text = manifest.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    manifest.write_text(text.replace(old, new), encoding="utf-8")


def ai_act_findings(run_cli: Callable[..., CliResult], root: Path, *args: str) -> list[Any]:
    result = run_cli("check", str(root), "-f", "json", "--today", TODAY, *args)
    assert result.exit_code in (0, 1), result.stderr
    findings: list[Any] = json.loads(result.stdout)["findings"]
    return [f for f in findings if f["rule_id"].startswith("AIACT")]


def test_the_example_raises_no_ai_act_finding(
    run_cli: Callable[..., CliResult], credit_scoring: Path
) -> None:
    assert ai_act_findings(run_cli, credit_scoring, "--skip-evidence", "mlflow") == []


def test_a_derogation_claimed_for_creditworthiness_is_one_finding_with_its_chain(
    run_cli: Callable[..., CliResult], credit_scoring: Path
) -> None:
    """5(b) is profiling, so the Art. 6(3) claim fails: one blocking finding (the classification)
    explains why; the derogation's own duties (Art. 6(4), 49(2)) are not reported on top."""
    edit(credit_scoring, "    category: high\n", "    category: minimal\n")
    edit(
        credit_scoring,
        "      claimed: false\n      performs_profiling: true\n",
        "      claimed: true\n      conditions: [narrow_procedural_task]\n"
        "      performs_profiling: false\n",
    )
    blocking = [f for f in ai_act_findings(run_cli, credit_scoring) if f["blocking"]]
    assert [f["rule_id"] for f in blocking] == ["AIACT-6-ANNEX-III-HIGH"]
    message = blocking[0]["message"]
    assert "Annex III 5(b) creditworthiness scoring of natural persons" in message
    assert "treated as profiling" in message and "Art. 6(3) last subparagraph" in message
    assert "null" not in message and "None" not in message
    lines = (credit_scoring / "aigov.yaml").read_text(encoding="utf-8").split("\n")
    assert lines[blocking[0]["line"] - 1].strip() == "category: minimal"


def test_a_prohibited_practice_is_named_with_its_point_once(
    run_cli: Callable[..., CliResult], credit_scoring: Path
) -> None:
    edit(
        credit_scoring,
        "      emotion_recognition_work_education: false\n",
        "      emotion_recognition_work_education: true\n",
    )
    edit(credit_scoring, "    category: high\n", "    category: prohibited\n")
    found = ai_act_findings(run_cli, credit_scoring, "--skip-evidence", "mlflow")
    prohibited = [f for f in found if f["rule_id"].startswith("AIACT-5")]
    assert [f["rule_id"] for f in prohibited] == ["AIACT-5-NO-PROHIBITED-PRACTICE"]
    assert prohibited[0]["severity"] == "critical" and prohibited[0]["blocking"]
    assert "Art. 5(1)(f) emotion recognition at the workplace" in prohibited[0]["message"]


def test_the_medical_or_safety_exception_is_not_blocked(
    run_cli: Callable[..., CliResult], credit_scoring: Path
) -> None:
    edit(
        credit_scoring,
        "      emotion_recognition_work_education: false\n",
        "      emotion_recognition_work_education: true\n",
    )
    edit(
        credit_scoring,
        "      screened_on: 2025-01-20\n",
        "      exceptions: [medical_or_safety_reasons]\n      screened_on: 2025-01-20\n",
    )
    found = ai_act_findings(run_cli, credit_scoring, "--skip-evidence", "mlflow")
    assert not [f for f in found if f["rule_id"].startswith("AIACT-5")]


def test_french_report_translates_the_ai_act_messages(
    run_cli: Callable[..., CliResult], credit_scoring: Path
) -> None:
    edit(credit_scoring, "    annex_iii_point: 5(b)\n", "")
    edit(credit_scoring, "    category: high\n", "    category: limited\n")
    result = run_cli(
        "check", str(credit_scoring), "--lang", "fr", "--today", TODAY, "--skip-evidence", "mlflow"
    )
    assert "AIACT-6-ANNEX-III-HIGH" in result.stdout
    assert "mais est classé" in " ".join(result.stdout.split())
