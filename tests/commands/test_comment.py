"""``aigov comment``: arguments, exit codes and configuration errors (the HTTP runs are in
tests/scm/test_github.py and tests/scm/test_gitlab.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import CliResult
from tests.report.conftest import build_blocked_report
from tests.scm.fakes import (
    CI_VARIABLES,
    GITHUB_TOKEN,
    FakeGitHub,
    github_env,
    local_server,
    write_result,
    zero_throttle,
)

__all__ = ["local_server", "zero_throttle"]

Run = Callable[..., CliResult]


@pytest.fixture
def result(tmp_path: Path) -> Path:
    return write_result(tmp_path / "result.json", build_blocked_report())


@pytest.fixture
def no_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_help_lists_the_options(run_cli: Run) -> None:
    with pytest.raises(SystemExit) as exited:
        run_cli("comment", "--help")
    assert exited.value.code == 0


def test_a_blocked_result_still_exits_0(
    local_server: Any,
    zero_throttle: None,
    monkeypatch: pytest.MonkeyPatch,
    conformance: Path,
    result: Path,
    run_cli: Run,
) -> None:
    fake = FakeGitHub(local_server)
    github_env(monkeypatch, fake, conformance / "github-events" / "pull_request.opened.json")
    done = run_cli("comment", "--github", "--result", str(result))
    assert done.exit_code == 0  # the comment does not gate: the check's exit code does
    assert done.stdout.startswith("aigov: status 'failure' set on ec26c3e57ca3; comment posted")
    assert GITHUB_TOKEN not in done.stdout + done.stderr


@pytest.mark.usefixtures("no_ci")
def test_missing_token_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, conformance: Path, result: Path, run_cli: Run
) -> None:
    monkeypatch.setenv("GITHUB_REPOSITORY", "Codertocat/Hello-World")
    event = conformance / "github-events" / "pull_request.opened.json"
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    done = run_cli("comment", "--github", "--result", str(result))
    assert done.exit_code == 2
    assert "GITHUB_TOKEN is not set" in done.stderr


@pytest.mark.usefixtures("no_ci")
def test_unknown_forge_is_a_usage_error(result: Path, run_cli: Run) -> None:
    done = run_cli("comment", "--result", str(result))
    assert done.exit_code == 2
    assert "give --github or --gitlab" in done.stderr


@pytest.mark.usefixtures("no_ci")
def test_gitlab_outside_a_merge_request(
    monkeypatch: pytest.MonkeyPatch, result: Path, run_cli: Run
) -> None:
    monkeypatch.setenv("CI_API_V4_URL", "https://gitlab.example.com/api/v4")
    monkeypatch.setenv("CI_PROJECT_ID", "42")
    done = run_cli("comment", "--gitlab", "--result", str(result))
    assert done.exit_code == 2
    assert "CI_MERGE_REQUEST_IID is not set" in done.stderr


def _valid_result() -> dict[str, Any]:
    from aigov.report.json import render

    data: dict[str, Any] = json.loads(render(build_blocked_report()))
    return data


def _result_with(path: tuple[str | int, ...], value: object) -> str:
    root = _valid_result()
    data: Any = root
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value
    return json.dumps(root)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the result: "),
        ("not json", "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "JSON nested too deeply"),
        ('{"decision": "pass"}', "not an aigov result (aigov check -f json -o FILE): at the doc"),
        # The result may be an artifact of the pull request's own workflow (workflow_run):
        # every field is checked against the result schema before anything is rendered.
        (_result_with(("project",), 3), "at project: 3 is not of type"),
        (_result_with(("decision",), "maybe"), "at decision: "),
        (_result_with(("findings", 0, "line"), "1; rm -rf"), "at findings/0/line: "),
        (_result_with(("summary",), []), "at summary: "),
        (" " * (51 * 1024 * 1024), "the limit is 52,428,800 bytes"),
    ],
    ids=["missing", "syntax", "deep", "not-a-result", "project", "decision", "line", "summary",
         "huge"],
)  # fmt: skip
def test_unusable_result_file(
    tmp_path: Path, run_cli: Run, content: str | None, message: str
) -> None:
    path = tmp_path / "result.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    done = run_cli("comment", "--github", "--result", str(path))
    assert done.exit_code == 2
    assert message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_a_fifo_given_as_the_result_is_refused_without_opening_it(
    tmp_path: Path, run_cli: Run
) -> None:
    os.mkfifo(tmp_path / "result.json")
    done = run_cli("comment", "--github", "--result", str(tmp_path / "result.json"))
    assert done.exit_code == 2 and "not a regular file" in done.stderr


def test_forge_libraries_are_not_imported_to_parse_arguments() -> None:
    code = (
        "import sys; from aigov.cli import build_parser; "
        "build_parser().parse_args(['comment', '--github', '--result', 'r.json']); "
        "print(sorted(m for m in ('github', 'gitlab') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_result_of_several_projects_is_posted_with_a_section_each(
    local_server: Any,
    zero_throttle: None,
    monkeypatch: pytest.MonkeyPatch,
    conformance: Path,
    tmp_path: Path,
    run_cli: Run,
) -> None:
    """``aigov check --all -f json -o FILE`` then ``aigov comment``: one comment, one status."""
    from tests.report.conftest import build_clean_report

    from aigov.report import render
    from aigov.report.document import ProjectsReport

    blocked = build_blocked_report().model_copy(update={"folder": "projects/chatbot"})
    clean = build_clean_report().model_copy(update={"folder": "projects/churn"})
    several = ProjectsReport.of([blocked, clean], repository=".")
    path = tmp_path / "result.json"
    path.write_text(render("json", several), encoding="utf-8")
    fake = FakeGitHub(local_server)
    github_env(monkeypatch, fake, conformance / "github-events" / "pull_request.opened.json")
    done = run_cli("comment", "--github", "--result", str(path))
    assert done.exit_code == 0, done.stderr
    (comment,) = fake.comments.values()
    body = comment["body"]
    assert "aigov: 1 of 2 project(s) blocked" in body
    assert "projects/chatbot" in body and "projects/churn" in body
    # each project under its own heading, its findings after it
    chatbot, churn = body.index("### ❌ projects/chatbot"), body.index("### ✅ projects/churn")
    assert chatbot < body.index(blocked.blocking[0].rule_id) < churn
    (status,) = fake.statuses
    assert status["state"] == "failure"
    assert status["description"].startswith(f"blocked by {len(blocked.blocking)} finding(s) in ")
