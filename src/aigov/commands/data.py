"""``aigov data validate [PATH]``: run the data contracts' checks and store the evidence.

Each contract of the repository is compiled into a Great Expectations suite and run on the data
its ``servers`` entry points to; the result is written to ``.aigov/evidence/data_quality.json``
(read later by ``aigov check`` without Great Expectations) with the data quality report in
Markdown and HTML beside it. Exit 0 when every contract's data passes its blocking checks, 1 when
a check fails or data cannot be validated, 2 on a usage or input error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigov.errors import EXIT_BLOCKED, EXIT_PASS, UsageError

if TYPE_CHECKING:
    from aigov.evidence.data_quality import ContractEvidence


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Register ``aigov data validate``."""
    data = subparsers.add_parser(
        "data",
        help="data contract checks (Great Expectations)",
        description="Run the data contracts' checks and store the result as evidence.",
    )
    actions = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    validate = actions.add_parser(
        "validate",
        help="validate the data of every contract and store the evidence",
        description="Compile each ODCS contract's schema and quality rules into a Great "
        "Expectations suite, run it on the data of the contract's server, store the result in "
        ".aigov/evidence/data_quality.json and write the data quality report (Markdown, HTML). "
        "Exit 0 when every blocking check passes, 1 otherwise, 2 on input errors.",
    )
    validate.add_argument("path", nargs="?", default=".", help="repository folder (default: .)")
    validate.add_argument(
        "--server", help="the contracts' server to validate (default: the first local file)"
    )
    validate.add_argument(
        "--report-dir",
        help="folder for data_quality.md and data_quality.html (default: .aigov/evidence)",
    )
    validate.add_argument(
        "--no-store", action="store_true", help="print the summary only; write no file"
    )


def run(args: argparse.Namespace) -> int:
    """Run ``aigov data validate``; returns the exit code."""
    from aigov.documents.files import write_atomically
    from aigov.documents.repository import load_repository
    from aigov.evidence.data_quality import validate_contracts
    from aigov.evidence.store import EVIDENCE_FOLDER, StoredEvidenceError, write_data_quality
    from aigov.report.data_quality import render

    root = Path(args.path)
    if not root.is_dir():
        raise UsageError(f"'{args.path}' is not a folder")
    repository = load_repository(root)
    errors = repository.problems.errors
    if errors:
        for problem in errors:
            print(problem.wrapped(), file=sys.stderr)
        raise UsageError(f"{len(errors)} error(s) in {root}: fix them with `aigov validate` first")
    if not repository.contracts:
        raise UsageError(f"{root} declares no data contract")
    evidence = validate_contracts(repository.contracts, repository.root, server=args.server)
    for entry in evidence.contracts:
        print(_summary(entry))
    if not args.no_store:
        try:
            stored = write_data_quality(repository.root.path, evidence)
        except StoredEvidenceError as exc:
            raise UsageError(f"evidence not stored: {exc}") from exc
        reports = (
            Path(args.report_dir) if args.report_dir else repository.root.path / EVIDENCE_FOLDER
        )
        reports.mkdir(parents=True, exist_ok=True)
        for name, fmt in (("data_quality.md", "markdown"), ("data_quality.html", "html")):
            # A symbolic link planted in the repository's .aigov/evidence is replaced, never
            # written through (it could point anywhere on the runner).
            write_atomically(reports / name, render(evidence, fmt))
        print(f"evidence: {repository.root.display(stored)}")
        print(
            f"report: {_shown(reports / 'data_quality.md', repository.root.path)}, "
            f"{_shown(reports / 'data_quality.html', repository.root.path)}"
        )
    return EXIT_PASS if evidence.success else EXIT_BLOCKED


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _summary(entry: ContractEvidence) -> str:
    if entry.status != "validated" or entry.statistics is None or entry.server is None:
        return f"{entry.file}: {entry.reason}"
    stats = entry.statistics
    verdict = "passed" if entry.success else "failed"
    line = (
        f"{entry.file}: {verdict} on server '{entry.server.server}' — "
        f"{stats.passed} passed, {stats.failed} failed, {stats.errors} errors, "
        f"{stats.skipped} skipped"
    )
    if stats.not_enforced_failures:
        count = stats.not_enforced_failures
        line += f" ({count} volume/freshness failure(s) not enforced on a sample)"
    failing = [e for e in entry.expectations if e.status in ("failed", "error") and e.enforced]
    for e in failing:
        line += f"\n  {e.severity}: {e.id} {e.status} ({e.source})"
    return line
