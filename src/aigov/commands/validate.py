"""``aigov validate [PATH]``: load a repository's files and report every problem at once."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from aigov.documents.repository import Repository, load_repository
from aigov.errors import EXIT_PASS, EXIT_USAGE, UsageError

JSON_SCHEMA_VERSION = "1"


def run(args: argparse.Namespace) -> int:
    root = Path(args.path)
    if not root.is_dir():
        raise UsageError(f"'{args.path}' is not a folder")
    repository = load_repository(root)
    problems = repository.problems.sorted()
    errors = [p for p in problems if p.level == "error"]
    warnings = [p for p in problems if p.level == "warning"]
    failed = bool(errors) or (args.strict and bool(warnings))
    if args.format == "json":
        document = {
            "schema_version": JSON_SCHEMA_VERSION,
            "path": str(root),
            "valid": not failed,
            "errors": len(errors),
            "warnings": len(warnings),
            "files": _files(repository),
            "problems": [p.to_dict() for p in problems],
        }
        json.dump(document, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for problem in problems:
            print(problem.wrapped())
        summary = f"{len(errors)} error(s), {len(warnings)} warning(s) in {root}"
        print(("invalid: " if failed else "valid: ") + summary)
    return EXIT_USAGE if failed else EXIT_PASS


def _files(repository: Repository) -> list[str]:
    files = ["aigov.yaml"] if repository.manifest_document is not None else []
    if repository.model_card_file:
        files.append(repository.model_card_file)
    files.extend(contract.file for contract in repository.contracts)
    return files
