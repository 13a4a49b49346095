"""``aigov policy list``: every rule with its severity after the organisation's tuning, its
articles and title, and the link to its documentation (the one findings carry)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import CliResult
from tests.policy.conftest import PACK_YAML, write_pack

from aigov import __version__

Run = Callable[..., CliResult]

DOCUMENTED = (
    PACK_YAML + "documentation: https://policies.example.com/rules/{{rule_id}}.html#{{anchor}}\n"
)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A custom pack with a documentation URL, one without, and the built-in sla pack, tuned."""
    root = tmp_path / "policies"
    write_pack(
        root / "custom",
        name="custom",
        prefix="CUS",
        pack_yaml=DOCUMENTED.format(name="custom", version="1.0.0"),
    )
    write_pack(root / "bare", name="bare", prefix="BARE")
    (root / "aigov-org.yaml").write_text(
        "apiVersion: aigov/v1\nkind: OrgConfig\n"
        "packs: [{name: custom}, {name: bare}, {name: sla}]\n"
        "rules:\n"
        "  CUS-OWNER: {severity: low, reason: owners are named in the project charter}\n"
        "  SLA-DASHBOARD: {enabled: false, reason: dashboards are reviewed monthly}\n",
        encoding="utf-8",
    )
    return root


def test_text_lists_tuned_severities_and_turned_off_rules(run_cli: Run, source: Path) -> None:
    result = run_cli("policy", "list", "--policies", str(source))
    assert result.exit_code == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert lines["RULE"].split() == ["RULE", "SEVERITY", "ARTICLES", "TITLE"]
    assert "low (pack: medium)" in lines["CUS-OWNER"]
    assert "Internal governance charter §2" in lines["CUS-OWNER"]
    assert lines["CUS-OWNER"].endswith("The project names a business owner")
    assert lines["SLA-DASHBOARD"].split()[1] == "off"
    assert lines["CUS-OVERSIGHT"].split()[1] == "high"
    assert (
        result.stdout.rstrip().splitlines()[-1].endswith("(1 with a tuned severity, 1 turned off)")
    )


def test_json_shape_and_links(run_cli: Run, source: Path) -> None:
    result = run_cli("policy", "list", "--policies", str(source), "-f", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["policy_source"] == str(source)
    assert [p["name"] for p in document["packs"]] == ["custom", "bare", "sla"]
    rules = {rule["id"]: rule for rule in document["rules"]}
    owner = rules["CUS-OWNER"]
    assert owner == {
        "id": "CUS-OWNER",
        "pack": "custom",
        "title": "The project names a business owner",
        "severity": "low",
        "pack_severity": "medium",
        "enabled": True,
        "reason": "owners are named in the project charter",
        "articles": ["Internal governance charter §2"],
        "documentation": "https://policies.example.com/rules/CUS-OWNER.html"
        "#cus-owner--the-project-names-a-business-owner",
    }
    assert rules["BARE-OWNER"]["documentation"] is None  # no URL declared: no link at all
    dashboard = rules["SLA-DASHBOARD"]
    assert (dashboard["enabled"], dashboard["reason"]) == (False, "dashboards are reviewed monthly")
    assert dashboard["documentation"].startswith(
        f"https://github.com/aigov/aigov/blob/v{__version__}/docs/policy-reference.md#sla-dashboard--"
    )


def test_pack_filter_and_unknown_pack(run_cli: Run, source: Path) -> None:
    only = run_cli("policy", "list", "--policies", str(source), "--pack", "bare", "-f", "json")
    document = json.loads(only.stdout)
    assert [p["name"] for p in document["packs"]] == ["bare"]
    assert {r["pack"] for r in document["rules"]} == {"bare"}
    unknown = run_cli("policy", "list", "--policies", str(source), "--pack", "gpdr")
    assert unknown.exit_code == 2
    assert "no pack 'gpdr'" in unknown.stderr and "custom, bare, sla" in unknown.stderr


def test_builtin_listing_links_every_rule_to_the_released_reference(run_cli: Run) -> None:
    result = run_cli("policy", "list", "-f", "json")
    rules = json.loads(result.stdout)["rules"]
    assert len(rules) > 100
    reference = Path(__file__).resolve().parents[2] / "docs" / "policy-reference.md"
    headings = reference.read_text(encoding="utf-8")
    for rule in rules:
        base, _, anchor = rule["documentation"].partition("#")
        assert base.endswith(f"/blob/v{__version__}/docs/policy-reference.md")
        assert f"### {rule['id']} — {rule['title']}\n" in headings  # the anchor's heading exists
        assert anchor.startswith(rule["id"].lower() + "--")


def test_documentation_url_is_validated(run_cli: Run, tmp_path: Path) -> None:
    bad = PACK_YAML + "documentation: https://docs.example.com/{{rule}}\n"
    write_pack(tmp_path / "p", pack_yaml=bad.format(name="p", version="1.0.0"))
    result = run_cli("policy", "list", "--policies", str(tmp_path / "p"))
    assert result.exit_code == 2
    assert "pack.yaml" in result.stderr and "unknown placeholder {rule}" in result.stderr
    write_pack(
        tmp_path / "q",
        pack_yaml=(PACK_YAML + "documentation: javascript:alert(1)\n").format(
            name="q", version="1.0.0"
        ),
    )
    result = run_cli("policy", "list", "--policies", str(tmp_path / "q"))
    assert result.exit_code == 2 and "is not an http(s) URL" in result.stderr
