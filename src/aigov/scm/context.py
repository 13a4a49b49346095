"""Which pull/merge request to publish on, read from the CI environment unless given explicitly.

GitHub Actions: ``GITHUB_API_URL`` (GitHub Enterprise: ``https://ghe.example/api/v3``),
``GITHUB_REPOSITORY``, the ``pull_request`` payload at ``GITHUB_EVENT_PATH`` (the PR number and
its head commit — ``GITHUB_SHA`` is the merge commit on pull_request events, not the PR's head),
``GITHUB_TOKEN``; the run's page from ``GITHUB_SERVER_URL``/``GITHUB_REPOSITORY``/``GITHUB_RUN_ID``.

GitLab CI: ``CI_API_V4_URL``, ``CI_PROJECT_ID``, ``CI_MERGE_REQUEST_IID``, the head commit
``CI_MERGE_REQUEST_SOURCE_BRANCH_SHA`` (merged-results pipelines) or ``CI_COMMIT_SHA``,
``GITLAB_TOKEN`` or else ``CI_JOB_TOKEN``; the job's page from ``CI_JOB_URL``.

Every missing coordinate is a :class:`ContextError` naming the variable (and the option that
replaces it). The token is kept out of ``repr`` and never put in a message.

The readers of single coordinates (:func:`github_api_url`, :func:`read_github_event`,
:func:`gitlab_merge_request_iid`…) serve both ``aigov comment`` (:func:`change_request`, where a
pull request is required) and the gate's forge reads (:func:`aigov.scm.approvals.forge_repository`,
where a run outside one is fine).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from aigov.errors import AigovError

Forge = Literal["github", "gitlab"]

DEFAULT_GITHUB_API_URL = "https://api.github.com"
DEFAULT_GITHUB_SERVER_URL = "https://github.com"
_SHA = re.compile(r"^[0-9a-fA-F]{7,64}$")
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


class ContextError(AigovError, ValueError):
    """A coordinate of the pull/merge request is missing or unusable (a configuration error)."""


@dataclass(frozen=True)
class ChangeRequest:
    """A pull request (GitHub) or merge request (GitLab) and how to reach it."""

    forge: Forge
    api_url: str
    project: str
    """GitHub ``owner/name``; GitLab project id (or ``group/name`` path)."""
    number: int
    """The pull request's number or the merge request's IID."""
    head_sha: str
    """The commit the result is about (the PR's head, not a merge commit)."""
    token: str = field(repr=False)
    token_variable: str = ""
    """Where the token came from (``GITHUB_TOKEN``, ``GITLAB_TOKEN``, ``CI_JOB_TOKEN``)."""
    run_url: str | None = None
    """The CI run or job: the status's link and the comment's pointer to the full report."""
    source_url: str | None = None
    """The files at ``head_sha`` (``…/blob/<sha>``): findings link to ``{source_url}/PATH#LN``."""

    @property
    def label(self) -> str:
        """``PR #2 of owner/name`` or ``MR !7 of project 42`` (for messages)."""
        if self.forge == "github":
            return f"PR #{self.number} of {self.project}"
        return f"MR !{self.number} of project {self.project}"


@dataclass(frozen=True)
class Explicit:
    """Values given on the command line; each replaces what the environment says."""

    api_url: str | None = None
    project: str | None = None
    number: int | None = None
    sha: str | None = None
    run_url: str | None = None


@dataclass(frozen=True)
class GitHubEvent:
    """What the event payload at ``GITHUB_EVENT_PATH`` says about the run's pull request."""

    path: str
    pull_request: tuple[int, str] | None
    """The PR's number and head SHA (``pull_request``, ``pull_request_target`` and
    ``pull_request_review`` events carry one); None for other events."""
    default_branch: str | None
    """``repository.default_branch``."""


def ci_forge(env: Mapping[str, str]) -> Forge | None:
    """``github`` in GitHub Actions, ``gitlab`` in GitLab CI, None elsewhere."""
    if env.get("GITHUB_ACTIONS") == "true":
        return "github"
    if env.get("GITLAB_CI") == "true":
        return "gitlab"
    return None


def detect_forge(env: Mapping[str, str]) -> Forge:
    """``github`` in GitHub Actions, ``gitlab`` in GitLab CI; otherwise a :class:`ContextError`."""
    forge = ci_forge(env)
    if forge is None:
        raise ContextError(
            "cannot tell the forge: neither GITHUB_ACTIONS nor GITLAB_CI is 'true' "
            "(give --github or --gitlab)"
        )
    return forge


def change_request(forge: Forge, env: Mapping[str, str], explicit: Explicit) -> ChangeRequest:
    """The pull/merge request to publish on, from ``explicit`` values and else ``env``."""
    if forge == "github":
        return github_change_request(env, explicit)
    return gitlab_change_request(env, explicit)


def github_change_request(env: Mapping[str, str], explicit: Explicit) -> ChangeRequest:
    api_url = github_api_url(env, explicit)
    repository = github_repository(env, explicit)
    number, sha = explicit.number, explicit.sha
    if number is None or sha is None:
        event_number, event_sha = _pull_request_event(env)
        number = number if number is not None else event_number
        sha = sha or event_sha
    token = env.get("GITHUB_TOKEN", "").strip()
    if not token:
        raise ContextError(
            "GITHUB_TOKEN is not set: pass the workflow's token "
            "(env: GITHUB_TOKEN: ${{ github.token }}) with pull-requests: write and "
            "statuses: write permissions"
        )
    head_sha = checked_sha(sha, "the pull request's head.sha")
    server = (env.get("GITHUB_SERVER_URL") or DEFAULT_GITHUB_SERVER_URL).rstrip("/")
    run_url = explicit.run_url
    if not run_url and env.get("GITHUB_RUN_ID"):
        run_url = f"{server}/{repository}/actions/runs/{env['GITHUB_RUN_ID']}"
    return ChangeRequest(
        forge="github",
        api_url=api_url,
        project=repository,
        number=number,
        head_sha=head_sha,
        token=token,
        token_variable="GITHUB_TOKEN",
        run_url=run_url,
        source_url=f"{server}/{repository}/blob/{head_sha}",
    )


def github_api_url(env: Mapping[str, str], explicit: Explicit = Explicit()) -> str:
    """The REST API root (``GITHUB_API_URL``; GitHub Enterprise: ``https://HOST/api/v3``)."""
    api_url = explicit.api_url or env.get("GITHUB_API_URL") or DEFAULT_GITHUB_API_URL
    return _url(api_url, "GITHUB_API_URL")


def github_repository(env: Mapping[str, str], explicit: Explicit = Explicit()) -> str:
    """``OWNER/NAME`` (``GITHUB_REPOSITORY``)."""
    repository = explicit.project or env.get("GITHUB_REPOSITORY") or ""
    if not repository:
        raise ContextError("GITHUB_REPOSITORY is not set (or give --repository OWNER/NAME)")
    if not _REPOSITORY.match(repository):
        raise ContextError(f"'{repository}' is not a GitHub repository OWNER/NAME")
    return repository


def _pull_request_event(env: Mapping[str, str]) -> tuple[int, str]:
    """The PR number and head SHA of the ``pull_request`` payload at ``GITHUB_EVENT_PATH``."""
    path = env.get("GITHUB_EVENT_PATH", "")
    if not path:
        raise ContextError(
            "GITHUB_EVENT_PATH is not set: no pull request to comment on (give --number and --sha)"
        )
    event = read_github_event(path)
    if event.pull_request is None:
        name = env.get("GITHUB_EVENT_NAME") or "this"
        raise ContextError(
            f"GITHUB_EVENT_PATH {path}: the {name} event has no pull_request "
            "(run on pull_request events, or give --number and --sha)"
        )
    return event.pull_request


def read_github_event(path: str) -> GitHubEvent:
    """The event payload at ``path`` (``GITHUB_EVENT_PATH``): its pull request, if any, and the
    repository's default branch."""
    try:
        payload: Any = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ContextError(f"GITHUB_EVENT_PATH {path}: cannot read the event ({exc})") from None
    if not isinstance(payload, dict):
        raise ContextError(f"GITHUB_EVENT_PATH {path}: the event is not a JSON object")
    repository = payload.get("repository")
    default_branch = repository.get("default_branch") if isinstance(repository, dict) else None
    return GitHubEvent(
        path=path,
        pull_request=_pull_request_of(payload, path),
        default_branch=default_branch if isinstance(default_branch, str) else None,
    )


def _pull_request_of(payload: dict[str, Any], path: str) -> tuple[int, str] | None:
    pull = payload.get("pull_request")
    if not isinstance(pull, dict):
        return None
    number = pull.get("number", payload.get("number"))
    head = pull.get("head")
    sha = head.get("sha") if isinstance(head, dict) else None
    if not isinstance(number, int) or not isinstance(sha, str):
        raise ContextError(
            f"GITHUB_EVENT_PATH {path}: pull_request.number or pull_request.head.sha is missing"
        )
    return number, sha


def gitlab_change_request(env: Mapping[str, str], explicit: Explicit) -> ChangeRequest:
    api_url = gitlab_api_url(env, explicit)
    project = gitlab_project(env, explicit)
    number = explicit.number if explicit.number is not None else gitlab_merge_request_iid(env)
    if number is None:
        raise ContextError(
            "CI_MERGE_REQUEST_IID is not set: not a merge request pipeline "
            "(rules: if $CI_PIPELINE_SOURCE == 'merge_request_event', or give --number)"
        )
    sha = explicit.sha or gitlab_head_sha(env)
    if not sha:
        raise ContextError("CI_COMMIT_SHA is not set (or give --sha)")
    token_variable = "GITLAB_TOKEN" if env.get("GITLAB_TOKEN", "").strip() else "CI_JOB_TOKEN"
    token = env.get(token_variable, "").strip()
    if not token:
        raise ContextError(
            "neither GITLAB_TOKEN nor CI_JOB_TOKEN is set: set GITLAB_TOKEN to a project access "
            "token with the api scope (a masked CI/CD variable)"
        )
    head_sha = checked_sha(sha, "CI_COMMIT_SHA")
    project_url = (env.get("CI_PROJECT_URL") or "").rstrip("/")
    return ChangeRequest(
        forge="gitlab",
        api_url=api_url,
        project=project,
        number=number,
        head_sha=head_sha,
        token=token,
        token_variable=token_variable,
        run_url=explicit.run_url or env.get("CI_JOB_URL") or env.get("CI_PIPELINE_URL") or None,
        source_url=f"{project_url}/-/blob/{head_sha}" if project_url else None,
    )


def gitlab_api_url(env: Mapping[str, str], explicit: Explicit = Explicit()) -> str:
    """The REST API root (``CI_API_V4_URL``: ``https://HOST/api/v4``)."""
    api_url = explicit.api_url or env.get("CI_API_V4_URL") or ""
    if not api_url:
        raise ContextError("CI_API_V4_URL is not set (or give --api-url https://HOST/api/v4)")
    return _url(api_url, "CI_API_V4_URL")


def gitlab_project(env: Mapping[str, str], explicit: Explicit = Explicit()) -> str:
    """The project id (``CI_PROJECT_ID``) or the path given instead."""
    project = explicit.project or env.get("CI_PROJECT_ID") or ""
    if not project:
        raise ContextError("CI_PROJECT_ID is not set (or give --repository PROJECT_ID)")
    return project


def gitlab_merge_request_iid(env: Mapping[str, str]) -> int | None:
    """``CI_MERGE_REQUEST_IID``; None outside a merge request pipeline."""
    iid = env.get("CI_MERGE_REQUEST_IID", "")
    if not iid:
        return None
    if not iid.isdigit():
        raise ContextError(f"CI_MERGE_REQUEST_IID '{iid}' is not a number")
    return int(iid)


def gitlab_head_sha(env: Mapping[str, str]) -> str | None:
    """The MR's head in merged-results pipelines (``CI_MERGE_REQUEST_SOURCE_BRANCH_SHA``), else
    the pipeline's commit (``CI_COMMIT_SHA``); not yet checked to be a SHA."""
    return env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or env.get("CI_COMMIT_SHA") or None


def _url(value: str, variable: str) -> str:
    if not re.match(r"^https?://[^\s/]+", value):
        raise ContextError(f"{variable} '{value}' is not an http(s) URL")
    return value.rstrip("/")


def checked_sha(value: str | None, where: str) -> str:
    if not value or not _SHA.match(value):
        raise ContextError(f"{where} '{value or ''}' is not a commit SHA (or give --sha)")
    return value.lower()
