"""A GitHub organisation, read through the REST API on :mod:`aigov.scm.github` (the one module
that imports PyGithub).

No clone: the files of the default branch's head commit are read with the contents API. Each
repository costs one conditional request when it has not changed: ``GET
/repos/{owner}/{repo}/commits/{branch}`` with ``If-None-Match`` set to the ETag of the last answer;
GitHub answers ``304 Not Modified`` (which does not count against the rate limit), and the
files already in the cache are used.

Requests are retried as ``aigov comment``'s are (429, 5xx, secondary rate limits, closed
connections and timeouts; :mod:`aigov.scm.retry`, one waiting budget for the scan) and time out
after :data:`TIMEOUT_SECONDS` without an answer; a read whose answer is cut off mid-body is
made again. A listing that still fails is a
:class:`SourceError` (one line, exit 2, nothing written); a repository that fails is an error row.
"""

from __future__ import annotations

from pathlib import Path

from aigov.portfolio.model import RepositoryRef
from aigov.portfolio.sources import Materialized, SourceError
from aigov.portfolio.sources_remote import (
    forge_failures,
    hosted_refs,
    read_state,
    safe_name,
    snapshot,
    write_state,
)

DEFAULT_API = "https://api.github.com"
TIMEOUT_SECONDS = 30


class GitHubOrgSource:
    """Every non-archived repository of a GitHub organisation."""

    def __init__(
        self,
        org: str,
        cache: Path,
        *,
        base_url: str | None = None,
        token: str | None = None,
        throttle_s: float = 0.25,
        per_page: int = 100,
    ) -> None:
        from aigov.scm.github import GitHubOrganisationReader

        self.org = org
        self.cache = cache
        self.description = f"github:{org}"
        self._branches: dict[str, tuple[str, str]] = {}
        self._reader = GitHubOrganisationReader(
            org,
            base_url or DEFAULT_API,
            token,
            throttle_s=throttle_s,
            per_page=per_page,
            timeout=TIMEOUT_SECONDS,
        )

    def list(self) -> list[RepositoryRef]:
        """The organisation's repositories; :class:`SourceError` when it cannot be listed."""
        refs = []
        for ref, repo in hosted_refs("github", self._reader.repositories):
            self._branches[ref.id] = (repo.full_name, repo.default_branch)
            refs.append(ref)
        return refs

    def materialize(self, ref: RepositoryRef, known_head: str | None) -> Materialized:
        """The governed files of the default branch's head, from the cache when unchanged."""
        with forge_failures():
            return self._materialize(ref, known_head)

    def _materialize(self, ref: RepositoryRef, known_head: str | None) -> Materialized:
        full_name, branch = self._branches[ref.id]
        state_file = self.cache / safe_name(full_name) / "state.json"
        state = read_state(state_file)
        etag = state.get("etag") if known_head else None
        sha, new_etag = self._reader.head(full_name, branch, str(etag) if etag else None)
        if sha is None:  # 304 Not Modified
            if not state.get("sha"):
                raise SourceError(f"{full_name}: GitHub answered 304 to a request without ETag")
            folder = self.cache / safe_name(full_name) / str(state["sha"])
            return Materialized(folder if folder.is_dir() else None, str(state["sha"]))
        folder = snapshot(
            self.cache / safe_name(full_name) / sha, self._reader.files_of(full_name, sha)
        )
        write_state(state_file, {"sha": sha, "etag": new_etag})
        return Materialized(folder, sha)
