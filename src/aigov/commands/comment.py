"""``aigov comment [--github|--gitlab] --result FILE``: the pull/merge request comment and status.

Reads the JSON result of an earlier ``aigov check -f json -o FILE``, sets the ``aigov`` commit
status on the request's head commit (linking to the CI run) and upserts one comment rendered
from the result. The forge and the request come from the CI environment unless given (see
:mod:`aigov.scm.context`). The comment never gates: exit 0 when published (or deliberately left
alone: a stale run, nothing to resolve), 2 when the result, the configuration or the forge
fails (the message names the missing variable; the token is never printed).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigov.errors import EXIT_PASS, UsageError

DEFAULT_DEADLINE = 300.0
"""Seconds ``aigov comment`` may spend on the forge in all (retries and waits included)."""

if TYPE_CHECKING:
    from aigov.report.document import AnyReport
    from aigov.scm.context import ChangeRequest
    from aigov.scm.publish import Publication, ReviewThread


def add_parser(verbs: argparse._SubParsersAction[Any]) -> None:
    """Register ``aigov comment``."""
    comment = verbs.add_parser(
        "comment",
        help="upsert the pull/merge request comment and commit status from a saved JSON result",
        description="Publish a saved result (aigov check -f json -o FILE) on the pull request "
        "(GitHub) or merge request (GitLab) of the CI run: a commit status 'aigov' on the head "
        "commit and one comment, posted once and edited afterwards. A run for a commit that is "
        "no longer the request's head leaves the comment alone. Exit 0 when published, 2 on a "
        "usage, configuration or forge error; never 1 (the comment does not gate).",
    )
    forge = comment.add_mutually_exclusive_group()
    forge.add_argument(
        "--github", dest="forge", action="store_const", const="github", help="GitHub"
    )
    forge.add_argument(
        "--gitlab", dest="forge", action="store_const", const="gitlab", help="GitLab"
    )
    comment.add_argument(
        "--result", required=True, type=Path, metavar="FILE", help="JSON result of aigov check"
    )
    comment.add_argument(
        "--on-pass",
        choices=("keep", "delete", "resolve"),
        default="keep",
        help="when the result passes: keep the comment up to date (default), delete it, or "
        "resolve it (edit an earlier comment into a short 'resolved' note; post none)",
    )
    comment.add_argument(
        "--report-url",
        metavar="URL",
        help="the run or full report to link (default: the CI run: GITHUB_SERVER_URL/"
        "GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID, or CI_JOB_URL)",
    )
    comment.add_argument(
        "--api-url", metavar="URL", help="API root (default: GITHUB_API_URL or CI_API_V4_URL)"
    )
    comment.add_argument(
        "--repository",
        metavar="REPO",
        help="GitHub OWNER/NAME or GitLab project id (default: GITHUB_REPOSITORY, CI_PROJECT_ID)",
    )
    comment.add_argument(
        "--number",
        type=int,
        metavar="N",
        help="pull request number or merge request IID (default: from the CI event)",
    )
    comment.add_argument(
        "--sha", metavar="SHA", help="the request's head commit the result is about"
    )
    comment.add_argument(
        "--deadline",
        type=_seconds,
        default=DEFAULT_DEADLINE,
        metavar="SECONDS",
        help=f"give up on the forge after this long in all (default {DEFAULT_DEADLINE:g}): each "
        "request already times out after 30 s of silence, but a server trickling its answer "
        "would hold the job until the CI's own timeout",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``aigov comment``; returns the exit code (never 1)."""
    from aigov.scm.context import Explicit, change_request, detect_forge
    from aigov.scm.publish import PublishError, publish
    from aigov.scm.retry import DeadlineExceeded, run_deadline

    report = _load_result(args.result)
    env = dict(os.environ)
    explicit = Explicit(
        api_url=args.api_url,
        project=args.repository,
        number=args.number,
        sha=args.sha,
        run_url=args.report_url,
    )
    try:
        forge = args.forge or detect_forge(env)
        request = change_request(forge, env, explicit)
        with run_deadline(args.deadline):
            thread = _open(request)
            publication = publish(thread, report, request, on_pass=args.on_pass)
    except PublishError as exc:
        raise UsageError(f"could not publish: {exc}") from None
    except DeadlineExceeded as exc:
        raise UsageError(
            f"could not publish: gave up after {exc.seconds:g} s (--deadline) without the forge "
            f"at {request.api_url} finishing; the status or the comment may be written already, "
            "and the next run completes them"
        ) from None
    print(_describe(publication, request))
    return EXIT_PASS


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not 0 < value <= 86_400:
        raise argparse.ArgumentTypeError(f"{text}: give between 0 and 86400 seconds")
    return value


def _load_result(path: Path) -> AnyReport:
    """The saved result (one project's, or several projects' from ``--all``), read as untrusted
    input: in the ``workflow_run`` pattern it is an artifact of the pull request's own workflow
    (size-limited, never a FIFO, depth-limited)."""
    from aigov.baseline import MAX_BASELINE_BYTES
    from aigov.documents.files import read_json
    from aigov.documents.problems import DocumentError
    from aigov.report.document import CheckReport, ProjectsReport

    try:
        data = read_json(path, str(path), max_bytes=MAX_BASELINE_BYTES)
    except DocumentError as exc:
        raise UsageError(f"cannot read the result: {exc.problem}") from None
    several = isinstance(data, dict) and "projects" in data
    schema = "aigov-projects-result.schema.json" if several else "aigov-result.schema.json"
    violation = _result_schema_violation(data, schema)
    if violation is not None:
        raise UsageError(f"{path}: not an aigov result (aigov check -f json -o FILE): {violation}")
    model = ProjectsReport if several else CheckReport
    try:
        return model.model_validate(data)
    except ValueError as exc:  # pydantic's ValidationError
        raise UsageError(
            f"{path}: not an aigov result (aigov check -f json -o FILE): {type(exc).__name__} {exc}"
        ) from None


def _result_schema_violation(data: object, schema: str) -> str | None:
    """The first way ``data`` breaks ``schemas/<schema>``, or None."""
    import jsonschema_rs

    from aigov._resources import builtin_resource

    schema_file = builtin_resource("schemas") / schema
    validator = jsonschema_rs.validator_for(json.loads(schema_file.read_text(encoding="utf-8")))
    for error in validator.iter_errors(data):
        where = "/".join(str(part) for part in error.instance_path) or "the document"
        return f"at {where}: {error.message[:200]}"
    return None


def _open(request: ChangeRequest) -> ReviewThread:
    """The forge module, imported only now (and a clear error when its extra is missing)."""
    extra, library = (
        ("github", "PyGithub") if request.forge == "github" else ("gitlab", "python-gitlab")
    )
    try:
        if request.forge == "github":
            from aigov.scm.github import GitHubPullRequest

            return GitHubPullRequest(request)
        from aigov.scm.gitlab import GitLabMergeRequest

        return GitLabMergeRequest(request)
    except ImportError as exc:
        raise UsageError(
            f"{library} is not installed ({exc.name}): pip install 'aigov[{extra}]'"
        ) from None


def _describe(publication: Publication, request: ChangeRequest) -> str:
    sha = request.head_sha[:12]
    status = f"status '{publication.status}' set on {sha}"
    where = request.label
    ref = f" (id {publication.comment_id})" if publication.comment_id is not None else ""
    comment = {
        "created": f"comment posted on {where}{ref}",
        "updated": f"comment updated on {where}{ref}",
        "unchanged": f"comment on {where} already up to date{ref}",
        "deleted": f"everything passes: comment deleted from {where}{ref}",
        "resolved": f"everything passes: comment on {where} marked resolved{ref}",
        "none": f"everything passes: no comment on {where}",
        "stale": (
            f"{sha} is no longer the head of {where} (now {publication.current_head[:12]}): "
            "the comment is left to the newer commit's run"
        ),
    }[publication.comment]
    duplicates = (
        f"; {publication.duplicates_deleted} duplicate comment(s) deleted"
        if publication.duplicates_deleted
        else ""
    )
    impostors = (
        f"; {publication.impostors_ignored} comment(s) with aigov's marker not written by "
        "the bot's account left untouched"
        if publication.impostors_ignored
        else ""
    )
    return f"aigov: {status}; {comment}{duplicates}{impostors}"
