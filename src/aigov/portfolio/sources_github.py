"""A GitHub organisation, read through the REST API with PyGithub (imported here only).

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
from typing import Any
from urllib.parse import quote

from aigov.portfolio.model import RepositoryRef
from aigov.portfolio.sources import Materialized, SourceError
from aigov.portfolio.sources_remote import read_state, safe_name, snapshot, write_state

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
        from github import Auth, Github

        from aigov.scm import retry
        from aigov.scm.github import github_retry

        retrying = github_retry(retry.DEFAULT_POLICY)
        # A head or file read whose answer is cut off mid-body is made again.
        self._again = retry.CutOffRepeater(retry.DEFAULT_POLICY, retrying.budget)
        self.org = org
        self.cache = cache
        self._token = token or ""
        self.description = f"github:{org}"
        self._branches: dict[str, tuple[str, str]] = {}
        self._github = Github(
            base_url=(base_url or DEFAULT_API).rstrip("/"),
            auth=Auth.Token(token) if token else None,
            per_page=per_page,
            seconds_between_requests=throttle_s,
            seconds_between_writes=throttle_s,
            retry=retrying,
            timeout=TIMEOUT_SECONDS,
        )

    def list(self) -> list[RepositoryRef]:
        import requests
        from github import GithubException

        from aigov.scm.retry import network_failure

        refs = []
        try:
            for repo in self._github.get_organization(self.org).get_repos(type="all"):
                if repo.archived:
                    continue
                ref = RepositoryRef(f"github:{repo.full_name}", repo.name, "github", repo.html_url)
                self._branches[ref.id] = (repo.full_name, repo.default_branch)
                refs.append(ref)
        except GithubException as exc:
            raise SourceError(f"GitHub organisation {self.org}: {self._reason(exc)}") from None
        except requests.RequestException as exc:
            failure = f"GitHub organisation {self.org} at {self._github.requester.base_url}: "
            raise SourceError(failure + network_failure(exc)) from None
        return refs

    def _reason(self, exc: Any) -> str:
        """``HTTP status: message`` of a failed request: never the whole answer, which a proxy
        or a misbehaving server may fill with the request's headers, and never the token."""
        data = exc.data if isinstance(exc.data, dict) else {}
        message = " ".join(str(data.get("message") or "no message").split())[:200]
        text = f"HTTP {exc.status}: {message}"
        return text.replace(self._token, "***") if self._token else text

    def materialize(self, ref: RepositoryRef, known_head: str | None) -> Materialized:
        from github import GithubException

        try:
            return self._materialize(ref, known_head)
        except GithubException as exc:
            raise SourceError(f"{self._branches[ref.id][0]}: {self._reason(exc)}") from None

    def _materialize(self, ref: RepositoryRef, known_head: str | None) -> Materialized:
        from github import GithubException, UnknownObjectException

        full_name, branch = self._branches[ref.id]
        state_file = self.cache / safe_name(full_name) / "state.json"
        state = read_state(state_file)
        url = f"/repos/{full_name}/commits/{quote(branch, safe='')}"
        headers = {"If-None-Match": state["etag"]} if state.get("etag") and known_head else {}
        answer_headers, data = self._again(
            lambda: self._github.requester.requestJsonAndCheck("GET", url, headers=headers)
        )
        if data is None and state.get("sha"):  # 304 Not Modified
            folder = self.cache / safe_name(full_name) / str(state["sha"])
            return Materialized(folder if folder.is_dir() else None, str(state["sha"]))
        sha = str(data["sha"])
        repo = self._github.withLazy(True).get_repo(full_name)

        def read(path: str) -> bytes | None:
            try:
                content: Any = self._again(lambda: repo.get_contents(path, ref=sha))
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
