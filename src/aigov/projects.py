"""The AI projects a repository holds: each folder with an ``aigov.yaml`` is one project.

A monorepo holds several. :func:`find_projects` lists them (``aigov check --all``) without the
folders that hold other people's code (dependencies, virtual environments, vendored sources) or
that git ignores; :func:`project_of` maps a file to the project it belongs to (the nearest
``aigov.yaml`` above it: what a pre-commit hook is given); :func:`touched_projects` keeps the
projects a pull request's changed files fall in. Nothing here reads a manifest: it only finds
them. Git's ignore rules are read by git itself (``ls-files``), never by running anything from
the repository.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from aigov.documents.manifest import MANIFEST_FILE

VENDORED_FOLDERS: Final = frozenset(
    {".git", "node_modules", ".venv", "venv", "vendor", "third_party", "site-packages"}
)
"""Folders whose ``aigov.yaml`` files belong to someone else's code, never a project here."""


def git_work_tree(path: Path) -> Path | None:
    """The root of the git work tree holding ``path`` (found without running git)."""
    here = path.resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return None


def find_projects(root: Path) -> list[Path]:
    """Every project folder under ``root`` (``root`` itself included), sorted by path.

    In a git work tree, the manifests git tracks or would track (``.gitignore`` and the other
    exclude files respected); outside one, every manifest on disk. Either way, none inside a
    vendored folder (:data:`VENDORED_FOLDERS`) and none a symbolic link leads to.
    """
    if git_work_tree(root) is not None:
        from aigov.git_objects import files_named

        listed: Iterable[str] = files_named(root, MANIFEST_FILE)
    else:
        listed = _walk(root)
    folders: set[Path] = set()
    for relative in listed:
        parts = Path(relative).parts
        if any(part in VENDORED_FOLDERS for part in parts[:-1]):
            continue
        manifest = root / relative
        # A tracked manifest deleted from the work tree, or a link (whose target the checkout
        # may place anywhere), is not a project to check.
        if manifest.is_file() and not _through_link(root, parts):
            folders.add(manifest.parent)
    return sorted(folders, key=lambda folder: folder.relative_to(root).parts)


def _walk(root: Path) -> Iterable[str]:
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if name not in VENDORED_FOLDERS)
        if MANIFEST_FILE in files:
            yield (Path(folder) / MANIFEST_FILE).relative_to(root).as_posix()


def _through_link(root: Path, parts: Sequence[str]) -> bool:
    here = root
    for part in parts:
        here = here / part
        if here.is_symlink():
            return True
    return False


def project_of(path: Path, *, stop: Path | None = None) -> Path | None:
    """The project ``path`` belongs to: a folder is its own project; a file belongs to the
    nearest folder above it that holds an ``aigov.yaml`` (none above ``stop``, by default the
    git work tree's root). None when no such folder exists. The folder is given as ``path``
    was: relative to the working directory when ``path`` is relative and under it."""
    if path.is_dir():
        return path
    absolute = Path(os.path.abspath(path))
    top = Path(os.path.abspath(stop or git_work_tree(absolute.parent) or absolute.anchor))
    for folder in absolute.parents:
        if (folder / MANIFEST_FILE).is_file():
            return _as_given(folder, relative=not path.is_absolute())
        if folder == top or not folder.is_relative_to(top):
            return None
    return None


def _as_given(folder: Path, *, relative: bool) -> Path:
    if not relative:
        return folder
    shown = os.path.relpath(folder)
    return folder if shown.startswith("..") else Path(shown)


@dataclass(frozen=True)
class PathProjects:
    """The projects some paths belong to, and the paths that belong to none."""

    folders: tuple[Path, ...]
    orphans: tuple[str, ...]


def projects_of(paths: Sequence[str]) -> PathProjects:
    """The projects of the given files and folders (:func:`project_of`), each once, in the
    order first met."""
    folders: dict[Path, None] = {}
    orphans: list[str] = []
    for given in paths:
        folder = project_of(Path(given))
        if folder is None:
            orphans.append(given)
        else:
            folders.setdefault(folder, None)
    return PathProjects(tuple(folders), tuple(orphans))


def touched_projects(folders: Sequence[str], changed: Iterable[str]) -> set[str]:
    """The project folders (relative to the repository root, ``.`` for the root) a change's
    files (relative to the same root) fall in: each file counts for the nearest project above
    it, as :func:`project_of` maps it."""
    known = set(folders)
    touched: set[str] = set()
    for file in changed:
        parent = Path(file).parent
        for folder in (parent, *parent.parents):
            key = folder.as_posix()
            if key in known:
                touched.add(key)
                break
    return touched
