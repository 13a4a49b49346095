"""Finding links that exist: a built-in rule links to the reference of the aigov release, a
custom rule to its pack's documentation URL or nowhere; the text and JSON reports agree."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import EXAMPLES, CliResult
from tests.policy.conftest import PACK_YAML, write_pack

from aigov import __version__

Run = Callable[..., CliResult]

# asserts something false for any project: every rule yields a blocking finding.
ALWAYS_FAILS = """\
- id: {prefix}-ALWAYS
  title: A rule that always fails
  severity: high
  references: ["Internal charter §1"]
  assert: "false"
  message: always fails
  remediation: Nothing to do, it is a test.
"""


def _check(run_cli: Run, policies: Path, out: Path) -> tuple[str, dict[str, str]]:
    result = run_cli(
        "check", str(EXAMPLES / "credit-scoring"), "--policies", str(policies),
        "--skip-evidence", "git", "--skip-evidence", "mlflow", "--skip-evidence", "data_quality",
        "-f", "text", "-f", "json", "-o", str(out),
    )  # fmt: skip
    assert result.exit_code == 1, result.stdout + result.stderr
    rules = json.loads(out.read_text(encoding="utf-8"))["rules"]
    return result.stdout, {rule["id"]: rule["help_uri"] for rule in rules}


def test_custom_rules_link_to_their_pack_documentation_or_nowhere(
    run_cli: Run, tmp_path: Path
) -> None:
    root = tmp_path / "policies"
    documented = PACK_YAML + "documentation: https://grc.example.com/policies/{{rule_id}}\n"
    write_pack(
        root / "documented",
        name="documented",
        rules=ALWAYS_FAILS.format(prefix="DOC"),
        pack_yaml=documented.format(name="documented", version="1.0.0"),
    )
    write_pack(root / "bare", name="bare", rules=ALWAYS_FAILS.format(prefix="BARE"))
    text, links = _check(run_cli, root, tmp_path / "result.json")
    assert links == {"DOC-ALWAYS": "https://grc.example.com/policies/DOC-ALWAYS", "BARE-ALWAYS": ""}
    assert "docs: https://grc.example.com/policies/DOC-ALWAYS" in " ".join(text.split())
    assert text.count("docs:") == 1  # the rule without documentation has no link at all
    assert "policy-reference.md" not in text and "/blob/main/" not in text


def test_builtin_rules_link_to_the_released_reference(run_cli: Run, tmp_path: Path) -> None:
    root = tmp_path / "policies"
    root.mkdir()
    (root / "aigov-org.yaml").write_text(
        "apiVersion: aigov/v1\nkind: OrgConfig\npacks: [{name: lifecycle}]\n", encoding="utf-8"
    )
    text, links = _check(run_cli, root, tmp_path / "result.json")
    base = f"https://github.com/aigov/aigov/blob/v{__version__}/docs/policy-reference.md#"
    assert links and all(link.startswith(base) for link in links.values()), links
    # a long URL goes whole to the next line: read the words as a reader would
    words = text.split()
    shown = [words[i + 1] for i, word in enumerate(words) if word == "docs:"]
    assert shown and set(shown) <= set(links.values())
    assert "/blob/main/" not in text
