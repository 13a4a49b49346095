"""GitHub pull requests through PyGithub (the only module that imports it, and only when used).

Requests made for one run: ``GET /repos/{repo}/pulls/{n}`` (the current head),
``POST /repos/{repo}/statuses/{sha}``, ``GET /user`` (the login the token acts as, to know its own
comment), ``GET /repos/{repo}/issues/{n}/comments`` (a PR's conversation comments are issue
comments), then ``POST`` a comment, or ``PATCH``/``DELETE`` ``/repos/{repo}/issues/comments/{id}``.
Objects are lazy: nothing else is fetched.

``GET /user`` answers a personal access token or an app's user token; GitHub Actions'
``GITHUB_TOKEN`` (an app installation token) gets ``403 Resource not accessible by integration``:
then the login is the ``creator`` of the status the run has just set (``github-actions[bot]``, or
the app's bot), and only when that answer names nobody are comments by any ``Bot`` account taken
as the bot's (see :func:`aigov.scm.publish.is_ours`).

PyGithub's throttle (0.25 s between requests, 1 s between writes) stays on: GitHub asks
integrators to pace writes to avoid secondary rate limits. Retries: 429, 5xx, and 403 secondary
rate limits (PyGithub's ``GithubRetry``), with ``Retry-After`` honoured within the run's budget;
reads cut off mid-answer are repeated; the comment's POST is sent at most once (see
:mod:`aigov.scm.retry`). Each request times out after :data:`TIMEOUT_SECONDS` without an answer.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

from aigov import __version__
from aigov.quiet import quiet_library
from aigov.scm import retry as retries
from aigov.scm.publish import STATUS_CONTEXT, ForgeComment, PublishError, redact
from aigov.scm.retry import (
    BudgetedRetry,
    CutOffRepeater,
    RetryPolicy,
    network_failure,
    retry_options,
)

if TYPE_CHECKING:
    from github.IssueComment import IssueComment

    from aigov.scm.context import ChangeRequest

DEFAULT_THROTTLE: Final[tuple[float, float]] = (0.25, 1.0)
"""PyGithub's own defaults: seconds between requests, seconds between writes."""
TIMEOUT_SECONDS: Final = 30
"""Seconds to wait for an answer (connect, and between bytes) before the attempt fails."""


@functools.cache
def _retry_class() -> type[BudgetedRetry]:
    from github.GithubRetry import GithubRetry

    class GitHubRetry(BudgetedRetry, GithubRetry):
        """GithubRetry's secondary-rate-limit handling, with the run's waiting budget."""

    return GitHubRetry


def github_retry(policy: RetryPolicy) -> BudgetedRetry:
    """PyGithub's ``retry=``: 429, 5xx and secondary rate limits, within ``policy``'s budget."""
    return _retry_class()(
        raise_on_status=False,
        secondary_rate_wait=min(60.0, policy.max_total_wait),
        max_rate_limit_wait=policy.max_total_wait,
        **retry_options(policy),
    )


class GitHubPullRequest:
    """A pull request's conversation and head commit (implements ``ReviewThread``)."""

    def __init__(
        self,
        request: ChangeRequest,
        *,
        policy: RetryPolicy | None = None,
        throttle: tuple[float, float] | None = None,
    ) -> None:
        from github import Auth, Github

        policy = policy or retries.DEFAULT_POLICY
        between_requests, between_writes = throttle or DEFAULT_THROTTLE
        retry = github_retry(policy)
        self._request = request
        self._budget = retry.budget
        self._again = CutOffRepeater(policy, retry.budget)
        with self._calling("connecting"):
            self._github = Github(
                base_url=request.api_url,
                auth=Auth.Token(request.token),
                timeout=TIMEOUT_SECONDS,
                user_agent=f"aigov/{__version__}",
                retry=retry,
                seconds_between_requests=between_requests,
                seconds_between_writes=between_writes,
                per_page=100,
                lazy=True,
            )
            self._repo = self._github.get_repo(request.project)
            self._issue = self._repo.get_issue(request.number)
        self._listed: dict[int, IssueComment] = {}
        self._status_author: str | None = None

    def head_sha(self) -> str:
        with self._calling(f"reading {self._request.label}"):
            sha: str = self._again(lambda: self._repo.get_pull(self._request.number).head.sha)
        return sha

    def identity(self) -> str | None:
        from github import GithubException

        with self._calling("reading the token's user"), _quiet_403_log():
            try:
                login: str = self._again(lambda: self._github.get_user().login)
            except GithubException as exc:
                if exc.status in (401, 403, 404):  # an installation token has no user
                    return self._status_author
                raise
        return login

    def comments(self) -> list[ForgeComment]:
        with self._calling(f"listing the comments of {self._request.label}"):
            listed = self._again(lambda: list(self._issue.get_comments()))
        self._listed = {c.id: c for c in listed}
        return [_listed_comment(c) for c in listed]

    def create_comment(self, body: str) -> int:
        with self._calling(f"commenting on {self._request.label}"), self._budget.at_most_once():
            comment_id: int = self._issue.create_comment(body).id
        return comment_id

    def update_comment(self, comment_id: int, body: str) -> None:
        with self._calling(f"editing comment {comment_id} of {self._request.label}"):
            self._again(lambda: self._comment(comment_id).edit(body))

    def delete_comment(self, comment_id: int) -> None:
        from github import UnknownObjectException

        # Gone already (UnknownObjectException): a retried DELETE whose first answer was lost.
        with (
            self._calling(f"deleting comment {comment_id} of {self._request.label}"),
            contextlib.suppress(UnknownObjectException),
        ):
            self._comment(comment_id).delete()

    def set_status(self, sha: str, passed: bool, description: str, target_url: str | None) -> None:
        parameters: dict[str, Any] = {
            "state": "success" if passed else "failure",
            "description": description,
            "context": STATUS_CONTEXT,
        }
        if target_url:
            parameters["target_url"] = target_url
        with self._calling(f"setting the status of {sha[:12]}"):
            status = self._repo.get_commit(sha).create_status(**parameters)
        # The answer names the account that wrote the status: the token's, even when GET /user
        # is refused to it (an installation token), and no request is spent to learn it.
        creator = status.raw_data.get("creator") if isinstance(status.raw_data, dict) else None
        login = creator.get("login") if isinstance(creator, dict) else None
        self._status_author = login if isinstance(login, str) and login else None

    def _comment(self, comment_id: int) -> IssueComment:
        known = self._listed.get(comment_id)
        return known if known is not None else self._issue.get_comment(comment_id)

    @contextmanager
    def _calling(self, what: str) -> Iterator[None]:
        """Turn the client's errors into one :class:`PublishError` line without the token."""
        import requests
        from github import GithubException

        try:
            yield
        except GithubException as exc:
            raise PublishError(
                self._clean(f"GitHub: {what}: {_explain(exc)}"), uncertain=exc.status >= 500
            ) from None
        except requests.RequestException as exc:
            raise PublishError(
                self._clean(f"GitHub at {self._request.api_url}: {what}: {network_failure(exc)}"),
                uncertain=True,
            ) from None

    def _clean(self, text: str) -> str:
        return redact(text, self._request.token)


def _quiet_403_log() -> contextlib.AbstractContextManager[None]:
    """PyGithub's retry logs every 403 at INFO on the stderr handler PyGithub installs; the 403
    an installation token gets from ``GET /user`` is expected, not worth a line in the job log."""
    return quiet_library("github.GithubRetry", logging.WARNING)


def _listed_comment(comment: IssueComment) -> ForgeComment:
    # The listing's user object has login and type: reading them sends no request.
    user = comment.user
    return ForgeComment(
        comment.id,
        comment.body or "",
        author=user.login if user is not None else "",
        author_is_bot=user is not None and user.type == "Bot",
    )


def _explain(exc: Any) -> str:
    status = getattr(exc, "status", None)
    data = getattr(exc, "data", None)
    message = data.get("message") if isinstance(data, dict) else None
    text = f"HTTP {status}" + (f": {message}" if message else "")
    if status in (401, 403, 404) and not message:
        text += " (check the token's permissions: pull-requests: write, statuses: write)"
    elif status in (401, 403, 404):
        text += " (the token needs pull-requests: write and statuses: write)"
    return text
