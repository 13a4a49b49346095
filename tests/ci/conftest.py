"""Shared by the action's and the template's tests: the local forges of the simulated jobs
that publish, CI variables kept out, and the forges' own schemas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.scm.fakes import CI_VARIABLES, local_server

__all__ = ["local_server"]


@pytest.fixture
def no_ci_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's own CI variables (a CI running these tests) stay out of the jobs."""
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def assert_matches_builtin_schema(schema: str, path: Path) -> None:
    """``check-jsonschema --builtin-schema SCHEMA PATH`` (the forges' vendored schemas) passes."""
    pytest.importorskip("check_jsonschema")
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
