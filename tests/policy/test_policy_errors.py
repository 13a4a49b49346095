"""A rule whose own expression fails is the policy's bug: reported against the rule, sent to
the pack's owner, and blocking only when the organisation fails closed."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import MINIMAL_MANIFEST, CliResult
from tests.policy.conftest import PACK_YAML, write_pack

# int("Churn prediction") fails at evaluation: the kind of bug a pack can ship with.
RULES = """\
- id: BUGGY-NAME-NUMBER
  title: The name is a number
  severity: low
  references: ["Internal charter §9"]
  assert: int(manifest.metadata.name) > 0
  message: the name is not a positive number
  remediation: Rename the project to a number.
  fixtures:
    pass:
      - manifest: {metadata: {name: "12"}}
    fail:
      - manifest: {metadata: {name: "-3"}}
"""


def _policies(tmp_path: Path, org: str | None = None) -> Path:
    root = tmp_path / "policies"
    pack_yaml = PACK_YAML.format(name="buggy", version="1.0.0").replace(
        "description: A pack written by a test.\n",
        "description: A pack written by a test.\n"
        "owner: Compliance office <compliance@bank.example>\n",
    )
    write_pack(root / "buggy", name="buggy", rules=RULES, pack_yaml=pack_yaml)
    if org is not None:
        (root / "aigov-org.yaml").write_text(
            "apiVersion: aigov/v1\nkind: OrgConfig\n" + textwrap.dedent(org), encoding="utf-8"
        )
    return root


@pytest.fixture
def repo(make_repo: Callable[..., Path]) -> Path:
    return make_repo({"aigov.yaml": MINIMAL_MANIFEST})


def test_a_failing_expression_is_a_policy_error_located_in_the_pack(
    run_cli: Callable[..., CliResult], repo: Path, tmp_path: Path
) -> None:
    policies = _policies(tmp_path)
    result = run_cli("check", str(repo), "--policies", str(policies), "-f", "json")
    assert result.exit_code == 1  # fail closed by default, although the rule is only low
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["status"] == "policy_error"
    assert finding["blocking"] is True
    assert finding["file"] == ""  # not the project's aigov.yaml
    assert finding["policy_location"] == f"{policies}/buggy/rules/main.yaml:1:3"
    assert finding["message"].startswith("rule BUGGY-NAME-NUMBER could not be evaluated: ")
    assert "Rename the project" not in finding["remediation"]
    assert "Compliance office <compliance@bank.example>" in finding["remediation"]


def test_the_organisation_may_let_policy_errors_warn(
    run_cli: Callable[..., CliResult], repo: Path, tmp_path: Path
) -> None:
    policies = _policies(tmp_path, "on_policy_error: warn\n")
    result = run_cli("check", str(repo), "--policies", str(policies), "-f", "json")
    assert result.exit_code == 0
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["status"], finding["blocking"]) == ("policy_error", False)
    assert json.loads(result.stdout)["on_policy_error"] == "warn"


def test_on_policy_error_takes_block_or_warn_only(
    run_cli: Callable[..., CliResult], repo: Path, tmp_path: Path
) -> None:
    policies = _policies(tmp_path, "on_policy_error: ignore\n")
    result = run_cli("check", str(repo), "--policies", str(policies))
    assert result.exit_code == 2
    assert "aigov-org.yaml:3:1: error: on_policy_error: Input should be 'block' or 'warn'" in (
        result.stderr
    )


def test_text_github_and_markdown_show_it_apart_from_the_projects_findings(
    run_cli: Callable[..., CliResult], repo: Path, tmp_path: Path
) -> None:
    policies = _policies(tmp_path)
    text = run_cli("check", str(repo), "--policies", str(policies)).stdout
    section = text[text.index("Policy errors (1)") :]
    assert "nothing to fix in this project" in section.split("\n")[0]
    assert (
        f"    {policies}/buggy/rules/main.yaml:1:3: BUGGY-NAME-NUMBER (pack buggy) [blocks]: "
        "The name is a number"
    ) in section
    assert "Blocking findings" not in text  # the project itself has none
    assert "aigov.yaml" not in text.split("Summary:")[0]
    github = run_cli("check", str(repo), "--policies", str(policies), "-f", "github").stdout
    (annotation,) = [line for line in github.splitlines() if line.startswith("::error")]
    assert "file=" not in annotation
    assert f"policy error in {policies}/buggy/rules/main.yaml:1:3" in annotation
    markdown = run_cli("check", str(repo), "--policies", str(policies), "-f", "markdown").stdout
    assert "(policy error: tell the policy owner)" in markdown
    assert "/policies/buggy/rules/main.yaml:1:3: " in markdown  # the rule, not aigov.yaml
