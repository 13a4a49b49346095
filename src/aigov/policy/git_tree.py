"""Read files of a git repository at a pinned ref, without checking anything out.

The only module of the policy layer that talks to git, through :mod:`aigov.git_objects`.
Objects are read from the object database: no checkout, no hook, no filter or attribute driver
runs, so a policy repository cannot make aigov execute anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aigov.documents.files import MAX_FILE_BYTES
from aigov.errors import AigovError
from aigov.git_objects import SYMLINK_MODE, GitError, ObjectReader, list_tree, resolve_commit

MAX_FILES = 2000


class GitTreeError(AigovError):
    """The repository or the ref cannot be read."""


@dataclass(frozen=True)
class GitTree:
    """The wanted files of one commit: path -> bytes, the commit's full sha, and the wanted
    paths that are symbolic links (not read: their target is a path, maybe outside the tree)."""

    commit: str
    files: dict[str, bytes]
    links: tuple[str, ...] = ()


def read_tree(repository: Path, ref: str, wanted: Callable[[str], bool]) -> GitTree:
    """Files of ``ref``'s tree for which ``wanted(path)`` holds (symlinks listed, not read)."""
    try:
        return _read_tree(repository, ref, wanted)
    except GitError as exc:
        raise GitTreeError(f"git could not read {repository} at {ref}: {exc}") from exc


def _read_tree(repository: Path, ref: str, wanted: Callable[[str], bool]) -> GitTree:
    if not (repository / ".git").exists() and not (repository / "HEAD").is_file():
        raise GitTreeError(f"'{repository}' is not a git repository")
    commit = resolve_commit(repository, ref)
    if commit is None:
        raise GitTreeError(f"'{ref}' is not a commit, branch or tag of {repository}")
    blobs = [e for e in list_tree(repository, commit) if e.kind == "blob" and wanted(e.path)]
    entries = [entry for entry in blobs if entry.mode != SYMLINK_MODE]
    links = tuple(entry.path for entry in blobs if entry.mode == SYMLINK_MODE)
    if len(entries) > MAX_FILES:
        raise GitTreeError(f"more than {MAX_FILES} policy files at {ref}")
    files: dict[str, bytes] = {}
    with ObjectReader(repository) as objects:
        for entry in entries:
            if entry.size is not None and entry.size > MAX_FILE_BYTES:
                raise GitTreeError(f"{entry.path} at {ref} is larger than {MAX_FILE_BYTES:,} bytes")
            found = objects.read(entry.sha, max_bytes=MAX_FILE_BYTES)
            if found is None:
                raise GitTreeError(f"{entry.path} at {ref} cannot be read")
            files[entry.path] = found[1]
    return GitTree(commit, files, links)
