"""A GitLab group (and its subgroups), read through the REST API on :mod:`aigov.scm.gitlab`
(the one module that imports python-gitlab).

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

from aigov.portfolio.model import RepositoryRef
from aigov.portfolio.sources import Materialized
from aigov.portfolio.sources_remote import (
    forge_failures,
    hosted_refs,
    read_state,
    safe_name,
    snapshot,
    write_state,
)

DEFAULT_URL = "https://gitlab.com"
TIMEOUT_SECONDS = 30


class GitLabGroupSource:
    """Every non-archived project of a GitLab group, subgroups included."""

    def __init__(
        self, group: str, cache: Path, *, url: str | None = None, token: str | None = None
    ) -> None:
        from aigov.scm.gitlab import GitLabGroupReader

        self.group = group
        self.cache = cache
        self.description = f"gitlab:{group}"
        self._projects: dict[str, tuple[int, str, str]] = {}
        self._reader = GitLabGroupReader(group, url or DEFAULT_URL, token, timeout=TIMEOUT_SECONDS)

    def list(self) -> list[RepositoryRef]:
        """The group's projects; :class:`SourceError` when it cannot be listed."""
        refs = []
        for ref, project in hosted_refs("gitlab", self._reader.repositories):
            assert project.project_id is not None  # GitLab always numbers its projects
            self._projects[ref.id] = (project.project_id, project.full_name, project.default_branch)
            refs.append(ref)
        return refs

    def materialize(self, ref: RepositoryRef, known_head: str | None) -> Materialized:
        """The governed files of the default branch's head, from the cache when unchanged."""
        with forge_failures():
            return self._materialize(ref)

    def _materialize(self, ref: RepositoryRef) -> Materialized:
        project_id, path, branch = self._projects[ref.id]
        sha = self._reader.head(project_id, path, branch)
        base = self.cache / safe_name(path)
        state = read_state(base / "state.json")
        folder = base / sha
        if state.get("sha") == sha and folder.is_dir():
            return Materialized(folder, sha)
        snapshot(folder, self._reader.files_of(project_id, path, sha))
        write_state(base / "state.json", {"sha": sha})
        return Materialized(folder, sha)
