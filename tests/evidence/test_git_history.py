"""Git history evidence, read from real repositories built with scripted histories."""

import datetime as dt
import random
from pathlib import Path

import git
import pytest
from tests.conftest import MINIMAL_MANIFEST

from aigov.evidence.git_history import (
    ApprovalRecord,
    GitEvidenceUnavailable,
    GitHistory,
    StageEntry,
    read_history,
)
from aigov.policy.cel import ExpressionError, compile_expression, prepare_context
from aigov.policy.sources import load_policy_set

ALICE = git.Actor("Alice Martin", "alice@bank.example")
BOB = git.Actor("Bob Durand", "bob@bank.example")


class ScriptedRepo:
    """A git repository whose commits carry chosen dates and authors."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.repo = git.Repo.init(root, initial_branch="main")

    def commit(self, files: dict[str, str], date: str, author: git.Actor = ALICE) -> str:
        for name, text in files.items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            self.repo.index.add([name])
        moment = dt.datetime.fromisoformat(f"{date}T10:00:00+01:00")
        stamp = f"{int(moment.timestamp())} +0100"  # git's internal date format
        commit = self.repo.index.commit(
            f"update {', '.join(files)}",
            author=author,
            committer=author,
            author_date=stamp,
            commit_date=stamp,
        )
        return commit.hexsha


def manifest(stage: str, criteria: str = "", approvals: str = "") -> str:
    text = MINIMAL_MANIFEST.replace("stage: ideation", f"stage: {stage}")
    if criteria:
        text += "success_criteria:\n" + criteria
    if approvals:
        text += "approvals:\n" + approvals
    return text


AUC = "  - {{metric: auc, threshold: {0}, direction: higher_is_better}}\n"
RMSE = "  - {{metric: rmse, threshold: {0}, direction: lower_is_better}}\n"
APPROVAL = (
    "  - {{to_stage: {0}, committee: Data Board, decision: approved, date: {1}, reference: {2}}}\n"
)


@pytest.fixture
def scripted(tmp_path: Path) -> ScriptedRepo:
    return ScriptedRepo(tmp_path / "project")


def test_stage_timeline_and_time_to_market(scripted: ScriptedRepo) -> None:
    first = scripted.commit({"aigov.yaml": manifest("ideation")}, "2025-01-10")
    scripted.commit({"README.md": "notes\n"}, "2025-01-20")
    scripted.commit({"aigov.yaml": manifest("ideation", AUC.format(0.8))}, "2025-02-01")
    poc = scripted.commit({"aigov.yaml": manifest("poc", AUC.format(0.8))}, "2025-03-01", BOB)
    scripted.commit({"aigov.yaml": manifest("production", AUC.format(0.8))}, "2025-09-28")
    history = read_history(scripted.root)
    assert [(e.stage, e.date[:10]) for e in history.timeline] == [
        ("ideation", "2025-01-10"),
        ("poc", "2025-03-01"),
        ("production", "2025-09-28"),
    ]
    assert history.timeline[0].commit == first
    assert history.timeline[1].commit == poc
    assert history.timeline[1].author == "Bob Durand <bob@bank.example>"
    assert history.manifest_commits == 4
    assert history.time_to_market_days() == {"ideation": 0, "poc": 50, "production": 261}
    assert history.shallow is False


def test_criteria_history_tells_tightening_from_loosening(scripted: ScriptedRepo) -> None:
    both = AUC.format(0.80) + RMSE.format(12)
    scripted.commit({"aigov.yaml": manifest("ideation", both)}, "2025-01-10")
    scripted.commit({"aigov.yaml": manifest("poc", both)}, "2025-02-10")
    tighter = AUC.format(0.85) + RMSE.format(10)
    scripted.commit({"aigov.yaml": manifest("poc", tighter)}, "2025-03-10")
    looser = AUC.format(0.70) + RMSE.format(15)
    scripted.commit({"aigov.yaml": manifest("poc", looser)}, "2025-04-10")
    scripted.commit({"aigov.yaml": manifest("poc", AUC.format(0.70))}, "2025-05-10")
    changes = [(c.metric, c.change, c.date[:10]) for c in read_history(scripted.root).criteria]
    assert changes == [
        ("auc", "set", "2025-01-10"),
        ("rmse", "set", "2025-01-10"),
        ("auc", "tightened", "2025-03-10"),
        ("rmse", "tightened", "2025-03-10"),
        ("auc", "loosened", "2025-04-10"),
        ("rmse", "loosened", "2025-04-10"),
        ("rmse", "removed", "2025-05-10"),
    ]


def test_criterion_added_after_poc_is_dated_after_the_poc(scripted: ScriptedRepo) -> None:
    scripted.commit({"aigov.yaml": manifest("ideation")}, "2025-01-10")
    scripted.commit({"aigov.yaml": manifest("poc")}, "2025-02-10")
    scripted.commit({"aigov.yaml": manifest("poc", AUC.format(0.6))}, "2025-06-01")
    history = read_history(scripted.root)
    poc_entry = next(e for e in history.timeline if e.stage == "poc")
    [criterion] = history.criteria
    assert criterion.date > poc_entry.date


def test_approvals_are_dated_by_the_commit_that_recorded_them(scripted: ScriptedRepo) -> None:
    approval = APPROVAL.format("poc", "2025-02-01", "DB-7")
    scripted.commit({"aigov.yaml": manifest("ideation")}, "2025-01-10")
    # Dishonest history: the approval appears after the stage change, backdated.
    scripted.commit({"aigov.yaml": manifest("poc")}, "2025-02-10")
    recorded = scripted.commit({"aigov.yaml": manifest("poc", approvals=approval)}, "2025-03-15")
    [record] = read_history(scripted.root).approvals
    assert (record.to_stage, record.reference, record.date) == ("poc", "DB-7", "2025-02-01")
    assert record.commit == recorded
    assert record.committed.startswith("2025-03-15")


def test_changed_files_and_stage_against_a_base_branch(scripted: ScriptedRepo) -> None:
    scripted.commit({"aigov.yaml": manifest("poc"), "src/model.py": "x = 1\n"}, "2025-01-10")
    scripted.repo.create_head("feature").checkout()
    scripted.commit({"aigov.yaml": manifest("industrialization")}, "2025-02-10")
    scripted.commit({"policies/gdpr/pack.yaml": "name: gdpr\n"}, "2025-02-11")
    history = read_history(scripted.root, base="main")
    assert history.changed_files == ["aigov.yaml", "policies/gdpr/pack.yaml"]
    assert history.base_stage == "poc"
    assert history.to_evidence().stage_changed is True


def test_a_broken_intermediate_manifest_is_skipped(scripted: ScriptedRepo) -> None:
    scripted.commit({"aigov.yaml": manifest("ideation")}, "2025-01-10")
    scripted.commit({"aigov.yaml": "stage: [unclosed\n"}, "2025-01-11")
    scripted.commit({"aigov.yaml": manifest("poc")}, "2025-01-12")
    assert [e.stage for e in read_history(scripted.root).timeline] == ["ideation", "poc"]


def test_repository_in_a_subfolder_of_a_monorepo(scripted: ScriptedRepo) -> None:
    scripted.commit({"models/churn/aigov.yaml": manifest("poc")}, "2025-01-10")
    history = read_history(scripted.root / "models" / "churn")
    assert [e.stage for e in history.timeline] == ["poc"]


def test_shallow_clone_is_reported_and_an_unknown_base_explains_how_to_fetch(
    scripted: ScriptedRepo, tmp_path: Path
) -> None:
    for day, stage in enumerate(["ideation", "data-exploration", "poc"], start=10):
        scripted.commit({"aigov.yaml": manifest(stage)}, f"2025-01-{day}")
    clone = tmp_path / "clone"
    git.Repo.clone_from(scripted.root.as_uri(), clone, depth=1)
    history = read_history(clone)
    assert history.shallow is True
    assert [e.stage for e in history.timeline] == ["poc"]
    with pytest.raises(GitEvidenceUnavailable, match="fetch-depth: 0"):
        read_history(clone, base="HEAD~2")


def test_not_a_git_repository(tmp_path: Path) -> None:
    with pytest.raises(GitEvidenceUnavailable, match="not inside a git repository"):
        read_history(tmp_path)


def test_repository_without_commits(tmp_path: Path) -> None:
    git.Repo.init(tmp_path)
    with pytest.raises(GitEvidenceUnavailable, match="no commits yet"):
        read_history(tmp_path)


def test_history_read_in_one_rev_list_matches_gitpythons_objects(scripted: ScriptedRepo) -> None:
    # The history is read with one `git rev-list --format` and `<commit>:<path>` blob reads;
    # dates (offsets included), authors (non-ASCII too), a deleted then restored manifest, a
    # merge must come out as gitpython's own objects say.
    zoe = git.Actor("Zoé Lefèvre", "")
    scripted.commit({"aigov.yaml": manifest("ideation")}, "2026-01-05")
    scripted.commit({"aigov.yaml": manifest("data-exploration")}, "2026-02-05", zoe)
    repo = scripted.repo
    repo.index.remove(["aigov.yaml"], working_tree=True)
    repo.index.commit("remove the manifest")
    repo.git.checkout("-b", "side")
    scripted.commit({"aigov.yaml": manifest("poc")}, "2026-03-05", BOB)
    repo.git.checkout("main")
    scripted.commit({"other.txt": "x"}, "2026-03-06")
    repo.git.merge("side", "--no-ff", "-m", "merge side")
    history = read_history(scripted.root)
    # Every parent followed (--full-history): the merge that brought the manifest back counts.
    commits = list(repo.iter_commits("HEAD", paths="aigov.yaml", reverse=True, full_history=True))
    assert history.manifest_commits == len(commits) == 5
    by_sha = {c.hexsha: c for c in commits}
    assert [e.stage for e in history.timeline] == ["ideation", "data-exploration", "poc"]
    for entry in history.timeline:
        commit = by_sha[entry.commit]
        assert entry.date == commit.committed_datetime.isoformat()
        expected = (
            f"{commit.author.name} <{commit.author.email}>"
            if commit.author.email
            else commit.author.name
        )
        assert entry.author == expected
    assert history.timeline[1].author == "Zoé Lefèvre"
    assert history.timeline[1].date == "2026-02-05T10:00:00+01:00"
    assert history.head == repo.head.commit.hexsha


FORMER_APPROVAL_IN_ORDER = """
    evidence.git.timeline.all(t, t.stage == "ideation"
      || evidence.git.approvals.exists(a, a.to_stage == t.stage
           && a.position <= t.position
           && date(a.date) <= date(t.date)))"""


def _random_history(chooser: random.Random) -> GitHistory:
    stages = ["ideation", "poc", "production"]
    history = GitHistory(head="h", shallow=False, manifest_commits=8)
    for position in sorted(chooser.sample(range(8), chooser.randint(0, 4))):
        day = chooser.randint(1, 9)
        history.timeline.append(
            StageEntry(
                stage=chooser.choice(stages),
                date=f"2025-03-0{day}T10:00:00+01:00",
                commit="c",
                author="A",
                position=position,
            )
        )
    for index in range(chooser.randint(0, 6)):
        history.approvals.append(
            ApprovalRecord(
                to_stage=chooser.choice(stages[1:]),
                reference=f"R{index}",
                date=chooser.choice([f"2025-03-0{chooser.randint(1, 9)}", "2025-13-40"]),
                commit="c",
                committed="2025-03-01T10:00:00+01:00",
                position=chooser.randint(0, 7),
            )
        )
    return history


def test_earliest_approval_gives_the_former_rule_verdicts() -> None:
    """LC-HISTORY-APPROVAL-IN-ORDER reads each stage change's earliest_approval (computed once,
    in n log n) instead of searching every approval per stage change: same verdicts."""
    rule = load_policy_set().rule("LC-HISTORY-APPROVAL-IN-ORDER")
    assert rule is not None and rule.assertion is not None
    former = compile_expression(FORMER_APPROVAL_IN_ORDER)
    chooser = random.Random(14)
    seen = set()
    for _ in range(2000):
        history = _random_history(chooser)
        context = prepare_context({"evidence": {"git": history.to_evidence().plain()}})
        try:
            expected = former.evaluate_bool(context)
        except ExpressionError:
            # The former rule failed on any unreadable decision date (this CEL library's exists()
            # does not absorb errors); now such an approval authorises nothing, and the others
            # still count.
            continue
        assert rule.assertion.evaluate_bool(context) == expected, history
        seen.add(expected)
    assert seen == {True, False}
