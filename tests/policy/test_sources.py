"""Policy sources: folders, the built-in packs, and git repositories read at a pinned ref."""

from __future__ import annotations

import os
from pathlib import Path

import git
import pytest
from tests.policy.conftest import write_pack

from aigov._resources import builtin_policies
from aigov.policy.pack import PolicyLoadError
from aigov.policy.sources import PolicySource, load_policy_set, parse_policy_source


def test_parse_policy_source() -> None:
    assert parse_policy_source(None) == PolicySource("builtin")
    assert parse_policy_source("builtin") == PolicySource("builtin")
    assert parse_policy_source("org-policies") == PolicySource("folder", "org-policies")
    assert parse_policy_source("git+file:///srv/policies@v1.2.0") == PolicySource(
        "git", "/srv/policies", "v1.2.0"
    )
    assert parse_policy_source("/srv/policies", ref="abc123") == PolicySource(
        "git", "/srv/policies", "abc123"
    )
    with pytest.raises(ValueError, match="pin the ref"):
        parse_policy_source("git+file:///srv/policies")
    with pytest.raises(ValueError, match=r"a git source is git\+file:///path@REF"):
        parse_policy_source("git+ftp://example.com/policies.git@v1")
    assert parse_policy_source("git+https://example.com/policies.git@v1").kind == "remote"


def test_builtin_policies_folder_is_found() -> None:
    assert (builtin_policies() / "README.md").is_file()


def make_git_policies(root: Path) -> tuple[git.Repo, str, str]:
    """A policy repository with two commits: pack 1.0.0, then 1.1.0 with a changed rule."""
    repo = git.Repo.init(root)
    with repo.config_writer() as config:
        config.set_value("user", "name", "Compliance")
        config.set_value("user", "email", "compliance@example.com")
    write_pack(root / "gdpr", name="gdpr", version="1.0.0", prefix="GIT")
    (root / "aigov-org.yaml").write_text(
        "apiVersion: aigov/v1\nkind: OrgConfig\nblock_on: medium\n", encoding="utf-8"
    )
    repo.index.add(["gdpr/pack.yaml", "gdpr/rules/main.yaml", "aigov-org.yaml"])
    first = repo.index.commit("gdpr 1.0.0").hexsha
    write_pack(root / "gdpr", name="gdpr", version="1.1.0", prefix="GIT2")
    repo.index.add(["gdpr/pack.yaml", "gdpr/rules/main.yaml"])
    second = repo.index.commit("gdpr 1.1.0").hexsha
    return repo, first, second


def test_git_source_reads_the_pinned_ref_without_checkout(tmp_path: Path) -> None:
    root = tmp_path / "policy-repo"
    repo, first, second = make_git_policies(root)
    repo.create_tag("v1.0.0", ref=first)
    for ref in (first, "v1.0.0", first[:10]):
        policy_set = load_policy_set(parse_policy_source(f"git+file://{root}@{ref}"))
        (pack,) = policy_set.packs
        assert pack.version == "1.0.0"
        assert [r.id for r in policy_set.rules] == ["GIT-OVERSIGHT", "GIT-OWNER"]
        assert pack.origin == f"git+file://{root}@{first}"
        assert policy_set.org.block_on == "medium"
    latest = load_policy_set(PolicySource("git", str(root), "HEAD"))
    assert latest.packs[0].version == "1.1.0"
    assert latest.packs[0].origin.endswith(second)
    assert latest.packs[0].digest != policy_set.packs[0].digest
    # the working tree is untouched: it still holds the second commit's files
    assert "1.1.0" in (root / "gdpr" / "pack.yaml").read_text(encoding="utf-8")


def test_git_digest_equals_folder_digest(tmp_path: Path) -> None:
    root = tmp_path / "policy-repo"
    make_git_policies(root)
    from_git = load_policy_set(PolicySource("git", str(root), "HEAD")).packs[0].digest
    from_folder = load_policy_set(PolicySource("folder", str(root))).packs[0].digest
    assert from_git == from_folder


def test_git_source_errors(tmp_path: Path) -> None:
    root = tmp_path / "policy-repo"
    make_git_policies(root)
    with pytest.raises(ValueError, match="'v9' is not a commit"):
        load_policy_set(PolicySource("git", str(root), "v9"))
    with pytest.raises(ValueError, match="not a git repository"):
        load_policy_set(PolicySource("git", str(tmp_path), "HEAD"))


def _refused(source: PolicySource) -> list[tuple[str, str]]:
    with pytest.raises(PolicyLoadError) as refused:
        load_policy_set(source)
    return [(str(p.location), p.code) for p in refused.value.problems]


def test_folder_source_refuses_symlinked_policy_files(tmp_path: Path) -> None:
    """A link is never followed, and never skipped either: the policy would judge with fewer
    rules (or the default org config) than its author wrote."""
    outside = write_pack(tmp_path / "outside", name="outside", prefix="OUT")
    (tmp_path / "outside" / "aigov-org.yaml").write_text("block_on: low\n", encoding="utf-8")
    root = tmp_path / "policies"
    write_pack(root / "inside", name="inside", prefix="IN")
    (root / "inside" / "rules" / "linked.yaml").symlink_to(outside / "rules" / "main.yaml")
    (root / "aigov-org.yaml").symlink_to(tmp_path / "outside" / "aigov-org.yaml")
    (root / "other").symlink_to(outside, target_is_directory=True)
    (root / "README.md").symlink_to(outside / "pack.yaml")  # not a policy file: ignored
    shown = str(root)
    assert sorted(_refused(PolicySource("folder", shown))) == [
        (f"{shown}/aigov-org.yaml", "policy.not-regular"),
        (f"{shown}/inside/rules/linked.yaml", "policy.not-regular"),
        (f"{shown}/other", "policy.not-regular"),
    ]


def test_folder_source_refuses_special_files_without_opening_them(tmp_path: Path) -> None:
    root = tmp_path / "policies"
    write_pack(root / "inside", name="inside", prefix="IN")
    os.mkfifo(root / "inside" / "rules" / "fifo.yaml")  # opening it would block
    assert _refused(PolicySource("folder", str(root))) == [
        (f"{root}/inside/rules/fifo.yaml", "policy.not-regular")
    ]


def test_git_source_refuses_committed_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "policy-repo"
    repo, _, _ = make_git_policies(root)
    (root / "gdpr" / "rules" / "linked.yaml").symlink_to("/etc/hostname")
    repo.index.add(["gdpr/rules/linked.yaml"])
    head = repo.index.commit("a linked rule file").hexsha
    assert _refused(PolicySource("git", str(root), head)) == [
        (f"{root}@{head}/gdpr/rules/linked.yaml", "policy.not-regular")
    ]
