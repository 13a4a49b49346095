"""One module per ``aigov`` verb; each exposes ``add_parser(subparsers)`` and ``run(args)``."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from aigov.errors import UsageError


def iso_date(text: str) -> dt.date:
    """An argparse ``type`` for ``--today YYYY-MM-DD`` options (usage error otherwise)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None


def one_folder(paths: list[str]) -> Path | None:
    """The folder a run on one project works on (PATH, default ``.``), or None when the paths
    name files or several projects (:func:`projects_given`)."""
    if len(paths) <= 1 and (not paths or not Path(paths[0]).is_file()):
        return Path(paths[0] if paths else ".")
    return None


def search_root(paths: list[str]) -> Path:
    """The folder ``--all`` searches: the one PATH given, or ``.``."""
    if len(paths) > 1:
        raise UsageError("--all searches one folder: give at most one PATH")
    return Path(paths[0] if paths else ".")


def projects_given(paths: list[str]) -> tuple[Path, ...]:
    """The projects the given files and folders belong to (the nearest ``aigov.yaml`` above a
    file, as a pre-commit hook passes them); a path in no project is skipped with a line."""
    from aigov.projects import projects_of

    missing = [path for path in paths if not Path(path).exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    selected = projects_of(paths)
    for orphan in selected.orphans:
        print(
            f"aigov: {orphan}: in no project (no aigov.yaml in its folder or above), skipped",
            file=sys.stderr,
        )
    return selected.folders
