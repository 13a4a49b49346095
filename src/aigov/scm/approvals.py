"""Forge reviews as attestations: who approved a pull/merge request, on which commit, and how the
target branch is protected.

A governance record that a pull request adds counts only when it is attested outside the PR's
files (DESIGN §8); a forge review is one such attestation: an approval given on the PR's current
head by an account the trusted org config maps to the approving role, and not by the PR's author.
This module reads those facts and nothing else; which role a record needs is the policy's call.

- GitHub (:mod:`aigov.scm.github`): an account's standing approval is its latest review that is
  not a comment, when that review is ``APPROVED``; it carries the commit it was given on.
- GitLab (:mod:`aigov.scm.gitlab`): the approvals API names no commit; an approval is tied to the
  MR's head only when the project removes approvals when commits are added
  (``reset_approvals_on_push``), otherwise its ``commit`` is None and it counts on no commit.

Forge libraries are imported only when a function needs them (:func:`open_reader`); nothing
here sends a request at import time. :func:`codeowners_for` (:mod:`aigov.scm.codeowners`) tells
who owns a path, to check that ``aigov.yaml`` is owned.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from aigov.scm import context
from aigov.scm.forge import (
    BranchProtection,
    ChangeRequestApprovals,
    ForgeReader,
    ForgeReadError,
    ForgeRepository,
)

_BRANCH: Final = re.compile(r"^[^\s~^:?*\[\\]+$")
"""What ``git check-ref-format --branch`` allows, roughly (no empty or dot-led component and no
``..`` either, checked apart): a branch name cannot step out of the API path it is put in."""


def forge_repository(env: Mapping[str, str]) -> ForgeRepository | None:
    """The repository this CI job runs for; None outside GitHub Actions and GitLab CI.

    The token is ``AIGOV_FORGE_TOKEN``, else ``GITHUB_TOKEN`` / ``GITLAB_TOKEN``; GitLab's
    ``CI_JOB_TOKEN`` is refused (GitLab lets it call no merge request endpoint). A missing or
    unusable coordinate is a :class:`ForgeReadError` naming the variable.
    """
    forge = context.ci_forge(env)
    try:
        if forge == "github":
            return _github_repository(env)
        if forge == "gitlab":
            return _gitlab_repository(env)
    except context.ContextError as exc:
        raise ForgeReadError(str(exc)) from exc
    return None


def open_reader(repo: ForgeRepository) -> ForgeReader:
    """The forge module's reader, imported only now (a clear error when its extra is missing)."""
    extra, library = (
        ("github", "PyGithub") if repo.forge == "github" else ("gitlab", "python-gitlab")
    )
    try:
        if repo.forge == "github":
            from aigov.scm.github import GitHubRepositoryReader

            return GitHubRepositoryReader(repo)
        from aigov.scm.gitlab import GitLabProjectReader

        return GitLabProjectReader(repo)
    except ImportError as exc:
        raise ForgeReadError(
            f"{library} is not installed ({exc.name}): pip install 'aigov[{extra}]'"
        ) from None


def read_approvals(repo: ForgeRepository, number: int) -> ChangeRequestApprovals:
    """PR/MR ``number`` of ``repo`` and its standing approvals (the author's left out)."""
    return open_reader(repo).approvals(number)


def merged_change_requests_of(repo: ForgeRepository, sha: str) -> list[ChangeRequestApprovals]:
    """The merged PRs/MRs that brought commit ``sha``, each with its approvals."""
    try:
        commit = context.checked_sha(sha, "the commit")
    except context.ContextError as exc:
        raise ForgeReadError(str(exc)) from exc
    return open_reader(repo).merged_change_requests_of(commit)


def branch_protection(repo: ForgeRepository, branch: str) -> BranchProtection:
    """How ``branch`` of ``repo`` is protected."""
    if not _BRANCH.match(branch) or any(s in f"/{branch}/" for s in ("/.", "//", "..")):
        raise ForgeReadError(f"'{branch}' is not a branch name")
    return open_reader(repo).branch_protection(branch)


def _github_repository(env: Mapping[str, str]) -> ForgeRepository:
    api_url = context.github_api_url(env)
    project = context.github_repository(env)
    token = _token(env, "GITHUB_TOKEN")
    if not token:
        raise ForgeReadError(
            "neither AIGOV_FORGE_TOKEN nor GITHUB_TOKEN is set: pass the workflow's token "
            "(env: GITHUB_TOKEN: ${{ github.token }}) with pull-requests: read"
        )
    event_path = env.get("GITHUB_EVENT_PATH", "")
    event = context.read_github_event(event_path) if event_path else None
    number, sha = (None, env.get("GITHUB_SHA") or None)
    if event is not None and event.pull_request is not None:
        # GITHUB_SHA is the test merge commit on pull_request events: the PR's head is asked.
        number, sha = event.pull_request
    return ForgeRepository(
        forge="github",
        api_url=api_url,
        project=project,
        token=token,
        change_request=number,
        head_sha=context.checked_sha(sha, "the head commit") if sha else None,
        default_branch=event.default_branch if event is not None else None,
    )


def _gitlab_repository(env: Mapping[str, str]) -> ForgeRepository:
    api_url = context.gitlab_api_url(env)
    project = context.gitlab_project(env)
    token = _token(env, "GITLAB_TOKEN")
    if not token:
        instead = (
            "CI_JOB_TOKEN cannot read merge request approvals (GitLab allows a job token no "
            "merge request endpoint)"
            if env.get("CI_JOB_TOKEN", "").strip()
            else "neither AIGOV_FORGE_TOKEN nor GITLAB_TOKEN is set"
        )
        raise ForgeReadError(
            f"{instead}: set GITLAB_TOKEN or AIGOV_FORGE_TOKEN to a project access token with "
            "the read_api scope (a masked CI/CD variable)"
        )
    sha = context.gitlab_head_sha(env)
    return ForgeRepository(
        forge="gitlab",
        api_url=api_url,
        project=project,
        token=token,
        change_request=context.gitlab_merge_request_iid(env),
        head_sha=context.checked_sha(sha, "CI_COMMIT_SHA") if sha else None,
        default_branch=env.get("CI_DEFAULT_BRANCH") or None,
    )


def _token(env: Mapping[str, str], forge_variable: str) -> str:
    return env.get("AIGOV_FORGE_TOKEN", "").strip() or env.get(forge_variable, "").strip()
