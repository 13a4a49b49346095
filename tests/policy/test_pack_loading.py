"""Loading packs from folders: every problem located at the pack file, line and column."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tests.policy.conftest import PACK_YAML, RULES_YAML

from aigov.policy.pack import PolicyLoadError, load_pack
from aigov.policy.sources import load_pack_folders


def problems_of(*folders: Path) -> list[str]:
    with pytest.raises(PolicyLoadError) as caught:
        load_pack_folders(list(folders))
    return [str(p) for p in caught.value.problems]


def test_a_valid_pack_loads_with_compiled_rules(make_pack: Callable[..., Path]) -> None:
    folder = make_pack()
    policy_set = load_pack_folders([folder])
    (pack,) = policy_set.packs
    assert (pack.name, pack.version) == ("test", "1.0.0")
    assert [r.id for r in policy_set.rules] == ["TEST-OVERSIGHT", "TEST-OWNER"]
    oversight = policy_set.rules[0]
    assert oversight.when is not None
    assert oversight.roots == {"manifest", "model_card"}
    assert oversight.locate == "model_card.human_oversight.override"
    assert str(oversight.location) == f"{folder}/rules/main.yaml:1:3"
    assert policy_set.effective_dates["TEST-OVERSIGHT"].isoformat() == "2026-08-02"
    assert policy_set.effective_dates["TEST-OWNER"] is None
    assert pack.digest.startswith("sha256:")


def test_unknown_field_names_the_closest_one(make_pack: Callable[..., Path]) -> None:
    rules = RULES_YAML.format(prefix="TEST").replace("  remediation: Add", "  remediaton: Add")
    folder = make_pack(rules=rules)
    missing, unknown = problems_of(folder)
    assert f"{folder}/rules/main.yaml:20:3:" in missing
    assert "rule TEST-OWNER: required field 'remediation' is missing" in missing
    assert f"{folder}/rules/main.yaml:26:3: error: remediaton: rule TEST-OWNER:" in unknown
    assert "unknown field 'remediaton'" in unknown
    assert "did you mean 'remediation'?" in unknown


def test_unknown_field_in_pack_yaml(make_pack: Callable[..., Path]) -> None:
    pack_yaml = PACK_YAML.format(name="test", version="1.0.0") + "titel: typo\n"
    folder = make_pack(pack_yaml=pack_yaml)
    (problem,) = problems_of(folder)
    assert f"{folder}/pack.yaml:14:1:" in problem
    assert "did you mean 'title'?" in problem


def test_bad_semver_is_located(make_pack: Callable[..., Path]) -> None:
    folder = make_pack(version="1.0")
    found = problems_of(folder)
    assert len(found) == 2  # pack version and changelog version; no cascade into the rules
    assert f"{folder}/pack.yaml:4:1: error: version:" in found[0]
    assert "'1.0' is not a semantic version (MAJOR.MINOR.PATCH" in found[0]


def test_unknown_named_date(make_pack: Callable[..., Path]) -> None:
    rules = RULES_YAML.format(prefix="TEST").replace(
        "effective_from: start_of_obligations", "effective_from: annex_iii_obligations"
    )
    folder = make_pack(rules=rules)
    (problem,) = problems_of(folder)
    assert f"{folder}/rules/main.yaml:9:3:" in problem
    assert "'annex_iii_obligations'" in problem
    assert "named dates of this pack: start_of_obligations" in problem


def test_cel_syntax_error_maps_to_the_assert_key_and_expression_column(
    make_pack: Callable[..., Path],
) -> None:
    rules = RULES_YAML.format(prefix="TEST").replace(
        "assert: has(model_card.human_oversight.override)",
        "assert: has(model_card.human_oversight.override))",
    )
    folder = make_pack(rules=rules)
    (problem,) = problems_of(folder)
    assert f"{folder}/rules/main.yaml:10:3:" in problem
    assert "rule TEST-OVERSIGHT: invalid CEL in 'assert' at column 41" in problem


def test_cel_syntax_error_in_when(make_pack: Callable[..., Path]) -> None:
    rules = RULES_YAML.format(prefix="TEST").replace(
        'when: manifest.risk.ai_act.category == "high"',
        'when: manifest.risk.ai_act.category === "high"',
    )
    folder = make_pack(rules=rules)
    (problem,) = problems_of(folder)
    assert f"{folder}/rules/main.yaml:8:5:" in problem
    assert "invalid CEL in 'when'" in problem


def test_duplicate_rule_ids_across_packs(make_pack: Callable[..., Path]) -> None:
    first = make_pack("packs/one", name="one", prefix="SAME")
    second = make_pack("packs/two", name="two", prefix="SAME")
    found = problems_of(first, second)
    assert len(found) == 2
    assert f"{second}/rules/main.yaml:1:3:" in found[0]
    assert f"already used by pack 'one' at {first}/rules/main.yaml:1:3" in found[0]


def test_a_rules_file_must_be_a_list(make_pack: Callable[..., Path]) -> None:
    folder = make_pack(rules="id: X\n")
    (problem,) = problems_of(folder)
    assert f"{folder}/rules/main.yaml:1:1:" in problem
    assert "a YAML list of rules" in problem


def test_reserved_rule_ids(make_pack: Callable[..., Path]) -> None:
    folder = make_pack(prefix="AIGOV")
    assert any("reserved for aigov" in p for p in problems_of(folder))


def test_every_problem_is_reported_at_once(make_pack: Callable[..., Path]) -> None:
    rules = (
        RULES_YAML.format(prefix="TEST")
        .replace("severity: high", "severity: urgent")
        .replace('references: ["Internal governance charter §2"]', "references: []")
    )
    folder = make_pack(rules=rules, version="one")
    found = problems_of(folder)
    assert len(found) == 4, found  # pack and changelog versions, both rules
    assert any("rule TEST-OVERSIGHT:" in p and "'urgent'" in p for p in found)
    assert any("rule TEST-OWNER:" in p and "references" in p for p in found)


def test_digest_is_stable_and_follows_content(make_pack: Callable[..., Path]) -> None:
    one = load_pack_folders([make_pack("a/test")]).packs[0].digest
    two = load_pack_folders([make_pack("b/test")]).packs[0].digest
    assert one == two  # same content in another folder
    changed = make_pack("c/test")
    (changed / "rules" / "main.yaml").write_text(
        RULES_YAML.format(prefix="TEST").replace("severity: medium", "severity: low"),
        encoding="utf-8",
    )
    assert load_pack_folders([changed]).packs[0].digest != one
    (changed / "README.md").write_text("notes are not part of the pack\n", encoding="utf-8")
    assert load_pack_folders([changed]).packs[0].digest != one


def test_missing_pack_yaml(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "x.yaml").write_text("[]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no policy pack"):
        load_pack_folders([tmp_path])


_EVIDENCE_RULE = """\
- id: TEST-EVIDENCE
  title: A rule reading evidence
  severity: high
  references: ["Test"]
  applies:
    when: |-
      {when}
  assert: |-
    {assert_}
  message: |-
    {message}
  remediation: Fix it.
"""


@pytest.mark.parametrize(
    ("when", "assert_", "message", "needed"),
    [
        ("true", 'evidence["mlflow"].tracking_uri == "x"', "no", {"mlflow"}),
        ("true", "evidence['mlflow'].tracking_uri == 'x'", "no", {"mlflow"}),
        ("true", "evidence.mlflow.tracking_uri == 'x'", "no", {"mlflow"}),
        ("true", "has(evidence.git)", "no", {"git"}),
        ("has(evidence.git)", "true", "no", {"git"}),
        ("true", "evidence.git.timeline.exists(t, t.stage == 'poc')", "no", {"git"}),
        ("true", "true", "{{ evidence.data_quality.status }} failed", {"data_quality"}),
        (
            "true",
            'evidence["mlflow"].approved && has(evidence.git.shallow)',
            "no",
            {"mlflow", "git"},
        ),
        # neither a macro variable named evidence nor a string or a message's prose reads any
        ("true", "[1].all(evidence, evidence.x == 1)", "no", set()),
        ("true", '"evidence.mlflow" != ""', "no evidence. Rerun", set()),
        ("true", "manifest.stage == 'poc'", "no", set()),
    ],
)
def test_the_evidence_a_rule_needs(when: str, assert_: str, message: str, needed: set[str]) -> None:
    rules = _EVIDENCE_RULE.format(when=when, assert_=assert_, message=message)
    files = {"pack.yaml": PACK_YAML.format(name="t", version="1.0.0"), "rules/main.yaml": rules}
    pack = load_pack({p: text.encode() for p, text in files.items()}, origin="t", shown_as="t")
    (rule,) = pack.rules
    assert rule.evidence == needed
