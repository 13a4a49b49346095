"""``aigov check [PATH]``: evaluate a repository against its policies and gate it.

Exit 0 when nothing blocks, 1 when a finding blocks, 2 when the input cannot be used (invalid
repository files, unreadable policy source, unknown base ref, shallow clone, bad arguments).
``-f/--format`` and ``-o/--output`` pair up in order and repeat: an ``-o`` writes the format
before it to a file; a format without ``-o`` goes to standard output (at most one may, but GitHub
annotations share it with the text or Markdown report). With ``--all`` or paths in several
projects, one run checks each project (see :mod:`aigov.projects`).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from aigov.commands import iso_date, one_folder, projects_given, search_root
from aigov.errors import UsageError

if TYPE_CHECKING:
    from aigov.checking import CheckOptions
    from aigov.report.document import AnyReport, CheckReport

SEVERITIES = ("critical", "high", "medium", "low", "info")


class _FormatAction(argparse.Action):
    """``-f FORMAT``: a new output, to standard output until an ``-o`` follows."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        outputs: list[list[str | None]] = list(getattr(namespace, "outputs", None) or [])
        outputs.append([str(values), None])
        namespace.outputs = outputs


class _OutputAction(argparse.Action):
    """``-o FILE``: where the ``-f`` just before it is written."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        outputs: list[list[str | None]] = list(getattr(namespace, "outputs", None) or [])
        if not outputs:
            parser.error(f"{option_string} {values}: put -f FORMAT before it")
        if outputs[-1][1] is not None:
            parser.error(
                f"{option_string} {values}: the -f {outputs[-1][0]} before it already has "
                f"-o {outputs[-1][1]}"
            )
        outputs[-1][1] = str(values)
        namespace.outputs = outputs


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments shared by ``aigov check`` and ``aigov gate``."""
    from aigov.report import FORMATS

    parser.add_argument(
        "path",
        nargs="*",
        metavar="PATH",
        help="the project folder (default: .); files stand for the project holding them (the "
        "nearest aigov.yaml above), several projects give one result with a section each; "
        "with --all, the folder to search",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        dest="all_projects",
        help="every project (each folder with an aigov.yaml) under PATH or the current folder, "
        "vendored and git-ignored folders aside; with --base, those the change touches",
    )
    parser.add_argument(
        "--policies",
        metavar="SOURCE",
        help="policy source: 'builtin' (default), a folder, git+file:///repo@REF, or a remote "
        "repository at a ref: https://host/org/policies.git@v2.3.0, ssh://host/path@REF, "
        "user@host:path@REF (token: AIGOV_POLICIES_TOKEN; pin content with #sha256:DIGEST)",
    )
    parser.add_argument(
        "--ref", metavar="REF", help="with a repository path as SOURCE: the git ref to read"
    )
    parser.add_argument(
        "-f",
        "--format",
        action=_FormatAction,
        choices=FORMATS,
        metavar="FORMAT",
        help=f"output format, repeatable ({', '.join(FORMATS)}; default: text)",
    )
    parser.add_argument(
        "-o",
        "--output",
        action=_OutputAction,
        metavar="FILE",
        help="write the -f FORMAT just before it to FILE (default: standard output)",
    )
    parser.add_argument(
        "--baseline",
        metavar="FILE",
        type=Path,
        help="a saved JSON result: findings already in it do not block",
    )
    parser.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        metavar="SEVERITY",
        help="block on findings at or above this severity (overrides the org's block_on)",
    )
    parser.add_argument(
        "--today", type=iso_date, metavar="YYYY-MM-DD", help="evaluation date (default: today)"
    )
    parser.add_argument(
        "--skip-evidence",
        action="append",
        choices=("git", "data_quality", "mlflow"),
        default=[],
        metavar="SOURCE",
        help="do not collect this evidence (git, data_quality, mlflow); rules needing it fail",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="load the policy packs from source, not from the pack cache (also: AIGOV_NO_CACHE=1)",
    )
    parser.add_argument(
        "--lang",
        choices=("en", "fr"),
        help="language of the text and markdown outputs (default: the org config's, else en)",
    )
    parser.set_defaults(outputs=None)


def add_parser(verbs: argparse._SubParsersAction[Any]) -> None:
    check = verbs.add_parser(
        "check",
        help="evaluate a repository against its policies and gate it (exit 1 when blocked)",
        description="Evaluate a repository against its policy packs and decide: exit 0 pass, "
        "1 blocked, 2 usage or input error. With --base REF (a pull request), a change of stage "
        "applies the old stage's exit and the new stage's entry criteria, and a policy folder "
        "inside the repository is read as committed at REF.",
    )
    add_run_arguments(check)
    check.add_argument(
        "--run-data-checks",
        action="store_true",
        help="re-run the data contracts' checks (Great Expectations, extra 'gx') before the "
        "check, and store the evidence",
    )
    check.add_argument(
        "--base",
        metavar="REF",
        help="pull-request mode: the target branch (e.g. origin/main) the change is judged against",
    )


ANNOTATIONS: Final = "github"
"""Workflow commands: the runner takes each line out of the log as an annotation (printed as an
``Error:``/``Warning:`` line), so they share standard output with a readable report."""
READABLE: Final = frozenset({"text", "markdown"})
"""Formats a person reads in the CI log; the others are documents a program parses whole."""


def outputs_of(args: argparse.Namespace) -> list[tuple[str, Path | None]]:
    """The (format, file or None for standard output) pairs, annotations first.

    Standard output holds one format, or GitHub annotations plus one readable format (the job
    log shows the annotations, then the decision): two documents there (json and sarif) would
    make neither parseable.
    """
    pairs = [(str(f), Path(o) if o else None) for f, o in (args.outputs or [["text", None]])]
    to_stdout = [f for f, o in pairs if o is None]
    others = [f for f in to_stdout if f != ANNOTATIONS]
    shared = len(to_stdout) == 2 and ANNOTATIONS in to_stdout and others[0] in READABLE
    if len(to_stdout) > 1 and not shared:
        raise UsageError(
            f"formats {', '.join(to_stdout)} would all go to standard output: give all but one "
            "an -o FILE (github annotations may share it with text or markdown)"
        )
    # The annotations first: the readable decision then ends the step's log.
    return sorted(pairs, key=lambda pair: pair != (ANNOTATIONS, None))


def execute(args: argparse.Namespace, *, target: str | None = None) -> int:
    """Run a check (or a deployment gate) from parsed arguments and write its outputs."""
    from aigov.checking import CheckOptions
    from aigov.errors import EXIT_BLOCKED, EXIT_PASS
    from aigov.report import render

    outputs = outputs_of(args)
    options = CheckOptions(
        policies=args.policies,
        policies_ref=args.ref,
        base=getattr(args, "base", None),
        target=target,
        baseline=args.baseline,
        today=args.today,
        fail_on=args.fail_on,
        skip_evidence=frozenset(args.skip_evidence),
        run_data_checks=getattr(args, "run_data_checks", False),
        use_cache=not getattr(args, "no_cache", False),
    )
    # A CheckInputError is an AigovError: the command line reports it.
    report = _checked(options, list(args.path), all_projects=args.all_projects)
    if getattr(args, "lang", None):
        report = with_language(report, args.lang)
    from aigov.documents.files import write_atomically

    for format_name, file in outputs:
        text = render(format_name, report)
        if text and not text.endswith("\n"):
            text += "\n"
        if file is None:
            sys.stdout.write(text)
            continue
        try:
            write_atomically(file, text)
        except OSError as exc:
            raise UsageError(f"cannot write {file}: {exc.strerror or exc}") from None
    return EXIT_PASS if report.passed else EXIT_BLOCKED


def _checked(options: CheckOptions, paths: list[str], *, all_projects: bool) -> AnyReport:
    """One project's result, or several projects' (``--all``, or paths in several projects)."""
    from aigov.checking import check_all_projects, check_projects, run_check

    if all_projects:
        return check_all_projects(replace(options, path=search_root(paths)))
    folder = one_folder(paths)
    if folder is not None:
        return run_check(replace(options, path=folder))
    folders = projects_given(paths)
    if len(folders) == 1:
        return run_check(replace(options, path=folders[0]))
    return check_projects(options, folders, repository=".")


def with_language(report: AnyReport, lang: str) -> AnyReport:
    """``report`` rendered in ``lang`` (``--lang``), each project's part of it too."""
    from aigov.report.document import ProjectsReport

    def one(project: CheckReport) -> CheckReport:
        return project.model_copy(update={"extra": {**project.extra, "lang": lang}})

    if isinstance(report, ProjectsReport):
        return report.model_copy(update={"projects": tuple(one(p) for p in report.projects)})
    return one(report)


def run(args: argparse.Namespace) -> int:
    return execute(args)
