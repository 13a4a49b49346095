"""What the forge readers return and the error they raise: the facts :mod:`aigov.scm.approvals`
asks of :mod:`aigov.scm.github` and :mod:`aigov.scm.gitlab`.

A module of its own so that the forge modules depend on it and not on ``approvals``, which
opens them (no import circle).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from aigov.errors import AigovError

Forge = Literal["github", "gitlab"]


class ForgeError(AigovError):
    """A forge refused or could not be reached: one clear line that never holds the token.

    ``uncertain``: no clear answer came back (network failure, timeout, 5xx): the request may
    have been carried out all the same, and a later run may read what this one could not.
    """

    def __init__(self, message: str, *, uncertain: bool = False) -> None:
        super().__init__(message)
        self.uncertain = uncertain


class ForgeReadError(ForgeError):
    """The forge could not be read (refused, unreachable, misconfigured)."""


def refusal(status: object, message: object, token: str) -> str:
    """``HTTP status: message`` of a refused request: the message on one line and cut short,
    never the token (a proxy or a misbehaving server may echo the request's headers)."""
    text = " ".join(str(message or "no message").split())[:200]
    line = f"HTTP {status}: {text}"
    return line.replace(token, "***") if token else line


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


class ForgeReader(Protocol):
    """One forge client for one repository (its requests share one retry budget)."""

    def approvals(self, number: int) -> ChangeRequestApprovals: ...

    def merged_change_requests_of(self, sha: str) -> list[ChangeRequestApprovals]: ...

    def branch_protection(self, branch: str) -> BranchProtection: ...


@dataclass(frozen=True)
class HostedRepository:
    """One repository of a GitHub organisation or a GitLab group, as the portfolio lists it."""

    full_name: str
    """GitHub ``owner/name``; GitLab ``group/…/path`` (``path_with_namespace``)."""
    name: str
    web_url: str
    default_branch: str
    project_id: int | None = None
    """GitLab's numeric project id (the API is asked by it); None on GitHub."""
