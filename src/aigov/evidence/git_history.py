"""Evidence from git: in GitOps the history of ``aigov.yaml`` is the project's audit trail.

From the commits that touched the manifest this module derives the stage timeline (when the
project entered each stage, in which commit, by whom), when each success criterion was first set
and every later change of its threshold, and when each approval was first recorded. It also lists
the files a pull request changes against its base. Everything returned is plain, serialisable data
(the ``evidence.git`` root of the policy context); nothing from the repository is executed: files
are read from git objects and parsed with the safe YAML loader.

gitpython is imported here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigov.documents.files import MAX_FILE_BYTES
from aigov.documents.manifest import MANIFEST_FILE
from aigov.documents.problems import DocumentError
from aigov.documents.safe_yaml import parse_yaml
from aigov.documents.types import STAGES

if TYPE_CHECKING:
    import git

SHALLOW_HINT = (
    "the repository is a shallow clone, so its history is incomplete: fetch the whole history "
    "(GitHub Actions: actions/checkout with `fetch-depth: 0`; GitLab CI: `GIT_DEPTH: 0`)"
)


class GitEvidenceUnavailable(Exception):
    """The history cannot be read (not a git repository, shallow clone, unknown ref)."""


@dataclass(frozen=True)
class StageEntry:
    stage: str
    date: str
    commit: str
    author: str


@dataclass(frozen=True)
class CriterionChange:
    metric: str
    threshold: float | None
    direction: str | None
    date: str
    commit: str
    change: str  # "set", "tightened", "loosened", "redefined" (direction changed) or "removed"


@dataclass(frozen=True)
class ApprovalRecord:
    to_stage: str
    reference: str
    date: str  # the decision date written in the approval
    commit: str
    committed: str  # when the commit that first recorded it was made


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

    def time_to_market_days(self) -> dict[str, int]:
        """Days from the first recorded stage (ideation) to the first entry of each stage."""
        if not self.timeline:
            return {}
        start = _day(self.timeline[0].date)
        first: dict[str, int] = {}
        for entry in self.timeline:
            first.setdefault(entry.stage, (_day(entry.date) - start).days)
        return first

    def to_evidence(self) -> dict[str, Any]:
        data = asdict(self)
        data["time_to_market_days"] = self.time_to_market_days()
        data["stage_changed"] = (
            self.base_stage is not None
            and bool(self.timeline)
            and (self.base_stage != self.timeline[-1].stage)
        )
        return data


def _day(iso: str) -> dt.date:
    return dt.datetime.fromisoformat(iso).date()


def _open(path: Path) -> git.Repo:
    import git

    try:
        return git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitEvidenceUnavailable(f"{path} is not inside a git repository") from None


def read_history(path: Path | str, *, base: str | None = None) -> GitHistory:
    """Read the manifest's history of the repository at ``path`` (and the change against ``base``).

    Raises :class:`GitEvidenceUnavailable` with a clear reason when the history cannot be used; a
    shallow clone is reported (``shallow``) rather than silently treated as the whole history.
    """
    import git

    repo = _open(Path(path))
    root = Path(repo.working_tree_dir or path).resolve()
    try:
        manifest_path = (Path(path).resolve() / MANIFEST_FILE).relative_to(root).as_posix()
    except ValueError:
        raise GitEvidenceUnavailable(f"{path} is outside the git work tree {root}") from None
    try:
        # Read from the ref files: ``repo.head.commit`` would start a ``git cat-file`` process
        # only to learn that HEAD names a commit.
        head = git.SymbolicReference.dereference_recursive(repo, "HEAD")
    except ValueError:
        raise GitEvidenceUnavailable("the repository has no commits yet") from None
    shallow = (Path(repo.git_dir) / "shallow").exists()
    # Oldest first: the timeline is the order in which the project moved.
    commits = _manifest_commits(repo, head, manifest_path)
    history = GitHistory(head=head, shallow=shallow, manifest_commits=len(commits))
    previous_stage: str | None = None
    thresholds: dict[str, tuple[float | None, str | None]] = {}
    seen_approvals: set[tuple[str, str]] = set()
    for commit in commits:
        manifest = _manifest_at(repo, commit.hexsha, manifest_path)
        if manifest is None:
            continue
        when = commit.committed
        stage = manifest.get("stage")
        if isinstance(stage, str) and stage in STAGES and stage != previous_stage:
            history.timeline.append(StageEntry(stage, when, commit.hexsha, commit.author))
            previous_stage = stage
        history.criteria.extend(_criteria_changes(manifest, thresholds, when, commit.hexsha))
        for approval in manifest.get("approvals") or []:
            if not isinstance(approval, dict):
                continue
            key = (str(approval.get("to_stage")), str(approval.get("reference")))
            if key not in seen_approvals:
                seen_approvals.add(key)
                history.approvals.append(
                    ApprovalRecord(key[0], key[1], str(approval.get("date")), commit.hexsha, when)
                )
    if base is not None:
        try:
            base_commit = repo.commit(base)
        except (git.BadName, ValueError, git.GitCommandError):
            hint = f"; {SHALLOW_HINT}" if shallow else ""
            raise GitEvidenceUnavailable(f"base ref '{base}' is not known here{hint}") from None
        head_commit = repo.commit(head)
        merge_bases = repo.merge_base(base_commit, head_commit)
        since = merge_bases[0] if merge_bases else base_commit
        history.base = since.hexsha
        history.changed_files = sorted(
            {
                name
                for diff in since.diff(head_commit)
                for name in (diff.a_path, diff.b_path)
                if name is not None
            }
        )
        base_manifest = _manifest_at(repo, since.hexsha, manifest_path)
        if base_manifest is not None and isinstance(base_manifest.get("stage"), str):
            history.base_stage = base_manifest["stage"]
    return history


@dataclass(frozen=True)
class _ManifestCommit:
    hexsha: str
    committed: str
    """The commit date in ISO 8601 with the committer's offset (``committed_datetime``)."""
    author: str


# One line per commit after rev-list's "commit <sha>" line; NUL cannot occur in these fields.
_COMMIT_FORMAT = "%H%x00%ct%x00%ci%x00%an%x00%ae"


def _manifest_commits(repo: git.Repo, head: str, manifest_path: str) -> list[_ManifestCommit]:
    """The commits that touched the manifest, oldest first, read with one ``git rev-list``.

    The same commits as ``repo.iter_commits(head, paths=..., reverse=True)`` (which also runs
    rev-list), with the date and author printed by git instead of read object by object.
    """
    from git.objects.util import from_timestamp, utctz_to_altz

    output = repo.git.rev_list(
        "--reverse",
        f"--format={_COMMIT_FORMAT}",
        head,
        "--",
        manifest_path,
        stdout_as_string=False,
    )
    commits = []
    for line in output.decode("utf-8", "replace").split("\n"):
        fields = line.split("\0")
        if len(fields) != 5:
            continue  # rev-list's own "commit <sha>" lines
        hexsha, timestamp, iso_like, name, email = fields
        offset = iso_like.rsplit(" ", 1)[-1]  # "2026-11-24 10:00:00 +0100"
        committed = from_timestamp(int(timestamp), utctz_to_altz(offset)).isoformat()
        author = f"{name} <{email}>" if email else name
        commits.append(_ManifestCommit(hexsha, committed, author))
    return commits


def _manifest_at(repo: git.Repo, commit: str, manifest_path: str) -> dict[str, Any] | None:
    """The manifest as written in ``commit`` (plain data), or None when absent or unreadable.

    Read as ``<commit>:<path>`` through gitpython's persistent ``git cat-file --batch``: git
    resolves the path, so no commit or tree object is read in Python.
    """
    try:
        _, kind, size, stream = repo.git.stream_object_data(f"{commit}:{manifest_path}")
    except ValueError:  # no such path in that commit
        return None
    # gitpython types the kind as str but hands back the bytes git printed.
    if kind not in ("blob", b"blob") or size > MAX_FILE_BYTES:
        while stream.read(1 << 16):  # drain it (bounded memory) so the pipe stays in step
            pass
        return None
    try:
        text = stream.read(size).decode("utf-8")
        data = parse_yaml(text, MANIFEST_FILE).data
    except (UnicodeDecodeError, DocumentError):
        return None  # a broken intermediate version says nothing reliable
    return data if isinstance(data, dict) else None


def _criteria_changes(
    manifest: dict[str, Any],
    known: dict[str, tuple[float | None, str | None]],
    when: str,
    commit: str,
) -> list[CriterionChange]:
    changes = []
    current: dict[str, tuple[float | None, str | None]] = {}
    for criterion in manifest.get("success_criteria") or []:
        if isinstance(criterion, dict) and isinstance(criterion.get("metric"), str):
            threshold = criterion.get("threshold")
            direction = criterion.get("direction")
            current[criterion["metric"]] = (
                float(threshold) if isinstance(threshold, int | float) else None,
                direction if isinstance(direction, str) else None,
            )
    for metric, (threshold, direction) in current.items():
        if metric not in known:
            kind = "set"
        elif known[metric] == (threshold, direction):
            continue
        else:
            kind = _compare(known[metric], (threshold, direction))
        changes.append(CriterionChange(metric, threshold, direction, when, commit, kind))
    for metric in known.keys() - current.keys():
        changes.append(CriterionChange(metric, None, None, when, commit, "removed"))
    known.clear()
    known.update(current)
    return changes


def _compare(
    before: tuple[float | None, str | None], after: tuple[float | None, str | None]
) -> str:
    """Whether a threshold change made the criterion easier (loosened) or harder to meet."""
    (old, old_direction), (new, new_direction) = before, after
    if old_direction != new_direction or old is None or new is None:
        return "redefined"
    if new == old:
        return "redefined"
    harder = new > old if new_direction == "higher_is_better" else new < old
    return "tightened" if harder else "loosened"
