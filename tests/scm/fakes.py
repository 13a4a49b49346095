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
from collections.abc import Iterator
from dataclasses import dataclass, field
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
        return self.route(request.method, path, body, request)

    def authenticated(self, request: Request) -> bool:
        raise NotImplementedError

    def route(self, method: str, path: str, body: Any, request: Request) -> Response:
        raise NotImplementedError


class FakeGitHub(FakeForge):
    """``/repos/{owner}/{repo}/pulls/{n}``, ``…/issues/{n}/comments``, ``…/statuses/{sha}``,
    ``/user``.

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

    def route(self, method: str, path: str, body: Any, request: Request) -> Response:
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

    def _pull(self) -> dict[str, Any]:
        repo_url = f"{self.base}/repos/{REPOSITORY}"
        return {
            "url": f"{repo_url}/pulls/{PR_NUMBER}",
            "id": 279147437,
            "node_id": "MDExOlB1bGxSZXF1ZXN0Mjc5MTQ3NDM3",
            "html_url": f"https://github.com/{REPOSITORY}/pull/{PR_NUMBER}",
            "issue_url": f"{repo_url}/issues/{PR_NUMBER}",
            "number": PR_NUMBER,
            "state": "open",
            "title": "Update the README with new information.",
            "user": self._user("Codertocat"),
            "head": {"label": "Codertocat:changes", "ref": "changes", "sha": self.head_sha},
            "base": {"label": "Codertocat:master", "ref": "master", "sha": "f95f852bd8fc"},
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
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
    ``/user``.

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

    def authenticated(self, request: Request) -> bool:
        return any(request.headers.get(h) == t for h, t in self.tokens.items())

    def add_note(self, body: str, *, author: str | None = None, system: bool = False) -> int:
        """A note by ``author`` (default: ``GITLAB_TOKEN``'s account)."""
        note_id = next(self.ids)
        self.notes[note_id] = self._note(note_id, body, author or self.username, system)
        return note_id

    def route(self, method: str, path: str, body: Any, request: Request) -> Response:
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

    def _merge_request(self) -> dict[str, Any]:
        return {
            "id": 1001,
            "iid": MR_IID,
            "project_id": int(PROJECT_ID),
            "title": "Update the model card",
            "state": "opened",
            "source_branch": "feature",
            "target_branch": "main",
            "sha": self.head_sha,
            "diff_refs": {"base_sha": "f95f852bd8fc", "head_sha": self.head_sha, "start_sha": "f9"},
            "web_url": f"https://gitlab.example.com/group/project/-/merge_requests/{MR_IID}",
            "author": self._user("jsmith"),
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


@pytest.fixture
def local_server() -> Iterator[HTTPServer]:
    """An HTTP server on 127.0.0.1 (a free port), threaded so that retries do not queue."""
    server = _QuickHTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        if server.is_running():
            server.stop()


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
