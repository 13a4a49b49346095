"""``aigov validate [PATH...]``: load a project's files and report every problem at once.

A PATH that is a file stands for the project holding it (the nearest ``aigov.yaml`` above: what
a pre-commit hook passes); ``--all`` validates every project under a folder (a monorepo).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from aigov.commands import one_folder, projects_given, search_root
from aigov.documents.manifest import MANIFEST_FILE
from aigov.documents.repository import Repository, load_repository
from aigov.errors import EXIT_PASS, EXIT_USAGE, UsageError

JSON_SCHEMA_VERSION = "1"


def run(args: argparse.Namespace) -> int:
    folders = _folders(list(args.path), all_projects=args.all_projects)
    outcomes = [_validated(folder, strict=args.strict) for folder in folders]
    if args.format == "json":
        documents = [document for document, _ in outcomes]
        if len(documents) == 1:
            json.dump(documents[0], sys.stdout, indent=2)
        else:
            valid = all(document["valid"] for document in documents)
            several = {"schema_version": JSON_SCHEMA_VERSION, "valid": valid, "projects": documents}
            json.dump(several, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for _, lines in outcomes:
            print("\n".join(lines))
    if len(folders) == 1 and not (folders[0] / MANIFEST_FILE).exists():
        _point_at_projects_below(folders[0])
    return EXIT_PASS if all(document["valid"] for document, _ in outcomes) else EXIT_USAGE


def _point_at_projects_below(root: Path) -> None:
    """A monorepo's root holds no manifest of its own: name the projects under it."""
    from aigov.projects import find_projects

    below = find_projects(root)
    if below:
        shown = ", ".join(str(folder) for folder in below[:5]) + (", ..." if len(below) > 5 else "")
        print(
            f"aigov: {root} holds {len(below)} project(s) below it ({shown}): "
            f"validate them with `aigov validate --all {root}`",
            file=sys.stderr,
        )


def _folders(paths: list[str], *, all_projects: bool) -> list[Path]:
    """The project folders to validate: PATH (default ``.``), the projects of the files given,
    or with ``--all`` every project under PATH."""
    from aigov.projects import find_projects

    if all_projects:
        root = search_root(paths)
        if not root.is_dir():
            raise UsageError(f"'{root}' is not a folder")
        found = find_projects(root)
        if not found:
            raise UsageError(f"no aigov.yaml under {root} (vendored and git-ignored folders aside)")
        return found
    folder = one_folder(paths)
    if folder is None:
        return list(projects_given(paths))
    if not folder.is_dir():
        raise UsageError(f"'{folder}' is not a folder")
    return [folder]


def _validated(root: Path, *, strict: bool) -> tuple[dict[str, Any], list[str]]:
    """One project's JSON document and text lines."""
    repository = load_repository(root)
    problems = repository.problems.sorted()
    errors = [p for p in problems if p.level == "error"]
    warnings = [p for p in problems if p.level == "warning"]
    failed = bool(errors) or (strict and bool(warnings))
    document = {
        "schema_version": JSON_SCHEMA_VERSION,
        "path": str(root),
        "valid": not failed,
        "errors": len(errors),
        "warnings": len(warnings),
        "files": _files(repository),
        "problems": [p.to_dict() for p in problems],
    }
    lines = [problem.wrapped() for problem in problems]
    summary = f"{len(errors)} error(s), {len(warnings)} warning(s) in {root}"
    lines.append(("invalid: " if failed else "valid: ") + summary)
    return document, lines


def _files(repository: Repository) -> list[str]:
    files = ["aigov.yaml"] if repository.manifest_document is not None else []
    if repository.model_card_file:
        files.append(repository.model_card_file)
    files.extend(contract.file for contract in repository.contracts)
    return files
