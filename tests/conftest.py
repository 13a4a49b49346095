"""Shared fixtures: the project's folders, the conformance documents, and running the CLI."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from aigov.cli import main

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = PROJECT_ROOT / "examples"
# CI clones the project with shared/ beside it; so is a developer's checkout.
CONFORMANCE = PROJECT_ROOT.parent / "shared" / "conformance"


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``aigov`` in-process with the given arguments; returns exit code and output."""

    def run(*args: str) -> CliResult:
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def run_aigov_process(*args: str, cwd: Path | None = None, timeout: float = 60) -> CliResult:
    """Run ``aigov`` as a real process (for exit codes, tracebacks and start-up behaviour)."""
    completed = subprocess.run(
        [sys.executable, "-m", "aigov", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )
    return CliResult(completed.returncode, completed.stdout, completed.stderr)


@pytest.fixture(scope="session")
def conformance() -> Path:
    if not CONFORMANCE.is_dir():
        pytest.fail(
            f"conformance documents not found at {CONFORMANCE} "
            "(shared/ must sit beside the checkout)"
        )
    return CONFORMANCE


MINIMAL_MANIFEST = """\
apiVersion: aigov/v1
kind: AIProject
metadata:
  id: churn-model
  name: Churn prediction
  owner: data-science@example.com
  business_unit: Retail banking
stage: ideation
"""


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Path]:
    """Create a repository in a temp dir from {relative path: text or bytes}."""

    def make(files: dict[str, str | bytes], name: str = "repo") -> Path:
        root = tmp_path / name
        root.mkdir(parents=True, exist_ok=True)
        for relative, content in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return root

    return make
