"""The bot touches only its own comment: the marker AND the account the token acts as.

Anyone who may comment on a pull/merge request can post a comment starting with
``<!-- aigov-report sha=… -->``. These runs put such forged comments next to the bot's, on both
forges and with each kind of token (PyGithub and python-gitlab over real HTTP to the local fakes),
and assert the requests sent: a forged comment is never edited or deleted, never makes the bot
delete its own comment as a duplicate, and is counted in the one output line.

Token kinds: GitHub Actions' ``GITHUB_TOKEN`` (``GET /user`` refused with 403: comments by a
``Bot`` account are the bot's); a personal access token (``GET /user`` names it); GitLab's
``GITLAB_TOKEN`` (``GET /user`` names it); ``CI_JOB_TOKEN`` (``GET /user`` refused: no earlier note
is adopted).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import CliResult
from tests.report.conftest import build_blocked_report, build_clean_report
from tests.scm.fakes import (
    ACTIONS_BOT,
    GITHUB_TOKEN,
    GITLAB_TOKEN,
    HEAD_SHA,
    JOB_TOKEN,
    MR_IID,
    PIPELINE_USER,
    PR_NUMBER,
    PROJECT_BOT,
    PROJECT_ID,
    REPOSITORY,
    FakeGitHub,
    FakeGitLab,
    author_of,
    github_env,
    gitlab_env,
    write_result,
)

from aigov.report.document import CheckReport
from aigov.scm import retry
from aigov.scm.publish import marker

pytestmark = pytest.mark.usefixtures("zero_throttle")

MALLORY = "mallory"
"""A participant of the pull request (a fork's author) who forges the bot's marker."""
USER = ("GET", "/user")


def forged(sha: str = HEAD_SHA) -> str:
    return marker(sha) + "\n## ✅ aigov: passed\n\nNothing blocks (forged by a participant)."


@dataclass(frozen=True)
class Mode:
    """A forge and a kind of token."""

    id: str
    forge: str
    bot: str
    """The account the token writes as."""
    knows_itself: bool
    """Whether ``GET /user`` answers (else the forge will not tell)."""
    adopts_own: bool
    """Whether the bot can recognise a comment it wrote in an earlier run."""


GITHUB_ACTIONS_TOKEN = Mode("GITHUB_TOKEN", "github", ACTIONS_BOT, False, True)
GITHUB_PERSONAL_TOKEN = Mode("github-pat", "github", "aigov-bot", True, True)
GITLAB_ACCESS_TOKEN = Mode("GITLAB_TOKEN", "gitlab", PROJECT_BOT, True, True)
GITLAB_JOB_TOKEN = Mode("CI_JOB_TOKEN", "gitlab", PIPELINE_USER, False, False)
MODES = [GITHUB_ACTIONS_TOKEN, GITHUB_PERSONAL_TOKEN, GITLAB_ACCESS_TOKEN, GITLAB_JOB_TOKEN]
ADOPTING = [mode for mode in MODES if mode.adopts_own]


@dataclass
class Thread:
    """A pull/merge request on a fake forge, and ``aigov comment`` against it."""

    mode: Mode
    fake: FakeGitHub | FakeGitLab
    token: str
    listing: str
    """The comments' path: GET lists, POST creates."""
    edit: str
    """The method that edits a comment (GitHub PATCH, GitLab PUT)."""
    run: Callable[..., CliResult]

    def add(self, body: str, author: str) -> int:
        if isinstance(self.fake, FakeGitHub):
            return self.fake.add_comment(body, login=author)
        return self.fake.add_note(body, author=author)

    def stored(self) -> dict[int, dict[str, Any]]:
        return self.fake.comments if isinstance(self.fake, FakeGitHub) else self.fake.notes

    def path(self, comment_id: int) -> str:
        if isinstance(self.fake, FakeGitHub):
            return f"/repos/{REPOSITORY}/issues/comments/{comment_id}"
        return f"{self.listing}/{comment_id}"

    def comment_writes(self) -> list[tuple[str, str]]:
        """The writes sent to comments (statuses left out)."""
        return [
            (r.method, r.path)
            for r in self.fake.requests
            if r.method != "GET" and "/statuses/" not in r.path
        ]


def _thread(
    mode: Mode,
    server: Any,
    conformance: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    run_cli: Callable[..., CliResult],
) -> Thread:
    if mode.forge == "github":
        github = FakeGitHub(server, login=mode.bot, installation_token=not mode.knows_itself)
        github_env(monkeypatch, github, conformance / "github-events" / "pull_request.opened.json")
        fake: FakeGitHub | FakeGitLab = github
        token, edit = GITHUB_TOKEN, "PATCH"
        listing = f"/repos/{REPOSITORY}/issues/{PR_NUMBER}/comments"
    else:
        fake = FakeGitLab(server)
        job_token = mode is GITLAB_JOB_TOKEN
        gitlab_env(monkeypatch, fake, GITLAB_TOKEN="" if job_token else GITLAB_TOKEN)
        token, edit = (JOB_TOKEN if job_token else GITLAB_TOKEN), "PUT"
        listing = f"/projects/{PROJECT_ID}/merge_requests/{MR_IID}/notes"

    def run(report: CheckReport, *args: str) -> CliResult:
        result = write_result(tmp_path / "result.json", report)
        outcome = run_cli("comment", f"--{mode.forge}", "--result", str(result), *args)
        assert token not in outcome.stdout + outcome.stderr
        assert "Traceback" not in outcome.stderr
        return outcome

    return Thread(mode, fake, token, listing, edit, run)


@pytest.fixture(params=MODES, ids=lambda m: m.id)
def thread(
    request: pytest.FixtureRequest,
    local_server: Any,
    conformance: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    run_cli: Callable[..., CliResult],
) -> Thread:
    return _thread(request.param, local_server, conformance, monkeypatch, tmp_path, run_cli)


@pytest.fixture(params=ADOPTING, ids=lambda m: m.id)
def adopting(
    request: pytest.FixtureRequest,
    local_server: Any,
    conformance: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    run_cli: Callable[..., CliResult],
) -> Thread:
    """The token kinds with which the bot recognises its own earlier comment."""
    return _thread(request.param, local_server, conformance, monkeypatch, tmp_path, run_cli)


def test_a_forged_comment_is_neither_edited_nor_deleted(thread: Thread) -> None:
    fake_id = thread.add(forged(), MALLORY)
    result = thread.run(build_blocked_report())
    assert result.exit_code == 0, result.stderr
    assert thread.comment_writes() == [("POST", thread.listing)]  # the bot posts its own
    assert thread.stored()[fake_id]["body"] == forged()
    (posted,) = set(thread.stored()) - {fake_id}
    assert author_of(thread.stored()[posted]) == thread.mode.bot
    assert thread.fake.calls().count(USER) == 1
    assert result.stdout.count("\n") == 1
    assert (
        "comment posted on" in result.stdout
        and "; 1 comment(s) with aigov's marker not written by the bot's account left untouched"
        in result.stdout
    )


def test_a_forged_older_comment_does_not_get_the_bot_comment_deleted(adopting: Thread) -> None:
    fake_id = adopting.add(forged(), MALLORY)  # older: listed first
    ours = adopting.add(marker(HEAD_SHA) + "\nthe previous run", adopting.mode.bot)
    result = adopting.run(build_blocked_report())
    assert result.exit_code == 0, result.stderr
    assert adopting.comment_writes() == [(adopting.edit, adopting.path(ours))]
    assert set(adopting.stored()) == {fake_id, ours}
    assert adopting.stored()[fake_id]["body"] == forged()
    assert adopting.stored()[ours]["body"].startswith(marker(HEAD_SHA) + "\n## ❌")
    assert "comment updated" in result.stdout and "duplicate" not in result.stdout


def test_the_bot_still_deletes_its_own_duplicates_around_a_forged_one(adopting: Thread) -> None:
    ours = adopting.add(marker(HEAD_SHA) + "\nfirst", adopting.mode.bot)
    fake_id = adopting.add(forged(), MALLORY)
    duplicate = adopting.add(marker(HEAD_SHA) + "\nsecond (two runs at once)", adopting.mode.bot)
    result = adopting.run(build_blocked_report())
    assert result.exit_code == 0, result.stderr
    assert adopting.comment_writes() == [
        ("DELETE", adopting.path(duplicate)),
        (adopting.edit, adopting.path(ours)),
    ]
    assert set(adopting.stored()) == {ours, fake_id}
    assert "; 1 duplicate comment(s) deleted; 1 comment(s) with aigov's marker" in result.stdout


@pytest.mark.parametrize("on_pass", ["delete", "resolve"])
def test_on_pass_leaves_a_forged_comment_alone(thread: Thread, on_pass: str) -> None:
    fake_id = thread.add(forged(), MALLORY)
    result = thread.run(build_clean_report(), "--on-pass", on_pass)
    assert result.exit_code == 0, result.stderr
    assert thread.comment_writes() == []  # nothing of the bot's to delete or resolve
    assert thread.stored()[fake_id]["body"] == forged()
    assert "no comment on" in result.stdout and "left untouched" in result.stdout


def test_github_token_refused_get_user_trusts_the_status_author_only(
    local_server: Any,
    conformance: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    run_cli: Callable[..., CliResult],
) -> None:
    thread = _thread(
        GITHUB_ACTIONS_TOKEN, local_server, conformance, monkeypatch, tmp_path, run_cli
    )
    assert isinstance(thread.fake, FakeGitHub)
    # A user account named like the bot is still a User: a fork's author can pick that name.
    lookalike = thread.fake.add_comment(forged(), login="github-actions", type="User")
    # Another app's bot is a Bot too, but not the account that set the status: not ours either.
    other_app = thread.fake.add_comment(forged(), login="other-app[bot]", type="Bot")
    ours = thread.fake.add_comment(marker(HEAD_SHA) + "\nprevious run", login=ACTIONS_BOT)
    result = thread.run(build_blocked_report())
    assert result.exit_code == 0, result.stderr
    (asked,) = [r for r in thread.fake.requests if (r.method, r.path) == USER]
    assert asked.headers["Authorization"].endswith(GITHUB_TOKEN)
    assert thread.comment_writes() == [("PATCH", thread.path(ours))]
    assert thread.stored()[lookalike]["body"] == forged()
    assert thread.stored()[other_app]["body"] == forged()
    assert "2 comment(s) with aigov's marker" in result.stdout


def test_a_personal_token_trusts_its_own_login_only(
    local_server: Any,
    conformance: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    run_cli: Callable[..., CliResult],
) -> None:
    thread = _thread(
        GITHUB_PERSONAL_TOKEN, local_server, conformance, monkeypatch, tmp_path, run_cli
    )
    # Another workflow's bot posting the marker is not this token's account either.
    other_bot = thread.add(forged(), ACTIONS_BOT)
    ours = thread.add(marker(HEAD_SHA) + "\nprevious run", "aigov-bot")
    result = thread.run(build_blocked_report())
    assert result.exit_code == 0, result.stderr
    assert thread.comment_writes() == [("PATCH", thread.path(ours))]
    assert thread.stored()[other_bot]["body"] == forged()


def test_a_job_token_adopts_no_earlier_note(
    local_server: Any,
    conformance: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    run_cli: Callable[..., CliResult],
) -> None:
    thread = _thread(GITLAB_JOB_TOKEN, local_server, conformance, monkeypatch, tmp_path, run_cli)
    # Written with a job token too, so by whoever started that pipeline: it proves nothing.
    earlier = thread.add(marker(HEAD_SHA) + "\nan earlier pipeline", PIPELINE_USER)
    result = thread.run(build_blocked_report())
    assert result.exit_code == 0, result.stderr
    assert thread.fake.calls()[2] == USER
    assert thread.comment_writes() == [("POST", thread.listing)]
    assert thread.stored()[earlier]["body"] == marker(HEAD_SHA) + "\nan earlier pipeline"


@pytest.mark.parametrize("mode", [GITHUB_PERSONAL_TOKEN, GITLAB_ACCESS_TOKEN], ids=lambda m: m.id)
def test_get_user_failing_is_one_clear_error(
    mode: Mode,
    local_server: Any,
    conformance: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    run_cli: Callable[..., CliResult],
) -> None:
    monkeypatch.setattr(retry, "DEFAULT_POLICY", retry.RetryPolicy(retries=2, backoff_factor=0.01))
    thread = _thread(mode, local_server, conformance, monkeypatch, tmp_path, run_cli)
    ours = thread.add(marker(HEAD_SHA) + "\nprevious run", mode.bot)
    echo = {"message": f"upstream said: token {thread.token}"}
    for _ in range(5):
        thread.fake.fail_once("GET", "/user", 500, body=echo)
    result = thread.run(build_blocked_report())
    assert result.exit_code == 2
    assert [c for c in thread.fake.calls() if c == USER] == [USER] * 3  # 1 attempt + 2 retries
    line = result.stderr.strip()
    assert line.startswith("aigov: error: could not publish:") and "\n" not in line
    assert "reading the token's user" in line and "500" in line
    assert thread.comment_writes() == []  # nothing touched without knowing whose comment is whose
    assert ours in thread.stored()
