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
  minors: no
  third_country_transfers: no
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
    assert "`aigov init --print-questions` writes every question" in result.stderr
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


PEOPLE = ["Agents spend their day on the same ten questions.", "Léa Martin", "Nadia Benali", ""]
"""Problem, business owner and DPO (both required by the built-in packs here), screened by."""


def _interactive_input(answers: dict[str, str]) -> str:
    """The lines a person would type: the project's identity, each question that gets asked,
    then who is involved (asked once the screening says which of them the packs require)."""
    project = ["chatbot-faq", "FAQ chatbot", "Customer care", "Retail", ""]
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
    return "\n".join([*lines, *PEOPLE]) + "\n"


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
    assert "'maybe' is not an answer: one of provider, deployer" in result.stdout  # at once
    # asked once the screening is known, as the organisation's blocking rules need them
    assert "Business owner's name (required by LC-OWNER-BUSINESS, high:" in result.stdout
    assert "Data protection officer's name (required by GDPR-37-DPO-STAKEHOLDER" in result.stdout
    assert "Who answers this screening (optional)" in result.stdout
    assert "Business owner's name (optional)" not in result.stdout
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


def _without(text: str, *keys: str) -> str:
    return "".join(
        line + "\n" for line in text.splitlines() if line.strip().split(":")[0] not in keys
    )


def test_what_the_packs_require_is_never_optional(run_cli: RunCli, tmp_path: Path) -> None:
    """Without a terminal, a person a blocking rule needs stops init, naming the rule."""
    text = _without(ANSWERS, "business_owner", "data_protection_officer")
    root = tmp_path / "repo"
    result = run_cli("init", str(root), "--answers", str(_answers_file(tmp_path, text)))
    assert result.exit_code == 2
    assert "--business-owner (required by LC-OWNER-BUSINESS, high: " in result.stderr
    assert (
        "--data-protection-officer (required by GDPR-37-DPO-STAKEHOLDER, high: GDPR Art. 37(1)"
        in (result.stderr)
    )
    assert not (root / "aigov.yaml").exists()


def test_no_personal_data_no_dpo_required(run_cli: RunCli, tmp_path: Path) -> None:
    """The DPO rule applies when personal data are processed (its ``when``): init follows it."""
    text = _without(ANSWERS, "data_protection_officer").split("gdpr:\n")[0]
    text += "gdpr: {personal_data: no}\n"
    text = text.replace("profiling: yes", "profiling: no").replace("4(a)", "none")
    root = tmp_path / "repo"
    result = run_cli("init", str(root), "--answers", str(_answers_file(tmp_path, text)))
    assert result.exit_code == 0, result.stderr
    assert run_cli("check", str(root)).exit_code == 0


def test_the_organisation_tuning_decides(run_cli: RunCli, tmp_path: Path) -> None:
    """An organisation that lowers LC-OWNER-BUSINESS below its blocking severity makes the
    business owner optional again: requirements come from its packs, not from init."""
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "aigov-org.yaml").write_text(
        "apiVersion: aigov/v1\nkind: OrgConfig\nblock_on: high\n"
        "rules:\n  LC-OWNER-BUSINESS: {severity: medium, reason: owners are named at the poc}\n",
        encoding="utf-8",
    )
    text = _without(ANSWERS, "business_owner")
    answers = str(_answers_file(tmp_path, text))
    refused = run_cli("init", str(tmp_path / "a"), "--answers", answers)
    assert refused.exit_code == 2 and "--business-owner" in refused.stderr
    root = tmp_path / "b"
    done = run_cli("init", str(root), "--answers", answers, "--policies", str(policies))
    assert done.exit_code == 0, done.stderr
    assert run_cli("check", str(root), "--policies", str(policies)).exit_code == 0


def test_wrong_answers_are_all_listed_with_the_values_allowed(
    run_cli: RunCli, tmp_path: Path
) -> None:
    text = (
        ANSWERS.replace("  social_scoring: no", "  social_scoring: maybe")
        .replace("annex_iii_point: 4(a)", "annex_iii_point: 4a")
        .replace("  name: ", "  budget: 3\n  name: ")
    )
    result = run_cli("init", str(tmp_path / "r"), "--answers", str(_answers_file(tmp_path, text)))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    answers = str(tmp_path / "answers.yaml")
    written = text.splitlines()
    budget = written.index("  budget: 3") + 1
    scoring = written.index("  social_scoring: maybe") + 1
    assert any(f"{answers}:{budget}:3: unknown project field 'budget'" in line for line in lines)
    assert any(
        f"{answers}:{scoring}:3: art5.social_scoring (AI Act Art. 5(1)(c)): 'maybe' is not an "
        "answer: answer yes or no" in line
        for line in lines
    )
    assert any(
        "ai_act.annex_iii_point (AI Act Art. 6(2), Annex III): '4a' is not an answer: choose "
        "one of: none, 1(a), 1(b)" in line
        for line in lines
    )
    (tmp_path / "good").mkdir()
    good = str(_answers_file(tmp_path / "good"))
    stage = run_cli("init", str(tmp_path / "s"), "--answers", good, "--answer", "stage=later")
    assert "unknown stage 'later': one of ideation, data-exploration" in stage.stderr


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_print_questions_writes_a_complete_answers_template(
    run_cli: RunCli, tmp_path: Path, lang: str
) -> None:
    from aigov.i18n import translator
    from aigov.init.screening.questions import ANNEX_III, flatten

    result = run_cli("init", "--print-questions", "--lang", lang)
    assert result.exit_code == 0, result.stderr
    template = result.stdout
    tr = translator(lang)
    lines = template.splitlines()
    for question in QUESTIONS:  # every question: its article, its prompt, its values, its key
        at = lines.index(f"{question.id}:")
        start = max(i for i in range(at) if lines[i].startswith("# ["))
        block = "\n".join(lines[start:at])
        assert f"# [{question.reference}] {tr(question.prompt)}" in block, question.id
        for choice in question.choices:
            assert choice in block, (question.id, choice)
        if question.kind == "yes_no":
            assert tr("yes or no") in block
    assert all(f"#     {point}: {tr(label)}" in template for point, (_, label) in ANNEX_III.items())
    people = template.split("\n  business_owner:")[0].splitlines()[-1]
    assert tr("required by {rules}", rules="LC-OWNER-BUSINESS").split("LC-")[0] in people
    # the template is an answers file: empty, every question is unanswered; filled, init runs
    path = tmp_path / "answers.yaml"
    path.write_text(template, encoding="utf-8")
    empty = run_cli("init", str(tmp_path / "e"), "--answers", str(path))
    assert empty.exit_code == 2 and "art5.social_scoring (AI Act Art. 5(1)(c))" in empty.stderr
    data = yaml.safe_load(ANSWERS)
    given = {**flatten(data), **data["project"]}
    filled = [
        f"{line}{_yaml_value(given.get(line[:-1].strip()))}" if line.endswith(":") else line
        for line in lines
    ]
    path.write_text("\n".join(filled) + "\n", encoding="utf-8")
    done = run_cli("init", str(tmp_path / "f"), "--answers", str(path), "--lang", lang)
    assert done.exit_code == 0, done.stderr
    assert run_cli("check", str(tmp_path / "f")).exit_code == 0


def _yaml_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return " yes" if value else " no"
    return " " + yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).split("\n")[0]
