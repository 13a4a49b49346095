"""The README's first five minutes: it opens with exactly two one-line commands, the demo and the
tests; the demo's script is run on a clean copy of the repository (as a fresh clone has it: no
MLflow store, no stored evidence) and must build the evidence and print the gate's verdict; the
tests' command is the one ``.ci/run`` runs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
CI_RUN = PROJECT_ROOT / ".ci" / "run"


def _opening_commands() -> list[str]:
    """The lines of the README's first block, which must come right after its title."""
    text = README.read_text(encoding="utf-8")
    found = re.match(r"# [^\n]+\n\n```bash\n(.*?)\n```\n", text, flags=re.S)
    assert found, "the README must open with its title, then a bash block of commands"
    return found.group(1).split("\n")


def test_the_readme_opens_with_exactly_two_one_line_commands() -> None:
    commands = _opening_commands()
    assert len(commands) == 2, commands
    assert all(line.strip() and not line.rstrip().endswith("\\") for line in commands)
    assert commands[0] == "python3 scripts/demo.py"


def test_the_test_command_is_the_one_ci_runs() -> None:
    """Each step of the README's test line is a line of .ci/run, the test command included."""
    steps = [step.strip() for step in _opening_commands()[1].split("&&")]
    ci_lines = [line.strip() for line in CI_RUN.read_text(encoding="utf-8").splitlines()]
    assert steps[-1].endswith("-m pytest -q"), steps
    for step in steps:
        assert step in ci_lines, f".ci/run does not run: {step}"


def _clean_copy(destination: Path) -> Path:
    """The files a clone holds (tracked, plus new ones not ignored yet) and the git history:
    no MLflow store, no stored evidence, nothing a previous run left."""
    # The history through git itself (a local clone), robust to commits made meanwhile.
    subprocess.run(
        ["git", "clone", "-q", "--no-checkout", str(PROJECT_ROOT), str(destination)],
        check=True,
        capture_output=True,
    )
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for relative in filter(None, listed.split("\0")):
        source = PROJECT_ROOT / relative
        if source.is_file():
            (destination / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / relative)
    return destination


def test_the_demo_builds_the_evidence_and_prints_the_verdict(tmp_path: Path) -> None:
    pytest.importorskip("mlflow")
    pytest.importorskip("great_expectations")
    root = _clean_copy(tmp_path / "aigov")
    example = root / "examples" / "credit-scoring"
    assert not (example / "mlruns.db").exists() and not (example / ".aigov").exists()
    env = {**os.environ, "AIGOV_DEMO_VENV": sys.prefix}  # this venv: no install in the test
    done = subprocess.run(
        ["python3", *_opening_commands()[0].split()[1:]],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    # the evidence was built in the copy, by the example's script and by aigov data validate
    assert (example / "mlruns.db").stat().st_size > 0
    assert (example / ".aigov" / "evidence" / "data_quality.json").is_file()
    # the gate read it (nothing is "evidence unavailable") and printed its verdict
    assert "evidence unavailable" not in output
    verdict = next(line for line in done.stdout.splitlines() if line.startswith("aigov: "))
    assert verdict.startswith("aigov: PASSED: credit-scoring (stage production)"), output
    assert done.stdout.rstrip().endswith(
        "== demo: the gate passed (exit code 0); the result is its first line above"
    )
