"""GitLab merge requests through python-gitlab (the only module that imports it, only when used).

Publishing (:class:`GitLabMergeRequest`), requests made for one run:
``GET /projects/{id}/merge_requests/{iid}`` (the current head ``sha``),
``POST /projects/{id}/statuses/{sha}`` (``name: aigov``), ``GET /user`` (the username the token
acts as, to know its own note), ``GET …/merge_requests/{iid}/notes?sort=asc&
order_by=created_at``, then ``POST …/notes`` or ``PUT``/``DELETE …/notes/{note_id}``.

Authentication: ``GITLAB_TOKEN`` as ``PRIVATE-TOKEN``, else ``CI_JOB_TOKEN`` as ``JOB-TOKEN``
(GitLab limits what a job token may call; notes usually need a project access token). A job
token may not read ``GET /user``: without the username no earlier note is taken as the bot's
(the notes API does not flag bots), so each run posts a new note where the instance lets a job
token post notes at all.
Reading attestations (:class:`GitLabProjectReader`, never with a job token: GitLab lets
``CI_JOB_TOKEN`` call no merge request endpoint): ``GET …/merge_requests/{iid}``,
``GET …/merge_requests/{iid}/approvals`` (who approved, on no named commit),
``GET /projects/{id}/approvals`` (``reset_approvals_on_push``: only then do the approvals stand on
the MR's head), ``GET /projects/{id}/repository/commits/{sha}/merge_requests``,
``GET /projects/{id}/protected_branches/{name}`` (else the list, for wildcards) and
``GET /projects/{id}/approval_rules``.
Reading a group for the portfolio (:class:`GitLabGroupReader`): ``GET /groups/{group}/projects``
(subgroups included, archived left out, every page), ``GET /projects/{id}/repository/branches/
{branch}`` (the head commit) and ``GET /projects/{id}/repository/files/{path}/raw?ref=SHA``.
Retries are done below python-gitlab, on its requests session (:func:`retrying_session`), so
that one budget bounds them (python-gitlab's own 429 loop sleeps whatever ``Retry-After`` says;
its ``retry_transient_errors`` stays off); reads cut off mid-answer are repeated; the note's POST
is sent at most once (see :mod:`aigov.scm.retry`). Each request times out after
:data:`TIMEOUT_SECONDS` without an answer.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

from aigov import __version__
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
    WaitBudget,
    network_failure,
    retry_options,
)

if TYPE_CHECKING:
    import gitlab
    import requests

    from aigov.scm.context import ChangeRequest

FileReader = Callable[[str], bytes | None]
"""Reads one file of a commit (repository-relative path); None when it does not exist."""
TIMEOUT_SECONDS: Final = 30
"""Seconds to wait for an answer (connect, and between bytes) before the attempt fails."""


def _username(author: Any) -> str:
    return str(author.get("username") or "") if isinstance(author, dict) else ""


def retrying_session(policy: RetryPolicy) -> tuple[requests.Session, WaitBudget]:
    """A requests session for python-gitlab that retries with ``policy``, and its budget."""
    from requests.adapters import HTTPAdapter

    options = retry_options(policy)
    adapter = HTTPAdapter(max_retries=BudgetedRetry(raise_on_status=True, **options))
    session = _token_keeping_session()()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session, options["budget"]


@functools.cache
def _token_keeping_session() -> type[requests.Session]:
    import requests

    class TokenKeepingSession(requests.Session):
        """Drops GitLab's token headers when a redirect leaves the host, as requests drops
        ``Authorization`` (it leaves ``PRIVATE-TOKEN`` and ``JOB-TOKEN`` on the request)."""

        def rebuild_auth(
            self, prepared_request: requests.PreparedRequest, response: requests.Response
        ) -> None:
            if self.should_strip_auth(response.request.url or "", prepared_request.url or ""):
                for header in ("PRIVATE-TOKEN", "JOB-TOKEN"):
                    prepared_request.headers.pop(header, None)
            super().rebuild_auth(prepared_request, response)

    return TokenKeepingSession


class GitLabMergeRequest:
    """A merge request's notes and head commit (implements ``ReviewThread``)."""

    def __init__(self, request: ChangeRequest, *, policy: RetryPolicy | None = None) -> None:
        self._request = request
        job_token = request.token_variable == "CI_JOB_TOKEN"
        self._gitlab, self._again = _client(request.api_url, request.token, job_token, policy)
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
        with (
            self._calling(f"commenting on {self._request.label}"),
            self._again.budget.at_most_once(),
        ):
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

    def _calling(self, what: str) -> contextlib.AbstractContextManager[None]:
        """The client's errors as one :class:`PublishError` line without the token."""
        refused = (
            "CI_JOB_TOKEN may not write merge request notes or statuses: set GITLAB_TOKEN "
            "to a project access token with the api scope"
            if self._request.token_variable == "CI_JOB_TOKEN"
            else "GITLAB_TOKEN needs the api scope and the Developer role"
        )
        return _failures_as(PublishError, what, self._request.api_url, self._request.token, refused)


class GitLabProjectReader:
    """The approvals of merge requests, the merge requests of a commit and the protection of a
    branch of one project, read with the run's retries and timeouts."""

    def __init__(self, repository: ForgeRepository, *, policy: RetryPolicy | None = None) -> None:
        self._repository = repository
        self._gitlab, self._again = _client(repository.api_url, repository.token, False, policy)
        self._project = self._gitlab.projects.get(repository.project, lazy=True)
        self._settings: dict[str, Any] | None = None

    def approvals(self, iid: int) -> ChangeRequestApprovals:
        """MR ``iid`` and its approvals, tied to its head when the project resets approvals on
        push and the head did not move while they were read."""
        with self._calling(f"reading MR !{iid} of project {self._repository.project}"):
            before = self._merge_request(iid)
            approved = self._approved_by(iid)
            resets = self._resets_on_push()
            if resets and before.get("state") == "opened":
                # Approvals read between two reads of the same head were all given on it.
                resets = self._merge_request(iid).get("sha") == before.get("sha")
        return _change_request(before, approved, tied=resets)

    def merged_change_requests_of(self, sha: str) -> list[ChangeRequestApprovals]:
        """The merged merge requests GitLab associates with commit ``sha``."""
        with self._calling(f"listing the merge requests of {sha[:12]}"):
            commit = self._project.commits.get(sha, lazy=True)
            listed = self._again(lambda: commit.merge_requests(get_all=True))
            merged = [m for m in listed if isinstance(m, dict) and m.get("state") == "merged"]
            if not merged:
                return []
            resets = self._resets_on_push()
            return [
                _change_request(m, self._approved_by(int(m["iid"])), tied=resets) for m in merged
            ]

    def branch_protection(self, branch: str) -> BranchProtection:
        """``branch``'s protected-branch entry (exact, else a wildcard one) and the project's
        approval settings and rules."""
        from gitlab.exceptions import GitlabGetError

        with self._calling(f"reading the protection of {branch}"):
            try:
                entry: dict[str, Any] | None = self._again(
                    lambda: self._project.protectedbranches.get(branch).attributes
                )
            except GitlabGetError as exc:
                if exc.response_code != 404:
                    raise
                entry = self._wildcard_protection(branch)
            if entry is None:
                return BranchProtection(
                    branch, False, 0, None, None, f"{branch}: not a protected branch"
                )
            settings = self._approval_settings()
            rules = self._approval_rules() if settings is not None else None
        return protection_of(branch, entry, settings, rules)

    def _merge_request(self, iid: int) -> dict[str, Any]:
        found = self._again(lambda: self._project.mergerequests.get(iid))
        return dict(found.attributes)

    def _approved_by(self, iid: int) -> list[Any]:
        merge_request = self._project.mergerequests.get(iid, lazy=True)
        answer = self._again(lambda: merge_request.approvals.get())
        approved = answer.attributes.get("approved_by")
        return approved if isinstance(approved, list) else []

    def _resets_on_push(self) -> bool:
        settings = self._approval_settings()
        return bool(settings and settings.get("reset_approvals_on_push") is True)

    def _approval_settings(self) -> dict[str, Any] | None:
        """``GET /projects/:id/approvals``; None where the plan has no approval settings (404)
        or the token may not read them (403)."""
        from gitlab.exceptions import GitlabGetError

        if self._settings is None:
            try:
                answer = self._again(lambda: self._project.approvals.get())
            except GitlabGetError as exc:
                if exc.response_code not in (403, 404):
                    raise
                return None
            self._settings = dict(answer.attributes)
        return self._settings

    def _approval_rules(self) -> list[Any] | None:
        from gitlab.exceptions import GitlabListError

        try:
            rules = self._again(lambda: self._project.approvalrules.list(get_all=True))
        except GitlabListError as exc:
            if exc.response_code not in (403, 404):
                raise
            return None
        return [rule.attributes for rule in rules]

    def _wildcard_protection(self, branch: str) -> dict[str, Any] | None:
        """The first protected-branch wildcard (``release/*``) matching ``branch``."""
        entries = self._again(lambda: self._project.protectedbranches.list(get_all=True))
        for entry in entries:
            name = str(entry.attributes.get("name", ""))
            if "*" in name and _wildcard(name).fullmatch(branch):
                return dict(entry.attributes)
        return None

    def _calling(self, what: str) -> contextlib.AbstractContextManager[None]:
        return _failures_as(
            ForgeReadError,
            what,
            self._repository.api_url,
            self._repository.token,
            "AIGOV_FORGE_TOKEN or GITLAB_TOKEN needs the read_api scope and a role that may read "
            "merge requests (protected branches and approval rules: Maintainer)",
        )


class GitLabGroupReader:
    """The projects of a group (subgroups included) and the files of their commits, no clone.

    Every failure of the API is a :class:`ForgeReadError` whose line names what was read, never
    the token; requests are retried within one waiting budget, and reads cut off mid-answer made
    again.
    """

    def __init__(
        self,
        group: str,
        url: str,
        token: str | None,
        *,
        timeout: float = TIMEOUT_SECONDS,
        policy: RetryPolicy | None = None,
    ) -> None:
        import gitlab

        policy = policy or retries.DEFAULT_POLICY
        session, budget = retrying_session(policy)
        self._again = CutOffRepeater(policy, budget)
        self.group = group
        self._token = token or ""
        self._gitlab = gitlab.Gitlab(
            url.rstrip("/"),
            private_token=token,
            session=session,
            timeout=timeout,
            retry_transient_errors=False,
            per_page=100,
        )

    def repositories(self) -> list[HostedRepository]:
        """The group's projects that are neither archived nor empty."""
        import requests
        from gitlab.exceptions import GitlabError

        found = []
        try:
            group = self._gitlab.groups.get(self.group, lazy=True)
            for project in group.projects.list(
                iterator=True, include_subgroups=True, archived=False
            ):
                if project.default_branch:  # else an empty project
                    found.append(
                        HostedRepository(
                            str(project.path_with_namespace),
                            project.path,
                            project.web_url,
                            str(project.default_branch),
                            int(project.id),
                        )
                    )
        except GitlabError as exc:
            raise ForgeReadError(f"GitLab group {self.group}: {self._reason(exc)}") from exc
        except requests.RequestException as exc:
            failure = f"GitLab group {self.group} at {self._gitlab.url}: {network_failure(exc)}"
            raise ForgeReadError(failure) from exc
        return found

    def head(self, project_id: int, full_name: str, branch: str) -> str:
        """The head commit of ``branch``."""
        project = self._gitlab.projects.get(project_id, lazy=True)
        with self._failures(full_name):
            return str(self._again(lambda: project.branches.get(branch)).commit["id"])

    def files_of(self, project_id: int, full_name: str, sha: str) -> FileReader:
        """A reader of the files of commit ``sha`` (None for a missing file)."""
        from gitlab.exceptions import GitlabGetError

        project = self._gitlab.projects.get(project_id, lazy=True)

        def read(file_path: str) -> bytes | None:
            with self._failures(full_name):
                try:
                    return bytes(
                        self._again(lambda: project.files.raw(file_path=file_path, ref=sha))
                    )
                except GitlabGetError as exc:
                    if exc.response_code == 404:
                        return None
                    raise

        return read

    @contextmanager
    def _failures(self, full_name: str) -> Iterator[None]:
        """GitLab's refusals as one line naming the project (the network's errors pass)."""
        from gitlab.exceptions import GitlabError

        try:
            yield
        except GitlabError as exc:
            raise ForgeReadError(f"{full_name}: {self._reason(exc)}") from exc

    def _reason(self, exc: Any) -> str:
        """``HTTP status: message`` of a failed request, cut short and without the token (a
        misbehaving server or proxy may echo the request's headers in its answer)."""
        return refusal(exc.response_code, exc.error_message, self._token)


def _change_request(
    merge_request: dict[str, Any], approved_by: list[Any], *, tied: bool
) -> ChangeRequestApprovals:
    """The MR as read, its approvers tied to its head when ``tied``, the author left out."""
    author = _username(merge_request.get("author"))
    head = str(merge_request.get("sha") or "").lower()
    merged = merge_request.get("state") == "merged"
    merge_commit = merge_request.get("merge_commit_sha") or merge_request.get("squash_commit_sha")
    approvals = []
    for entry in approved_by:
        account = _username(entry.get("user")) if isinstance(entry, dict) else ""
        if account and account.lower() != author.lower():
            approved_at = entry.get("approved_at")
            approvals.append(
                Approval(
                    account,
                    head if tied and head else None,
                    approved_at if isinstance(approved_at, str) else None,
                )
            )
    return ChangeRequestApprovals(
        forge="gitlab",
        number=int(merge_request["iid"]),
        author=author,
        head_sha=head,
        merged=merged,
        merge_commit=str(merge_commit).lower() if merged and merge_commit else None,
        url=merge_request.get("web_url") if isinstance(merge_request.get("web_url"), str) else None,
        approvals=tuple(approvals),
    )


def protection_of(
    branch: str,
    entry: dict[str, Any],
    settings: dict[str, Any] | None,
    rules: list[Any] | None,
) -> BranchProtection:
    """A protected branch's settings: who may push, the approvals required (the legacy
    ``approvals_before_merge`` or the strictest rule that applies to it), whether new commits
    remove approvals, whether code owners must approve (None where the plan cannot say)."""
    pushers = sorted(
        {
            str(level.get("access_level_description"))
            for level in entry.get("push_access_levels") or []
            if isinstance(level, dict)
        }
    )
    counts = [int(settings.get("approvals_before_merge") or 0)] if settings else [0]
    for rule in rules or []:
        if isinstance(rule, dict) and _rule_applies(rule, branch, str(entry.get("name"))):
            counts.append(int(rule.get("approvals_required") or 0))
    resets = settings.get("reset_approvals_on_push") if settings else None
    owners = entry.get("code_owner_approval_required")
    required = max(counts)
    found = [
        f"push: {', '.join(pushers) or 'nobody'}",
        f"{required} approval(s) required",
    ]
    if settings is None:
        found.append("approval settings unreadable (GitLab Free, or the token's role)")
    elif isinstance(resets, bool):
        found.append("approvals removed on push" if resets else "approvals kept on push")
    if isinstance(owners, bool):
        found.append("code owner approval required" if owners else "no code owner approval")
    return BranchProtection(
        branch,
        True,
        required,
        dismisses_stale_approvals=resets if isinstance(resets, bool) else None,
        code_owner_reviews=owners if isinstance(owners, bool) else None,
        detail=f"{branch}: protected as '{entry.get('name')}'; {'; '.join(found)}",
    )


def _rule_applies(rule: dict[str, Any], branch: str, protected_as: str) -> bool:
    """A project approval rule governs MRs into ``branch`` (security policy rules, which apply
    only when a scan finds something, are left out)."""
    if rule.get("rule_type") not in ("regular", "any_approver"):
        return False
    if rule.get("applies_to_all_protected_branches"):
        return True
    scoped = [b.get("name") for b in rule.get("protected_branches") or [] if isinstance(b, dict)]
    return not scoped or branch in scoped or protected_as in scoped


def _wildcard(name: str) -> re.Pattern[str]:
    """A protected-branch wildcard as GitLab matches it: ``*`` stands for any text, ``/``
    included."""
    return re.compile(".*".join(re.escape(part) for part in name.split("*")))


def _client(
    api_url: str, token: str, job_token: bool, policy: RetryPolicy | None
) -> tuple[gitlab.Gitlab, CutOffRepeater]:
    """A python-gitlab client retrying below it within the run's budget, and the repeater of its
    calls cut off mid-answer (which holds that budget)."""
    import gitlab

    policy = policy or retries.DEFAULT_POLICY
    session, budget = retrying_session(policy)
    client = gitlab.Gitlab(
        re.sub(r"/api/v4$", "", api_url),
        private_token=None if job_token else token,
        job_token=token if job_token else None,
        session=session,
        timeout=TIMEOUT_SECONDS,
        retry_transient_errors=False,
        per_page=100,
        user_agent=f"aigov/{__version__}",
        # Pages are asked of the configured host even when the server's links name another
        # (python-gitlab would only warn, and send the token there).
        keep_base_url=True,
    )
    return client, CutOffRepeater(policy, budget)


@contextmanager
def _failures_as(
    error: type[PublishError | ForgeReadError], what: str, api_url: str, token: str, refused: str
) -> Iterator[None]:
    """Turn the client's errors into one ``error`` line without the token; ``refused``: what to
    say on 401/403. ``uncertain``: no clear answer came back."""
    import requests
    from gitlab.exceptions import GitlabError

    try:
        yield
    except GitlabError as exc:
        code = exc.response_code
        text = f"GitLab: {what}: {_explain(exc, refused)}"
        raise error(redact(text, token), uncertain=code is None or code >= 500) from None
    except requests.RequestException as exc:
        text = f"GitLab at {api_url}: {what}: {network_failure(exc)}"
        raise error(redact(text, token), uncertain=True) from None


def _explain(exc: Any, refused: str) -> str:
    code = getattr(exc, "response_code", None)
    message = getattr(exc, "error_message", None)
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    text = f"HTTP {code}" + (f": {str(message)[:300]}" if message else "")
    if code in (401, 403):
        text += f" ({refused})"
    return text
