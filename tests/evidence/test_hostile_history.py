"""A history that a pull request wrote: every old version of ``aigov.yaml`` is hostile input too.

Only the manifest at the head is validated; the versions in older commits (and at ``--base``)
are read as plain data for the timeline, the criteria history and the stage transition. Each
case below commits one hostile version between two valid ones and checks that reading the
history and ``aigov check`` (with and without ``--base`` at the hostile commit) end with a
verdict, strict JSON and no traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import CliResult
from tests.test_hostile_input import ALIAS_BOMB, DEEP_YAML

from aigov.documents.files import MAX_FILE_BYTES
from aigov.evidence.git_history import GitEvidenceUnavailable, read_history

__all__ = ["scripted"]  # the fixture, shared with test_git_history

from tests.evidence.test_git_history import APPROVAL, AUC, ScriptedRepo, manifest, scripted

TODAY = "2026-11-24"
BASE = manifest("ideation")
HEAD = manifest("poc", criteria=AUC.format(0.8))

# name -> the content of aigov.yaml in the hostile commit
HOSTILE_VERSIONS: dict[str, str | bytes] = {
    "threshold-beyond-float": manifest("poc", criteria=AUC.format("1" + "0" * 400)),
    "threshold-nan": manifest("poc", criteria=AUC.format(".nan")),
    "threshold-inf": manifest("poc", criteria=AUC.format("-.inf")),
    "threshold-4300-digits": manifest("poc", criteria=AUC.format("9" * 4400)),
    "threshold-not-a-number": manifest("poc", criteria=AUC.format("[1, 2]")),
    "threshold-boolean": manifest("poc", criteria=AUC.format("true")),
    "criteria-a-mapping": manifest("poc") + "success_criteria: {auc: 0.8}\n",
    "criteria-strings": manifest("poc") + "success_criteria: [auc, 0.8]\n",
    "metric-not-a-string": manifest("poc", criteria=AUC.replace("metric: auc", "metric: [a]")),
    "approvals-a-string": manifest("poc") + "approvals: yes please\n",
    "approval-dates-odd": manifest("poc")
    + "approvals:\n  - {to_stage: {a: 1}, reference: [x], date: "
    + "9" * 30
    + "}\n",
    "stage-a-list": manifest("ideation").replace("stage: ideation", "stage: [poc, production]"),
    "stage-unknown": manifest("ideation").replace("stage: ideation", "stage: launched"),
    "stage-a-number": manifest("ideation").replace("stage: ideation", "stage: 3"),
    "not-a-mapping": "- stage: poc\n",
    "empty": "",
    "alias-bomb": ALIAS_BOMB,
    "deep-nesting": DEEP_YAML,
    "invalid-utf8": b"stage: caf\xe9\n",
    "nul-byte": b"stage: poc\x00\n",
    "over-size": "#" * (MAX_FILE_BYTES + 10),
}


def _commit_hostile_version(scripted: ScriptedRepo, name: str) -> str:
    content = HOSTILE_VERSIONS[name]
    path = scripted.root / "aigov.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    scripted.repo.index.add(["aigov.yaml"])
    return scripted.repo.index.commit(f"hostile: {name}").hexsha


def _replace_manifest_by(scripted: ScriptedRepo, kind: str) -> str:
    """A commit where aigov.yaml is a folder, a symbolic link or a submodule."""
    root = scripted.root
    git = ["git", "-C", str(root)]
    subprocess.run([*git, "rm", "-q", "--cached", "aigov.yaml"], check=True)
    (root / "aigov.yaml").unlink()
    if kind == "folder":
        (root / "aigov.yaml").mkdir()
        (root / "aigov.yaml" / "stage").write_text("poc\n", encoding="utf-8")
        subprocess.run([*git, "add", "aigov.yaml/stage"], check=True)
    elif kind == "symlink":
        os.symlink("/etc/passwd", root / "aigov.yaml")
        subprocess.run([*git, "add", "aigov.yaml"], check=True)
    else:  # a gitlink: the entry names a commit of another repository
        head = scripted.repo.head.commit.hexsha
        cacheinfo = f"160000,{head},aigov.yaml"
        subprocess.run([*git, "update-index", "--add", "--cacheinfo", cacheinfo], check=True)
    subprocess.run([*git, "commit", "-q", "-m", f"aigov.yaml as a {kind}"], check=True)
    sha = scripted.repo.head.commit.hexsha
    subprocess.run([*git, "rm", "-q", "-r", "--cached", "aigov.yaml"], check=True)
    if (root / "aigov.yaml").is_dir() and not (root / "aigov.yaml").is_symlink():
        (root / "aigov.yaml" / "stage").unlink()
        (root / "aigov.yaml").rmdir()
    else:
        (root / "aigov.yaml").unlink(missing_ok=True)
    return sha


def _strict_json(text: str) -> object:
    def refuse(constant: str) -> object:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def _history_with(scripted: ScriptedRepo, make_hostile: Callable[[], str]) -> str:
    scripted.commit({"aigov.yaml": BASE}, "2025-01-10")
    hostile = make_hostile()
    scripted.commit({"aigov.yaml": HEAD}, "2025-03-01")
    return hostile


def _assert_check_ends_with_a_verdict(
    run_cli: Callable[..., CliResult], root: Path, *extra: str
) -> None:
    result = run_cli("check", str(root), "--today", TODAY, "-f", "json", *extra)
    assert result.exit_code in (0, 1), result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    data = _strict_json(result.stdout)
    assert isinstance(data, dict) and data["project"]


@pytest.mark.parametrize("name", sorted(HOSTILE_VERSIONS))
def test_a_hostile_old_manifest_never_breaks_the_history_or_the_check(
    scripted: ScriptedRepo, run_cli: Callable[..., CliResult], name: str
) -> None:
    hostile = _history_with(scripted, lambda: _commit_hostile_version(scripted, name))
    history = read_history(scripted.root)
    assert history.manifest_commits == 3
    # The valid versions still make the timeline; the hostile one adds nothing unreadable.
    assert [entry.stage for entry in history.timeline][-1] == "poc"
    assert all(entry.stage in ("ideation", "poc", "production") for entry in history.timeline)
    for change in history.criteria:
        assert change.threshold is None or abs(change.threshold) < float("inf")
    _strict_json(json.dumps(history.to_evidence().plain(), allow_nan=False))
    _assert_check_ends_with_a_verdict(run_cli, scripted.root)
    # --base at the hostile commit: the stage "before the change" comes from that version.
    _assert_check_ends_with_a_verdict(run_cli, scripted.root, "--base", hostile)


@pytest.mark.parametrize("kind", ["folder", "symlink", "submodule"])
def test_a_manifest_that_was_not_a_file_is_skipped_and_never_followed(
    scripted: ScriptedRepo, run_cli: Callable[..., CliResult], kind: str
) -> None:
    hostile = _history_with(scripted, lambda: _replace_manifest_by(scripted, kind))
    history = read_history(scripted.root)
    assert [entry.stage for entry in history.timeline] == ["ideation", "poc"]
    assert "root:" not in json.dumps(history.to_evidence().plain())  # /etc/passwd was never read
    _assert_check_ends_with_a_verdict(run_cli, scripted.root)
    _assert_check_ends_with_a_verdict(run_cli, scripted.root, "--base", hostile)


def test_commit_dates_at_the_edges_of_time(
    scripted: ScriptedRepo, run_cli: Callable[..., CliResult]
) -> None:
    """1970 and 2099 committer dates with extreme offsets: dated, ordered as committed."""
    git = ["git", "-C", str(scripted.root)]
    scripted.commit({"aigov.yaml": BASE}, "2025-01-10")
    for stage, date in (("poc", "@0 -1200"), ("industrialization", "@4102444799 +1400")):
        (scripted.root / "aigov.yaml").write_text(manifest(stage), encoding="utf-8")
        subprocess.run([*git, "add", "aigov.yaml"], check=True)
        env = {**os.environ, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date}
        subprocess.run([*git, "commit", "-q", "-m", stage], check=True, env=env)
    history = read_history(scripted.root)
    assert [(e.stage, e.date[:4]) for e in history.timeline] == [
        ("ideation", "2025"),
        ("poc", "1969"),  # the epoch at -12:00 is the evening before, in that time zone
        ("industrialization", "2100"),
    ]
    assert history.time_to_market_days()["industrialization"] > 0
    _assert_check_ends_with_a_verdict(run_cli, scripted.root)


def _findings(run_cli: Callable[..., CliResult], root: Path) -> set[str]:
    result = run_cli("check", str(root), "--today", TODAY, "-f", "json")
    assert result.exit_code in (0, 1), result.stderr[-2000:]
    data = _strict_json(result.stdout)
    assert isinstance(data, dict)
    return {finding["rule_id"] for finding in data["findings"]}


def test_a_backdated_commit_cannot_move_a_criterion_before_the_poc(
    scripted: ScriptedRepo, run_cli: Callable[..., CliResult]
) -> None:
    """Commit dates are the committer's word: the criterion added after the POC commit, in a
    commit dated before it, is still set after the POC (ancestry orders the history)."""
    scripted.commit({"aigov.yaml": manifest("ideation")}, "2025-01-10")
    scripted.commit({"aigov.yaml": manifest("poc")}, "2025-03-01")
    honest = _findings(run_cli, scripted.root)
    scripted.commit({"aigov.yaml": manifest("poc", criteria=AUC.format(0.8))}, "2025-02-01")
    history = read_history(scripted.root)
    (criterion,) = history.criteria
    (poc,) = [entry for entry in history.timeline if entry.stage == "poc"]
    assert criterion.date < poc.date and criterion.position > poc.position
    assert "LC-HISTORY-CRITERIA-BEFORE-POC" not in honest
    assert "LC-HISTORY-CRITERIA-BEFORE-POC" in _findings(run_cli, scripted.root)


def test_a_backdated_approval_is_still_recorded_after_the_stage_change(
    scripted: ScriptedRepo, run_cli: Callable[..., CliResult]
) -> None:
    approval = APPROVAL.format("poc", "2025-02-27", "DB-7")
    scripted.commit({"aigov.yaml": manifest("ideation")}, "2025-01-10")
    scripted.commit({"aigov.yaml": manifest("poc")}, "2025-03-01")
    scripted.commit({"aigov.yaml": manifest("poc", approvals=approval)}, "2025-02-28")
    assert "LC-HISTORY-APPROVAL-IN-ORDER" in _findings(run_cli, scripted.root)
    # Recorded with the stage change, it is in order.
    other = ScriptedRepo(scripted.root.parent / "in-order")
    other.commit({"aigov.yaml": manifest("ideation")}, "2025-01-10")
    other.commit({"aigov.yaml": manifest("poc", approvals=approval)}, "2025-03-01")
    assert "LC-HISTORY-APPROVAL-IN-ORDER" not in _findings(run_cli, other.root)


def test_a_history_too_long_to_read_quickly_is_refused_not_truncated(
    scripted: ScriptedRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the cap the history is unavailable (the rules fail closed), never cut short: a
    truncated timeline could place the POC entry later than it was."""
    from aigov.evidence import git_history

    for day in range(1, 5):
        scripted.commit({"aigov.yaml": manifest("ideation") + f"# {day}\n"}, f"2025-01-0{day}")
    monkeypatch.setattr(git_history, "MAX_MANIFEST_COMMITS", 3)
    with pytest.raises(GitEvidenceUnavailable, match="changed by 4 commits; aigov reads at most 3"):
        read_history(scripted.root)
    monkeypatch.setattr(git_history, "MAX_MANIFEST_COMMITS", 4)
    assert read_history(scripted.root).manifest_commits == 4
