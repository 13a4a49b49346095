"""Remote policy sources: a real git repository served over HTTP on 127.0.0.1 (plain http: the
token rules for https are the same code path, and loopback http is the one plain-http case
allowed to carry a token), and over ssh through a stand-in ``ssh`` that runs git's remote
command locally (no sshd on the test machine)."""

from __future__ import annotations

import base64
import json
import os
import socket
import stat
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES, CliResult
from tests.policy.conftest import write_pack
from tests.policy.git_http import GitHttpServer, serve_git

from aigov.policy.remote import RemoteSourceError, fetch_ref, parse_remote
from aigov.policy.sources import PolicySource, load_policy_set, parse_policy_source

TOKEN = "ghp_s3cr3tTOKENvalue0123456789"

Run = Callable[..., CliResult]


def _git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Compliance",
        "GIT_AUTHOR_EMAIL": "compliance@example.com",
        "GIT_COMMITTER_NAME": "Compliance",
        "GIT_COMMITTER_EMAIL": "compliance@example.com",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@dataclass
class PolicyRemote:
    work: Path
    bare: Path
    tag_commit: str

    def commit_new_version(self, version: str) -> str:
        write_pack(self.work / "gdpr", name="gdpr", version=version, prefix="REM")
        _git(self.work, "add", "-A")
        _git(self.work, "commit", "-q", "-m", f"gdpr {version}")
        _git(self.work, "push", "-q", str(self.bare), "main")
        return _git(self.work, "rev-parse", "HEAD")


@pytest.fixture
def policy_remote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PolicyRemote:
    """``served/policies.git``: pack gdpr 1.0.0 tagged v1.0.0 on branch main."""
    monkeypatch.setenv("AIGOV_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("AIGOV_NO_CACHE", raising=False)
    monkeypatch.delenv("AIGOV_POLICIES_TOKEN", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    _git(work, "init", "-q", "-b", "main")
    write_pack(work / "gdpr", name="gdpr", version="1.0.0", prefix="REM")
    (work / "aigov-org.yaml").write_text(
        "apiVersion: aigov/v1\nkind: OrgConfig\nblock_on: medium\n", encoding="utf-8"
    )
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "gdpr 1.0.0")
    _git(work, "tag", "-a", "v1.0.0", "-m", "release 1.0.0")
    bare = tmp_path / "served" / "policies.git"
    bare.parent.mkdir()
    _git(tmp_path, "clone", "-q", "--bare", str(work), str(bare))
    return PolicyRemote(work, bare, _git(work, "rev-parse", "HEAD"))


@pytest.fixture
def server(policy_remote: PolicyRemote) -> Iterator[GitHttpServer]:
    with serve_git(policy_remote.bare.parent) as served:
        yield served


@pytest.fixture
def git_argv_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put a ``git`` first on PATH that logs its command line, then runs the real git."""
    real = subprocess.run(["which", "git"], capture_output=True, text=True).stdout.strip()
    shim_dir = tmp_path / "shim"
    shim_dir.mkdir()
    log = tmp_path / "git-argv.log"
    shim = shim_dir / "git"
    shim.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\nexec "{real}" "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{shim_dir}{os.pathsep}{os.environ['PATH']}")
    return log


def _basic(token: str) -> str:
    return base64.b64encode(f"x-access-token:{token}".encode()).decode()


# --- parsing ----------------------------------------------------------------------------------


def test_parse_remote_sources() -> None:
    https = parse_policy_source("https://git.example.com/org/policies.git@v2.3.0")
    assert (https.kind, https.location, https.ref) == (
        "remote",
        "https://git.example.com/org/policies.git",
        "v2.3.0",
    )
    assert str(https) == "https://git.example.com/org/policies.git@v2.3.0"
    user = parse_remote("git+https://oauth2@gitlab.example.com/org/policies@release/2.3")
    assert user.location.url == "https://gitlab.example.com/org/policies"
    assert (user.location.username, user.ref) == ("oauth2", "release/2.3")
    ssh = parse_remote("ssh://git@git.example.com:2222/org/policies.git@main")
    assert (ssh.location.scheme, ssh.location.host, ssh.ref) == ("ssh", "git.example.com", "main")
    assert ssh.location.url == "ssh://git@git.example.com:2222/org/policies.git"
    scp = parse_remote("git@github.com:org/policies.git@v1")
    assert (scp.location.url, scp.location.scheme, scp.ref) == (
        "git@github.com:org/policies.git",
        "ssh",
        "v1",
    )
    assert parse_remote("git@github.com:org/policies.git", ref="v2").ref == "v2"
    digest = "sha256:" + "ab" * 32
    pinned = parse_remote(f"https://h.example/p.git@v1#{digest}")
    assert (pinned.ref, pinned.digest) == ("v1", digest)
    assert parse_policy_source("org-policies") == PolicySource("folder", "org-policies")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("https://git.example.com/org/policies.git", "pin the ref"),
        ("git@github.com:org/policies.git", "pin the ref"),
        ("https://me:hunter2@git.example.com/p.git@v1", "put the token in AIGOV_POLICIES_TOKEN"),
        ("ssh://-oProxyCommand=touch%20x/p.git@v1", "is not a host name"),
        ("https://git.example.com/p.git@v1..v2", "is not a branch, tag or commit name"),
        ("https://git.example.com/p.git@-delete", "is not a branch, tag or commit name"),
        ("https://git.example.com/p.git@v1#sha256:abc", "64 hexadecimal digits"),
        ("https://git.example.com@v1", "with its path"),
    ],
)
def test_parse_remote_refuses(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as refused:
        parse_policy_source(text)
    assert "hunter2" not in str(refused.value)


# --- fetching over http -------------------------------------------------------------------------


def test_tag_is_fetched_with_the_token_to_that_host_only_then_reused(
    run_cli: Run,
    server: GitHttpServer,
    policy_remote: PolicyRemote,
    git_argv_log: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server.token = TOKEN
    monkeypatch.setenv("AIGOV_POLICIES_TOKEN", TOKEN)
    source = server.url_of("policies.git") + "@v1.0.0"
    first = run_cli("policy", "doc", "--policies", source)
    assert first.exit_code == 0, first.stderr
    assert "REM-OVERSIGHT" in first.stdout
    assert server.requests, "the server was asked"
    assert all(r.headers.get("Authorization") == f"Basic {_basic(TOKEN)}" for r in server.requests)
    argv = git_argv_log.read_text()
    assert "ls-remote" in argv and "fetch" in argv
    assert TOKEN not in argv and _basic(TOKEN) not in argv  # never on a command line
    assert TOKEN not in first.stdout + first.stderr
    # a tag is immutable: the second run reads the cache and asks nobody
    asked = len(server.requests)
    again = run_cli("policy", "doc", "--policies", source)
    assert again.exit_code == 0 and again.stdout == first.stdout
    assert len(server.requests) == asked
    # the cache is under AIGOV_CACHE_DIR, and holds no token
    cache = Path(os.environ["AIGOV_CACHE_DIR"]) / "sources"
    stored = b"".join(p.read_bytes() for p in cache.rglob("*") if p.is_file())
    assert TOKEN.encode() not in stored and _basic(TOKEN).encode() not in stored


def test_wrong_token_is_an_auth_failure_that_does_not_leak_it(
    run_cli: Run, server: GitHttpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.token = TOKEN
    monkeypatch.setenv("AIGOV_POLICIES_TOKEN", "wrong-token-value-42")
    result = run_cli("policy", "doc", "--policies", server.url_of("policies.git") + "@v1.0.0")
    assert result.exit_code == 2
    assert "authentication failed (AIGOV_POLICIES_TOKEN set)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "wrong-token-value-42" not in result.stdout + result.stderr
    assert _basic("wrong-token-value-42") not in result.stdout + result.stderr
    monkeypatch.delenv("AIGOV_POLICIES_TOKEN")
    without = run_cli("policy", "doc", "--policies", server.url_of("policies.git") + "@v1.0.0")
    assert without.exit_code == 2
    assert "authentication failed (AIGOV_POLICIES_TOKEN not set)" in without.stderr


def test_unknown_ref_unknown_repository_and_unreachable_host(
    run_cli: Run, server: GitHttpServer
) -> None:
    unknown = run_cli("policy", "doc", "--policies", server.url_of("policies.git") + "@v9.9.9")
    assert unknown.exit_code == 2
    assert f"{server.url_of('policies.git')}: no branch or tag 'v9.9.9'" in unknown.stderr
    missing = run_cli("policy", "doc", "--policies", server.url_of("nothing.git") + "@v1")
    assert missing.exit_code == 2 and "no repository there" in missing.stderr
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = run_cli("policy", "doc", "--policies", f"http://127.0.0.1:{port}/p.git@v1")
    assert down.exit_code == 2
    assert "cannot reach 127.0.0.1" in down.stderr
    assert len(down.stderr.strip().splitlines()) == 1
    short = run_cli("policy", "doc", "--policies", server.url_of("policies.git") + "@abc1234")
    assert short.exit_code == 2 and "pin a commit by its full sha" in short.stderr


def test_a_redirect_to_another_host_is_refused_and_gets_no_token(
    run_cli: Run,
    server: GitHttpServer,
    policy_remote: PolicyRemote,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with serve_git(policy_remote.bare.parent, host="127.0.0.2") as other:
        server.redirect_to = f"http://127.0.0.2:{other.port}"
        monkeypatch.setenv("AIGOV_POLICIES_TOKEN", TOKEN)
        result = run_cli("policy", "doc", "--policies", server.url_of("policies.git") + "@v1.0.0")
        assert result.exit_code == 2
        assert "redirect" in result.stderr and TOKEN not in result.stderr
        assert server.requests and not other.requests
        assert not any("Authorization" in r.headers for r in other.requests)


def test_token_never_goes_over_plain_http_to_another_host(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIGOV_POLICIES_TOKEN", TOKEN)
    result = run_cli("policy", "doc", "--policies", "http://git.example.com/p.git@v1")
    assert result.exit_code == 2
    assert "plain http: the token is sent over https only" in result.stderr


def test_branch_is_refetched_when_it_moves_and_marked_as_moving(
    server: GitHttpServer, policy_remote: PolicyRemote, tmp_path: Path
) -> None:
    spec = parse_remote(server.url_of("policies.git") + "@main")
    cache = tmp_path / "cache" / "sources"
    first = fetch_ref(spec, cache)
    assert (first.kind, first.commit, first.fetched) == ("branch", policy_remote.tag_commit, True)
    unchanged = fetch_ref(spec, cache)
    assert (unchanged.commit, unchanged.fetched) == (policy_remote.tag_commit, False)
    moved = policy_remote.commit_new_version("1.1.0")
    again = fetch_ref(spec, cache)
    assert (again.commit, again.fetched) == (moved, True)
    policy_set = load_policy_set(parse_policy_source(server.url_of("policies.git") + "@main"))
    assert policy_set.packs[0].version == "1.1.0"
    assert policy_set.origin.startswith(f"{server.url_of('policies.git')}@main (branch at commit")
    assert policy_set.origin.endswith("a moving ref, not pinned by a digest")


def test_commit_sha_is_fetched_then_reused(
    server: GitHttpServer, policy_remote: PolicyRemote, tmp_path: Path
) -> None:
    policy_remote.commit_new_version("1.1.0")  # the pinned commit is no longer the branch tip
    spec = parse_remote(server.url_of("policies.git") + "@" + policy_remote.tag_commit)
    first = fetch_ref(spec, tmp_path / "c")
    assert (first.kind, first.commit, first.fetched) == ("commit", policy_remote.tag_commit, True)
    assert fetch_ref(spec, tmp_path / "c").fetched is False
    policy_set = load_policy_set(parse_policy_source(str(spec.location.url) + "@" + first.commit))
    assert policy_set.packs[0].version == "1.0.0"
    assert "moving ref" not in policy_set.origin


def test_pinned_digest_is_verified(run_cli: Run, server: GitHttpServer) -> None:
    source = server.url_of("policies.git") + "@main"
    digest = load_policy_set(parse_policy_source(source)).origin.split(", ")[1].split(")")[0]
    assert digest.startswith("sha256:")
    good = load_policy_set(parse_policy_source(f"{source}#{digest}"))
    assert "moving ref" not in good.origin and f"{digest} pinned" in good.origin
    wrong = "sha256:" + "0" * 64
    result = run_cli("policy", "doc", "--policies", f"{source}#{wrong}")
    assert result.exit_code == 2
    assert f"hash to {digest}, not to the pinned {wrong}" in result.stderr


def test_no_cache_fetches_into_a_temporary_folder(
    server: GitHttpServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AIGOV_NO_CACHE", "1")
    policy_set = load_policy_set(parse_policy_source(server.url_of("policies.git") + "@v1.0.0"))
    assert policy_set.packs[0].name == "gdpr"
    assert not (tmp_path / "cache").exists()


def test_check_report_names_the_remote_source_and_a_moving_ref(
    run_cli: Run, server: GitHttpServer, tmp_path: Path
) -> None:
    out = tmp_path / "result.json"
    source = server.url_of("policies.git") + "@main"
    result = run_cli(
        "check", str(EXAMPLES / "credit-scoring"), "--policies", source,
        "-f", "text", "-f", "json", "-o", str(out),
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.stderr
    assert f"policy source: {server.url_of('policies.git')}@main (branch at commit" in " ".join(
        result.stdout.split()
    )
    assert "moving ref, not pinned" in " ".join(result.stdout.split())
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["policy_source"].endswith("a moving ref, not pinned by a digest")
    assert document["packs"][0]["origin"] == document["policy_source"]


# --- ssh ------------------------------------------------------------------------------------------


def test_ssh_scp_like_source_through_a_stand_in_ssh(
    policy_remote: PolicyRemote, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git's ssh transport end to end, with an ``ssh`` that runs the remote command here (as
    git's own test suite does): no sshd is available to the tests."""
    log = tmp_path / "ssh.log"
    fake = tmp_path / "fake-ssh"
    fake.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\n'
        'while [ $# -gt 1 ]; do shift; done\nexec sh -c "$1"\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("GIT_SSH_COMMAND", str(fake))
    monkeypatch.setenv("GIT_SSH_VARIANT", "simple")
    monkeypatch.setenv("AIGOV_POLICIES_TOKEN", TOKEN)  # not for ssh: never handed to it
    source = f"git@policies.example.com:{policy_remote.bare}@v1.0.0"
    policy_set = load_policy_set(parse_policy_source(source))
    assert policy_set.packs[0].version == "1.0.0"
    assert policy_set.origin.startswith(f"git@policies.example.com:{policy_remote.bare}@v1.0.0")
    seen = log.read_text()
    assert "git@policies.example.com" in seen and "git-upload-pack" in seen
    assert TOKEN not in seen
    ssh_url = f"ssh://git@policies.example.com{policy_remote.bare}@v1.0.0"
    assert load_policy_set(parse_policy_source(ssh_url)).packs[0].version == "1.0.0"


def test_remote_errors_are_aigov_errors() -> None:
    with pytest.raises(RemoteSourceError):
        parse_remote("https://example.com/p.git")
