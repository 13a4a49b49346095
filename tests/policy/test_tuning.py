"""The organisation tunes its packs' rules in aigov-org.yaml: severity, on/off, parameters."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import MINIMAL_MANIFEST, CliResult, unwrapped
from tests.policy.conftest import write_pack

from aigov.policy.pack import PolicyLoadError
from aigov.policy.sources import PolicySource, load_policy_set

RULES = """\
- id: TUNE-STAKEHOLDERS
  title: The project names enough stakeholders
  severity: medium
  references: ["Internal governance charter §2"]
  params:
    min_stakeholders:
      type: int
      default: 1
      minimum: 0
      maximum: 20
      description: Fewest stakeholders a project names
  assert: >-
    (has(manifest.metadata.stakeholders) ? manifest.metadata.stakeholders.size() : 0)
    >= params.min_stakeholders
  message: "{{ manifest.metadata.id }} names fewer than {{ params.min_stakeholders }} stakeholders"
  remediation: Add the stakeholders under metadata.stakeholders.
  fixtures:
    pass:
      - manifest: {metadata: {stakeholders: [{name: Ann, role: business_owner}]}}
      - manifest: {metadata: {}}
        params: {min_stakeholders: 0}
    fail:
      - manifest: {metadata: {}}
- id: TUNE-NAME
  title: The project has a name
  severity: high
  references: ["Internal governance charter §1"]
  assert: has(manifest.metadata.name) && manifest.metadata.name == "never"
  message: the name is not 'never'
  remediation: Rename it.
  fixtures:
    pass:
      - manifest: {metadata: {name: never}}
    fail:
      - manifest: {metadata: {name: other}}
"""

ORG_HEAD = "apiVersion: aigov/v1\nkind: OrgConfig\n"


def _policies(tmp_path: Path, org: str | None = None, rules: str = RULES) -> Path:
    root = tmp_path / "policies"
    write_pack(root / "tuned", name="tuned", rules=rules)
    if org is not None:
        (root / "aigov-org.yaml").write_text(ORG_HEAD + textwrap.dedent(org), encoding="utf-8")
    return root


def _check(run_cli: Callable[..., CliResult], repo: Path, policies: Path) -> dict[str, object]:
    result = run_cli("check", str(repo), "--policies", str(policies), "-f", "json")
    assert result.exit_code in (0, 1), result.stdout + result.stderr
    report: dict[str, object] = json.loads(result.stdout)
    return report


@pytest.fixture
def repo(make_repo: Callable[..., Path]) -> Path:
    return make_repo({"aigov.yaml": MINIMAL_MANIFEST})


def _findings(report: dict[str, object]) -> dict[str, dict[str, object]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return {f["rule_id"]: f for f in findings}


def test_untuned_rules_use_the_pack_defaults(
    run_cli: Callable[..., CliResult], repo: Path, tmp_path: Path
) -> None:
    report = _check(run_cli, repo, _policies(tmp_path))
    findings = _findings(report)
    assert findings["TUNE-STAKEHOLDERS"]["message"] == (
        "churn-model names fewer than 1 stakeholders"
    )
    assert findings["TUNE-NAME"]["severity"] == "high"
    assert report["tuning"] == []


def test_the_organisation_sets_a_parameter_severity_and_turns_a_rule_off(
    run_cli: Callable[..., CliResult], repo: Path, tmp_path: Path
) -> None:
    org = """\
        rules:
          TUNE-STAKEHOLDERS: {params: {min_stakeholders: 0}, reason: small teams}
          TUNE-NAME: {enabled: false, reason: names are checked by the portfolio office}
    """
    report = _check(run_cli, repo, _policies(tmp_path, org))
    assert _findings(report) == {}  # 0 stakeholders are enough now; TUNE-NAME is off
    tuning = {t["rule_id"]: t for t in report["tuning"]}  # type: ignore[attr-defined]
    assert tuning["TUNE-STAKEHOLDERS"]["params"] == [
        {"name": "min_stakeholders", "default": 1, "value": 0}
    ]
    assert tuning["TUNE-STAKEHOLDERS"]["enabled"] is True
    assert tuning["TUNE-NAME"] == {
        "rule_id": "TUNE-NAME",
        "pack": "tuned",
        "enabled": False,
        "severity": None,
        "pack_severity": "high",
        "params": [],
        "reason": "names are checked by the portfolio office",
    }


def test_a_lowered_severity_no_longer_blocks(
    run_cli: Callable[..., CliResult], repo: Path, tmp_path: Path
) -> None:
    policies = _policies(tmp_path, "rules: {TUNE-NAME: {severity: low}}\n")
    result = run_cli("check", str(repo), "--policies", str(policies), "-f", "json")
    report = json.loads(result.stdout)
    finding = _findings(report)["TUNE-NAME"]
    assert finding["severity"] == "low"
    assert finding["blocking"] is False
    assert result.exit_code == 0  # the other finding is medium: below the default block_on


def test_a_raised_parameter_makes_the_rule_fail(
    run_cli: Callable[..., CliResult], make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    manifest = MINIMAL_MANIFEST.replace(
        "  business_unit: Retail banking\n",
        "  business_unit: Retail banking\n  stakeholders:\n"
        "    - {name: Ann, role: business_owner}\n",
    )
    repo = make_repo({"aigov.yaml": manifest})
    assert "TUNE-STAKEHOLDERS" not in _findings(_check(run_cli, repo, _policies(tmp_path)))
    org = "rules: {TUNE-STAKEHOLDERS: {params: {min_stakeholders: 3}}}\n"
    finding = _findings(_check(run_cli, repo, _policies(tmp_path, org)))["TUNE-STAKEHOLDERS"]
    assert finding["message"] == "churn-model names fewer than 3 stakeholders"


@pytest.mark.parametrize(
    ("org", "where", "expected"),
    [
        (
            "rules:\n  TUNE-NAMES: {severity: low}\n",
            "4:3",
            "no pack evaluated has a rule 'TUNE-NAMES' [org.unknown-rule]\n"
            "    hint: did you mean 'TUNE-NAME'?",
        ),
        (
            "rules:\n  TUNE-STAKEHOLDERS:\n    params: {min_stakeholder: 2}\n",
            "5:14",
            "rule TUNE-STAKEHOLDERS (pack tuned) has no parameter 'min_stakeholder' "
            "[org.unknown-param]\n    hint: did you mean 'min_stakeholders'?",
        ),
        (
            "rules:\n  TUNE-STAKEHOLDERS:\n    params: {min_stakeholders: '2'}\n",
            "5:14",
            "parameter 'min_stakeholders': expected an integer, got the string '2'",
        ),
        (
            "rules:\n  TUNE-STAKEHOLDERS:\n    params: {min_stakeholders: 50}\n",
            "5:14",
            "parameter 'min_stakeholders': 50 is above the maximum 20",
        ),
        (
            "rules:\n  TUNE-NAME: {enabled: false}\n",
            "4:3",
            "a rule turned off ('enabled: false') needs a 'reason'",
        ),
        ("rules:\n  TUNE-NAME: {severity: severe}\n", "4:15", "rules.TUNE-NAME.severity"),
        ("rules:\n  TUNE-NAME: {severty: low}\n", "4:15", "severty"),
    ],
)
def test_every_tuning_mistake_is_located_in_the_org_file(
    tmp_path: Path, org: str, where: str, expected: str
) -> None:
    with pytest.raises(PolicyLoadError) as caught:
        load_policy_set(PolicySource("folder", str(_policies(tmp_path, org))))
    (problem,) = caught.value.problems
    shown = str(problem)
    assert shown.startswith(f"{tmp_path}/policies/aigov-org.yaml:{where}: error: "), shown
    assert expected in shown, shown


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("params.min_stakeholders", "params.min_stakeholder"),
            "rule TUNE-STAKEHOLDERS: reads params.min_stakeholder, which its 'params' does not "
            "declare [rule.undeclared-param]\n    hint: did you mean 'min_stakeholders'?",
        ),
        (("default: 1", "default: one"), "default: expected an integer, got the string 'one'"),
        (("minimum: 0", "minimum: 30"), "minimum 30 is above maximum 20"),
        (("    min_stakeholders:\n", "    MinStakeholders:\n"), "must be lower_snake_case"),
    ],
)
def test_a_parameter_declaration_mistake_is_a_pack_error(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    rules = RULES.replace(*change)
    assert rules != RULES
    with pytest.raises(PolicyLoadError) as caught:
        load_policy_set(PolicySource("folder", str(_policies(tmp_path, rules=rules))))
    shown = "\n".join(str(p) for p in caught.value.problems)
    assert f"{tmp_path}/policies/tuned/rules/main.yaml:" in shown
    assert expected in shown


def test_policy_test_runs_fixtures_with_their_parameters(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    policies = _policies(tmp_path)
    result = run_cli("policy", "test", str(policies / "tuned"))
    assert result.exit_code == 0, result.stdout + result.stderr
    broken = RULES.replace("params: {min_stakeholders: 0}", "params: {min_stakeholders: 5}")
    write_pack(policies / "tuned", name="tuned", rules=broken)
    result = run_cli("policy", "test", str(policies / "tuned"))
    assert result.exit_code == 1
    assert "FAIL TUNE-STAKEHOLDERS pass[1]" in result.stdout
    bad = RULES.replace("params: {min_stakeholders: 0}", "params: {min_stakeholders: zero}")
    write_pack(policies / "tuned", name="tuned", rules=bad)
    result = run_cli("policy", "test", str(policies / "tuned"))
    assert "params.min_stakeholders: expected an integer, got the string 'zero'" in result.stdout


def test_explain_shows_the_parameters_and_the_organisations_choices(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    org = """\
        rules:
          TUNE-STAKEHOLDERS: {params: {min_stakeholders: 3}, severity: low}
          TUNE-NAME: {enabled: false, reason: checked elsewhere}
    """
    policies = _policies(tmp_path, org)
    shown = run_cli("explain", "TUNE-STAKEHOLDERS", "--policies", str(policies))
    assert shown.exit_code == 0, shown.stderr
    assert "- Severity: **low** (the pack's: medium; set by the organisation)" in shown.stdout
    assert (
        "| `params.min_stakeholders` | int, ≥ 0, ≤ 20 | `1` | `3` "
        "| Fewest stakeholders a project names |"
    ) in shown.stdout
    off = run_cli("explain", "TUNE-NAME", "--policies", str(policies))
    assert off.stdout == (
        "TUNE-NAME (pack tuned) is turned off by the organisation's aigov-org.yaml: "
        "checked elsewhere\n"
    )


def test_the_text_summary_says_what_the_organisation_tuned(
    run_cli: Callable[..., CliResult], repo: Path, tmp_path: Path
) -> None:
    org = """\
        rules:
          TUNE-STAKEHOLDERS: {params: {min_stakeholders: 0}}
          TUNE-NAME: {severity: low}
    """
    text = run_cli("check", str(repo), "--policies", str(_policies(tmp_path, org))).stdout
    summary = unwrapped(text[text.index("Summary:") :])
    assert (
        "2 rule(s) tuned by the organisation: TUNE-STAKEHOLDERS (min_stakeholders 1 → 0); "
        "TUNE-NAME (high → low)"
    ) in summary
    french = run_cli(
        "check", str(repo), "--policies", str(_policies(tmp_path, org)), "--lang", "fr"
    ).stdout
    assert "2 règle(s) ajustée(s) par l'organisation" in french
