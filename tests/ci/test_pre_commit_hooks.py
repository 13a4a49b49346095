"""``.pre-commit-hooks.yaml``: the aigov-validate hook parses, matches the right files, and runs."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.conftest import EXAMPLES, PROJECT_ROOT

HOOKS = PROJECT_ROOT / ".pre-commit-hooks.yaml"


@pytest.fixture(scope="module")
def hook() -> dict[str, Any]:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    found: dict[str, Any] = next(h for h in hooks if h["id"] == "aigov-validate")
    return found


def test_hook_definition(hook: dict[str, Any]) -> None:
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True  # mapped to their projects (monorepos)
    assert {"name", "entry", "files"} <= set(hook)


@pytest.mark.parametrize(
    ("path", "matches"),
    [
        ("aigov.yaml", True),
        ("projects/churn/aigov.yaml", True),
        ("MODEL_CARD.md", True),
        ("contracts/sales.odcs.yaml", True),
        ("projects/churn/contracts/sales.odcs.yml", True),
        ("README.md", False),
        ("src/model.py", False),
        ("contracts/notes.txt", False),
    ],
)
def test_hook_files(hook: dict[str, Any], path: str, matches: bool) -> None:
    assert bool(re.search(hook["files"], path)) is matches


def run_entry(hook: dict[str, Any], cwd: Path) -> subprocess.CompletedProcess[str]:
    command = shlex.split(hook["entry"])
    assert command[0] == "aigov"
    # pre-commit installs the package in its own environment; the checkout under test stands in.
    return subprocess.run(
        [sys.executable, "-m", "aigov", *command[1:], *hook.get("args", [])],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_hook_entry_runs(hook: dict[str, Any]) -> None:
    assert run_entry(hook, EXAMPLES / "credit-scoring").returncode == 0
    broken = run_entry(hook, EXAMPLES / "broken" / "malformed-yaml")
    assert broken.returncode == 2 and "aigov.yaml" in broken.stdout
