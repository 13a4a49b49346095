"""git plumbing reads on real repositories made in temp folders."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from aigov.git_objects import (
    GitError,
    ObjectReader,
    changed_paths,
    commits_touching,
    find_work_tree,
    list_tree,
    merge_base,
    resolve_commit,
)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "ml@example.org")
    git(root, "config", "user.name", "ML Team")
    (root / "a.txt").write_text("one\n")
    (root / "sub").mkdir()
    (root / "sub" / "b.txt").write_text("two\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    return root


def test_work_tree_found_from_a_subfolder_with_head_and_shallowness(repo: Path) -> None:
    found = find_work_tree(repo / "sub")
    assert found.top_level.resolve() == repo.resolve()
    assert found.head == git(repo, "rev-parse", "HEAD")
    assert found.shallow is False


def test_unborn_repository_has_no_head_and_a_plain_folder_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    assert find_work_tree(empty).head is None
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(GitError, match="not inside a git repository"):
        find_work_tree(plain)


def test_a_ref_is_never_read_as_an_option(repo: Path, tmp_path: Path) -> None:
    written = tmp_path / "written-by-git"
    for hostile in (f"--output={written}", "-h", "--all"):
        assert resolve_commit(repo, hostile) is None
        with pytest.raises(GitError):
            changed_paths(repo, hostile, "HEAD")
    assert not written.exists()
    assert resolve_commit(repo, "main") == git(repo, "rev-parse", "HEAD")


def test_changed_paths_name_both_sides_of_a_rename_and_merge_base(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD")
    git(repo, "switch", "-q", "-c", "feature")
    git(repo, "mv", "a.txt", "renamed.txt")
    (repo / "sub" / "b.txt").write_text("changed\n")
    git(repo, "commit", "-q", "-am", "rename and edit")
    head = git(repo, "rev-parse", "HEAD")
    assert changed_paths(repo, first, head) == ["a.txt", "renamed.txt", "sub/b.txt"]
    assert merge_base(repo, "main", head) == first


def test_commits_touching_a_path_oldest_first(repo: Path) -> None:
    (repo / "a.txt").write_text("one\ntwo\n")
    git(repo, "commit", "-q", "-am", "second")
    (repo / "sub" / "b.txt").write_text("untracked change\n")
    git(repo, "commit", "-q", "-am", "third, not a.txt")
    rows = commits_touching(repo, "HEAD", "a.txt", ("%H", "%s", "%an"))
    assert [row[1] for row in rows] == ["first", "second"]
    assert rows[0][2] == "ML Team"


def test_object_reader_skips_oversized_objects_and_stays_in_step(repo: Path) -> None:
    (repo / "big.bin").write_bytes(b"x" * 300_000)
    git(repo, "add", "big.bin")
    git(repo, "commit", "-q", "-m", "big")
    with ObjectReader(repo) as objects:
        assert objects.read("HEAD:big.bin", max_bytes=1000) is None
        assert objects.read("HEAD:a.txt", max_bytes=1000) == ("blob", b"one\n")
        assert objects.read("HEAD:missing.txt", max_bytes=1000) is None
        assert objects.read("HEAD:a.txt\nHEAD:sub/b.txt", max_bytes=1000) is None
        assert objects.read("HEAD:sub/b.txt", max_bytes=1000) == ("blob", b"two\n")


def test_list_tree_reports_symlinks_and_sizes(repo: Path) -> None:
    (repo / "link").symlink_to("a.txt")
    git(repo, "add", "link")
    git(repo, "commit", "-q", "-m", "link")
    entries = {entry.path: entry for entry in list_tree(repo, git(repo, "rev-parse", "HEAD"))}
    assert entries["a.txt"].size == 4 and entries["a.txt"].kind == "blob"
    assert entries["link"].mode == 0o120000
    assert "sub/b.txt" in entries


def test_no_fsmonitor_or_hook_configured_in_the_repository_runs(repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    script = repo / ".git" / "evil.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\n")
    script.chmod(0o755)
    git(repo, "config", "core.fsmonitor", str(script))
    for hook in ("post-checkout", "pre-commit", "reference-transaction"):
        target = repo / ".git" / "hooks" / hook
        target.write_text(script.read_text())
        target.chmod(0o755)
    head = find_work_tree(repo).head
    assert head is not None
    changed_paths(repo, head, head)
    commits_touching(repo, head, "a.txt", ("%H",))
    list(list_tree(repo, head))
    with ObjectReader(repo) as objects:
        objects.read(f"{head}:a.txt", max_bytes=100)
    assert not marker.exists()
