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

Forge libraries are imported only when a function needs them; nothing here sends a request at
import time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Forge = Literal["github", "gitlab"]


class ForgeReadError(Exception):
    """The forge could not be read (refused, unreachable, misconfigured): one clear line that
    never holds the token."""


@dataclass(frozen=True)
class Approval:
    """One account's standing approval of a pull/merge request."""

    account: str
    """The approver's forge login (GitHub) or username (GitLab)."""
    commit: str | None
    """The commit the approval was given on (lower-case SHA); None when the forge cannot tell."""
    submitted_at: str | None
    """When it was given (ISO 8601), when the forge says."""


@dataclass(frozen=True)
class ChangeRequestApprovals:
    """A pull request (GitHub) or merge request (GitLab) and its standing approvals."""

    forge: Forge
    number: int
    """The PR number or the MR IID."""
    author: str
    """The PR/MR author's login."""
    head_sha: str
    """The current head commit (lower-case); for a merged request, its head when merged."""
    merged: bool
    merge_commit: str | None
    """The commit the merge made on the target branch (merge, squash or rebase), when merged."""
    url: str | None
    """The PR/MR's web page, as the forge gave it."""
    approvals: tuple[Approval, ...]
    """Standing approvals only; the author's own never included."""

    def approvers_on(self, sha: str) -> frozenset[str]:
        """The accounts whose standing approval was given on commit ``sha``."""
        wanted = sha.lower()
        return frozenset(a.account for a in self.approvals if a.commit == wanted)


@dataclass(frozen=True)
class BranchProtection:
    """How a branch is protected, as far as the token may read."""

    branch: str
    protected: bool
    required_approvals: int
    """Approvals required before merging; 0 when reviews are not required."""
    dismisses_stale_approvals: bool | None
    """New commits dismiss earlier approvals; None when the forge (or plan) cannot say."""
    code_owner_reviews: bool | None
    """A code owner's approval is required; None when the forge (or plan) cannot say."""
    detail: str
    """One human line: what was found."""


@dataclass(frozen=True)
class ForgeRepository:
    """Where to read, from the trusted CI environment (or given explicitly)."""

    forge: Forge
    api_url: str
    project: str
    """GitHub ``owner/name``; GitLab project id or ``group/name`` path."""
    token: str = field(repr=False)
    change_request: int | None
    """The PR number / MR IID of this pipeline; None outside one (a push, a deployment)."""
    head_sha: str | None
    default_branch: str | None


def forge_repository(env: Mapping[str, str]) -> ForgeRepository | None:
    """The repository this CI job runs for; None outside GitHub Actions and GitLab CI."""
    raise NotImplementedError


def read_approvals(repo: ForgeRepository, number: int) -> ChangeRequestApprovals:
    """PR/MR ``number`` of ``repo`` and its standing approvals."""
    raise NotImplementedError


def merged_change_requests_of(repo: ForgeRepository, sha: str) -> list[ChangeRequestApprovals]:
    """The merged PRs/MRs that brought commit ``sha``, each with its approvals."""
    raise NotImplementedError


def branch_protection(repo: ForgeRepository, branch: str) -> BranchProtection:
    """How ``branch`` of ``repo`` is protected."""
    raise NotImplementedError


def codeowners_for(codeowners_text: str, path: str, forge: str) -> tuple[str, ...]:
    """The owners of ``path`` per the CODEOWNERS file ``codeowners_text`` on ``forge``."""
    raise NotImplementedError
