"""A GitHub organisation, read through the REST API with PyGithub (imported here only).

No clone: the files of the default branch's head commit are read with the contents API. Each
repository costs one conditional request when it has not changed: ``GET
/repos/{owner}/{repo}/commits/{branch}`` with ``If-None-Match`` set to the ETag of the last answer;
GitHub answers ``304 Not Modified`` (which does not count against the rate limit), and the
files already in the cache are used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from aigov.portfolio.model import RepositoryRef
from aigov.portfolio.sources import Materialized, SourceError
from aigov.portfolio.sources_remote import read_state, safe_name, snapshot, write_state

DEFAULT_API = "https://api.github.com"


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
        from github import Auth, Github

        self.org = org
        self.cache = cache
        self.description = f"github:{org}"
        self._branches: dict[str, tuple[str, str]] = {}
        self._github = Github(
            base_url=(base_url or DEFAULT_API).rstrip("/"),
            auth=Auth.Token(token) if token else None,
            per_page=per_page,
            seconds_between_requests=throttle_s,
            seconds_between_writes=throttle_s,
            retry=None,
            timeout=30,
        )

    def list(self) -> list[RepositoryRef]:
        from github import GithubException

        refs = []
        try:
            for repo in self._github.get_organization(self.org).get_repos(type="all"):
                if repo.archived:
                    continue
                ref = RepositoryRef(f"github:{repo.full_name}", repo.name, "github", repo.html_url)
                self._branches[ref.id] = (repo.full_name, repo.default_branch)
                refs.append(ref)
        except GithubException as exc:
            raise SourceError(f"GitHub organisation {self.org}: {exc.status} {exc.data}") from None
        return refs

    def materialize(self, ref: RepositoryRef, known_head: str | None) -> Materialized:
        from github import GithubException, UnknownObjectException

        full_name, branch = self._branches[ref.id]
        state_file = self.cache / safe_name(full_name) / "state.json"
        state = read_state(state_file)
        url = f"/repos/{full_name}/commits/{quote(branch, safe='')}"
        headers = {"If-None-Match": state["etag"]} if state.get("etag") and known_head else {}
        answer_headers, data = self._github.requester.requestJsonAndCheck(
            "GET", url, headers=headers
        )
        if data is None and state.get("sha"):  # 304 Not Modified
            folder = self.cache / safe_name(full_name) / str(state["sha"])
            return Materialized(folder if folder.is_dir() else None, str(state["sha"]))
        sha = str(data["sha"])
        repo = self._github.withLazy(True).get_repo(full_name)

        def read(path: str) -> bytes | None:
            try:
                content: Any = repo.get_contents(path, ref=sha)
            except UnknownObjectException:
                return None
            except GithubException as exc:
                if exc.status == 404:
                    return None
                raise
            if isinstance(content, list):  # a folder, not a file
                return None
            return bytes(content.decoded_content)

        folder = snapshot(self.cache / safe_name(full_name) / sha, read)
        etag = answer_headers.get("etag") or answer_headers.get("ETag")
        write_state(state_file, {"sha": sha, "etag": etag})
        return Materialized(folder, sha)
