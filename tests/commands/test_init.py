"""`aigov init`: scaffolds files that validate, records the screening, never overwrites silently."""

from __future__ import annotations

import io
import os
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from tests.conftest import PROJECT_ROOT, CliResult

from aigov.init.screening.questions import QUESTIONS, asked_questions

RunCli = Callable[..., CliResult]

ANSWERS = """\
project:
  id: cv-screening
  name: "CV screening: assistant"
  owner: HR Analytics
  business_unit: Human Resources
  problem: Recruiters spend 40 % of their time reading CVs.
  business_owner: Valérie Garnier
  data_protection_officer: Nadia Benali
ai_act:
  role: provider
  developed_by_organisation: yes
  used_by_organisation: yes
  public_body: no
  provides_public_services: no
  affects_workers: no
  annex_i_safety_component: no
  annex_iii_point: 4(a)
art5:
  subliminal_manipulation: no
  exploits_vulnerabilities: no
  social_scoring: no
  crime_prediction_by_profiling: no
  untargeted_facial_scraping: no
  emotion_recognition_work_education: no
  biometric_categorisation_sensitive: no
  realtime_remote_biometric_identification: no
profiling: yes
transparency:
  interacts_with_people: no
  generates_synthetic_content: no
  emotion_recognition_or_biometric_categorisation: no
  deep_fake: no
gpai: {is_gpai_model: no}
gdpr:
  personal_data: yes
  lawful_basis: legitimate_interests
  special_categories: none
  criminal_data: no
  highly_personal_data: no
  legal_effect: yes
  solely_automated: no
  systematic_monitoring: no
  large_scale: yes
  data_matching: no
  vulnerable_subjects: yes
  innovative_technology: no
  prevents_right_or_service: no
"""


def _answers_file(tmp_path: Path, text: str = ANSWERS) -> Path:
    path = tmp_path / "answers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _manifest(root: Path) -> dict[str, object]:
    data: dict[str, object] = yaml.safe_load((root / "aigov.yaml").read_text(encoding="utf-8"))
    return data


def test_answers_file_scaffolds_valid_files(run_cli: RunCli, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    result = run_cli(
        "init", str(root), "--answers", str(_answers_file(tmp_path)), "--today", "2026-11-24"
    )
    assert result.exit_code == 0, result.stderr
    assert "AI Act category: high" in result.stdout
    for name in ("aigov.yaml", "MODEL_CARD.md", "contracts/cv-screening-data.odcs.yaml"):
        assert (root / name).is_file()
    assert run_cli("validate", "--strict", str(root)).exit_code == 0
    risk = _manifest(root)["risk"]
    assert isinstance(risk, dict)
    assert risk["ai_act"]["category"] == "high"
    assert risk["ai_act"]["annex_iii_point"] == "4(a)"
    assert risk["ai_act"]["annex_iii_area"] == "employment"
    # the new shape: every answer written, roles as a list derived from who builds and uses it
    assert risk["ai_act"]["role"] == ["provider", "deployer"]
    assert risk["ai_act"]["uses"] == {
        "developed_by_organisation": True,
        "used_by_organisation": True,
    }
    assert risk["ai_act"]["annex_i_safety_component"] is False
    assert risk["ai_act"]["public_body"] is False and risk["ai_act"]["affects_workers"] is False
    assert risk["ai_act"]["gpai"] == {"is_gpai_model": False}
    assert set(risk["ai_act"]["transparency"].values()) == {False}
    assert "Art. 6(3) second subparagraph" in risk["ai_act"]["rationale"]
    assert risk["ai_act"]["art_6_3_exemption"] == {"claimed": False, "performs_profiling": True}
    assert str(risk["ai_act"]["prohibited_practices"]["screened_on"]) == "2026-11-24"
    assert risk["gdpr"]["dpia"]["status"] == "required"
    assert "vulnerable_subjects" in risk["gdpr"]["dpia"]["triggers"]
    # the ideation gate of the built-in packs passes on what init wrote
    assert run_cli("check", str(root), "--today", "2026-11-24").exit_code == 0


def test_contract_is_valid_odcs(run_cli: RunCli, tmp_path: Path) -> None:
    from aigov.documents.repository import load_repository

    root = tmp_path / "repo"
    run_cli("init", str(root), "--answers", str(_answers_file(tmp_path)), "--contract", "CVs 2026")
    repository = load_repository(root)
    assert not repository.problems.errors
    [contract] = repository.contracts
    assert contract.file == "contracts/cvs-2026.odcs.yaml"
    assert contract.data["kind"] == "DataContract" and contract.data["status"] == "draft"


def test_flags_and_answer_override_the_file(run_cli: RunCli, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    result = run_cli(
        "init",
        str(root),
        "--answers",
        str(_answers_file(tmp_path)),
        "--id",
        "other-id",
        "--answer",
        "art5.social_scoring=yes",
    )
    assert result.exit_code == 0, result.stderr
    manifest = _manifest(root)
    assert manifest["metadata"]["id"] == "other-id"  # type: ignore[index]
    assert manifest["risk"]["ai_act"]["category"] == "prohibited"  # type: ignore[index]
    assert "Art. 5(1)(c)" in manifest["risk"]["ai_act"]["rationale"]  # type: ignore[index]


def test_missing_answers_stop_a_non_interactive_run(run_cli: RunCli, tmp_path: Path) -> None:
    text = ANSWERS.replace("  social_scoring: no\n", "")
    result = run_cli(
        "init", str(tmp_path / "repo"), "--answers", str(_answers_file(tmp_path, text))
    )
    assert result.exit_code == 2
    assert "art5.social_scoring (AI Act Art. 5(1)(c))" in result.stderr
    assert not (tmp_path / "repo" / "aigov.yaml").exists()


def test_unknown_question_is_named(run_cli: RunCli, tmp_path: Path) -> None:
    text = ANSWERS.replace("  social_scoring: no", "  social_scorin: no")
    result = run_cli("init", str(tmp_path / "r"), "--answers", str(_answers_file(tmp_path, text)))
    assert result.exit_code == 2
    assert "unknown question 'art5.social_scorin'" in result.stderr
    assert "did you mean 'art5.social_scoring'?" in result.stderr


def test_never_overwrites_without_force(run_cli: RunCli, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "aigov.yaml").write_text("# mine\n", encoding="utf-8")
    answers = str(_answers_file(tmp_path))
    result = run_cli("init", str(root), "--answers", answers)
    assert result.exit_code == 2
    assert "use --force" in result.stderr
    assert (root / "aigov.yaml").read_text(encoding="utf-8") == "# mine\n"
    assert not (root / "MODEL_CARD.md").exists()
    assert run_cli("init", str(root), "--answers", answers, "--force").exit_code == 0
    assert "apiVersion: aigov/v1" in (root / "aigov.yaml").read_text(encoding="utf-8")


def _interactive_input(answers: dict[str, str]) -> str:
    """The lines a person would type: project fields, then each question that gets asked."""
    project = ["chatbot-faq", "FAQ chatbot", "Customer care", "Retail", "", "", "", "", ""]
    lines = list(project)
    given: dict[str, object] = {}
    from aigov.init.screening.questions import parse_answer

    while True:
        pending = [q for q in asked_questions(given) if q.id not in given]
        if not pending:
            break
        question = pending[0]
        raw = answers.get(question.id, "no" if question.kind == "yes_no" else "none")
        given[question.id] = parse_answer(question, raw)
        lines.append(raw)
    return "\n".join(lines) + "\n"


CHATBOT = {
    "ai_act.role": "deployer",
    "transparency.interacts_with_people": "yes",
    "transparency.generates_synthetic_content": "oui",
    "gdpr.personal_data": "yes",
    "gdpr.lawful_basis": "legitimate_interests",
    "gdpr.large_scale": "yes",
    "gdpr.innovative_technology": "yes",
}


def test_interactive_prompts_read_stdin(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a wrong answer first: the question is asked again
    text = _interactive_input(CHATBOT).replace("\ndeployer\n", "\nmaybe\ndeployer\n", 1)
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    root = tmp_path / "bot"
    result = run_cli("init", str(root), "--interactive", "--today", "2026-11-24")
    assert result.exit_code == 0, result.stderr
    assert "[AI Act Art. 5(1)(a)]" in result.stdout
    assert "choose one of" in result.stdout
    risk = _manifest(root)["risk"]
    assert isinstance(risk, dict)
    assert risk["ai_act"]["role"] == ["deployer"]
    assert risk["ai_act"]["category"] == "limited"
    assert risk["ai_act"]["transparency"] == {
        "interacts_with_people": True,
        "generates_synthetic_content": True,
        "emotion_recognition_or_biometric_categorisation": False,
        "deep_fake": False,
    }
    assert risk["ai_act"]["annex_iii_point"] == "none"
    assert risk["gdpr"]["dpia"]["triggers"] == ["large_scale", "innovative_technology"]
    assert run_cli("validate", "--strict", str(root)).exit_code == 0


def test_interactive_input_ending_early_is_an_error(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("only-id\n"))
    result = run_cli("init", str(tmp_path / "x"), "--interactive")
    assert result.exit_code != 0
    assert not (tmp_path / "x" / "aigov.yaml").exists()


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_prompts_on_a_real_terminal_in_french(tmp_path: Path) -> None:
    """A real pseudo-terminal: init sees a TTY and prompts without --interactive."""
    primary, secondary = os.openpty()
    root = tmp_path / "tty"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "src")}
    process = subprocess.Popen(
        [sys.executable, "-m", "aigov", "init", str(root), "--lang", "fr"],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env=env,
        close_fds=True,
    )
    os.close(secondary)
    output = b""
    try:
        for line in _interactive_input(CHATBOT).splitlines():
            output += _read_until_prompt(primary)
            os.write(primary, line.encode() + b"\n")
        process.wait(timeout=30)
        output += _drain(primary)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(primary)
    text = output.decode("utf-8", "replace")
    assert process.returncode == 0, text
    assert "Identifiant du projet" in text
    assert "pratique" in text.lower() or "techniques subliminales" in text
    assert "Catégorie AI Act : risque limité" in text
    manifest = (root / "aigov.yaml").read_text(encoding="utf-8")
    assert "Risque limité" in manifest


def _read_until_prompt(fd: int, timeout: float = 20) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            data += chunk
            if data.rstrip().endswith((b":", b"]:")) or data.endswith(b": "):
                return data
    return data


def _drain(fd: int) -> bytes:
    data = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            return data
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return data
        if not chunk:
            return data
        data += chunk


def test_every_question_has_a_reference() -> None:
    assert all(q.reference for q in QUESTIONS)
