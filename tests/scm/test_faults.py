"""``aigov comment`` when the forge fails: 5xx, 429, closed connections, hangs, lost answers.

PyGithub and python-gitlab talk over real HTTP to a fault-injecting proxy (tests/fault_proxy.py)
in front of the local GitHub/GitLab fakes. Every test runs against both forges and asserts the
end state the reviewers see — exactly one bot comment — plus bounded attempts and wall time, one
clear error line and exit 2 when the forge never recovers, and the token in no output.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import CliResult
from tests.fault_proxy import (
    CLOSE,
    DRIP,
    HANG,
    HUNG_ANSWER,
    LOST_ANSWER,
    TRUNCATED_ANSWER,
    Fault,
    FaultProxy,
    fault_proxy,
    status,
)
from tests.report.conftest import build_blocked_report, build_passing_report
from tests.scm.fakes import (
    GITHUB_TOKEN,
    GITLAB_TOKEN,
    HEAD_SHA,
    MR_IID,
    PR_NUMBER,
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
from aigov.scm.publish import marker, marker_sha

pytestmark = pytest.mark.usefixtures("zero_throttle")

SHORT_TIMEOUT = 1
"""Seconds the hanging tests give a forge request (production: 30)."""
QUICK = retry.RetryPolicy(retries=2, backoff_factor=0.05, max_total_wait=10)
"""Persistent-failure tests: 3 attempts per request, short backoff (production: 5, 1 s, 120 s)."""


@dataclass
class Forge:
    """One forge behind the proxy, the paths of its requests, and ``aigov comment`` against it."""

    name: str
    fake: FakeGitHub | FakeGitLab
    proxy: FaultProxy
    token: str
    head: str
    """GET the pull/merge request (the current head)."""
    status: str
    comments: str
    """GET lists, POST creates the bot's comment (GitHub issue comments, GitLab notes)."""
    run: Callable[..., CliResult]

    def stored(self) -> dict[int, dict[str, Any]]:
        return self.fake.comments if isinstance(self.fake, FakeGitHub) else self.fake.notes

    def bot_comments(self) -> list[str]:
        """The bodies of the comments with the marker written by the token's account."""
        return [
            c["body"]
            for c in self.stored().values()
            if marker_sha(c["body"]) is not None and author_of(c) == self.bot
        ]

    def add_forged(self, body: str) -> int:
        """A comment starting with the marker, by a participant of the pull request."""
        if isinstance(self.fake, FakeGitHub):
            return self.fake.add_comment(body, login="mallory")
        return self.fake.add_note(body, author="mallory")

    @property
    def bot(self) -> str:
        return self.fake.login if isinstance(self.fake, FakeGitHub) else self.fake.username

    @property
    def user(self) -> str:
        """GET the account the token acts as."""
        return "/user" if isinstance(self.fake, FakeGitHub) else "/api/v4/user"

    def attempts(self, method: str, path: str) -> int:
        return len(self.proxy.seen(method, path))


@pytest.fixture(params=["github", "gitlab"])
def forge(
    request: pytest.FixtureRequest,
    local_server: Any,
    conformance: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    run_cli: Callable[..., CliResult],
) -> Iterator[Forge]:
    upstream = local_server.url_for("/").rstrip("/")
    with fault_proxy(upstream) as proxy:
        if request.param == "github":
            github = FakeGitHub(local_server)
            event = conformance / "github-events" / "pull_request.opened.json"
            github_env(monkeypatch, github, event, GITHUB_API_URL=proxy.url)
            repo = f"/repos/{REPOSITORY}"
            paths = (f"{repo}/pulls/{PR_NUMBER}", f"{repo}/statuses/{HEAD_SHA}")
            comments = f"{repo}/issues/{PR_NUMBER}/comments"
            fake: FakeGitHub | FakeGitLab = github
            token = GITHUB_TOKEN
        else:
            fake = FakeGitLab(local_server)
            gitlab_env(monkeypatch, fake, CI_API_V4_URL=f"{proxy.url}/api/v4")
            mr = f"/api/v4/projects/{PROJECT_ID}/merge_requests/{MR_IID}"
            paths = (mr, f"/api/v4/projects/{PROJECT_ID}/statuses/{HEAD_SHA}")
            comments = f"{mr}/notes"
            token = GITLAB_TOKEN

        def run(report: CheckReport, *args: str) -> CliResult:
            result = write_result(tmp_path / "result.json", report)
            outcome = run_cli("comment", f"--{request.param}", "--result", str(result), *args)
            assert token not in outcome.stdout + outcome.stderr
            assert "Traceback" not in outcome.stderr
            return outcome

        yield Forge(request.param, fake, proxy, token, *paths, comments, run)


@pytest.fixture
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("aigov.scm.github.TIMEOUT_SECONDS", SHORT_TIMEOUT)
    monkeypatch.setattr("aigov.scm.gitlab.TIMEOUT_SECONDS", SHORT_TIMEOUT)


@pytest.fixture
def quick_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry, "DEFAULT_POLICY", QUICK)


def _published(forge: Forge, result: CliResult) -> None:
    """Exit 0, exactly one bot comment for the head commit, the status set once or more."""
    assert result.exit_code == 0, result.stderr
    bodies = forge.bot_comments()
    assert len(bodies) == 1, f"{len(bodies)} bot comments"
    assert marker_sha(bodies[0]) == HEAD_SHA
    assert forge.fake.statuses


# --- transient faults: retried, then published once -------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [status(500), status(502), status(503), status(429), CLOSE, TRUNCATED_ANSWER],
    ids=lambda f: f.label,
)
def test_a_transient_fault_on_a_read_is_retried(forge: Forge, fault: Fault) -> None:
    forge.proxy.inject(fault, method="GET", path=forge.head)
    started = time.monotonic()
    result = forge.run(build_blocked_report())
    _published(forge, result)
    assert forge.attempts("GET", forge.head) == 2  # the fault, then the retry
    assert forge.proxy.injected[fault.label] == 1
    assert time.monotonic() - started < 5  # the first retry of urllib3 does not wait


def test_429_with_retry_after_waits_what_the_server_asks(forge: Forge) -> None:
    forge.proxy.inject(status(429, retry_after="1"), method="GET", path=forge.comments)
    result = forge.run(build_blocked_report())
    _published(forge, result)
    first, second = forge.proxy.seen("GET", forge.comments)[:2]
    assert second.at - first.at >= 0.95


def test_429_on_the_comment_post_is_retried_once_refused(forge: Forge) -> None:
    # A 429 says the request was not carried out: posting again cannot duplicate.
    forge.proxy.inject(status(429, retry_after="0"), method="POST", path=forge.comments)
    _published(forge, forge.run(build_blocked_report()))
    assert forge.attempts("POST", forge.comments) == 2


def test_a_status_post_answered_502_is_retried(forge: Forge) -> None:
    forge.proxy.inject(status(502), method="POST", path=forge.status)
    _published(forge, forge.run(build_blocked_report()))
    assert forge.attempts("POST", forge.status) == 2


@pytest.mark.usefixtures("short_timeout")
def test_a_hanging_read_times_out_and_is_retried(forge: Forge) -> None:
    forge.proxy.inject(HANG, method="GET", path=forge.head)
    started = time.monotonic()
    result = forge.run(build_blocked_report())
    elapsed = time.monotonic() - started
    _published(forge, result)
    assert forge.attempts("GET", forge.head) == 2
    assert SHORT_TIMEOUT * 0.9 <= elapsed < SHORT_TIMEOUT + 4


# --- the comment POST whose answer is lost: exactly one comment --------------------------------


@pytest.mark.parametrize(
    "fault", [LOST_ANSWER, TRUNCATED_ANSWER, status(502)], ids=lambda f: f.label
)
def test_a_comment_post_whose_answer_is_lost_leaves_one_comment(forge: Forge, fault: Fault) -> None:
    forge.proxy.inject(fault, method="POST", path=forge.comments)
    result = forge.run(build_blocked_report())
    _published(forge, result)
    posts = forge.attempts("POST", forge.comments)
    if fault.forwarded:  # created upstream: found by its marker, not posted again
        assert posts == 1
    else:  # refused before being carried out: looked for, not found, posted again
        assert posts == 2
    lists = forge.attempts("GET", forge.comments)
    assert lists == 2  # the upsert's listing, then the look before posting again


@pytest.mark.usefixtures("short_timeout")
def test_a_comment_post_that_times_out_after_creating_leaves_one_comment(forge: Forge) -> None:
    forge.proxy.inject(HUNG_ANSWER, method="POST", path=forge.comments)
    started = time.monotonic()
    result = forge.run(build_blocked_report())
    _published(forge, result)
    assert forge.attempts("POST", forge.comments) == 1
    assert time.monotonic() - started < SHORT_TIMEOUT + 4


@pytest.mark.parametrize("fault", [LOST_ANSWER, status(502)], ids=lambda f: f.label)
def test_the_look_after_a_lost_answer_ignores_forged_comments(forge: Forge, fault: Fault) -> None:
    # Only the bot's own comment may be adopted: after a refused POST (502, nothing created) the
    # look finds only the forged one and posts again; after a lost answer it finds its own.
    forged = marker(HEAD_SHA) + "\nforged by a participant"
    forged_id = forge.add_forged(forged)
    forge.proxy.inject(fault, method="POST", path=forge.comments)
    result = forge.run(build_blocked_report())
    _published(forge, result)
    assert forge.stored()[forged_id]["body"] == forged
    assert forge.attempts("POST", forge.comments) == (1 if fault.forwarded else 2)
    assert forge.attempts("GET", forge.comments) == 2  # the upsert's listing, then the look
    assert forge.attempts("GET", forge.user) == 1  # the identity is asked once per run
    writes = [c for c in forge.proxy.calls() if c[0] in ("PATCH", "PUT", "DELETE")]
    assert writes == []
    assert "1 comment(s) with aigov's marker" in result.stdout


def test_every_comment_post_losing_its_answer_still_leaves_one_comment(forge: Forge) -> None:
    forge.proxy.inject(LOST_ANSWER, method="POST", path=forge.comments, times=None)
    _published(forge, forge.run(build_blocked_report()))
    assert forge.attempts("POST", forge.comments) == 1


def test_the_next_run_after_a_lost_answer_edits_the_same_comment(forge: Forge) -> None:
    forge.proxy.inject(LOST_ANSWER, method="POST", path=forge.comments)
    _published(forge, forge.run(build_blocked_report()))
    _published(forge, forge.run(build_passing_report()))
    assert forge.attempts("POST", forge.comments) == 1
    assert "✅" in forge.bot_comments()[0] or "pass" in forge.bot_comments()[0].lower()


# --- the forge never recovers: bounded, one clear line, exit 2, nothing posted twice -----------


@pytest.mark.usefixtures("quick_policy")
@pytest.mark.parametrize(
    "fault", [status(500), status(429), CLOSE, TRUNCATED_ANSWER], ids=lambda f: f.label
)
def test_a_forge_that_keeps_failing_gives_up_after_bounded_attempts(
    forge: Forge, fault: Fault
) -> None:
    forge.proxy.inject(fault, times=None)
    started = time.monotonic()
    result = forge.run(build_blocked_report())
    elapsed = time.monotonic() - started
    assert result.exit_code == 2
    assert forge.proxy.calls() == [("GET", forge.head)] * (QUICK.retries + 1)
    assert elapsed < 5
    line = result.stderr.strip()
    assert line.startswith("aigov: error: could not publish:") and "\n" not in line
    assert forge.bot_comments() == []


@pytest.mark.usefixtures("quick_policy", "short_timeout")
def test_a_hanging_forge_times_out_within_the_bound(forge: Forge) -> None:
    forge.proxy.inject(HANG, times=None)
    started = time.monotonic()
    result = forge.run(build_blocked_report())
    elapsed = time.monotonic() - started
    assert result.exit_code == 2
    attempts = QUICK.retries + 1
    assert forge.proxy.calls() == [("GET", forge.head)] * attempts
    assert attempts * SHORT_TIMEOUT * 0.9 <= elapsed < attempts * SHORT_TIMEOUT + 3
    assert "could not publish" in result.stderr
    assert "timed out waiting for the answer" in result.stderr


@pytest.mark.usefixtures("short_timeout")
def test_a_forge_trickling_its_answer_is_cut_off_by_the_deadline(forge: Forge) -> None:
    """A byte every 0.2 s never trips the 1 s silence timeout: only --deadline ends the run."""
    forge.proxy.inject(DRIP, method="GET", path=forge.head, times=None)
    started = time.monotonic()
    result = forge.run(build_blocked_report(), "--deadline", "2")
    elapsed = time.monotonic() - started
    assert result.exit_code == 2
    assert 1.9 <= elapsed < 4, elapsed
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("aigov: error: could not publish: gave up after 2 s (--deadline)")
    assert forge.proxy.calls() == [("GET", forge.head)]
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # the timer is not left running


@pytest.mark.parametrize("given", ["0", "-1", "soon", "1e9"])
def test_the_deadline_must_be_a_sensible_number_of_seconds(forge: Forge, given: str) -> None:
    result = forge.run(build_blocked_report(), "--deadline", given)
    assert result.exit_code == 2
    assert "--deadline" in result.stderr and forge.proxy.calls() == []


@pytest.mark.usefixtures("quick_policy")
def test_comment_posts_that_keep_failing_are_bounded_and_leave_no_duplicate(forge: Forge) -> None:
    forge.proxy.inject(status(502), method="POST", path=forge.comments, times=None)
    result = forge.run(build_blocked_report())
    assert result.exit_code == 2
    assert "HTTP 502" in result.stderr
    assert forge.attempts("POST", forge.comments) == 3  # posted, then looked for and re-posted
    assert forge.bot_comments() == []


def test_the_token_never_shows_in_a_network_error(forge: Forge, quick_policy: None) -> None:
    forge.proxy.inject(CLOSE, times=None)
    result = forge.run(build_blocked_report())  # the harness asserts the token is absent
    assert result.exit_code == 2
    assert f"at {forge.proxy.url}" in result.stderr
    assert "connection closed before the answer was complete" in result.stderr
