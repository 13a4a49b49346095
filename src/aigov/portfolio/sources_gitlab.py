"""A GitLab group (and its subgroups), read through the REST API with python-gitlab (here only).

No clone: ``GET /projects/:id/repository/branches/:branch`` gives the head commit (one request
per project; an unchanged head reuses the files in the cache), then
``GET /projects/:id/repository/files/:path/raw?ref=SHA`` reads each governed file.

Requests are retried as ``aigov comment``'s are (429, 5xx, closed connections and timeouts, below
python-gitlab; :mod:`aigov.scm.retry`, one waiting budget for the scan) and time out after
:data:`TIMEOUT_SECONDS` without an answer; a read whose answer is cut off mid-body is made
again. A listing that still fails is a :class:`SourceError`
(one line, exit 2, nothing written); a project that fails is an error row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aigov.portfolio.model import RepositoryRef
from aigov.portfolio.sources import Materialized, SourceError
from aigov.portfolio.sources_remote import read_state, safe_name, snapshot, write_state

DEFAULT_URL = "https://gitlab.com"
TIMEOUT_SECONDS = 30


class GitLabGroupSource:
    """Every non-archived project of a GitLab group, subgroups included."""

    def __init__(
        self, group: str, cache: Path, *, url: str | None = None, token: str | None = None
    ) -> None:
        import gitlab

        from aigov.scm import retry
        from aigov.scm.gitlab import retrying_session

        session, budget = retrying_session(retry.DEFAULT_POLICY)
        # A head or file read whose answer is cut off mid-body is made again.
        self._again = retry.CutOffRepeater(retry.DEFAULT_POLICY, budget)
        self.group = group
        self.cache = cache
        self._token = token or ""
        self.description = f"gitlab:{group}"
        self._projects: dict[str, tuple[int, str, str]] = {}
        self._gitlab = gitlab.Gitlab(
            (url or DEFAULT_URL).rstrip("/"),
            private_token=token,
            session=session,
            timeout=TIMEOUT_SECONDS,
            retry_transient_errors=False,
            per_page=100,
        )

    def list(self) -> list[RepositoryRef]:
        import gitlab
        import requests

        from aigov.scm.retry import network_failure

        refs = []
        try:
            group = self._gitlab.groups.get(self.group, lazy=True)
            for project in group.projects.list(
                iterator=True, include_subgroups=True, archived=False
            ):
                if not project.default_branch:  # an empty project
                    continue
                ref = RepositoryRef(
                    f"gitlab:{project.path_with_namespace}",
                    project.path,
                    "gitlab",
                    project.web_url,
                )
                self._projects[ref.id] = (
                    int(project.id),
                    str(project.path_with_namespace),
                    str(project.default_branch),
                )
                refs.append(ref)
        except gitlab.exceptions.GitlabError as exc:
            raise SourceError(f"GitLab group {self.group}: {self._reason(exc)}") from None
        except requests.RequestException as exc:
            failure = f"GitLab group {self.group} at {self._gitlab.url}: {network_failure(exc)}"
            raise SourceError(failure) from None
        return refs

    def _reason(self, exc: Any) -> str:
        """``HTTP status: message`` of a failed request, cut short and without the token (a
        misbehaving server or proxy may echo the request's headers in its answer)."""
        message = " ".join(str(exc.error_message or "no message").split())[:200]
        text = f"HTTP {exc.response_code}: {message}"
        return text.replace(self._token, "***") if self._token else text

    def materialize(self, ref: RepositoryRef, known_head: str | None) -> Materialized:
        import gitlab

        try:
            return self._materialize(ref, known_head)
        except gitlab.exceptions.GitlabError as exc:
            raise SourceError(f"{self._projects[ref.id][1]}: {self._reason(exc)}") from None

    def _materialize(self, ref: RepositoryRef, known_head: str | None) -> Materialized:
        import gitlab

        project_id, path, branch = self._projects[ref.id]
        project = self._gitlab.projects.get(project_id, lazy=True)
        sha = str(self._again(lambda: project.branches.get(branch)).commit["id"])
        base = self.cache / safe_name(path)
        state = read_state(base / "state.json")
        folder = base / sha
        if state.get("sha") == sha and folder.is_dir():
            return Materialized(folder, sha)

        def read(file_path: str) -> bytes | None:
            try:
                return bytes(self._again(lambda: project.files.raw(file_path=file_path, ref=sha)))
            except gitlab.exceptions.GitlabGetError as exc:
                if exc.response_code == 404:
                    return None
                raise

        snapshot(folder, read)
        write_state(base / "state.json", {"sha": sha})
        return Materialized(folder, sha)
