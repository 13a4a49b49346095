"""The coverage matrix (docs/coverage.md): every article in scope is enforced by a rule or says
why a repository's files cannot show it; the page is generated, never edited by hand."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from tests.policy.conftest import write_pack

from aigov.policy.coverage import Citation, build_matrix, load_scopes, render_markdown
from aigov.policy.sources import PolicySource, load_policy_set

ROOT = Path(__file__).resolve().parents[2]
COVERAGE_DOC = ROOT / "docs" / "coverage.md"


def aigov(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aigov", *args], capture_output=True, text=True, check=False
    )


def test_the_published_matrix_is_the_generated_one() -> None:
    policy_set = load_policy_set()
    expected = render_markdown(build_matrix(policy_set, load_scopes()), policy_set)
    assert COVERAGE_DOC.read_text(encoding="utf-8") == expected, (
        "docs/coverage.md is stale: run `aigov policy coverage --out docs/coverage.md`"
    )


def test_no_article_in_scope_is_left_without_a_rule_or_a_reason() -> None:
    matrix = build_matrix(load_policy_set(), load_scopes())
    assert not [f"{row.regulation} {row.label}" for row in matrix.gaps]
    # The scope the issue names is all there (a row dropped from a scope file is a hole too).
    gdpr = {row.article for row in matrix.rows if row.regulation == "GDPR"}
    assert {f"Art. {n}" for n in [*range(5, 24), *range(24, 40), *range(44, 50)]} <= gdpr
    ai_act = {row.article for row in matrix.rows if row.regulation == "EU AI Act"}
    wanted = [*range(2, 7), *range(9, 28), 43, *range(47, 51), *range(53, 56), 72, 73, 86, 111, 113]
    assert {f"Art. {n}" for n in wanted} <= ai_act
    assert {"Annex III", "Annex IV"} <= ai_act


@pytest.mark.parametrize(
    ("reference", "parsed"),
    [
        ("GDPR Art. 35(3)", ("GDPR", "Art. 35", "3")),
        ("GDPR Art. 5(1)(e)", ("GDPR", "Art. 5", "1(e)")),
        ("EU AI Act Art. 6", ("EU AI Act", "Art. 6", None)),
        ("EU AI Act Annex III point 5(b)", ("EU AI Act", "Annex III", "point 5(b)")),
        ("EU AI Act Annex IV", ("EU AI Act", "Annex IV", None)),
    ],
)
def test_a_reference_is_read_as_regulation_article_and_paragraph(
    reference: str, parsed: tuple[str, str, str | None]
) -> None:
    citation = Citation.parse(reference)
    assert citation is not None
    assert (citation.regulation, citation.article, citation.paragraph) == parsed


def test_non_article_references_cite_nothing() -> None:
    assert Citation.parse("aigov lifecycle practice: monitoring") is None
    assert Citation.parse("EDPB WP248 rev.01") is None


SCOPE = """\
apiVersion: aigov/v1
kind: CoverageScope
regulation: Test Act
title: The Test Act
articles:
  - id: Art. 5
    title: Principles
    paragraphs:
      - {id: "1(a)", title: Fairness}
      - {id: "1(b)", title: Purpose}
      - id: "2"
        title: Accountability
        outside_files: {reason: Judged across the organisation., instead: An annual audit.}
  - id: Art. 7
    title: Consent
  - id: Art. 9
    title: Records
    outside_files: {reason: Kept by the registry office., instead: The registry's audit.}
"""

RULES = """\
- id: TEST-PURPOSES
  title: Purposes are declared
  severity: high
  references: ["Test Act Art. 5(1)(b)", "Test Act Art. 12"]
  applies: {stages: [poc]}
  assert: >-
    manifest.risk.gdpr.purposes.size() > 0
    && contracts.all(c, c.fields.all(f, has(f.classification)))
  message: no purposes
  remediation: Declare them.
  fixtures:
    pass: [{manifest: {risk: {gdpr: {purposes: [scoring]}}}, contracts: []}]
    fail: [{manifest: {risk: {gdpr: {purposes: []}}}, contracts: []}]
- id: TEST-PRINCIPLES
  title: All principles
  severity: high
  references: ["Test Act Art. 5(1)"]
  applies: {stages: [poc]}
  assert: manifest.stage == "poc"
  message: wrong stage
  remediation: None needed.
  fixtures:
    pass: [{manifest: {stage: poc}}]
    fail: [{manifest: {stage: production}}]
"""


def _scope_and_policies(tmp_path: Path, scope: str = SCOPE) -> tuple[Path, Path]:
    scopes = tmp_path / "scope"
    (scopes / "test").mkdir(parents=True)
    (scopes / "test" / "coverage.yaml").write_text(scope, encoding="utf-8")
    policies = tmp_path / "policies"
    write_pack(policies / "test", rules=RULES)
    return scopes, policies


def test_rules_are_mapped_to_the_rows_they_cite(tmp_path: Path) -> None:
    scopes, policies = _scope_and_policies(tmp_path)
    matrix = build_matrix(
        load_policy_set(PolicySource("folder", str(policies))), load_scopes(scopes)
    )
    rows = {row.label: row for row in matrix.rows}
    assert rows["Art. 5"].status == "by paragraph"
    # A rule on Art. 5(1) judges every point of it; one on 5(1)(b) only that point.
    assert rows["Art. 5(1)(a)"].rules == ("TEST-PRINCIPLES",)
    assert rows["Art. 5(1)(b)"].rules == ("TEST-PURPOSES", "TEST-PRINCIPLES")
    assert rows["Art. 5(1)(b)"].facts == (
        "contracts[*].fields[*].classification",
        "manifest.risk.gdpr.purposes",
        "manifest.stage",
    )
    assert rows["Art. 5(2)"].status == "outside files"
    assert rows["Art. 7"].status == "gap"
    assert rows["Art. 9"].status == "outside files"
    assert [f"{r.regulation} {r.label}" for r in matrix.gaps] == ["Test Act Art. 7"]
    assert matrix.cited_outside == (("Test Act Art. 12", ("TEST-PURPOSES",)),)
    assert matrix.covered_articles() == ["Test Act Art. 5"]
    assert matrix.ratio() == pytest.approx(1 / 3)


def test_the_command_names_each_gap_and_fails(tmp_path: Path) -> None:
    scopes, policies = _scope_and_policies(tmp_path)
    out = tmp_path / "coverage.json"
    done = aigov("policy", "coverage", "--scope", str(scopes), "--policies", str(policies),
                 "-f", "json", "-o", str(out))  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "gap: Test Act Art. 7 (Consent) has no rule and no outside_files reason" in done.stderr
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["gaps"] == ["Test Act Art. 7"]
    assert written["regulations"][0]["covered"] == 1


def test_a_malformed_scope_is_a_located_usage_error(tmp_path: Path) -> None:
    broken = SCOPE.replace("    title: Consent\n", "    title: Consent\n    pages: 3\n")
    scopes, policies = _scope_and_policies(tmp_path, broken)
    done = aigov("policy", "coverage", "--scope", str(scopes), "--policies", str(policies))
    assert done.returncode == 2
    assert "test/coverage.yaml:" in done.stderr and "pages" in done.stderr
    assert "Traceback" not in done.stderr
    # Markdown is written whole or not at all: nothing on stdout for a refused scope.
    assert done.stdout == ""


def test_the_built_in_command_passes_and_writes_the_page(tmp_path: Path) -> None:
    out = tmp_path / "coverage.md"
    done = aigov("policy", "coverage", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == COVERAGE_DOC.read_text(encoding="utf-8")
    assert textwrap.dedent("""\
        | Regulation | Articles in scope | With a rule | Outside the files only | Gaps |""") in (
        out.read_text(encoding="utf-8")
    )  # fmt: skip
