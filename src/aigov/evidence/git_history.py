"""Evidence from git: in GitOps the history of ``aigov.yaml`` is the project's audit trail.

From the commits that touched the manifest this module derives the stage timeline (when the
project entered each stage, in which commit, by whom), when each success criterion was first set
and every later change of its threshold, and when each approval was first recorded. It also lists
the files a pull request changes against its base. :meth:`GitHistory.to_evidence` gives it as
:class:`GitEvidence`, the ``evidence.git`` root of the policy context (published in
``schemas/evidence.schema.json``); nothing from the repository is executed: files are read from
git objects (:mod:`aigov.git_objects`, plumbing commands only) and parsed with the safe YAML
loader.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from aigov.documents.files import MAX_FILE_BYTES
from aigov.documents.manifest import MANIFEST_FILE
from aigov.documents.problems import DocumentError
from aigov.documents.safe_yaml import parse_yaml
from aigov.documents.types import STAGES
from aigov.evidence import EvidenceUnavailable
from aigov.git_objects import (
    GitError,
    ObjectReader,
    changed_paths,
    commits_touching,
    find_work_tree,
    merge_base,
    resolve_commit,
)

ChangeKind = Literal["set", "tightened", "loosened", "redefined", "removed"]
MAX_MANIFEST_COMMITS = 5_000
"""Versions of the manifest read at most (see :func:`read_history`)."""

SHALLOW_FIX = (
    'fetch the whole history, then check again: GitLab CI: `GIT_DEPTH: "0"` in the job\'s '
    "variables; GitHub Actions: actions/checkout with `fetch-depth: 0`; elsewhere: "
    "`git fetch --unshallow`"
)
"""The fix of every finding a shallow clone leaves without git evidence."""
SHALLOW_HINT = f"the repository is a shallow clone, so its history is incomplete: {SHALLOW_FIX}"


class GitEvidenceUnavailable(EvidenceUnavailable):
    """The history cannot be read (not a git repository, shallow clone, unknown ref)."""

    def __str__(self) -> str:
        return self.reason  # the reason alone, as before: callers prefix it themselves


_POSITION = (
    "The commit's rank among the manifest's commits, oldest first (0, 1, 2...: topological, so a "
    "later commit always ranks after its ancestors; dates are what the committer wrote)."
)


class _Record(BaseModel):
    # defer_build: a run that never builds this evidence never pays for its validator.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class EarliestApproval(_Record):
    """The approval of a stage recorded in the same or an earlier commit than the stage change,
    with the earliest decision date."""

    reference: str
    date: str = Field(description="The decision date written in the approval.")
    position: int = Field(description=_POSITION)


class StageEntry(_Record):
    """The project entering a stage: the commit that first wrote it in ``stage``."""

    stage: str
    date: str = Field(description="The commit date, ISO 8601 with the committer's offset.")
    commit: str
    author: str = Field(description="``Name <email>``.")
    position: int = Field(description=_POSITION)
    earliest_approval: EarliestApproval | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="Absent when no approval of the stage was recorded by then.",
    )


class CriterionChange(_Record):
    """A success criterion set, changed or removed by a commit."""

    metric: str
    threshold: float | None
    direction: str | None
    date: str
    commit: str
    change: ChangeKind = Field(
        description="redefined: the direction changed (or a threshold is missing)."
    )
    position: int = Field(description=_POSITION)
    previous_threshold: float | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The threshold before this change; absent for a criterion set (or one "
        "that had none), so that a message can say from what it was changed.",
    )
    previous_direction: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The direction before this change; absent for a criterion set.",
    )


class ApprovalRecord(_Record):
    """An approval (``to_stage``, ``reference``) as first recorded in the manifest."""

    to_stage: str
    reference: str
    date: str = Field(description="The decision date written in the approval.")
    commit: str
    committed: str = Field(description="When the commit that first recorded it was made.")
    position: int = Field(description=_POSITION)


class GitEvidence(_Record):
    """``evidence.git``: what the history of ``aigov.yaml`` tells."""

    head: str = Field(description="The checked commit.")
    shallow: bool
    manifest_commits: int = Field(description="How many commits changed aigov.yaml.")
    timeline: list[StageEntry] = Field(description="Each entry into a stage, oldest first.")
    criteria: list[CriterionChange] = Field(description="Every change of a success criterion.")
    approvals: list[ApprovalRecord]
    changed_files: list[str] | None = Field(
        description="The files the pull request changes; null outside a pull request."
    )
    base: str | None = Field(description="The merge base with the pull request's base ref.")
    base_stage: str | None = Field(description="The stage the base commit declares.")
    time_to_market_days: dict[str, int] = Field(
        description="Days from the first recorded stage to the first entry of each stage."
    )
    stage_changed: bool = Field(description="The pull request changes the stage.")

    def plain(self) -> dict[str, Any]:
        """The plain data rules read (``evidence.git``)."""
        return self.model_dump()


@dataclass
class GitHistory:
    """What the history of one repository tells, as the ``evidence.git`` context root."""

    head: str
    shallow: bool
    manifest_commits: int
    timeline: list[StageEntry] = field(default_factory=list)
    criteria: list[CriterionChange] = field(default_factory=list)
    approvals: list[ApprovalRecord] = field(default_factory=list)
    changed_files: list[str] | None = None
    base: str | None = None
    base_stage: str | None = None
    base_manifest: dict[str, Any] | None = None
    """The manifest as the base wrote it (for comparing the change's records); not evidence."""

    def time_to_market_days(self) -> dict[str, int]:
        """Days from the first recorded stage (ideation) to the first entry of each stage."""
        if not self.timeline:
            return {}
        start = _day(self.timeline[0].date)
        first: dict[str, int] = {}
        for entry in self.timeline:
            first.setdefault(entry.stage, (_day(entry.date) - start).days)
        return first

    def to_evidence(self) -> GitEvidence:
        """The ``evidence.git`` root (the base manifest is not evidence)."""
        timeline = [
            entry if approval is None else entry.model_copy(update={"earliest_approval": approval})
            for entry, approval in zip(
                self.timeline, _earliest_approvals(self.timeline, self.approvals), strict=True
            )
        ]
        return GitEvidence(
            head=self.head,
            shallow=self.shallow,
            manifest_commits=self.manifest_commits,
            timeline=timeline,
            criteria=list(self.criteria),
            approvals=list(self.approvals),
            changed_files=self.changed_files,
            base=self.base,
            base_stage=self.base_stage,
            time_to_market_days=self.time_to_market_days(),
            stage_changed=(
                self.base_stage is not None
                and bool(self.timeline)
                and (self.base_stage != self.timeline[-1].stage)
            ),
        )


def _day(iso: str) -> dt.date:
    return dt.datetime.fromisoformat(iso).date()


def _earliest_approvals(
    timeline: list[StageEntry], approvals: list[ApprovalRecord]
) -> list[EarliestApproval | None]:
    """For each stage entry, the approval of that stage recorded in the same or an earlier
    commit with the earliest decision date (None when there is none).

    Rules compare one approval per stage change instead of searching every approval for every
    change (which was quadratic: 400 stage changes x 4,000 approvals took seconds). Approvals are
    walked once per stage in commit order, keeping the earliest date seen so far; each entry
    then finds its answer by bisection. A decision date that is not a date counts as none.
    """
    by_stage: dict[str, tuple[list[int], list[EarliestApproval]]] = {}
    for approval in sorted(approvals, key=lambda a: a.position):
        try:
            decided = dt.date.fromisoformat(approval.date)
        except ValueError:
            continue
        positions, earliest = by_stage.setdefault(approval.to_stage, ([], []))
        best = earliest[-1] if earliest else None
        if best is None or decided < dt.date.fromisoformat(best.date):
            best = EarliestApproval(
                reference=approval.reference, date=approval.date, position=approval.position
            )
        positions.append(approval.position)
        earliest.append(best)
    found: list[EarliestApproval | None] = []
    for entry in timeline:
        positions, earliest = by_stage.get(entry.stage, ([], []))
        index = bisect.bisect_right(positions, entry.position)
        found.append(earliest[index - 1] if index else None)
    return found


def read_history(path: Path | str, *, base: str | None = None) -> GitHistory:
    """Read the manifest's history of the repository at ``path`` (and the change against ``base``).

    Raises :class:`GitEvidenceUnavailable` with a clear reason when the history cannot be used
    (including a manifest changed by more than :data:`MAX_MANIFEST_COMMITS` commits); a shallow
    clone is reported (``shallow``) rather than silently treated as the whole history.
    """
    try:
        return _read_history(Path(path), base)
    except GitError as exc:
        raise GitEvidenceUnavailable(str(exc)) from exc


def _read_history(path: Path, base: str | None) -> GitHistory:
    work_tree = find_work_tree(path)
    root = work_tree.top_level.resolve()
    try:
        manifest_path = (path.resolve() / MANIFEST_FILE).relative_to(root).as_posix()
    except ValueError as exc:
        raise GitEvidenceUnavailable(f"{path} is outside the git work tree {root}") from exc
    head = work_tree.head
    if head is None:
        raise GitEvidenceUnavailable("the repository has no commits yet")
    shallow = work_tree.shallow
    # Oldest first: the timeline is the order in which the project moved.
    commits = _manifest_commits(root, head, manifest_path)
    if len(commits) > MAX_MANIFEST_COMMITS:
        # Each version is parsed (about 2.5 ms): a pull request of 200,000 commits would hold the
        # check for minutes. No real project edits its manifest that often; refuse, fail closed.
        raise GitEvidenceUnavailable(
            f"{MANIFEST_FILE} was changed by {len(commits):,} commits; aigov reads at most "
            f"{MAX_MANIFEST_COMMITS:,} versions of it"
        )
    history = GitHistory(head=head, shallow=shallow, manifest_commits=len(commits))
    previous_stage: str | None = None
    thresholds: dict[str, tuple[float | None, str | None]] = {}
    seen_approvals: set[tuple[str, str]] = set()
    with ObjectReader(root) as objects:
        for commit in commits:
            manifest = manifest_at(objects, commit.hexsha, manifest_path)
            if manifest is None:
                continue
            when, at = commit.committed, commit.position
            stage = manifest.get("stage")
            if isinstance(stage, str) and stage in STAGES and stage != previous_stage:
                history.timeline.append(
                    StageEntry(
                        stage=stage,
                        date=when,
                        commit=commit.hexsha,
                        author=commit.author,
                        position=at,
                    )
                )
                previous_stage = stage
            history.criteria.extend(
                _criteria_changes(manifest, thresholds, when, commit.hexsha, at)
            )
            for approval in manifest.get("approvals") or []:
                if not isinstance(approval, dict):
                    continue
                key = (str(approval.get("to_stage")), str(approval.get("reference")))
                if key not in seen_approvals:
                    seen_approvals.add(key)
                    history.approvals.append(
                        ApprovalRecord(
                            to_stage=key[0],
                            reference=key[1],
                            date=str(approval.get("date")),
                            commit=commit.hexsha,
                            committed=when,
                            position=at,
                        )
                    )
        if base is not None:
            base_commit = resolve_commit(root, base)
            if base_commit is None:
                hint = f"; {SHALLOW_HINT}" if shallow else ""
                raise GitEvidenceUnavailable(f"base ref '{base}' is not known here{hint}")
            since = merge_base(root, base_commit, head) or base_commit
            history.base = since
            history.changed_files = changed_paths(root, since, head)
            history.base_manifest = manifest_at(objects, since, manifest_path)
            stage = history.base_manifest.get("stage") if history.base_manifest else None
            if isinstance(stage, str):
                history.base_stage = stage
    return history


@dataclass(frozen=True)
class _ManifestCommit:
    hexsha: str
    committed: str
    """The commit date in ISO 8601 with the committer's offset (``2026-11-24T10:00:00+01:00``)."""
    author: str
    position: int
    """0 for the manifest's first commit, then 1, 2…: topological, so a later commit always
    ranks after its ancestors. Dates are what the committer wrote (a backdated commit is easy to
    make); rules that order events of the history compare positions."""


def _manifest_commits(root: Path, head: str, manifest_path: str) -> list[_ManifestCommit]:
    """The commits that touched the manifest, oldest first, read with one ``git rev-list``."""
    return [
        _ManifestCommit(hexsha, _iso_date(raw, hexsha), f"{name} <{email}>" if email else name, i)
        for i, (hexsha, raw, name, email) in enumerate(
            commits_touching(root, head, manifest_path, ("%H", "%cd", "%an", "%ae"))
        )
    ]


def raw_date(raw: str) -> dt.datetime:
    """A raw git date (``<unix seconds> <±hhmm>``) in its offset; raises ValueError,
    OverflowError or OSError for one Python cannot hold."""
    seconds, offset = raw.split()
    sign = -1 if offset.startswith("-") else 1
    hours, minutes = int(offset[-4:-2]), int(offset[-2:])
    zone = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    return dt.datetime.fromtimestamp(int(seconds), zone)


def _iso_date(raw: str, commit: str) -> str:
    """A raw git date (``<unix seconds> <±hhmm>``) in ISO 8601 with its offset.

    A date Python cannot hold (before year 1, after 9999) makes the history unusable rather than
    skipped: skipping the commit could hide a stage change from the rules.
    """
    try:
        return raw_date(raw).isoformat()
    except (ValueError, OverflowError, OSError) as exc:
        raise GitEvidenceUnavailable(
            f"commit {commit[:12]} has a date that cannot be placed in time ('{raw[:40]}')"
        ) from exc


def manifest_at(objects: ObjectReader, commit: str, manifest_path: str) -> dict[str, Any] | None:
    """The manifest as written in ``commit`` (plain data), or None when absent or unreadable.

    Read as ``<commit>:<path>``: git resolves the path, so no commit or tree is parsed here.
    """
    found = objects.read(f"{commit}:{manifest_path}", max_bytes=MAX_FILE_BYTES)
    if found is None or found[0] != "blob":
        return None
    try:
        data = parse_yaml(found[1].decode("utf-8"), MANIFEST_FILE).data
    except (UnicodeDecodeError, DocumentError):
        return None  # a broken intermediate version says nothing reliable
    return data if isinstance(data, dict) else None


def _criteria_changes(
    manifest: dict[str, Any],
    known: dict[str, tuple[float | None, str | None]],
    when: str,
    commit: str,
    position: int,
) -> list[CriterionChange]:
    current: dict[str, tuple[float | None, str | None]] = {}
    for criterion in manifest.get("success_criteria") or []:
        if isinstance(criterion, dict) and isinstance(criterion.get("metric"), str):
            threshold = criterion.get("threshold")
            direction = criterion.get("direction")
            current[criterion["metric"]] = (
                _finite(threshold),
                direction if isinstance(direction, str) else None,
            )
    found: list[tuple[str, tuple[float | None, str | None], ChangeKind]] = []
    for metric, definition in current.items():
        if metric not in known:
            found.append((metric, definition, "set"))
        elif known[metric] != definition:
            found.append((metric, definition, _compare(known[metric], definition)))
    found.extend((metric, (None, None), "removed") for metric in sorted(known.keys() - current))
    previous = dict(known)
    known.clear()
    known.update(current)
    return [
        CriterionChange(
            metric=metric,
            threshold=threshold,
            direction=direction,
            date=when,
            commit=commit,
            change=kind,
            position=position,
            previous_threshold=previous.get(metric, (None, None))[0],
            previous_direction=previous.get(metric, (None, None))[1],
        )
        for metric, (threshold, direction), kind in found
    ]


def _finite(value: Any) -> float | None:
    """``value`` as a finite float, else None: an old version of the manifest was never validated,
    and may hold ``.nan``, ``.inf`` or an integer too large for a float (``OverflowError``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _compare(
    before: tuple[float | None, str | None], after: tuple[float | None, str | None]
) -> ChangeKind:
    """Whether a threshold change made the criterion easier (loosened) or harder to meet."""
    (old, old_direction), (new, new_direction) = before, after
    if old_direction != new_direction or old is None or new is None:
        return "redefined"
    if new == old:
        return "redefined"
    harder = new > old if new_direction == "higher_is_better" else new < old
    return "tightened" if harder else "loosened"
