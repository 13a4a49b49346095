"""Local GitHub and GitLab REST APIs on 127.0.0.1 for the real clients (PyGithub, python-gitlab).

Each fake keeps the state a run changes (comments/notes, statuses), answers with the shapes of
the forges' REST documentation (issue comments, statuses, pulls, the authenticated user; merge
request notes, merge requests, commit statuses, the current user), records every request
(method, path, query, JSON body, headers), and can fail chosen requests once (``fail_once``) to
exercise retries. What a token posts is written by the account it acts as; ``GET /user`` answers
as the forge does for that kind of token. URLs in answers use the server's own host, as PyGithub
requires.
"""

from __future__ import annotations

import itertools
import json
import re
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from aigov.report import render
from aigov.report.document import CheckReport

REPOSITORY = "Codertocat/Hello-World"  # the repository of the conformance pull_request payloads
PR_NUMBER = 2
HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"  # pull_request.head.sha in those payloads
NEWER_SHA = "1111111111111111111111111111111111111111"
GITHUB_TOKEN = "ghs_s3cr3tT0k3nV4lu3ThatMustNeverLeak0001"
ACTIONS_BOT = "github-actions[bot]"  # who GitHub Actions' GITHUB_TOKEN writes as

PROJECT_ID = "42"
MR_IID = 7
GITLAB_TOKEN = "glpat-s3cr3tT0k3nV4lu3MustNeverLeak02"
JOB_TOKEN = "glcbt-64_j0bT0k3nV4lu3MustNeverLeak03"
PROJECT_BOT = "project_42_bot_2d1f0c6a"  # a project access token's bot user
PIPELINE_USER = "jdoe"  # who started the pipeline: the account a CI_JOB_TOKEN acts as

TIMESTAMP = "2026-11-24T10:00:00Z"
REVIEWS_START = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)  # reviews follow, a second apart


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]


@dataclass
class _Failure:
    method: str
    path: re.Pattern[str]
    status: int
    headers: dict[str, str]
    body: Any


@dataclass
class FakeForge:
    """The common part: recording, injected failures, authentication."""

    server: HTTPServer
    prefix: str
    requests: list[Recorded] = field(default_factory=list)
    failures: list[_Failure] = field(default_factory=list)
    head_sha: str = HEAD_SHA
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1001))
    afterwards: list[tuple[str, re.Pattern[str], Callable[[], None]]] = field(default_factory=list)
    link_base: str | None = None

    def __post_init__(self) -> None:
        self.server.expect_request(re.compile(".*")).respond_with_handler(self._handle)

    @property
    def base(self) -> str:
        """The API root the client is given (``http://127.0.0.1:PORT/api/v3``…)."""
        return self.server.url_for(self.prefix).rstrip("/")

    def fail_once(
        self,
        method: str,
        path: str,
        status: int,
        *,
        headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> None:
        """The next ``method`` request whose path matches the regex ``path`` gets ``status``."""
        default = {"message": f"{status} injected by the test"}
        self.failures.append(
            _Failure(method, re.compile(path), status, headers or {}, body or default)
        )

    def after_once(self, method: str, path: str, action: Callable[[], None]) -> None:
        """Once the next ``method`` request on a path matching ``path`` is answered, ``action``
        changes the state (a push landing between two reads)."""
        self.afterwards.append((method, re.compile(path), action))

    def calls(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.requests]

    def writes(self) -> list[tuple[str, str, Any]]:
        return [(r.method, r.path, r.body) for r in self.requests if r.method != "GET"]

    def _handle(self, request: Request) -> Response:
        path = request.path.removeprefix(self.prefix)
        body = request.get_json(silent=True) if request.data else None
        if body is None and request.form:
            body = dict(request.form)
        self.requests.append(
            Recorded(request.method, path, dict(request.args), body, dict(request.headers))
        )
        for failure in self.failures:
            if failure.method == request.method and failure.path.fullmatch(path):
                self.failures.remove(failure)
                return _json(failure.body, failure.status, failure.headers)
        if not self.authenticated(request):
            return _json({"message": "Bad credentials"}, 401)
        answer = self.route(request.method, path, body, request)
        for hook in self.afterwards:
            if hook[0] == request.method and hook[1].fullmatch(path):
                self.afterwards.remove(hook)
                hook[2]()
                break
        return answer

    def page(self, path: str, request: Request, items: list[dict[str, Any]]) -> Response:
        """One page of ``items`` (``per_page``, ``page``) and the ``Link`` header to the next and
        last pages, as both forges send it; the links name ``link_base`` when set (a server
        whose answers point elsewhere)."""
        per_page = int(request.args.get("per_page", "20"))
        page = int(request.args.get("page", "1"))
        last = max(1, -(-len(items) // per_page))
        base = self.link_base or self.base
        links = [
            f'<{base}{path}?per_page={per_page}&page={n}>; rel="{rel}"'
            for rel, n in (("next", page + 1), ("last", last))
            if page < last
        ]
        chunk = items[(page - 1) * per_page : page * per_page]
        return _json(chunk, headers={"Link": ", ".join(links)} if links else None)

    def authenticated(self, request: Request) -> bool:
        raise NotImplementedError

    def route(self, method: str, path: str, body: Any, request: Request) -> Response:
        raise NotImplementedError


class FakeGitHub(FakeForge):
    """``/repos/{owner}/{repo}/pulls/{n}``, ``…/issues/{n}/comments``, ``…/statuses/{sha}``,
    ``/user``; for attestations ``…/pulls/{n}/reviews`` (paginated by ``per_page``/``page``
    with ``Link`` headers, as GitHub does), ``…/commits/{sha}/pulls``,
    ``…/branches/{branch}/protection`` and ``…/rules/branches/{branch}``.

    ``login`` is the account the token acts as (the author of what it posts). An installation
    token (``installation_token=True``, the default: GitHub Actions' ``GITHUB_TOKEN``, which
    writes as ``github-actions[bot]``) gets ``403 Resource not accessible by integration`` from
    ``GET /user``; a personal access token (``installation_token=False``) gets its user.
    """

    def __init__(
        self,
        server: HTTPServer,
        prefix: str = "",
        token: str = GITHUB_TOKEN,
        *,
        login: str = ACTIONS_BOT,
        installation_token: bool = True,
    ) -> None:
        super().__init__(server, prefix)
        self.token = token
        self.login = login
        self.installation_token = installation_token
        self.comments: dict[int, dict[str, Any]] = {}
        self.statuses: list[dict[str, Any]] = []
        self.author = "Codertocat"
        self.reviews: dict[int, list[dict[str, Any]]] = {}
        self.merged_pulls: dict[int, dict[str, Any]] = {}
        self.commit_pulls: dict[str, list[int]] = {}
        self.protection: dict[str, Any] | None = None
        """``GET …/branches/{b}/protection``: None answers 404 ``Branch not protected``."""
        self.protection_refused = False
        """``GET …/protection`` answers 403 (a token without administration: read)."""
        self.rules: list[dict[str, Any]] = []
        self.seconds = itertools.count(1)

    def authenticated(self, request: Request) -> bool:
        return request.headers.get("Authorization", "") in (
            f"token {self.token}",
            f"Bearer {self.token}",
        )

    def add_comment(self, body: str, login: str | None = None, type: str | None = None) -> int:
        """A comment by ``login`` (default: the token's account); ``type`` ``User`` or ``Bot``
        (default: ``Bot`` for a ``…[bot]`` login)."""
        comment_id = next(self.ids)
        author = self._user(login or self.login, type)
        self.comments[comment_id] = self._comment(comment_id, body, author)
        return comment_id

    def add_review(
        self, login: str, state: str, commit_id: str | None = None, *, number: int = PR_NUMBER
    ) -> int:
        """A review by ``login`` submitted after every earlier one (PENDING: not submitted)."""
        review_id = next(self.ids)
        repo_url = f"{self.base}/repos/{REPOSITORY}"
        when = REVIEWS_START + timedelta(seconds=next(self.seconds))
        submitted = None if state == "PENDING" else f"{when:%Y-%m-%dT%H:%M:%SZ}"
        self.reviews.setdefault(number, []).append(
            {
                "id": review_id,
                "node_id": f"PRR_{review_id}",
                "user": self._user(login),
                "body": "",
                "state": state,
                "html_url": f"https://github.com/{REPOSITORY}/pull/{number}"
                f"#pullrequestreview-{review_id}",
                "pull_request_url": f"{repo_url}/pulls/{number}",
                "author_association": "MEMBER",
                "_links": {
                    "html": {"href": f"https://github.com/{REPOSITORY}/pull/{number}"},
                    "pull_request": {"href": f"{repo_url}/pulls/{number}"},
                },
                "submitted_at": submitted,
                "commit_id": commit_id or self.head_sha,
            }
        )
        return review_id

    def add_merged_pull(
        self, number: int, *, author: str, head: str, merge_commit: str, brought: list[str]
    ) -> None:
        """A merged pull request; ``GET …/commits/{sha}/pulls`` lists it for each ``brought``."""
        self.merged_pulls[number] = self._pull(
            number, author=author, head=head, merged_at=TIMESTAMP, merge_commit=merge_commit
        )
        for sha in brought:
            self.commit_pulls.setdefault(sha, []).append(number)

    def route(self, method: str, path: str, body: Any, request: Request) -> Response:
        answer = self._attestations(method, path, request) if method == "GET" else None
        if answer is not None:
            return answer
        if method == "GET" and path == "/user":
            if self.installation_token:
                return _json(
                    {
                        "message": "Resource not accessible by integration",
                        "documentation_url": "https://docs.github.com/rest/users/users"
                        "#get-the-authenticated-user",
                        "status": "403",
                    },
                    403,
                )
            return _json(self._authenticated_user())
        repo = f"/repos/{REPOSITORY}"
        if method == "GET" and path == f"{repo}/pulls/{PR_NUMBER}":
            return _json(self._pull())
        if method == "POST" and (found := re.fullmatch(rf"{repo}/statuses/(\w+)", path)):
            status = {
                "url": f"{self.base}{repo}/statuses/{found.group(1)}",
                "id": next(self.ids),
                "node_id": "SC_kwDOA",
                "state": body["state"],
                "description": body.get("description"),
                "target_url": body.get("target_url"),
                "context": body.get("context", "default"),
                "created_at": TIMESTAMP,
                "updated_at": TIMESTAMP,
                "creator": self._user(self.login),
            }
            self.statuses.append({**status, "sha": found.group(1)})
            return _json(status, 201)
        comments = f"{repo}/issues/{PR_NUMBER}/comments"
        if method == "GET" and path == comments:
            return _json(list(self.comments.values()))
        if method == "POST" and path == comments:
            comment_id = self.add_comment(body["body"])
            return _json(self.comments[comment_id], 201)
        if found := re.fullmatch(rf"{repo}/issues/comments/(\d+)", path):
            comment_id = int(found.group(1))
            if comment_id not in self.comments:
                return _json({"message": "Not Found"}, 404)
            if method == "PATCH":
                self.comments[comment_id]["body"] = body["body"]
                return _json(self.comments[comment_id])
            if method == "DELETE":
                del self.comments[comment_id]
                return Response(status=204)
        return _json({"message": "Not Found", "documentation_url": "https://docs.github.com"}, 404)

    def _attestations(self, method: str, path: str, request: Request) -> Response | None:
        """The reads of :class:`aigov.scm.github.GitHubRepositoryReader` (None: not one)."""
        repo = f"/repos/{REPOSITORY}"
        if found := re.fullmatch(rf"{repo}/pulls/(\d+)", path):
            number = int(found.group(1))
            if number in self.merged_pulls:
                return _json(self.merged_pulls[number])
            return None
        if found := re.fullmatch(rf"{repo}/pulls/(\d+)/reviews", path):
            return self.page(path, request, self.reviews.get(int(found.group(1)), []))
        if found := re.fullmatch(rf"{repo}/commits/(\w+)/pulls", path):
            numbers = self.commit_pulls.get(found.group(1), [])
            return _json([self.merged_pulls[n] for n in numbers])
        if re.fullmatch(rf"{repo}/branches/.+/protection", path):
            if self.protection_refused:
                return _json(
                    {
                        "message": "Resource not accessible by integration",
                        "documentation_url": "https://docs.github.com/rest/branches/"
                        "branch-protection#get-branch-protection",
                        "status": "403",
                    },
                    403,
                )
            if self.protection is None:
                return _json({"message": "Branch not protected", "status": "404"}, 404)
            return _json(self.protection)
        if re.fullmatch(rf"{repo}/rules/branches/.+", path):
            return _json(self.rules)
        return None

    def _pull(
        self,
        number: int = PR_NUMBER,
        *,
        author: str | None = None,
        head: str | None = None,
        merged_at: str | None = None,
        merge_commit: str | None = None,
    ) -> dict[str, Any]:
        repo_url = f"{self.base}/repos/{REPOSITORY}"
        return {
            "url": f"{repo_url}/pulls/{number}",
            "id": 279147437 + number,
            "node_id": "MDExOlB1bGxSZXF1ZXN0Mjc5MTQ3NDM3",
            "html_url": f"https://github.com/{REPOSITORY}/pull/{number}",
            "issue_url": f"{repo_url}/issues/{number}",
            "number": number,
            "state": "closed" if merged_at else "open",
            "title": "Update the README with new information.",
            "user": self._user(author or self.author),
            "head": {"label": "Codertocat:changes", "ref": "changes", "sha": head or self.head_sha},
            "base": {"label": "Codertocat:master", "ref": "master", "sha": "f95f852bd8fc"},
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
            "closed_at": merged_at,
            "merged_at": merged_at,
            # GitHub fills it for open PRs too (the test merge commit): only merged ones count.
            "merge_commit_sha": merge_commit or "e5bd3914e2e596debea16f433f57875b5b90bcd6",
        }

    def _user(self, login: str, type: str | None = None) -> dict[str, Any]:
        """A simple user object, as in a comment's ``user`` or a status's ``creator``."""
        return {
            "login": login,
            "id": _account_id(login),
            "node_id": f"U_{_account_id(login)}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{_account_id(login)}?v=4",
            "gravatar_id": "",
            "url": f"{self.base}/users/{login}",
            "html_url": f"https://github.com/{login}",
            "type": type or ("Bot" if login.endswith("[bot]") else "User"),
            "site_admin": False,
        }

    def _authenticated_user(self) -> dict[str, Any]:
        """``GET /user`` for a personal access token: the public and private profile."""
        return {
            **self._user(self.login),
            "name": "aigov bot",
            "company": None,
            "blog": "",
            "location": None,
            "email": None,
            "hireable": None,
            "bio": None,
            "public_repos": 0,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
        }

    def _comment(self, comment_id: int, body: str, author: dict[str, Any]) -> dict[str, Any]:
        repo_url = f"{self.base}/repos/{REPOSITORY}"
        return {
            "id": comment_id,
            "node_id": f"IC_{comment_id}",
            "url": f"{repo_url}/issues/comments/{comment_id}",
            "html_url": f"https://github.com/{REPOSITORY}/pull/{PR_NUMBER}#issuecomment-{comment_id}",
            "body": body,
            "user": author,
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
            "issue_url": f"{repo_url}/issues/{PR_NUMBER}",
            "author_association": "NONE",
        }


class FakeGitLab(FakeForge):
    """``/projects/{id}/merge_requests/{iid}``, ``…/notes``, ``/projects/{id}/statuses/{sha}``,
    ``/user``; for attestations ``…/merge_requests/{iid}/approvals``, ``/projects/{id}/approvals``
    (404 when ``approval_settings`` is None, as on GitLab Free), ``…/approval_rules``,
    ``…/repository/commits/{sha}/merge_requests`` and ``…/protected_branches[/{name}]``.

    ``GITLAB_TOKEN`` (``PRIVATE-TOKEN``) acts as ``username`` (a project access token's bot
    user) and may read ``GET /user``; ``CI_JOB_TOKEN`` (``JOB-TOKEN``) acts as the user who
    started the pipeline (``job_username``) and gets ``401`` from ``GET /user``.
    """

    def __init__(
        self,
        server: HTTPServer,
        prefix: str = "/api/v4",
        *,
        username: str = PROJECT_BOT,
        job_username: str = PIPELINE_USER,
    ) -> None:
        super().__init__(server, prefix)
        self.tokens = {"PRIVATE-TOKEN": GITLAB_TOKEN, "JOB-TOKEN": JOB_TOKEN}
        self.username = username
        self.job_username = job_username
        self.notes: dict[int, dict[str, Any]] = {}
        self.statuses: list[dict[str, Any]] = []
        self.author = "jsmith"
        self.approved_by: dict[int, list[str]] = {}
        self.merged: dict[int, dict[str, Any]] = {}
        self.commit_merge_requests: dict[str, list[int]] = {}
        self.approval_settings: dict[str, Any] | None = approval_settings(reset_on_push=True)
        self.approval_rules: list[dict[str, Any]] = []
        self.protected_branches: dict[str, dict[str, Any]] = {}

    def authenticated(self, request: Request) -> bool:
        return any(request.headers.get(h) == t for h, t in self.tokens.items())

    def add_note(self, body: str, *, author: str | None = None, system: bool = False) -> int:
        """A note by ``author`` (default: ``GITLAB_TOKEN``'s account)."""
        note_id = next(self.ids)
        self.notes[note_id] = self._note(note_id, body, author or self.username, system)
        return note_id

    def approve(self, username: str, *, iid: int = MR_IID) -> None:
        self.approved_by.setdefault(iid, []).append(username)

    def add_merged(
        self, iid: int, *, author: str, head: str, merge_commit: str, brought: list[str]
    ) -> None:
        """A merged merge request; ``…/commits/{sha}/merge_requests`` lists it for each
        ``brought``."""
        self.merged[iid] = self._merge_request(
            iid, author=author, head=head, state="merged", merge_commit=merge_commit
        )
        for sha in brought:
            self.commit_merge_requests.setdefault(sha, []).append(iid)

    def protect(self, name: str, *, push: int = 40, code_owners: bool | None = False) -> None:
        """A protected branch (or wildcard); ``code_owners`` None: the field is absent (Free)."""
        levels = {0: "No one", 30: "Developers + Maintainers", 40: "Maintainers"}
        entry: dict[str, Any] = {
            "id": next(self.ids),
            "name": name,
            "push_access_levels": [
                {
                    "id": next(self.ids),
                    "access_level": push,
                    "access_level_description": levels[push],
                    "user_id": None,
                    "group_id": None,
                    "deploy_key_id": None,
                }
            ],
            "merge_access_levels": [
                {
                    "id": next(self.ids),
                    "access_level": 40,
                    "access_level_description": "Maintainers",
                }
            ],
            "allow_force_push": False,
        }
        if code_owners is not None:
            entry["code_owner_approval_required"] = code_owners
        self.protected_branches[name] = entry

    def route(self, method: str, path: str, body: Any, request: Request) -> Response:
        answer = self._attestations(method, path, request) if method == "GET" else None
        if answer is not None:
            return answer
        job_token = request.headers.get("JOB-TOKEN") == self.tokens["JOB-TOKEN"]
        caller = self.job_username if job_token else self.username
        if method == "GET" and path == "/user":
            if job_token:
                return _json({"message": "401 Unauthorized"}, 401)
            return _json(self._current_user())
        project = f"/projects/{PROJECT_ID}"
        mr = f"{project}/merge_requests/{MR_IID}"
        if method == "GET" and path == mr:
            return _json(self._merge_request())
        if method == "POST" and (found := re.fullmatch(rf"{project}/statuses/(\w+)", path)):
            status = {
                "id": next(self.ids),
                "sha": found.group(1),
                "ref": "feature",
                "status": body["state"],
                "name": body.get("name", "default"),
                "target_url": body.get("target_url"),
                "description": body.get("description"),
                "created_at": TIMESTAMP,
                "started_at": None,
                "finished_at": TIMESTAMP,
                "allow_failure": False,
                "coverage": None,
                "author": self._user(caller),
            }
            self.statuses.append(status)
            return _json(status, 201)
        if method == "GET" and path == f"{mr}/notes":
            return _json(list(self.notes.values()), headers={"X-Page": "1", "X-Total-Pages": "1"})
        if method == "POST" and path == f"{mr}/notes":
            return _json(self.notes[self.add_note(body["body"], author=caller)], 201)
        if found := re.fullmatch(rf"{mr}/notes/(\d+)", path):
            note_id = int(found.group(1))
            if note_id not in self.notes:
                return _json({"message": "404 Not found"}, 404)
            if method == "PUT":
                self.notes[note_id]["body"] = body["body"]
                return _json(self.notes[note_id])
            if method == "DELETE":
                del self.notes[note_id]
                return Response(status=204)
        return _json({"message": "404 Not found"}, 404)

    def _attestations(self, method: str, path: str, request: Request) -> Response | None:
        """The reads of :class:`aigov.scm.gitlab.GitLabProjectReader` (None: not one)."""
        project = f"/projects/{PROJECT_ID}"
        if found := re.fullmatch(rf"{project}/merge_requests/(\d+)", path):
            iid = int(found.group(1))
            return _json(self.merged[iid]) if iid in self.merged else None
        if found := re.fullmatch(rf"{project}/merge_requests/(\d+)/approvals", path):
            return _json(self._approvals(int(found.group(1))))
        if path == f"{project}/approvals":
            if self.approval_settings is None:
                return _json({"message": "404 Not found"}, 404)
            return _json(self.approval_settings)
        if path == f"{project}/approval_rules":
            if self.approval_settings is None:
                return _json({"message": "404 Not found"}, 404)
            return _json(self.approval_rules, headers={"X-Page": "1", "X-Total-Pages": "1"})
        if found := re.fullmatch(rf"{project}/repository/commits/(\w+)/merge_requests", path):
            iids = self.commit_merge_requests.get(found.group(1), [])
            return self.page(path, request, [self.merged[i] for i in iids])
        if path == f"{project}/protected_branches":
            listed = list(self.protected_branches.values())
            return _json(listed, headers={"X-Page": "1", "X-Total-Pages": "1"})
        if found := re.fullmatch(rf"{project}/protected_branches/(.+)", path):
            entry = self.protected_branches.get(found.group(1))
            return _json(entry) if entry else _json({"message": "404 Not found"}, 404)
        return None

    def _approvals(self, iid: int) -> dict[str, Any]:
        """``GET …/merge_requests/{iid}/approvals`` as documented: who approved, on no commit."""
        names = self.approved_by.get(iid, [])
        return {
            "id": 1000 + iid,
            "iid": iid,
            "project_id": int(PROJECT_ID),
            "title": "Update the model card",
            "description": "",
            "state": "merged" if iid in self.merged else "opened",
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
            "merge_status": "can_be_merged",
            "approved": bool(names),
            "approvals_required": 1,
            "approvals_left": 0 if names else 1,
            "approved_by": [{"user": self._user(n)} for n in names],
        }

    def _merge_request(
        self,
        iid: int = MR_IID,
        *,
        author: str | None = None,
        head: str | None = None,
        state: str = "opened",
        merge_commit: str | None = None,
    ) -> dict[str, Any]:
        sha = head or self.head_sha
        return {
            "id": 1000 + iid,
            "iid": iid,
            "project_id": int(PROJECT_ID),
            "title": "Update the model card",
            "state": state,
            "source_branch": "feature",
            "target_branch": "main",
            "sha": sha,
            "merge_commit_sha": merge_commit,
            "squash_commit_sha": None,
            "diff_refs": {"base_sha": "f95f852bd8fc", "head_sha": sha, "start_sha": "f9"},
            "web_url": f"https://gitlab.example.com/group/project/-/merge_requests/{iid}",
            "author": self._user(author or self.author),
        }

    def _user(self, username: str) -> dict[str, Any]:
        """A basic user object, as in a note's ``author``."""
        server = self.base.removesuffix(self.prefix)
        return {
            "id": _account_id(username),
            "username": username,
            "name": username.replace("_", " "),
            "state": "active",
            "locked": False,
            "avatar_url": f"{server}/uploads/-/system/user/avatar/{_account_id(username)}.png",
            "web_url": f"{server}/{username}",
        }

    def _current_user(self) -> dict[str, Any]:
        """``GET /user``: the token's account, a bot user for a project access token."""
        return {
            **self._user(self.username),
            "created_at": TIMESTAMP,
            "bio": "",
            "location": "",
            "public_email": None,
            "bot": self.username.startswith("project_"),
            "last_activity_on": "2026-11-24",
            "can_create_group": False,
            "can_create_project": False,
            "two_factor_enabled": False,
            "external": False,
            "private_profile": False,
        }

    def _note(self, note_id: int, body: str, author: str, system: bool) -> dict[str, Any]:
        return {
            "id": note_id,
            "type": None,
            "body": body,
            "attachment": None,
            "author": self._user(author),
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
            "system": system,
            "noteable_id": 1001,
            "noteable_type": "MergeRequest",
            "project_id": int(PROJECT_ID),
            "resolvable": False,
            "confidential": False,
            "internal": False,
            "noteable_iid": MR_IID,
        }


def approval_settings(*, reset_on_push: bool, required: int = 0) -> dict[str, Any]:
    """``GET /projects/{id}/approvals`` (Premium): the project's merge request approval settings."""
    return {
        "approvers": [],
        "approver_groups": [],
        "approvals_before_merge": required,
        "reset_approvals_on_push": reset_on_push,
        "selective_code_owner_removals": False,
        "disable_overriding_approvers_per_merge_request": False,
        "merge_requests_author_approval": False,
        "merge_requests_disable_committers_approval": False,
        "require_password_to_approve": False,
    }


def author_of(comment: dict[str, Any]) -> str:
    """The login (GitHub comment) or username (GitLab note) of a stored comment's author."""
    return str(comment["user"]["login"] if "user" in comment else comment["author"]["username"])


def _account_id(name: str) -> int:
    """A stable account id per login/username (github-actions[bot] keeps its real one)."""
    return 41898282 if name == ACTIONS_BOT else zlib.crc32(name.encode()) % 10_000_000 + 1


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(data), status=status, headers=headers or {}, content_type="application/json"
    )


class _QuickHTTPServer(HTTPServer):
    """Stops in a few milliseconds (werkzeug polls for shutdown every 0.5 s by default)."""

    def thread_target(self) -> None:
        assert self.server is not None
        self.server.serve_forever(poll_interval=0.02)


@contextmanager
def _serving() -> Iterator[HTTPServer]:
    """An HTTP server on 127.0.0.1 (a free port), threaded so that retries do not queue."""
    server = _QuickHTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        if server.is_running():
            server.stop()


@pytest.fixture
def local_server() -> Iterator[HTTPServer]:
    """The forge's server (its API at ``http://127.0.0.1:PORT``)."""
    with _serving() as server:
        yield server


@contextmanager
def serving_elsewhere() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """Another host (``http://localhost:PORT``, a name that is not the API's) where no token may
    go, and the headers of every request it received; it answers ``[]``."""
    received: list[dict[str, str]] = []

    def record(request: Request) -> Response:
        received.append(dict(request.headers))
        return _json([])

    with _serving() as server:
        server.expect_request(re.compile(".*")).respond_with_handler(record)
        yield f"http://localhost:{server.port}", received


# --- the CI environment and the saved result ------------------------------------------------

CI_VARIABLES = (
    "GITHUB_ACTIONS",
    "GITHUB_API_URL",
    "GITHUB_SERVER_URL",
    "GITHUB_REPOSITORY",
    "GITHUB_EVENT_PATH",
    "GITHUB_EVENT_NAME",
    "GITHUB_TOKEN",
    "GITHUB_RUN_ID",
    "GITLAB_CI",
    "GITLAB_TOKEN",
    "CI_API_V4_URL",
    "CI_PROJECT_ID",
    "CI_PROJECT_URL",
    "CI_MERGE_REQUEST_IID",
    "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA",
    "CI_COMMIT_SHA",
    "CI_JOB_TOKEN",
    "CI_JOB_URL",
    "CI_PIPELINE_URL",
)


def github_env(
    monkeypatch: pytest.MonkeyPatch, fake: FakeGitHub, event_path: Path, **extra: str
) -> None:
    """The variables of a GitHub Actions job on a pull_request event, API at ``fake``."""
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    values = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": fake.base,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_TOKEN": fake.token,
        "GITHUB_RUN_ID": "4242",
        **extra,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def gitlab_env(monkeypatch: pytest.MonkeyPatch, fake: FakeGitLab, **extra: str) -> None:
    """The variables of a GitLab merge request pipeline, API at ``fake``, with GITLAB_TOKEN."""
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    values = {
        "GITLAB_CI": "true",
        "CI_API_V4_URL": fake.base,
        "CI_PROJECT_ID": PROJECT_ID,
        "CI_PROJECT_URL": "https://gitlab.example.com/group/project",
        "CI_MERGE_REQUEST_IID": str(MR_IID),
        "CI_COMMIT_SHA": HEAD_SHA,
        "CI_JOB_URL": "https://gitlab.example.com/group/project/-/jobs/99",
        "GITLAB_TOKEN": GITLAB_TOKEN,
        "CI_JOB_TOKEN": JOB_TOKEN,
        **extra,
    }
    for name, value in values.items():
        if value:
            monkeypatch.setenv(name, value)
        else:
            monkeypatch.delenv(name, raising=False)


def write_result(path: Path, report: CheckReport) -> Path:
    """``report`` saved as ``aigov check -f json -o FILE`` saves it."""
    path.write_text(render("json", report), encoding="utf-8")
    return path


@pytest.fixture
def zero_throttle(monkeypatch: pytest.MonkeyPatch) -> None:
    """No pause between PyGithub's requests (production keeps PyGithub's 0.25 s / 1 s)."""
    monkeypatch.setattr("aigov.scm.github.DEFAULT_THROTTLE", (0.0, 0.0))
