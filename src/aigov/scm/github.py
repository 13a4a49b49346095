"""GitHub pull requests through PyGithub (the only module that imports it, and only when used).

Publishing (:class:`GitHubPullRequest`), requests made for one run:
``GET /repos/{repo}/pulls/{n}`` (the current head), ``POST /repos/{repo}/statuses/{sha}``,
``GET /user`` (the login the token acts as, to know its own comment),
``GET /repos/{repo}/issues/{n}/comments`` (a PR's conversation comments are issue comments),
then ``POST`` a comment, or ``PATCH``/``DELETE`` ``/repos/{repo}/issues/comments/{id}``.
Objects are lazy: nothing else is fetched.

Reading attestations (:class:`GitHubRepositoryReader`): ``GET /repos/{repo}/pulls/{n}`` and
``…/pulls/{n}/reviews`` (every page), ``GET /repos/{repo}/commits/{sha}/pulls`` (the pull
requests that brought a commit), ``GET /repos/{repo}/branches/{branch}/protection`` (needs the
Administration: read permission, which GitHub Actions' ``GITHUB_TOKEN`` cannot be given) and
``GET /repos/{repo}/rules/branches/{branch}`` (the rulesets in force, readable by any reader).

Reading an organisation for the portfolio (:class:`GitHubOrganisationReader`):
``GET /orgs/{org}/repos?type=all`` (every page), ``GET /repos/{repo}/commits/{branch}`` with
``If-None-Match`` (a ``304`` costs no rate limit), and ``GET /repos/{repo}/contents/{path}?ref=SHA``
for each governed file.

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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

from aigov import __version__
from aigov.quiet import quiet_library
from aigov.scm import retry as retries
from aigov.scm.forge import (
    Approval,
    BranchProtection,
    ChangeRequestApprovals,
    ForgeReadError,
    ForgeRepository,
    HostedRepository,
    refusal,
)
from aigov.scm.publish import STATUS_CONTEXT, ForgeComment, PublishError, redact
from aigov.scm.retry import (
    BudgetedRetry,
    CutOffRepeater,
    RetryPolicy,
    network_failure,
    retry_options,
)

if TYPE_CHECKING:
    from github import Github
    from github.IssueComment import IssueComment
    from github.PullRequest import PullRequest
    from github.PullRequestReview import PullRequestReview

    from aigov.scm.context import ChangeRequest

FileReader = Callable[[str], bytes | None]
"""Reads one file of a commit (repository-relative path); None when it does not exist."""

DEFAULT_THROTTLE: Final[tuple[float, float]] = (0.25, 1.0)
"""PyGithub's own defaults: seconds between requests, seconds between writes."""
TIMEOUT_SECONDS: Final = 30
"""Seconds to wait for an answer (connect, and between bytes) before the attempt fails."""
PUBLISH_PERMISSIONS: Final = "pull-requests: write and statuses: write"
READ_PERMISSIONS: Final = "pull-requests: read"
PROTECTION_PERMISSIONS: Final = (
    "administration: read, which GitHub Actions' GITHUB_TOKEN cannot be given: set "
    "AIGOV_FORGE_TOKEN to a fine-grained or GitHub App token with it"
)
_NOT_A_DECISION: Final = frozenset({"COMMENTED", "PENDING"})
"""Review states that neither give nor withdraw an approval."""


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
        self._request = request
        with self._calling("connecting"):
            self._github, self._again = _client(request.api_url, request.token, policy, throttle)
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
        with (
            self._calling(f"commenting on {self._request.label}"),
            self._again.budget.at_most_once(),
        ):
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

    def _calling(self, what: str) -> contextlib.AbstractContextManager[None]:
        """The client's errors as one :class:`PublishError` line without the token."""
        return _failures_as(
            PublishError, what, self._request.api_url, self._request.token, PUBLISH_PERMISSIONS
        )


class GitHubRepositoryReader:
    """The reviews, the pull requests of a commit and the protection of a branch of one
    repository, read with the run's retries and timeouts."""

    def __init__(
        self,
        repository: ForgeRepository,
        *,
        policy: RetryPolicy | None = None,
        throttle: tuple[float, float] | None = None,
    ) -> None:
        self._repository = repository
        with self._calling("connecting", READ_PERMISSIONS):
            self._github, self._again = _client(
                repository.api_url, repository.token, policy, throttle
            )
            self._repo = self._github.get_repo(repository.project)

    def approvals(self, number: int) -> ChangeRequestApprovals:
        """PR ``number`` (read first: its head) and then its standing approvals."""
        with self._calling(f"reading PR #{number} of {self._repository.project}", READ_PERMISSIONS):
            pull = self._again(lambda: _fetched(self._repo.get_pull(number)))
            return self._with_reviews(pull)

    def merged_change_requests_of(self, sha: str) -> list[ChangeRequestApprovals]:
        """The merged pull requests GitHub associates with commit ``sha``."""
        with self._calling(f"listing the pull requests of {sha[:12]}", READ_PERMISSIONS):
            pulls = self._again(lambda: list(self._repo.get_commit(sha).get_pulls()))
            return [self._with_reviews(p) for p in pulls if p.merged_at is not None]

    def branch_protection(self, branch: str) -> BranchProtection:
        """Classic branch protection and the rulesets in force on ``branch``, together."""
        from github import GithubException

        branch_url = f"{self._repo.url}/branches/{quote(branch)}"
        requester = self._github.requester
        with self._calling(f"reading the protection of {branch}", PROTECTION_PERMISSIONS):
            try:
                _, classic = self._again(
                    lambda: requester.requestJsonAndCheck("GET", f"{branch_url}/protection")
                )
            except GithubException as exc:
                if exc.status != 404:
                    raise
                classic = None  # "Branch not protected"
        with self._calling(f"reading the rulesets of {branch}", READ_PERMISSIONS):
            rules_url = f"{self._repo.url}/rules/branches/{quote(branch)}"
            try:
                _, rules = self._again(
                    lambda: requester.requestJsonAndCheck("GET", rules_url, {"per_page": 100})
                )
            except GithubException as exc:
                if exc.status != 404:
                    raise
                rules = []  # a GitHub Enterprise Server without rulesets
        return protection_of(branch, classic, rules if isinstance(rules, list) else [])

    def _with_reviews(self, pull: PullRequest) -> ChangeRequestApprovals:
        reviews = self._again(lambda: list(pull.get_reviews()))
        author = pull.user.login if pull.user is not None else ""
        merged = pull.merged_at is not None
        return ChangeRequestApprovals(
            forge="github",
            number=pull.number,
            author=author,
            head_sha=pull.head.sha.lower(),
            merged=merged,
            merge_commit=pull.merge_commit_sha.lower()
            if merged and pull.merge_commit_sha
            else None,
            url=pull.html_url,
            approvals=standing_approvals(reviews, author),
        )

    def _calling(self, what: str, needs: str) -> contextlib.AbstractContextManager[None]:
        return _failures_as(
            ForgeReadError, what, self._repository.api_url, self._repository.token, needs
        )


class GitHubOrganisationReader:
    """The repositories of an organisation and the files of their commits, without a clone.

    Every failure is a :class:`ForgeReadError` whose line names what was read, never the token;
    requests are retried within one waiting budget, and reads cut off mid-answer made again.
    """

    def __init__(
        self,
        org: str,
        api_url: str,
        token: str | None,
        *,
        throttle_s: float,
        per_page: int,
        timeout: int = TIMEOUT_SECONDS,
        policy: RetryPolicy | None = None,
    ) -> None:
        from github import Auth, Github

        policy = policy or retries.DEFAULT_POLICY
        retrying = github_retry(policy)
        self._again = CutOffRepeater(policy, retrying.budget)
        self.org = org
        self._token = token or ""
        self._github = Github(
            base_url=api_url.rstrip("/"),
            auth=Auth.Token(token) if token else None,
            per_page=per_page,
            seconds_between_requests=throttle_s,
            seconds_between_writes=throttle_s,
            retry=retrying,
            timeout=timeout,
        )

    def repositories(self) -> list[HostedRepository]:
        """The organisation's repositories that are not archived."""
        import requests
        from github import GithubException

        found = []
        try:
            for repo in self._github.get_organization(self.org).get_repos(type="all"):
                if not repo.archived:
                    found.append(
                        HostedRepository(
                            repo.full_name, repo.name, repo.html_url, repo.default_branch
                        )
                    )
        except GithubException as exc:
            raise ForgeReadError(f"GitHub organisation {self.org}: {self._reason(exc)}") from exc
        except requests.RequestException as exc:
            failure = f"GitHub organisation {self.org} at {self._github.requester.base_url}: "
            raise ForgeReadError(failure + network_failure(exc)) from exc
        return found

    def head(self, full_name: str, branch: str, etag: str | None) -> tuple[str | None, str | None]:
        """The head commit of ``branch`` and the answer's ETag; ``(None, None)`` when the
        commit is still the one ``etag`` was given for (``304 Not Modified``)."""
        url = f"/repos/{full_name}/commits/{quote(branch, safe='')}"
        headers = {"If-None-Match": etag} if etag else {}
        with self._failures(full_name):
            answer_headers, data = self._again(
                lambda: self._github.requester.requestJsonAndCheck("GET", url, headers=headers)
            )
        if data is None:
            return None, None
        return str(data["sha"]), answer_headers.get("etag") or answer_headers.get("ETag")

    def files_of(self, full_name: str, sha: str) -> FileReader:
        """A reader of the files of commit ``sha`` (None for a missing file or a folder)."""
        from github import GithubException, UnknownObjectException

        repo = self._github.withLazy(True).get_repo(full_name)

        def read(path: str) -> bytes | None:
            with self._failures(full_name):
                try:
                    content: Any = self._again(lambda: repo.get_contents(path, ref=sha))
                except UnknownObjectException:
                    return None
                except GithubException as exc:
                    if exc.status == 404:
                        return None
                    raise
            if isinstance(content, list):  # a folder, not a file
                return None
            return bytes(content.decoded_content)

        return read

    @contextmanager
    def _failures(self, full_name: str) -> Iterator[None]:
        """GitHub's refusals as one line naming the repository (the network's errors pass)."""
        from github import GithubException

        try:
            yield
        except GithubException as exc:
            raise ForgeReadError(f"{full_name}: {self._reason(exc)}") from exc

    def _reason(self, exc: Any) -> str:
        """``HTTP status: message`` of a failed request: never the whole answer, which a proxy
        or a misbehaving server may fill with the request's headers, and never the token."""
        data = exc.data if isinstance(exc.data, dict) else {}
        return refusal(exc.status, data.get("message"), self._token)


def standing_approvals(reviews: Iterable[PullRequestReview], author: str) -> tuple[Approval, ...]:
    """Each account's latest decision (in GitHub's chronological order), when it approves.

    A comment neither gives nor withdraws an approval; a later ``CHANGES_REQUESTED`` withdraws
    it, and a dismissed approval turns ``DISMISSED`` itself. Logins compare case-insensitively
    (GitHub's are); the author's own review never counts.
    """
    latest: dict[str, PullRequestReview] = {}
    for review in reviews:
        if review.user is not None and review.state not in _NOT_A_DECISION:
            latest[review.user.login.lower()] = review
    return tuple(
        Approval(
            account=review.user.login,
            commit=review.commit_id.lower() if review.commit_id else None,
            submitted_at=_iso(review),
        )
        for login, review in latest.items()
        if review.state == "APPROVED" and login != author.lower()
    )


def protection_of(
    branch: str, classic: dict[str, Any] | None, rules: list[Any]
) -> BranchProtection:
    """``branch``'s protection from its branch protection rule (``classic``, None when there is
    none) and the rules of the rulesets in force; the stricter setting wins."""
    reviews = classic.get("required_pull_request_reviews") if classic else None
    counts, stale, owners = [0], [], []
    found: list[str] = []
    if classic is not None:
        found.append("a branch protection rule")
    if isinstance(reviews, dict):
        counts.append(int(reviews.get("required_approving_review_count") or 0))
        stale.append(bool(reviews.get("dismiss_stale_reviews")))
        owners.append(bool(reviews.get("require_code_owner_reviews")))
    rulesets = sorted({str(r.get("ruleset_id")) for r in rules if isinstance(r, dict)})
    if rulesets:
        found.append(f"ruleset {', '.join(rulesets)}")
    for rule in rules:
        parameters = rule.get("parameters") if isinstance(rule, dict) else None
        if rule.get("type") == "pull_request" and isinstance(parameters, dict):
            counts.append(int(parameters.get("required_approving_review_count") or 0))
            stale.append(bool(parameters.get("dismiss_stale_reviews_on_push")))
            owners.append(bool(parameters.get("require_code_owner_review")))
    if not found:
        return BranchProtection(
            branch, False, 0, None, None, f"{branch}: no branch protection rule and no ruleset"
        )
    required = max(counts)
    settings = [
        f"{required} approval(s) required",
        "stale approvals dismissed" if any(stale) else "stale approvals kept",
        "code owner review required" if any(owners) else "no code owner review required",
    ]
    return BranchProtection(
        branch,
        True,
        required,
        dismisses_stale_approvals=any(stale),
        code_owner_reviews=any(owners),
        detail=f"{branch}: protected by {' and '.join(found)}; {', '.join(settings)}",
    )


def _fetched(pull: PullRequest) -> PullRequest:
    """The lazy pull request, read now (its head, author and merge state)."""
    pull.head  # noqa: B018 — the first attribute read fetches the lazy object
    return pull


def _iso(review: PullRequestReview) -> str | None:
    submitted = review.submitted_at
    if submitted is None:
        return None
    return submitted.astimezone(UTC).isoformat().replace("+00:00", "Z")


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


def _client(
    api_url: str, token: str, policy: RetryPolicy | None, throttle: tuple[float, float] | None
) -> tuple[Github, CutOffRepeater]:
    """A lazy PyGithub client with the run's retries, timeout and throttle, and the repeater of
    its calls cut off mid-answer (which holds the run's waiting budget)."""
    from github import Auth, Github

    policy = policy or retries.DEFAULT_POLICY
    between_requests, between_writes = throttle or DEFAULT_THROTTLE
    retry = github_retry(policy)
    client = Github(
        base_url=api_url,
        auth=Auth.Token(token),
        timeout=TIMEOUT_SECONDS,
        user_agent=f"aigov/{__version__}",
        retry=retry,
        seconds_between_requests=between_requests,
        seconds_between_writes=between_writes,
        per_page=100,
        lazy=True,
    )
    return client, CutOffRepeater(policy, retry.budget)


@contextmanager
def _failures_as(
    error: type[PublishError | ForgeReadError], what: str, api_url: str, token: str, needs: str
) -> Iterator[None]:
    """Turn the client's errors into one ``error`` line without the token; ``needs``: the
    permissions to name when GitHub refuses. ``uncertain``: no clear answer came back."""
    import requests
    from github import GithubException

    try:
        yield
    except GithubException as exc:
        text = f"GitHub: {what}: {_explain(exc, needs)}"
        raise error(redact(text, token), uncertain=exc.status >= 500) from None
    except requests.RequestException as exc:
        text = f"GitHub at {api_url}: {what}: {network_failure(exc)}"
        raise error(redact(text, token), uncertain=True) from None
    except AssertionError as exc:
        # PyGithub asserts that a URL in an answer (a next page) names the API's host; the
        # request was not sent.
        text = f"GitHub at {api_url}: {what}: the answer points to another host ({exc})"
        raise error(redact(text, token)[:300], uncertain=False) from None


def _explain(exc: Any, needs: str) -> str:
    status = getattr(exc, "status", None)
    data = getattr(exc, "data", None)
    message = data.get("message") if isinstance(data, dict) else None
    text = f"HTTP {status}" + (f": {message}" if message else "")
    if status in (401, 403, 404) and not message:
        text += f" (check the token's permissions: {needs})"
    elif status in (401, 403, 404):
        text += f" (the token needs {needs})"
    return text
