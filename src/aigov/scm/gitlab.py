"""GitLab merge requests through python-gitlab (the only module that imports it, only when used).

Requests made for one run: ``GET /projects/{id}/merge_requests/{iid}`` (the current head
``sha``), ``POST /projects/{id}/statuses/{sha}`` (``name: aigov``), ``GET /user`` (the username
the token acts as, to know its own note), ``GET …/merge_requests/{iid}/notes?sort=asc&
order_by=created_at``, then ``POST …/notes`` or ``PUT``/``DELETE …/notes/{note_id}``.

Authentication: ``GITLAB_TOKEN`` as ``PRIVATE-TOKEN``, else ``CI_JOB_TOKEN`` as ``JOB-TOKEN``
(GitLab limits what a job token may call; notes usually need a project access token). A job
token may not read ``GET /user``: without the username no earlier note is taken as the bot's
(the notes API does not flag bots), so each run posts a new note where the instance lets a job
token post notes at all.
Retries are done below python-gitlab, on its requests session (:func:`retrying_session`), so
that one budget bounds them (python-gitlab's own 429 loop sleeps whatever ``Retry-After`` says;
its ``retry_transient_errors`` stays off); reads cut off mid-answer are repeated; the note's POST
is sent at most once (see :mod:`aigov.scm.retry`). Each request times out after
:data:`TIMEOUT_SECONDS` without an answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

from aigov import __version__
from aigov.scm import retry as retries
from aigov.scm.publish import STATUS_CONTEXT, ForgeComment, PublishError, redact
from aigov.scm.retry import (
    BudgetedRetry,
    CutOffRepeater,
    RetryPolicy,
    WaitBudget,
    network_failure,
    retry_options,
)

if TYPE_CHECKING:
    import requests

    from aigov.scm.context import ChangeRequest

TIMEOUT_SECONDS: Final = 30
"""Seconds to wait for an answer (connect, and between bytes) before the attempt fails."""


def _username(author: Any) -> str:
    return str(author.get("username") or "") if isinstance(author, dict) else ""


def retrying_session(policy: RetryPolicy) -> tuple[requests.Session, WaitBudget]:
    """A requests session for python-gitlab that retries with ``policy``, and its budget."""
    import requests
    from requests.adapters import HTTPAdapter

    options = retry_options(policy)
    adapter = HTTPAdapter(max_retries=BudgetedRetry(raise_on_status=True, **options))
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session, options["budget"]


class GitLabMergeRequest:
    """A merge request's notes and head commit (implements ``ReviewThread``)."""

    def __init__(self, request: ChangeRequest, *, policy: RetryPolicy | None = None) -> None:
        import gitlab

        self._request = request
        policy = policy or retries.DEFAULT_POLICY
        session, self._budget = retrying_session(policy)
        self._again = CutOffRepeater(policy, self._budget)
        job_token = request.token_variable == "CI_JOB_TOKEN"
        self._gitlab = gitlab.Gitlab(
            re.sub(r"/api/v4$", "", request.api_url),
            private_token=None if job_token else request.token,
            job_token=request.token if job_token else None,
            session=session,
            timeout=TIMEOUT_SECONDS,
            retry_transient_errors=False,
            per_page=100,
            user_agent=f"aigov/{__version__}",
        )
        self._project = self._gitlab.projects.get(request.project, lazy=True)
        self._merge_request = self._project.mergerequests.get(request.number, lazy=True)

    def head_sha(self) -> str:
        with self._calling(f"reading {self._request.label}"):
            current = self._again(lambda: self._project.mergerequests.get(self._request.number))
        return str(current.sha)

    def identity(self) -> str | None:
        from gitlab.exceptions import GitlabError

        with self._calling("reading the token's user"):
            try:
                self._again(self._gitlab.auth)
            except GitlabError as exc:
                if exc.response_code in (401, 403, 404):  # a job token has no user to read
                    return None
                raise
        user = self._gitlab.user
        return str(user.username) if user is not None else None

    def comments(self) -> list[ForgeComment]:
        with self._calling(f"listing the notes of {self._request.label}"):
            notes = self._again(
                lambda: self._merge_request.notes.list(
                    get_all=True, sort="asc", order_by="created_at"
                )
            )
        # The author is a UserBasic (id, username, name, state…): nothing says it is a bot.
        return [
            ForgeComment(int(n.id), str(n.body or ""), author=_username(getattr(n, "author", None)))
            for n in notes
            if not getattr(n, "system", False)
        ]

    def create_comment(self, body: str) -> int:
        with self._calling(f"commenting on {self._request.label}"), self._budget.at_most_once():
            note = self._merge_request.notes.create({"body": body})
        return int(note.id)

    def update_comment(self, comment_id: int, body: str) -> None:
        with self._calling(f"editing note {comment_id} of {self._request.label}"):
            self._again(lambda: self._merge_request.notes.update(comment_id, {"body": body}))

    def delete_comment(self, comment_id: int) -> None:
        from gitlab.exceptions import GitlabDeleteError

        with self._calling(f"deleting note {comment_id} of {self._request.label}"):
            try:
                self._merge_request.notes.delete(comment_id)
            except GitlabDeleteError as exc:
                if exc.response_code != 404:  # 404: gone already (a retried DELETE)
                    raise

    def set_status(self, sha: str, passed: bool, description: str, target_url: str | None) -> None:
        data: dict[str, Any] = {
            "state": "success" if passed else "failed",
            "name": STATUS_CONTEXT,
            "description": description,
        }
        if target_url:
            data["target_url"] = target_url
        with self._calling(f"setting the status of {sha[:12]}"):
            self._project.commits.get(sha, lazy=True).statuses.create(data)

    @contextmanager
    def _calling(self, what: str) -> Iterator[None]:
        """Turn the client's errors into one :class:`PublishError` line without the token."""
        import requests
        from gitlab.exceptions import GitlabError

        try:
            yield
        except GitlabError as exc:
            code = exc.response_code
            raise PublishError(
                self._clean(f"GitLab: {what}: {self._explain(exc)}"),
                uncertain=code is None or code >= 500,
            ) from None
        except requests.RequestException as exc:
            raise PublishError(
                self._clean(f"GitLab at {self._request.api_url}: {what}: {network_failure(exc)}"),
                uncertain=True,
            ) from None

    def _explain(self, exc: Any) -> str:
        code = getattr(exc, "response_code", None)
        message = getattr(exc, "error_message", None)
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        text = f"HTTP {code}" + (f": {str(message)[:300]}" if message else "")
        if code in (401, 403) and self._request.token_variable == "CI_JOB_TOKEN":
            text += (
                " (CI_JOB_TOKEN may not write merge request notes or statuses: set GITLAB_TOKEN "
                "to a project access token with the api scope)"
            )
        elif code in (401, 403):
            text += " (GITLAB_TOKEN needs the api scope and the Developer role)"
        return text

    def _clean(self, text: str) -> str:
        return redact(text, self._request.token)
