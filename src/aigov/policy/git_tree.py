"""Read files of a git repository at a pinned ref, without checking anything out.

The only module of the policy layer that talks to git (through GitPython, imported on first
use). Objects are read from the object database: no checkout, no hook, no filter or attribute
driver runs, so a policy repository cannot make aigov execute anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aigov.documents.files import MAX_FILE_BYTES

_SYMLINK_MODE = 0o120000
MAX_FILES = 2000


class GitTreeError(Exception):
    """The repository or the ref cannot be read."""


@dataclass(frozen=True)
class GitTree:
    """The wanted files of one commit: path -> bytes, and the commit's full sha."""

    commit: str
    files: dict[str, bytes]


def read_tree(repository: Path, ref: str, wanted: Callable[[str], bool]) -> GitTree:
    """Files of ``ref``'s tree for which ``wanted(path)`` holds (symlinks skipped)."""
    try:
        import git
    except ImportError as exc:  # pragma: no cover - gitpython is a core dependency
        raise GitTreeError(f"GitPython is not installed: {exc}") from None
    try:
        repo = git.Repo(str(repository))
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitTreeError(f"'{repository}' is not a git repository") from None
    try:
        commit = repo.commit(ref)
        files: dict[str, bytes] = {}
        items: Iterable[Any] = commit.tree.traverse()
        for item in items:
            if item.type != "blob" or item.mode == _SYMLINK_MODE or not wanted(item.path):
                continue
            if item.size > MAX_FILE_BYTES:
                raise GitTreeError(f"{item.path} at {ref} is larger than {MAX_FILE_BYTES:,} bytes")
            files[item.path] = item.data_stream.read()
            if len(files) > MAX_FILES:
                raise GitTreeError(f"more than {MAX_FILES} policy files at {ref}")
        return GitTree(commit.hexsha, files)
    except (git.BadName, git.BadObject, ValueError) as exc:
        raise GitTreeError(
            f"'{ref}' is not a commit, branch or tag of {repository}: {exc}"
        ) from None
    except git.GitCommandError as exc:
        raise GitTreeError(
            f"git could not read {repository} at {ref}: {exc.stderr.strip()}"
        ) from None
    finally:
        repo.close()
