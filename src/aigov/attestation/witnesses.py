"""What can attest a record: the commit that introduced it, its signature, the forge's reviews.

Everything here is read from sources the pull request cannot write: git objects (which commit
first wrote a record, and ``git verify-commit`` against the allowed-signers file of the trusted
policy source) and the forge's API (approving reviews, the requests that merged a commit, branch
protection), reached with the CI job's own coordinates.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigov.attestation.records import Record
from aigov.git_objects import GitError, ObjectReader, Signature, commits_touching

if TYPE_CHECKING:
    from aigov.scm.forge import ForgeRepository

MAX_VERSIONS = 5_000
"""Versions of the manifest read to find where records came from (as the git evidence)."""


@dataclass(frozen=True)
class Commit:
    sha: str
    date: dt.date
    """The committer's date: a claim, used only to start a waiver's allowed duration."""


@dataclass(frozen=True)
class ForgeReviews:
    """The accounts whose approval stands on the checked head, or why they could not be read."""

    forge: str | None
    approvers: frozenset[str]
    author: str | None
    note: str
    """What was read (``approving reviews of PR #2 on abc1234``) or why nothing was."""


@dataclass(frozen=True)
class ManifestVersion:
    commit: Commit
    data: dict[str, Any] | None
    """The manifest as that commit wrote it, normalised; None when absent or invalid."""


def manifest_versions(
    work_tree: Path,
    revisions: str,
    manifest_path: str,
    normalise: Callable[[dict[str, Any]], dict[str, Any] | None],
) -> list[ManifestVersion]:
    """The versions of the manifest that the commits of ``revisions`` (a ref or ``BASE..HEAD``)
    wrote, oldest first in topological order with every parent followed (at most
    :data:`MAX_VERSIONS`, the newest); none when git cannot tell."""
    from aigov.evidence.git_history import manifest_at, raw_date

    try:
        commits = commits_touching(work_tree, revisions, manifest_path, ("%H", "%cd"))
    except GitError:
        return []
    versions = []
    with ObjectReader(work_tree) as objects:
        for sha, raw in commits[-MAX_VERSIONS:]:
            data = manifest_at(objects, sha, manifest_path)
            try:
                day = raw_date(raw).date()
            except (ValueError, OverflowError, OSError):
                day = dt.date.min  # a waiver then runs from year 1: too long, so void
            versions.append(
                ManifestVersion(Commit(sha, day), normalise(data) if data is not None else None)
            )
    return versions


def introductions(
    versions: Sequence[ManifestVersion], records: Sequence[Record]
) -> dict[int, Commit]:
    """Record index -> the commit that introduced it: the first of the last unbroken run of
    ``versions`` that hold it as the head writes it (a record removed and written again was
    introduced the second time)."""
    running: dict[int, Commit] = {}
    for version in versions:
        for index, record in enumerate(records):
            if version.data is not None and record.present(version.data):
                running.setdefault(index, version.commit)
            else:
                running.pop(index, None)
    return running


@contextmanager
def allowed_signers_file(content: bytes | None) -> Iterator[Path | None]:
    """The trusted policy source's allowed signers, as a file ``git verify-commit`` can read."""
    if content is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="aigov-signers-") as folder:
        path = Path(folder) / "allowed_signers"
        path.write_bytes(content)
        yield path


def signature_reader(work_tree: Path, signers: Path | None) -> Callable[[str], Signature | None]:
    """``commit -> Signature`` (cached), or always None without an allowed signers file."""
    from aigov.git_objects import verify_commit_signature

    cache: dict[str, Signature] = {}

    def signature(commit: str) -> Signature | None:
        if signers is None:
            return None
        if commit not in cache:
            try:
                cache[commit] = verify_commit_signature(work_tree, commit, signers)
            except GitError as exc:
                cache[commit] = Signature(commit, False, None, str(exc))
        return cache[commit]

    return signature


def forge_reviews(env: Mapping[str, str], checked_heads: Sequence[str]) -> ForgeReviews:
    """Standing approvals on the pull/merge request this CI job runs for.

    ``checked_heads`` are the commits whose files were judged (the head, and on GitHub's
    ``pull_request`` checkout the synthetic merge's second parent): an approval counts only when
    given on the PR's head and that head is what was checked, so an approval of an earlier push
    never attests a later one.
    """
    from aigov.scm.approvals import forge_repository, read_approvals
    from aigov.scm.forge import ForgeReadError

    try:
        repo = forge_repository(env)
    except ForgeReadError as exc:
        return ForgeReviews(None, frozenset(), None, f"forge reviews not read: {exc}")
    if repo is None or repo.change_request is None:
        return ForgeReviews(
            repo.forge if repo else None,
            frozenset(),
            None,
            "forge reviews not read: this run is not a pull/merge request pipeline",
        )
    try:
        request = read_approvals(repo, repo.change_request)
    except ForgeReadError as exc:
        return ForgeReviews(repo.forge, frozenset(), None, f"forge reviews not read: {exc}")
    label = f"{'PR #' if repo.forge == 'github' else 'MR !'}{request.number}"
    if request.head_sha.lower() not in {sha.lower() for sha in checked_heads}:
        return ForgeReviews(
            repo.forge,
            frozenset(),
            request.author,
            f"forge reviews not counted: {label}'s head is {request.head_sha[:12]}, but this run "
            "checked another commit (re-run on the current head)",
        )
    approvers = request.approvers_on(request.head_sha)
    return ForgeReviews(
        repo.forge,
        approvers,
        request.author,
        f"approving reviews of {label} on {request.head_sha[:12]}: "
        + (", ".join(sorted(approvers)) or "none"),
    )


def deployment_repository(env: Mapping[str, str]) -> ForgeRepository | None:
    """The forge repository a deployment job runs in (None outside CI or when unreadable)."""
    from aigov.scm.approvals import forge_repository
    from aigov.scm.forge import ForgeReadError

    try:
        return forge_repository(env)
    except ForgeReadError:
        return None
