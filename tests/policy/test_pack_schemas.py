"""The JSON Schemas of pack.yaml, rules/*.yaml and aigov-org.yaml: every built-in pack and
example org config validates with check-jsonschema (what an editor or a CI lint would run), a
file the loader refuses for its shape is refused too, and each file names its schema."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES, PROJECT_ROOT

SCHEMAS = PROJECT_ROOT / "schemas"
POLICIES = PROJECT_ROOT / "policies"
PACK_FILES = sorted(POLICIES.glob("*/pack.yaml"))
RULE_FILES = sorted(POLICIES.glob("*/rules/*.yaml"))
ORG_FILES = sorted(EXAMPLES.rglob("aigov-org.yaml"))


def _check(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("check-jsonschema")
    assert tool, "check-jsonschema is a test dependency"
    return subprocess.run(
        [tool, "--schemafile", str(SCHEMAS / schema), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_files_exist() -> None:
    assert len(PACK_FILES) == 5 and len(RULE_FILES) > 10 and ORG_FILES


@pytest.mark.parametrize(
    ("schema", "files"),
    [
        ("aigov-pack.schema.json", PACK_FILES),
        ("aigov-rules.schema.json", RULE_FILES),
        ("aigov-org.schema.json", ORG_FILES),
    ],
    ids=["packs", "rules", "org"],
)
def test_builtin_packs_and_example_org_configs_validate(schema: str, files: list[Path]) -> None:
    checked = _check(schema, *files)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize(
    ("schema", "text", "complaint"),
    [
        (
            "aigov-pack.schema.json",
            "apiVersion: aigov/v1\nkind: PolicyPack\nname: x\nversion: 1.0.0\ntitle: X\n"
            "source: {title: T}\nhomepage: https://example.com\n",
            "homepage",
        ),
        (
            "aigov-rules.schema.json",
            "- id: X-ONE\n  title: t\n  severity: urgent\n  references: [a]\n"
            "  assert: 'true'\n  message: m\n  remediation: r\n",
            "urgent",
        ),
        (
            "aigov-rules.schema.json",
            "- id: X-ONE\n  title: t\n  severity: low\n  references: [a]\n"
            "  assert: 'true'\n  message: m\n  remediation: r\n"
            "  params: {min_auc: {type: float, default: 1, description: d}}\n",
            "float",
        ),
        (
            "aigov-org.schema.json",
            "apiVersion: aigov/v1\nkind: OrgConfig\nblock_on: urgent\n",
            "urgent",
        ),
        (
            "aigov-org.schema.json",
            "apiVersion: aigov/v1\nkind: OrgConfig\nmin_auc: 0.8\n",
            "min_auc",
        ),
    ],
)
def test_schemas_refuse_what_the_loader_refuses(
    tmp_path: Path, schema: str, text: str, complaint: str
) -> None:
    file = tmp_path / "file.yaml"
    file.write_text(text, encoding="utf-8")
    checked = _check(schema, file)
    assert checked.returncode == 1
    assert complaint in checked.stdout + checked.stderr


@pytest.mark.parametrize(
    ("files", "schema"),
    [
        (PACK_FILES, "aigov-pack.schema.json"),
        (RULE_FILES, "aigov-rules.schema.json"),
        ([EXAMPLES / "org-policies" / "aigov-org.yaml"], "aigov-org.schema.json"),
    ],
    ids=["packs", "rules", "org"],
)
def test_each_file_names_its_schema_for_editors(files: list[Path], schema: str) -> None:
    for file in files:
        first = file.read_text(encoding="utf-8").splitlines()[0]
        prefix = "# yaml-language-server: $schema="
        assert first.startswith(prefix), file
        target = (file.parent / first[len(prefix) :]).resolve()
        assert target == (SCHEMAS / schema).resolve(), file
