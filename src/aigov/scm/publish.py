"""The forge-neutral half of the bot: the comment's body, the upsert, the commit status.

One comment per pull/merge request, found again by its hidden marker (the first line of the
body, ``<!-- aigov-report sha=<head commit> -->``) and its author: the first run posts it, later
runs edit it. Anyone may post a comment starting with the marker, so a comment is the bot's only
when the account the token acts as wrote it (:func:`is_ours`); the others carrying the marker are
never edited or deleted, only counted (:attr:`Publication.impostors_ignored`).
The POST is sent at most once: when its answer is lost (connection closed, timeout, 5xx), the run
lists the comments again and adopts its comment if the forge did create it, and only otherwise
posts again (at most :data:`POST_ATTEMPTS` times). Duplicates that still appear (two runs at
once) are deleted by the next run. Before touching it, the run
asks the forge for the request's current head: a run for an older commit (a slow or re-run
pipeline) sets its commit's status but leaves the comment to the newer commit's run.

The forge modules (:mod:`aigov.scm.github`, :mod:`aigov.scm.gitlab`) implement
:class:`ReviewThread`; nothing here knows an HTTP client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, Protocol
from urllib.parse import urlsplit

from aigov.policy.links import builtin_rule_link
from aigov.report import render
from aigov.report.document import project_reports
from aigov.report.escaping import escape_inline, safe_url
from aigov.report.markdown import MARKER
from aigov.scm.forge import ForgeError

if TYPE_CHECKING:
    from aigov.report.document import AnyReport, CheckReport
    from aigov.scm.context import ChangeRequest

OnPass = Literal["keep", "delete", "resolve"]
ON_PASS_CHOICES: Final[tuple[str, ...]] = ("keep", "delete", "resolve")

STATUS_CONTEXT: Final = "aigov"
"""GitHub status ``context`` and GitLab status ``name``."""
MAX_STATUS_DESCRIPTION: Final = 140
MAX_COMMENT_CHARS: Final = 65_536
"""GitHub's limit for a comment body (GitLab allows far more)."""
POST_ATTEMPTS: Final = 3
"""Posts of the comment when answers are lost (each after looking for the previous one)."""

_MARKER = re.compile(r"\A<!-- aigov-report(?: sha=([0-9a-f]{7,64}))? -->")


class PublishError(ForgeError):
    """The forge refused or could not be reached while publishing (``uncertain``: the write may
    have been carried out all the same)."""


@dataclass(frozen=True)
class ForgeComment:
    """A comment as the forge lists it."""

    id: int
    body: str
    author: str
    """The author's login (GitHub) or username (GitLab); ``""`` when the forge names nobody."""
    author_is_bot: bool = False
    """The author is an app's or a workflow's account (GitHub ``user.type == "Bot"``)."""


class ReviewThread(Protocol):
    """One pull/merge request as the publisher uses it."""

    def head_sha(self) -> str:
        """The request's current head commit, as the forge knows it now."""
        ...

    def identity(self) -> str | None:
        """The login the token acts as (at most one request; asked after :meth:`set_status`,
        whose answer may name it); ``None`` when the forge will not tell."""
        ...

    def comments(self) -> list[ForgeComment]:
        """Every (non-system) comment, oldest first."""
        ...

    def create_comment(self, body: str) -> int: ...

    def update_comment(self, comment_id: int, body: str) -> None: ...

    def delete_comment(self, comment_id: int) -> None: ...

    def set_status(
        self, sha: str, passed: bool, description: str, target_url: str | None
    ) -> None: ...


CommentAction = Literal["created", "updated", "unchanged", "deleted", "resolved", "none", "stale"]


@dataclass(frozen=True)
class Publication:
    """What a run did."""

    comment: CommentAction
    comment_id: int | None
    status: Literal["success", "failure"]
    current_head: str
    duplicates_deleted: int = 0
    impostors_ignored: int = 0
    """Comments carrying the marker that the bot did not write: left untouched."""


def marker(sha: str) -> str:
    """The hidden first line of the bot's comment for commit ``sha``."""
    return f"<!-- aigov-report sha={sha.lower()} -->"


def marker_sha(body: str) -> str | None:
    """``None`` when ``body`` is not the bot's comment; ``""`` for a marker without a SHA."""
    found = _MARKER.match(body)
    if found is None:
        return None
    return found.group(1) or ""


def is_ours(comment: ForgeComment, identity: str | None) -> bool:
    """Whether ``comment`` is the bot's: the marker first, written by the token's ``identity``.

    When the forge will not tell who the token is (``identity`` is ``None``: GitHub Actions'
    installation token), a comment by a bot account is taken as the bot's: a pull request's
    author is a ``User`` and cannot write as one. GitLab's notes do not say whether their author
    is a bot: there, without the identity, no note is adopted.
    """
    if marker_sha(comment.body) is None:
        return False
    if identity is None:
        return comment.author_is_bot
    return comment.author == identity


def _bot_comments(thread: ReviewThread, identity: str | None) -> tuple[list[ForgeComment], int]:
    """The bot's comments, oldest first, and how many others carry the marker."""
    marked = [c for c in thread.comments() if marker_sha(c.body) is not None]
    ours = [c for c in marked if is_ours(c, identity)]
    return ours, len(marked) - len(ours)


def with_links(report: AnyReport, request: ChangeRequest) -> AnyReport:
    """``report`` (each project's part of it) with the links the comment needs, every one on
    the forge (:func:`project_links`)."""
    from aigov.report.document import ProjectsReport

    if isinstance(report, ProjectsReport):
        projects = tuple(project_links(p, request) for p in report.projects)
        return report.model_copy(update={"projects": projects})
    return project_links(report, request)


def project_links(report: CheckReport, request: ChangeRequest) -> CheckReport:
    """``report`` with the links the comment needs, every one on the forge.

    The result file is untrusted (in the ``workflow_run`` pattern it is the pull request's own
    artifact), so its links never reach the comment: the files at the head commit and the full
    report are the ones the CI environment names (``request``), or none; a rule's help link
    is kept only on the forge's scheme, host and port, or when it is the built-in rule's
    section of this aigov release's policy reference; any other is dropped (no link).
    """
    extra = {k: v for k, v in report.extra.items() if k not in ("source_url", "report_url")}
    if request.source_url:
        extra["source_url"] = request.source_url
    if request.run_url:
        extra["report_url"] = request.run_url
    origins = {_origin(url) for url in (request.source_url, request.run_url) if url}
    rules = tuple(
        rule
        if _origin(rule.help_uri) in origins
        or rule.help_uri == builtin_rule_link(rule.id, rule.title)
        else rule.model_copy(update={"help_uri": ""})
        for rule in report.rules
    )
    return report.model_copy(update={"extra": extra, "rules": rules})


def _origin(url: str) -> tuple[str, str, int | None] | None:
    """``(scheme, host, port)`` of an http(s) URL without credentials; None otherwise (never
    equal to a forge's origin)."""
    if "\\" in url or any(c.isspace() for c in url):  # parsers disagree on these hosts
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or "@" in parts.netloc or not parts.hostname:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port


def comment_body(report: AnyReport, request: ChangeRequest) -> str:
    """The Markdown comment (escaped, shortened under the forge's limit) with the SHA marker."""
    rendered = render("markdown", with_links(report, request))
    body = marker(request.head_sha) + rendered.removeprefix(MARKER)
    url = safe_url(request.run_url or "")
    if url:
        body += f"\n[CI run]({url}) · commit `{request.head_sha[:12]}`\n"
    if len(body) > MAX_COMMENT_CHARS:  # only a very long run URL gets here: drop the footer
        body = marker(request.head_sha) + rendered.removeprefix(MARKER)
    return body[:MAX_COMMENT_CHARS]


def resolved_body(report: AnyReport, request: ChangeRequest) -> str:
    """What an earlier blocking comment becomes once everything passes (``--on-pass resolve``)."""
    url = safe_url(request.run_url or "")
    run = f" · [CI run]({url})" if url else ""
    projects = project_reports(report)
    names = ", ".join(f"**{escape_inline(p.project)}**" for p in projects) or "this change"
    return (
        f"{marker(request.head_sha)}\n"
        "## ✅ aigov: resolved\n\n"
        f"Nothing blocks {names} any more as of commit "
        f"`{request.head_sha[:12]}` ({sum(p.rules_evaluated for p in projects)} rules evaluated, "
        f"{sum(len(p.warnings) for p in projects)} warning(s), "
        f"{sum(len(p.waived) for p in projects)} waived){run}.\n"
    )


def status_description(report: AnyReport) -> str:
    """The status's one line (at most 140 characters)."""
    projects = project_reports(report)
    several = f"{len(projects)} projects, " if len(projects) != 1 else ""
    if report.passed:
        text = (
            f"passed: {several}{sum(p.rules_evaluated for p in projects)} rules, "
            f"{sum(len(p.warnings) for p in projects)} warning(s), "
            f"{sum(len(p.waived) for p in projects)} waived"
        )
    else:
        blocking = [f for p in projects for f in p.blocking]
        rules = ", ".join(dict.fromkeys(f.rule_id for f in blocking))
        block_on = ", ".join(dict.fromkeys(p.block_on for p in projects if not p.passed))
        blocked = [p.project for p in projects if not p.passed]
        where = f"in {', '.join(blocked)} " if len(projects) != 1 else ""
        text = f"blocked by {len(blocking)} finding(s) {where}at {block_on} or above: {rules}"
    if len(text) > MAX_STATUS_DESCRIPTION:
        text = text[: MAX_STATUS_DESCRIPTION - 1] + "…"
    return text


def publish(
    thread: ReviewThread,
    report: AnyReport,
    request: ChangeRequest,
    *,
    on_pass: OnPass = "keep",
) -> Publication:
    """Set the status of ``request.head_sha`` and upsert the comment; see the module's rules.

    ``on_pass`` (when the report passes): ``keep`` posts or edits the passing report like any
    other; ``delete`` removes the comment (posts none); ``resolve`` edits an existing comment
    into a short "resolved" note (posts none when there was no comment).
    """
    state: Literal["success", "failure"] = "success" if report.passed else "failure"
    current = thread.head_sha().lower()
    thread.set_status(request.head_sha, report.passed, status_description(report), request.run_url)
    if current != request.head_sha.lower():
        return Publication("stale", None, state, current)
    identity = thread.identity()
    ours, impostors = _bot_comments(thread, identity)
    kept, duplicates = (ours[0], ours[1:]) if ours else (None, [])
    for duplicate in duplicates:
        thread.delete_comment(duplicate.id)

    def done(action: CommentAction, comment_id: int | None, merged: int = 0) -> Publication:
        return Publication(action, comment_id, state, current, len(duplicates) + merged, impostors)

    if report.passed and on_pass == "delete":
        if kept is None:
            return done("none", None)
        thread.delete_comment(kept.id)
        return done("deleted", kept.id)
    if report.passed and on_pass == "resolve":
        if kept is None:
            return done("none", None)
        body = resolved_body(report, request)
    else:
        body = comment_body(report, request)
    if kept is None:
        posted, merged = _post(thread, body, identity)
        return done("created", posted, merged)
    if kept.body == body:
        return done("unchanged", kept.id)
    thread.update_comment(kept.id, body)
    return done("resolved" if report.passed and on_pass == "resolve" else "updated", kept.id)


def _post(thread: ReviewThread, body: str, identity: str | None) -> tuple[int, int]:
    """Post ``body`` without ever leaving two comments: look before posting again.

    Returns the comment's id and the number of duplicates deleted on the way.
    """
    attempt = 1
    while True:
        try:
            return thread.create_comment(body), 0
        except PublishError as exc:
            if not exc.uncertain or attempt >= POST_ATTEMPTS:
                raise
        attempt += 1
        ours, _ = _bot_comments(thread, identity)
        if ours:  # the lost answer's POST was carried out: that comment is ours
            for duplicate in ours[1:]:
                thread.delete_comment(duplicate.id)
            if ours[0].body != body:
                thread.update_comment(ours[0].id, body)
            return ours[0].id, len(ours) - 1


def redact(text: str, secret: str) -> str:
    """``text`` without ``secret`` (defence in depth: error texts may echo a request)."""
    return text.replace(secret, "***") if secret else text
