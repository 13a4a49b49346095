"""``aigov policy test``, ``aigov policy doc`` and ``aigov explain`` through ``aigov.cli.main``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import PROJECT_ROOT, CliResult

from aigov.policy.reference import render_reference
from aigov.policy.sources import load_policy_set

Run = Callable[..., CliResult]


def test_policy_test_passes_on_good_fixtures(run_cli: Run, make_pack: Callable[..., Path]) -> None:
    folder = make_pack()
    result = run_cli("policy", "test", str(folder))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines() == [
        "testing 2 rules of test 1.0.0",
        "4 passed, 0 failed",
    ]


BAD_FIXTURES = """\
- id: BAD-OVERSIGHT
  title: High-risk systems define a human override
  severity: high
  references: ["EU AI Act Art. 14"]
  applies:
    when: manifest.risk.ai_act.category == "high"
  assert: has(model_card.human_oversight.override)
  message: no override
  remediation: Describe it.
  fixtures:
    pass:
      - manifest: {risk: {ai_act: {category: high}}}
        model_card: {license: mit}
    fail:
      - manifest: {risk: {ai_act: {category: minimal}}}
- id: BAD-NO-FAIL
  title: A rule with only a pass fixture
  severity: low
  references: ["Charter"]
  assert: "true"
  message: never
  remediation: never
  fixtures:
    pass: [{}]
"""


def test_policy_test_reports_each_failing_fixture(
    run_cli: Run, make_pack: Callable[..., Path]
) -> None:
    folder = make_pack(rules=BAD_FIXTURES)
    result = run_cli("policy", "test", str(folder))
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "1 passed, 3 failed"
    rules_file = f"{folder}/rules/main.yaml"
    assert lines[1:4] == [
        f"FAIL BAD-OVERSIGHT pass[0] ({rules_file}:1:3): expected the rule to pass, it failed "
        "(model_card.human_oversight is missing)",
        f"FAIL BAD-OVERSIGHT fail[0] ({rules_file}:1:3): expected the rule to fail, it was "
        "not applicable",
        f"FAIL BAD-NO-FAIL fixtures ({rules_file}:16:3): no 'fail' fixture",
    ]


def test_policy_test_exits_2_on_a_broken_pack(run_cli: Run, make_pack: Callable[..., Path]) -> None:
    folder = make_pack(version="1.0")
    result = run_cli("policy", "test", str(folder))
    assert result.exit_code == 2
    assert f"{folder}/pack.yaml:4:1" in result.stderr
    assert "the packs cannot be tested" in result.stderr


def test_policy_doc_and_explain_on_a_source_folder(
    run_cli: Run, make_pack: Callable[..., Path], tmp_path: Path
) -> None:
    make_pack("source/test")
    out = tmp_path / "reference.md"
    result = run_cli("policy", "doc", "--policies", str(tmp_path / "source"), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert "## Test pack test" in text and "Pack `test` version 1.0.0." in text
    assert "### TEST-OVERSIGHT — High-risk systems define a human override" in text
    assert "#### How to fix" in text and "#### Example that fails" in text
    assert "- Effective from: 2026-08-02 (`start_of_obligations`)" in text
    explained = run_cli("explain", "test-owner", "--policies", str(tmp_path / "source"))
    assert explained.exit_code == 0
    assert explained.stdout.startswith("## TEST-OWNER — The project names a business owner")
    assert "References: Internal governance charter §2." in explained.stdout
    unknown = run_cli("explain", "TEST-OWNR", "--policies", str(tmp_path / "source"))
    assert unknown.exit_code == 2
    assert "did you mean TEST-OWNER" in unknown.stderr


def test_builtin_packs_load_and_their_fixtures_pass(run_cli: Run) -> None:
    result = run_cli("policy", "test")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].endswith(" passed, 0 failed")


def test_the_committed_policy_reference_is_up_to_date() -> None:
    committed = (PROJECT_ROOT / "docs" / "policy-reference.md").read_text(encoding="utf-8")
    assert committed == render_reference(load_policy_set()), (
        "docs/policy-reference.md is stale: run `aigov policy doc --out docs/policy-reference.md`"
    )


def test_explain_unknown_rule_of_builtin_packs(run_cli: Run) -> None:
    result = run_cli("explain", "NO-SUCH-RULE-AT-ALL")
    assert result.exit_code == 2
    assert "no rule 'NO-SUCH-RULE-AT-ALL'" in result.stderr


def test_doc_and_explain_read_a_git_ref(run_cli: Run, tmp_path: Path) -> None:
    from tests.policy.test_sources import make_git_policies

    root = tmp_path / "policy-repo"
    _, first, _ = make_git_policies(root)
    explained = run_cli("explain", "GIT-OWNER", "--policies", str(root), "--ref", first)
    assert explained.exit_code == 0, explained.stderr
    assert explained.stdout.startswith("## GIT-OWNER — ")
    at_head = run_cli("explain", "GIT-OWNER", "--policies", f"git+file://{root}@HEAD")
    assert at_head.exit_code == 2  # renamed to GIT2-OWNER in the second commit
    assert "did you mean GIT2-OWNER" in at_head.stderr
    doc = run_cli("policy", "doc", "--policies", f"git+file://{root}@{first}")
    assert doc.exit_code == 0
    assert "Pack `gdpr` version 1.0.0." in doc.stdout
