"""``aigov comment --github`` with PyGithub over real HTTP against a local GitHub REST API.

Every test asserts the requests sent (method, path, JSON body, the token in ``Authorization``).
The PR context comes from the real ``pull_request`` payloads in shared/conformance/github-events.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import CliResult, replaced
from tests.report.conftest import (
    build_blocked_report,
    build_clean_report,
    build_hostile_report,
    build_passing_report,
)
from tests.scm.fakes import (
    GITHUB_TOKEN,
    HEAD_SHA,
    NEWER_SHA,
    PR_NUMBER,
    REPOSITORY,
    FakeGitHub,
    github_env,
    write_result,
)

from aigov.report.document import CheckReport
from aigov.scm import retry
from aigov.scm.publish import MAX_COMMENT_CHARS, marker

REPO = f"/repos/{REPOSITORY}"
PULL = ("GET", f"{REPO}/pulls/{PR_NUMBER}")
STATUS = ("POST", f"{REPO}/statuses/{HEAD_SHA}")
LIST = ("GET", f"{REPO}/issues/{PR_NUMBER}/comments")
CREATE = ("POST", f"{REPO}/issues/{PR_NUMBER}/comments")
USER = ("GET", "/user")
RUN_URL = f"https://github.com/{REPOSITORY}/actions/runs/4242"

pytestmark = pytest.mark.usefixtures("zero_throttle")

Comment = Callable[..., CliResult]


@pytest.fixture
def fake(local_server: Any) -> FakeGitHub:
    return FakeGitHub(local_server)


@pytest.fixture
def event_path(conformance: Path) -> Path:
    return conformance / "github-events" / "pull_request.opened.json"


@pytest.fixture
def comment(
    fake: FakeGitHub,
    event_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    run_cli: Callable[..., CliResult],
) -> Comment:
    """``aigov comment --github --result FILE [args]`` for a report, in a GitHub Actions job."""
    github_env(monkeypatch, fake, event_path)

    def run(report: CheckReport, *args: str) -> CliResult:
        result = write_result(tmp_path / "result.json", report)
        return run_cli("comment", "--github", "--result", str(result), *args)

    return run


def comment_ids(fake: FakeGitHub) -> list[int]:
    return sorted(fake.comments)


def test_first_run_posts_then_the_next_run_edits(fake: FakeGitHub, comment: Comment) -> None:
    first = comment(build_blocked_report())
    assert first.exit_code == 0, first.stderr
    assert fake.calls() == [PULL, STATUS, USER, LIST, CREATE]
    status_body = fake.requests[1].body
    assert status_body == {
        "state": "failure",
        "context": "aigov",
        "target_url": RUN_URL,
        "description": status_body["description"],
    }
    assert status_body["description"].startswith("blocked by 3 finding(s) at high or above")
    assert len(status_body["description"]) <= 140
    posted = fake.requests[4].body["body"]
    assert set(fake.requests[4].body) == {"body"}
    assert posted.startswith(marker(HEAD_SHA) + "\n## ❌ aigov: blocked by 3 findings")
    # Blocking findings link to their file and line at the PR's head commit.
    assert f"(https://github.com/{REPOSITORY}/blob/{HEAD_SHA}/aigov.yaml#L12)" in posted
    assert f"[CI run]({RUN_URL})" in posted
    (comment_id,) = comment_ids(fake)
    assert "comment posted on PR #2" in first.stdout

    fake.requests.clear()
    second = comment(build_passing_report())
    assert second.exit_code == 0, second.stderr
    patch = ("PATCH", f"{REPO}/issues/comments/{comment_id}")
    assert fake.calls() == [PULL, STATUS, USER, LIST, patch]
    assert fake.requests[1].body["state"] == "success"
    edited = fake.requests[4].body["body"]
    assert edited.startswith(marker(HEAD_SHA) + "\n## ✅ aigov: passed")
    assert comment_ids(fake) == [comment_id]  # exactly one comment in the end
    assert fake.comments[comment_id]["body"] == edited
    assert "comment updated" in second.stdout
    for request in fake.requests:
        assert request.headers["Authorization"].endswith(GITHUB_TOKEN)


def test_same_result_twice_edits_nothing(fake: FakeGitHub, comment: Comment) -> None:
    comment(build_blocked_report())
    fake.requests.clear()
    again = comment(build_blocked_report())
    assert again.exit_code == 0
    assert fake.calls() == [PULL, STATUS, USER, LIST]
    assert "already up to date" in again.stdout


def test_other_comments_are_left_alone_and_duplicates_merged(
    fake: FakeGitHub, comment: Comment
) -> None:
    human = fake.add_comment("LGTM @octocat <!-- aigov-report -->", login="octocat")
    ours = fake.add_comment(marker(HEAD_SHA) + "\nold", login="github-actions[bot]")
    duplicate = fake.add_comment("<!-- aigov-report -->\nolder format")
    result = comment(build_blocked_report())
    assert result.exit_code == 0
    assert fake.writes()[1:] == [
        ("DELETE", f"{REPO}/issues/comments/{duplicate}", None),
        ("PATCH", f"{REPO}/issues/comments/{ours}", {"body": fake.comments[ours]["body"]}),
    ]
    assert comment_ids(fake) == [human, ours]
    assert "1 duplicate comment(s) deleted" in result.stdout


def test_a_502_on_the_post_is_looked_for_then_posted_again(
    fake: FakeGitHub, comment: Comment
) -> None:
    fake.fail_once("POST", f"{REPO}/issues/{PR_NUMBER}/comments", 502)
    result = comment(build_blocked_report())
    assert result.exit_code == 0, result.stderr
    assert fake.calls() == [
        PULL,
        STATUS,
        USER,
        LIST,
        CREATE,
        LIST,
        CREATE,
    ]  # looked for before posting again
    assert len(fake.comments) == 1


def test_a_429_waits_for_retry_after(fake: FakeGitHub, comment: Comment) -> None:
    fake.fail_once("GET", f"{REPO}/pulls/{PR_NUMBER}", 429, headers={"Retry-After": "1"})
    started = time.monotonic()
    result = comment(build_blocked_report())
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.stderr
    assert fake.calls() == [PULL, PULL, STATUS, USER, LIST, CREATE]
    assert elapsed >= 1.0


def test_a_secondary_rate_limit_403_is_retried(fake: FakeGitHub, comment: Comment) -> None:
    fake.fail_once(
        "POST",
        f"{REPO}/statuses/{HEAD_SHA}",
        403,
        headers={"Retry-After": "1"},
        body={
            "message": "You have exceeded a secondary rate limit. Please wait a few minutes "
            "before you try again.",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits",
        },
    )
    result = comment(build_blocked_report())
    assert result.exit_code == 0, result.stderr
    assert fake.calls() == [PULL, STATUS, STATUS, USER, LIST, CREATE]


def test_a_retry_after_beyond_the_budget_gives_up_at_once(
    fake: FakeGitHub, comment: Comment
) -> None:
    fake.fail_once("GET", f"{REPO}/pulls/{PR_NUMBER}", 429, headers={"Retry-After": "3600"})
    started = time.monotonic()
    result = comment(build_blocked_report())
    assert time.monotonic() - started < 10
    assert result.exit_code == 2
    assert "HTTP 429" in result.stderr
    assert fake.calls() == [PULL]


def test_persistent_failures_are_bounded_and_the_token_never_shows(
    fake: FakeGitHub, comment: Comment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retry, "DEFAULT_POLICY", retry.RetryPolicy(retries=3, backoff_factor=0.01))
    echo = {"message": f"upstream said: Authorization: token {GITHUB_TOKEN}"}
    for _ in range(10):
        fake.fail_once("GET", f"{REPO}/pulls/{PR_NUMBER}", 503, body=echo)
    result = comment(build_blocked_report())
    assert result.exit_code == 2
    assert fake.calls() == [PULL] * 4  # the first attempt and 3 retries
    assert "HTTP 503" in result.stderr and "could not publish" in result.stderr
    assert GITHUB_TOKEN not in result.stderr + result.stdout


def test_bad_credentials_name_the_permissions_not_the_token(
    fake: FakeGitHub, comment: Comment
) -> None:
    fake.token = "another-token"  # the server rejects ours
    result = comment(build_blocked_report())
    assert result.exit_code == 2
    assert "HTTP 401: Bad credentials" in result.stderr
    assert "pull-requests: write" in result.stderr
    assert GITHUB_TOKEN not in result.stderr + result.stdout


def test_a_stale_run_sets_its_status_and_leaves_the_comment(
    fake: FakeGitHub, comment: Comment
) -> None:
    fake.head_sha = NEWER_SHA  # a newer commit was pushed; its run already commented
    newer = fake.add_comment(marker(NEWER_SHA) + "\n## ✅ aigov: passed")
    result = comment(build_blocked_report())
    assert result.exit_code == 0
    assert fake.calls() == [PULL, STATUS]  # no listing, no comment write
    assert fake.comments[newer]["body"] == marker(NEWER_SHA) + "\n## ✅ aigov: passed"
    assert "no longer the head" in result.stdout and NEWER_SHA[:12] in result.stdout


def test_on_pass_delete_removes_the_comment(fake: FakeGitHub, comment: Comment) -> None:
    comment(build_blocked_report())
    (comment_id,) = comment_ids(fake)
    fake.requests.clear()
    result = comment(build_clean_report(), "--on-pass", "delete")
    assert result.exit_code == 0
    assert fake.calls() == [
        PULL,
        STATUS,
        USER,
        LIST,
        ("DELETE", f"{REPO}/issues/comments/{comment_id}"),
    ]
    assert fake.comments == {}
    fake.requests.clear()
    assert comment(build_clean_report(), "--on-pass", "delete").exit_code == 0
    assert fake.calls() == [PULL, STATUS, USER, LIST]  # nothing to delete, nothing posted


def test_on_pass_resolve_edits_into_a_short_note(fake: FakeGitHub, comment: Comment) -> None:
    assert comment(build_clean_report(), "--on-pass", "resolve").exit_code == 0
    assert fake.comments == {}  # a passing PR that never blocked gets no comment
    comment(build_blocked_report(), "--on-pass", "resolve")
    (comment_id,) = comment_ids(fake)
    fake.requests.clear()
    result = comment(build_clean_report(), "--on-pass", "resolve")
    assert result.exit_code == 0
    assert fake.calls()[-1] == ("PATCH", f"{REPO}/issues/comments/{comment_id}")
    body = fake.comments[comment_id]["body"]
    assert body.startswith(marker(HEAD_SHA) + "\n## ✅ aigov: resolved")
    assert len(body) < 500
    assert "marked resolved" in result.stdout


def test_github_enterprise_base_url(
    local_server: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    conformance: Path,
    run_cli: Callable[..., CliResult],
) -> None:
    fake = FakeGitHub(local_server, prefix="/api/v3")
    event = conformance / "github-events" / "pull_request.opened.json"
    github_env(monkeypatch, fake, event, GITHUB_SERVER_URL="https://ghe.example")
    result_file = write_result(tmp_path / "result.json", build_blocked_report())
    result = run_cli("comment", "--result", str(result_file))  # forge from GITHUB_ACTIONS
    assert result.exit_code == 0, result.stderr
    assert fake.base.endswith("/api/v3")
    assert fake.calls() == [PULL, STATUS, USER, LIST, CREATE]
    assert fake.requests[1].body["target_url"] == (
        f"https://ghe.example/{REPOSITORY}/actions/runs/4242"
    )
    assert (
        f"https://ghe.example/{REPOSITORY}/blob/{HEAD_SHA}/aigov.yaml#L12"
        in (fake.requests[4].body["body"])
    )


def test_hostile_repository_text_is_escaped_end_to_end(fake: FakeGitHub, comment: Comment) -> None:
    assert comment(build_hostile_report()).exit_code == 0
    body = fake.requests[4].body["body"]
    assert "<script>" not in body and "<img" not in body and "<b>" not in body
    assert "@org/team" not in body and "@everyone" not in body  # mentions neutralised
    assert "](javascript:" not in body
    assert "\n# heading" not in body and "\n## injected" not in body
    for line in body.splitlines():  # every table row keeps its columns
        if line.startswith("| high"):
            assert len(re.findall(r"(?<!\\)\|", line)) == 5


def test_a_body_over_the_limit_is_shortened_with_a_pointer(
    fake: FakeGitHub, comment: Comment
) -> None:
    report = build_blocked_report()
    finding = report.blocking[0]
    many = tuple(
        replaced(finding, message=f"finding {i} " + "x" * 400, field=f"f{i}") for i in range(400)
    )
    assert comment(replaced(report, findings=many)).exit_code == 0
    body = fake.requests[4].body["body"]
    assert len(body) <= MAX_COMMENT_CHARS
    assert "truncated" in body and f"[the full report]({RUN_URL})" in body
    assert body.startswith(marker(HEAD_SHA))
