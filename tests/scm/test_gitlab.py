"""``aigov comment --gitlab`` with python-gitlab over real HTTP against a local GitLab REST API.

Every test asserts the requests sent (method, path, query, JSON body, the token header).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import CliResult
from tests.report.conftest import build_blocked_report, build_clean_report, build_passing_report
from tests.scm.fakes import (
    GITLAB_TOKEN,
    HEAD_SHA,
    JOB_TOKEN,
    MR_IID,
    NEWER_SHA,
    PROJECT_ID,
    FakeGitLab,
    gitlab_env,
    write_result,
)

from aigov.report.document import CheckReport
from aigov.scm import retry
from aigov.scm.publish import marker

MR = f"/projects/{PROJECT_ID}/merge_requests/{MR_IID}"
GET_MR = ("GET", MR)
STATUS = ("POST", f"/projects/{PROJECT_ID}/statuses/{HEAD_SHA}")
LIST = ("GET", f"{MR}/notes")
CREATE = ("POST", f"{MR}/notes")
USER = ("GET", "/user")
JOB_URL = "https://gitlab.example.com/group/project/-/jobs/99"

Comment = Callable[..., CliResult]


@pytest.fixture
def fake(local_server: Any) -> FakeGitLab:
    return FakeGitLab(local_server)


@pytest.fixture
def comment(
    fake: FakeGitLab,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    run_cli: Callable[..., CliResult],
) -> Comment:
    """``aigov comment --gitlab --result FILE [args]`` in a merge request pipeline."""
    gitlab_env(monkeypatch, fake)

    def run(report: CheckReport, *args: str) -> CliResult:
        result = write_result(tmp_path / "result.json", report)
        return run_cli("comment", "--gitlab", "--result", str(result), *args)

    return run


def test_first_run_posts_then_the_next_run_edits(fake: FakeGitLab, comment: Comment) -> None:
    first = comment(build_blocked_report())
    assert first.exit_code == 0, first.stderr
    assert fake.calls() == [GET_MR, STATUS, USER, LIST, CREATE]
    assert fake.requests[3].query == {"sort": "asc", "order_by": "created_at", "per_page": "100"}
    status = fake.requests[1].body
    assert status == {
        "state": "failed",
        "name": "aigov",
        "target_url": JOB_URL,
        "description": status["description"],
    }
    assert status["description"].startswith("blocked by 3 finding(s)")
    posted = fake.requests[4].body
    assert set(posted) == {"body"}
    assert posted["body"].startswith(marker(HEAD_SHA) + "\n## ❌ aigov: blocked by 3 findings")
    link = f"(https://gitlab.example.com/group/project/-/blob/{HEAD_SHA}/aigov.yaml#L12)"
    assert link in posted["body"]
    (note_id,) = fake.notes

    fake.requests.clear()
    second = comment(build_passing_report())
    assert second.exit_code == 0, second.stderr
    assert fake.calls() == [GET_MR, STATUS, USER, LIST, ("PUT", f"{MR}/notes/{note_id}")]
    assert fake.requests[1].body["state"] == "success"
    assert fake.requests[4].body["body"].startswith(marker(HEAD_SHA) + "\n## ✅ aigov: passed")
    assert list(fake.notes) == [note_id]
    for request in fake.requests:
        assert request.headers.get("Private-Token") == GITLAB_TOKEN
        assert "Job-Token" not in request.headers


def test_ci_job_token_is_sent_as_job_token(
    fake: FakeGitLab, monkeypatch: pytest.MonkeyPatch, comment: Comment
) -> None:
    monkeypatch.delenv("GITLAB_TOKEN")
    assert comment(build_blocked_report()).exit_code == 0
    assert fake.calls() == [GET_MR, STATUS, USER, LIST, CREATE]
    for request in fake.requests:
        assert request.headers.get("Job-Token") == JOB_TOKEN
        assert "Private-Token" not in request.headers


def test_job_token_refused_explains_gitlab_token(
    fake: FakeGitLab, monkeypatch: pytest.MonkeyPatch, comment: Comment
) -> None:
    monkeypatch.delenv("GITLAB_TOKEN")
    fake.fail_once("POST", f"{MR}/notes", 403, body={"message": "403 Forbidden"})
    result = comment(build_blocked_report())
    assert result.exit_code == 2
    assert "HTTP 403: 403 Forbidden" in result.stderr and "GITLAB_TOKEN" in result.stderr
    assert JOB_TOKEN not in result.stderr + result.stdout


def test_system_notes_and_other_notes_are_ignored(fake: FakeGitLab, comment: Comment) -> None:
    system = fake.add_note("<!-- aigov-report --> added 1 commit", system=True)
    human = fake.add_note("Please fix the DPIA")
    assert comment(build_blocked_report()).exit_code == 0
    assert fake.calls()[-1] == CREATE
    assert set(fake.notes) == {system, human, max(fake.notes)}


def test_a_502_on_the_post_is_looked_for_then_posted_again(
    fake: FakeGitLab, comment: Comment
) -> None:
    fake.fail_once("POST", f"{MR}/notes", 502)
    result = comment(build_blocked_report())
    assert result.exit_code == 0, result.stderr
    assert fake.calls() == [
        GET_MR,
        STATUS,
        USER,
        LIST,
        CREATE,
        LIST,
        CREATE,
    ]  # looked for before posting again
    assert len(fake.notes) == 1


def test_a_429_waits_for_retry_after(fake: FakeGitLab, comment: Comment) -> None:
    fake.fail_once("GET", MR, 429, headers={"Retry-After": "1"})
    started = time.monotonic()
    result = comment(build_blocked_report())
    assert result.exit_code == 0, result.stderr
    assert time.monotonic() - started >= 1.0
    assert fake.calls() == [GET_MR, GET_MR, STATUS, USER, LIST, CREATE]


def test_retries_are_bounded_and_the_token_never_shows(
    fake: FakeGitLab, comment: Comment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retry, "DEFAULT_POLICY", retry.RetryPolicy(retries=2, backoff_factor=0.01))
    for _ in range(5):
        fake.fail_once("GET", MR, 500, body={"message": f"PRIVATE-TOKEN {GITLAB_TOKEN}"})
    result = comment(build_blocked_report())
    assert result.exit_code == 2
    assert fake.calls() == [GET_MR] * 3
    assert "could not publish" in result.stderr and "500" in result.stderr
    assert GITLAB_TOKEN not in result.stderr + result.stdout


def test_a_stale_pipeline_leaves_the_note(fake: FakeGitLab, comment: Comment) -> None:
    fake.head_sha = NEWER_SHA
    newer = fake.add_note(marker(NEWER_SHA) + "\nnewer")
    result = comment(build_blocked_report())
    assert result.exit_code == 0
    assert fake.calls() == [GET_MR, STATUS]
    assert fake.notes[newer]["body"] == marker(NEWER_SHA) + "\nnewer"
    assert "no longer the head of MR !7" in result.stdout


def test_merged_results_pipeline_uses_the_source_branch_sha(
    fake: FakeGitLab, monkeypatch: pytest.MonkeyPatch, comment: Comment
) -> None:
    monkeypatch.setenv("CI_COMMIT_SHA", "2" * 40)  # the merge ref's commit
    monkeypatch.setenv("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", HEAD_SHA)
    assert comment(build_blocked_report()).exit_code == 0
    assert fake.calls() == [GET_MR, STATUS, USER, LIST, CREATE]


def test_on_pass_delete(fake: FakeGitLab, comment: Comment) -> None:
    comment(build_blocked_report())
    (note_id,) = fake.notes
    fake.requests.clear()
    assert comment(build_clean_report(), "--on-pass", "delete").exit_code == 0
    assert fake.calls() == [GET_MR, STATUS, USER, LIST, ("DELETE", f"{MR}/notes/{note_id}")]
    assert fake.notes == {}
