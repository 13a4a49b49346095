"""Where the repositories of a portfolio come from, and how each becomes a folder to evaluate.

A :class:`RepositorySource` lists :class:`RepositoryRef` rows, then ``materialize``s one: a local
folder holding its governed files, and the commit (``head``) that folder shows. A source that can
tell a repository has not changed without fetching it (GitHub's conditional requests) returns
``path=None`` with the known head, and the scan reuses the cached row.

- :class:`FolderSource` — every sub-folder of a folder that holds an ``aigov.yaml`` or a ``.git``;
- :class:`GitUrlSource` (``sources_git``) — a file of git URLs, cloned or fetched into the cache;
- :class:`GitHubOrgSource` (``sources_github``) and :class:`GitLabGroupSource`
  (``sources_gitlab``) — read files through the forge's API without cloning.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from aigov.errors import AigovError
from aigov.portfolio.evaluate import folder_head
from aigov.portfolio.model import RepositoryRef


class SourceError(AigovError):
    """The source itself cannot be listed (no such folder, forge unreachable, bad token)."""


@dataclass(frozen=True)
class Materialized:
    """A repository ready to evaluate: its folder (None when unchanged and not fetched)."""

    path: Path | None
    head: str | None


class RepositorySource(Protocol):
    """What the scan needs from a source."""

    description: str

    def list(self) -> list[RepositoryRef]:
        """Every repository of the source; :class:`SourceError` when it cannot be listed."""
        ...

    def materialize(self, ref: RepositoryRef, known_head: str | None) -> Materialized:
        """Make ``ref`` readable locally; ``known_head`` is the head of its cached row, if any.

        Raises any exception for a broken repository: the scan turns it into an error row.
        """
        ...


class FolderSource:
    """Sub-folders of a local folder (a checkout of many repositories, or ``examples/``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.description = f"dir:{root}"

    def list(self) -> list[RepositoryRef]:
        if not self.root.is_dir():
            raise SourceError(f"'{self.root}' is not a folder")
        refs = []
        for child in sorted(self.root.iterdir()):
            if child.is_dir() and ((child / "aigov.yaml").exists() or (child / ".git").exists()):
                refs.append(RepositoryRef(child.name, child.name, "dir", str(child)))
        return refs

    def materialize(self, ref: RepositoryRef, known_head: str | None) -> Materialized:
        path = Path(ref.location)
        return Materialized(path, folder_head(path))


def shard_of(repository_id: str, count: int) -> int:
    """The shard (1…count) a repository belongs to: stable across runs and machines."""
    digest = hashlib.sha256(repository_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def parse_shard(text: str) -> tuple[int, int]:
    """``I/N`` (1 ≤ I ≤ N) → (I, N); ValueError otherwise."""
    index, slash, count = text.partition("/")
    if not slash or not index.isdigit() or not count.isdigit():
        raise ValueError(f"--shard '{text}': expected I/N, e.g. 2/4")
    i, n = int(index), int(count)
    if n < 1 or not 1 <= i <= n:
        raise ValueError(f"--shard '{text}': I must be between 1 and N")
    return i, n
