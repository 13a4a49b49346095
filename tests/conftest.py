"""Shared fixtures: the project's folders, the conformance documents, and running the CLI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pytest
from pydantic import BaseModel

from aigov.cli import main

if TYPE_CHECKING:
    from aigov.report.document import CheckReport
from aigov.documents.problems import Location

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = PROJECT_ROOT / "examples"
# CI clones the project with shared/ beside it; so is a developer's checkout.
CONFORMANCE = PROJECT_ROOT.parent / "shared" / "conformance"


# Caches that tools keep in the working directory by design; anything else a test writes into the
# checkout is a bug (a default path left in a test) that makes the next run see stale state.
_TOOL_CACHES = frozenset(
    {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache"}
)


def _checkout_files() -> set[str]:
    found: set[str] = set()
    for folder, subfolders, files in os.walk(PROJECT_ROOT):
        subfolders[:] = [name for name in subfolders if name not in _TOOL_CACHES]
        relative = Path(folder).relative_to(PROJECT_ROOT)
        found.update((relative / name).as_posix() for name in files)
    return found


@pytest.fixture(scope="session", autouse=True)
def _tests_leave_the_checkout_alone() -> Iterator[None]:
    """Fail the run when a test wrote files into the project (outside its temporary folders)."""
    before = _checkout_files()
    yield
    added = sorted(_checkout_files() - before)
    assert not added, f"tests wrote into the checkout (use tmp_path): {added[:20]}"


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


def imported_modules(*args: str, env: dict[str, str] | None = None) -> tuple[int, set[str]]:
    """Exit code of ``python -X importtime -m aigov ARGS`` run from the project, and every module
    it imported (what a cold run pays for)."""
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "aigov", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
        timeout=60,
    )
    return completed.returncode, {
        line.rsplit("|", 1)[-1].strip()
        for line in completed.stderr.splitlines()
        if line.startswith("import time:")
    }


REQUIRE_CONFORMANCE = "AIGOV_REQUIRE_CONFORMANCE"


def require_conformance() -> Path:
    """``shared/conformance`` beside the checkout; without it the calling test is skipped (one
    summary line names the folder), or fails when ``AIGOV_REQUIRE_CONFORMANCE=1`` (``.ci/run``),
    so that CI cannot pass by not finding the documents."""
    if CONFORMANCE.is_dir():
        return CONFORMANCE
    message = f"conformance documents not found: {CONFORMANCE} (shared/ beside the checkout)"
    if os.environ.get(REQUIRE_CONFORMANCE) == "1":
        pytest.fail(f"{message}, and {REQUIRE_CONFORMANCE}=1 requires them", pytrace=False)
    pytest.skip(message)


def conformance_files(folder: str, pattern: str) -> list[Any]:
    """The files of a conformance folder as test parameters; without the folder, one parameter
    that skips (or fails, see :func:`require_conformance`) instead of an empty set."""
    if CONFORMANCE.is_dir():
        return sorted((CONFORMANCE / folder).glob(pattern))
    return [pytest.param(None, id="no-conformance-folder")]


@pytest.fixture(scope="session")
def conformance() -> Path:
    return require_conformance()


def _needs_conformance(item: pytest.Item) -> bool:
    fixtures = getattr(item, "fixturenames", ())
    return "conformance" in fixtures or "no-conformance-folder" in item.name


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without ``shared/conformance``, its tests are left out and the run says so in one line
    (:func:`pytest_terminal_summary`); with ``AIGOV_REQUIRE_CONFORMANCE=1`` they stay and fail."""
    if CONFORMANCE.is_dir() or os.environ.get(REQUIRE_CONFORMANCE) == "1":
        return
    left_out = [item for item in items if _needs_conformance(item)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not _needs_conformance(item)]


def _conformance_left_out() -> str | None:
    """The one line a run without ``shared/conformance`` prints (its tests are left out)."""
    if CONFORMANCE.is_dir() or os.environ.get(REQUIRE_CONFORMANCE) == "1":
        return None
    return (
        f"conformance tests left out: {CONFORMANCE} not found (shared/ beside the checkout; "
        f"{REQUIRE_CONFORMANCE}=1 makes its absence a failure)"
    )


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


def copy_example(source: Path, into: Path) -> Path:
    """A copy of an example folder (or of ``examples/`` whole) at ``into``, without what the
    README's set-up builds in it (MLflow store and artifacts, stored results, bytecode)."""
    import shutil

    ignored = shutil.ignore_patterns("mlruns.db", "mlartifacts", ".aigov", "__pycache__")
    shutil.copytree(source, into, ignore=ignored)
    return into


def build_mlflow_store(example: Path) -> None:
    """The example's MLflow registry (``mlruns.db``), built by its own script as the README's
    set-up does."""
    subprocess.run(
        [sys.executable, "evidence/build_mlflow_store.py"],
        cwd=example,
        check=True,
        capture_output=True,
        env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"},
    )


@pytest.fixture(scope="session")
def credit_scoring_with_evidence(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The credit-scoring example as a fresh clone would run it after the README's set-up.

    A copy committed to a new git repository (the history is evidence), its MLflow store built by
    the example's own script, and its data checks run and stored — real evidence, no mocks.
    """
    import git

    from aigov.documents.repository import load_repository
    from aigov.evidence.data_quality import validate_contracts
    from aigov.evidence.store import write_data_quality

    root = copy_example(
        EXAMPLES / "credit-scoring", tmp_path_factory.mktemp("evidence") / "credit-scoring"
    )
    repo = git.Repo.init(root, initial_branch="main")
    repo.git.add(A=True)
    repo.index.commit("credit scoring", author=git.Actor("Risk Models", "risk@bank.example"))
    build_mlflow_store(root)
    repository = load_repository(root)
    write_data_quality(root, validate_contracts(repository.contracts, repository.root))
    return root


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The conformance tests left out, and the faults the fault-injecting proxy applied in this
    run (tests/fault_proxy.py)."""
    left_out = _conformance_left_out()
    if left_out is not None:
        terminalreporter.write_line(left_out)
    proxy = sys.modules.get("tests.fault_proxy")
    if proxy is None or not proxy.INJECTED:
        return
    kinds = ", ".join(f"{label}: {n}" for label, n in sorted(proxy.INJECTED.items()))
    terminalreporter.write_line(
        f"faults injected: {sum(proxy.INJECTED.values())} ({kinds}); "
        f"requests relayed after or between them: {proxy.RELAYED['ok']}"
    )


ResultModel = TypeVar("ResultModel", bound=BaseModel)


def unwrapped(text: str) -> str:
    """Text output with its wrapped lines joined again (aigov.wrapping breaks long lines at a
    space and indents the continuation), so that a test can look for a whole message."""
    return re.sub(r"\n +(?!hint: |fix: |waiver: )(?=\S)", " ", text)


def at(location: Location) -> dict[str, Any]:
    """A finding's ``file``, ``line`` and ``column`` for ``location``."""
    return {"file": location.file, "line": location.line, "column": location.column}


def report_of(
    *,
    rules_evaluated: int = 0,
    rules_passed: int = 0,
    rules_not_applicable: int = 0,
    tool_version: str | None = None,
    **fields: Any,
) -> CheckReport:
    """A report as a test states it: the rule counts beside the fields, its summary counted
    from its findings (as :meth:`CheckReport.of` counts a run's)."""
    from aigov.report.document import CheckReport, Summary, ToolInfo

    summary = Summary.of(
        tuple(fields.get("findings", ())),
        rules_evaluated=rules_evaluated,
        rules_passed=rules_passed,
        rules_not_applicable=rules_not_applicable,
    )
    if tool_version is not None:
        fields["tool"] = ToolInfo(version=tool_version)
    return CheckReport(summary=summary, **fields)


def replaced(value: ResultModel, **changes: Any) -> ResultModel:
    """``value`` (an immutable result model) with ``changes``, validated again: a finding takes
    ``location=``, and a report's summary is counted again from its new findings."""
    from aigov.report.document import CheckReport

    location = changes.pop("location", None)
    if location is not None:
        changes.update(at(location))
    data = {name: getattr(value, name) for name in type(value).model_fields}
    if isinstance(value, CheckReport) and "findings" in changes:
        summary = data.pop("summary")
        rebuilt = report_of(
            rules_evaluated=summary.rules_evaluated,
            rules_passed=summary.rules_passed,
            rules_not_applicable=summary.rules_not_applicable,
            **{**data, **changes},
        )
        return cast(ResultModel, rebuilt)
    return type(value).model_validate({**data, **changes})


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker more than the cores, since tests spend much of their time
    waiting on the processes, servers and git commands they start (3 workers: 3 min 17 s on
    the project's 2-core machine, against 3 min 45 s with 2)."""
    return (os.cpu_count() or 1) + 1
