"""Trust: nothing from the checked repository runs, its PR cannot pick its own policy, and forge
tokens never show.

- A real git repository in a temp folder carrying every way a checkout can make a tool run code:
  git hooks, ``.gitattributes`` filter and diff drivers, ``core.fsmonitor``, ``gpg.program``,
  ``core.hooksPath``, ``core.sshCommand``, Python files a careless tool would import
  (``conftest.py``, ``setup.py``, ``sitecustomize.py``, ``yaml.py`` shadowing a dependency) and a
  hostile ``.aigov/`` store. Every verb that reads a repository runs on it (``--base`` included,
  and ``python -m aigov`` with the checkout as working directory); each payload would create a
  marker file: none may exist afterwards.
- Policies: an ``aigov-org.yaml`` added by the PR at the repository root is not read; a PR that
  replaces the trusted policy folder by a symbolic link (to a folder of its own, or out of the
  repository) is still judged by the folder as committed at the base.
- Tokens: ``aigov portfolio scan`` against a local forge that fails and echoes the credentials it
  received; the token is in no output and no written file. (``aigov comment`` has the same checks
  in tests/scm/test_github.py, test_gitlab.py and test_faults.py.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import EXAMPLES, CliResult

TODAY = "2026-11-24"
HOOKS = (
    "applypatch-msg",
    "pre-applypatch",
    "post-applypatch",
    "pre-commit",
    "prepare-commit-msg",
    "commit-msg",
    "post-commit",
    "pre-rebase",
    "post-checkout",
    "post-merge",
    "pre-push",
    "pre-auto-gc",
    "post-rewrite",
    "reference-transaction",
    "fsmonitor-watchman",
    "post-index-change",
    "push-to-checkout",
)


def git(root: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Data Scientist",
        "GIT_AUTHOR_EMAIL": "ds@example.com",
        "GIT_COMMITTER_NAME": "Data Scientist",
        "GIT_COMMITTER_EMAIL": "ds@example.com",
    }
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True, env=env
    )
    return done.stdout


def _marker(markers: Path, name: str) -> str:
    return f"touch '{markers / name}'"


def plant_payloads(root: Path, markers: Path) -> None:
    """Hooks and git config of a hostile clone (after the commits: git would run them itself)."""
    hooks = root / ".git" / "hooks"
    other_hooks = root / "evil-hooks"
    for folder in (hooks, other_hooks):
        folder.mkdir(exist_ok=True)
        for hook in HOOKS:
            script = folder / hook
            script.write_text(f"#!/bin/sh\n{_marker(markers, f'hook-{folder.name}-{hook}')}\n")
            script.chmod(0o755)
    config = {
        "core.fsmonitor": _marker(markers, "core.fsmonitor"),
        "core.sshCommand": _marker(markers, "core.sshCommand"),
        "core.pager": _marker(markers, "core.pager"),
        "core.editor": _marker(markers, "core.editor"),
        "filter.evil.clean": _marker(markers, "filter.clean"),
        "filter.evil.smudge": _marker(markers, "filter.smudge"),
        "filter.evil.process": _marker(markers, "filter.process"),
        "diff.evil.textconv": _marker(markers, "diff.textconv"),
        "diff.evil.command": _marker(markers, "diff.command"),
        "merge.evil.driver": _marker(markers, "merge.driver"),
        "gpg.program": _marker(markers, "gpg.program"),
        "gpg.ssh.program": _marker(markers, "gpg.ssh.program"),
        "log.showSignature": "true",
        "uploadpack.packObjectsHook": _marker(markers, "packObjectsHook"),
        "core.alternateRefsCommand": _marker(markers, "alternateRefsCommand"),
        "credential.helper": f"!{_marker(markers, 'credential.helper')}",
    }
    for key, value in config.items():
        git(root, "config", key, value)
    git(root, "config", "core.hooksPath", str(other_hooks))


def python_payloads(markers: Path) -> dict[str, str]:
    """Files a tool that imports or runs repository code would execute."""
    code = "open({!r}, 'w').close()\n"
    return {
        name: code.format(str(markers / f"py-{name.replace('/', '-')}"))
        for name in (
            "conftest.py",
            "setup.py",
            "sitecustomize.py",
            "usercustomize.py",
            "yaml.py",
            "pydantic.py",
            "jinja2.py",
            "git.py",
            "aigov_plugins.py",
            "contracts/conftest.py",
            ".aigov/hooks.py",
        )
    }


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    """(repository, markers folder): ``main`` holds the example, branch ``change`` moves it to
    the next stage and adds every payload file; hooks and config are planted afterwards."""
    markers = tmp_path / "markers"
    markers.mkdir()
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "customer-chatbot", root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "change")
    manifest = root / "aigov.yaml"
    manifest.write_text(
        manifest.read_text("utf-8").replace("\nstage: poc", "\nstage: industrialization"), "utf-8"
    )
    for relative, content in python_payloads(markers).items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(content, encoding="utf-8")
    (root / ".gitattributes").write_text("* filter=evil diff=evil merge=evil\n", "utf-8")
    evidence = root / ".aigov" / "evidence"
    evidence.mkdir(parents=True)
    (evidence / "data_quality.json").write_text(
        json.dumps({"kind": "aigov/data-quality-evidence", "contracts": [{"file": "$(touch x)"}]})
    )
    (root / ".aigov" / "result.json").write_text('{"packs": [{"name": "`touch x`"}]}')
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "to industrialization")
    plant_payloads(root, markers)
    # The work tree differs from the index (what fsmonitor and filters would be asked about).
    manifest.write_text(manifest.read_text("utf-8") + "\n# uncommitted\n", "utf-8")
    return root, markers


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        args,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def test_nothing_from_the_checked_repository_runs(
    hostile: tuple[Path, Path], tmp_path: Path
) -> None:
    root, markers = hostile
    aigov = shutil.which("aigov")
    assert aigov is not None
    out = tmp_path / "out"
    runs = {
        "validate": [aigov, "validate", "."],
        "check": [aigov, "check", ".", "--today", TODAY, "-f", "json", "-o", str(out / "a.json")],
        "check --base": [aigov, "check", ".", "--base", "main", "--today", TODAY],
        "check --base, python -m": [sys.executable, "-m", "aigov", "check", "--base", "main"],
        "gate": [aigov, "gate", "--to", "production", ".", "--today", TODAY],
        "docs": [aigov, "docs", ".", "--out", str(out / "docs"), "--today", TODAY],
        "portfolio scan": [
            aigov,
            "portfolio",
            "scan",
            "--dir",
            str(root.parent),
            "-o",
            str(out / "scan.json"),
            "--cache",
            str(out / "cache"),
        ],
    }
    results = {}
    for name, args in runs.items():
        process = _run(args, root, {"AIGOV_NO_CACHE": "1"})
        _, stderr = process.communicate(timeout=120)
        results[name] = (process.returncode, stderr)
        assert "Traceback" not in stderr, (name, stderr[-2000:])
    assert sorted(p.name for p in markers.iterdir()) == [], results
    assert results["check --base"][0] == 1  # it ran: the PR's stage change needs its approval
    assert results["check --base, python -m"][0] == 1


def test_python_dash_m_does_not_import_from_the_working_directory(tmp_path: Path) -> None:
    """``python -m`` puts the working directory first on sys.path: a checkout's ``yaml.py``
    would shadow PyYAML and run. aigov's ``__main__`` drops that entry before importing."""
    markers = tmp_path / "markers"
    markers.mkdir()
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "customer-chatbot", root)
    for relative, content in python_payloads(markers).items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(content, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "aigov", "check", "."], cwd=root, capture_output=True, text=True
    )
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert sorted(p.name for p in markers.iterdir()) == []


# --- the policy that judges a PR --------------------------------------------------------------

STRICT_ORG = """\
apiVersion: aigov/v1
kind: OrgConfig
block_on: low
"""
LAX_ORG = """\
apiVersion: aigov/v1
kind: OrgConfig
block_on: critical
waivers:
  approvers: [anyone]
  max_days: 3650
"""


def _policy_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "customer-chatbot", root)
    (root / "governance").mkdir()
    (root / "governance" / "aigov-org.yaml").write_text(STRICT_ORG, encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base with the org's policy")
    git(root, "checkout", "-q", "-b", "change")
    return root


def _judged(root: Path, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "aigov", "check", str(root), "-f", "json", "--today", TODAY, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "AIGOV_NO_CACHE": "1"},
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    data: dict[str, Any] = json.loads(done.stdout)
    return data


@pytest.mark.parametrize("target", ["inside", "outside"])
def test_a_symlinked_policy_folder_is_read_at_the_base(tmp_path: Path, target: str) -> None:
    root = _policy_repo(tmp_path)
    lax = root / "lax" if target == "inside" else tmp_path / "lax"
    lax.mkdir()
    (lax / "aigov-org.yaml").write_text(LAX_ORG, encoding="utf-8")
    shutil.rmtree(root / "governance")
    (root / "governance").symlink_to(lax if target == "outside" else Path("lax"))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "point the policy at my own")
    data = _judged(root, "--base", "main", "--policies", str(root / "governance"))
    assert data["block_on"] == "low"  # the base's org config, not the PR's
    assert data["policy_source"].endswith("#governance")
    notes = "\n".join(data["notes"])
    assert "needs compliance review" in notes and "governance/aigov-org.yaml" in notes


def test_an_org_config_added_by_the_pr_is_not_read(tmp_path: Path) -> None:
    root = _policy_repo(tmp_path)
    before = _judged(root, "--base", "main")
    for folder in (root, root / "contracts", root / ".aigov"):
        folder.mkdir(exist_ok=True)
        (folder / "aigov-org.yaml").write_text(LAX_ORG, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "my own org config")
    after = _judged(root, "--base", "main")
    assert after["block_on"] == before["block_on"] == "high"  # the built-in default
    assert after["decision"] == before["decision"]
    assert [f["rule_id"] for f in after["findings"]] == [f["rule_id"] for f in before["findings"]]
    assert "needs compliance review" in "\n".join(after["notes"])


# --- tokens -----------------------------------------------------------------------------------

TOKEN = "ghs_tRust7estT0kenThatMustNeverLeak0099"


@pytest.fixture
def echoing_forge() -> Iterator[tuple[str, dict[str, str]]]:
    """A forge on 127.0.0.1 that lists one repository, then fails every other request with the
    credentials it received echoed in the error body (a misbehaving proxy does exactly this)."""
    state = {"list": "ok"}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            echoed = {
                "message": f"upstream error: {dict(self.headers.items())}",
                "echo": {k: v for k, v in self.headers.items()},
                "url": f"{base}{self.path}?access_token={TOKEN}",
            }
            path = self.path.split("?")[0]
            if state["list"] == "ok" and path == "/orgs/acme":
                return self._send(200, {"login": "acme", "id": 1, "url": f"{base}/orgs/acme"})
            if state["list"] == "ok" and path == "/orgs/acme/repos":
                repo = {
                    "id": 1,
                    "name": "alpha",
                    "full_name": "acme/alpha",
                    "archived": False,
                    "default_branch": "main",
                    "html_url": f"{base}/acme/alpha",
                    "url": f"{base}/repos/acme/alpha",
                    "owner": {"login": "acme", "id": 1},
                }
                return self._send(200, [repo])
            if state["list"] == "ok" and path == "/api/v4/groups/acme/projects":
                project = {
                    "id": 1,
                    "path": "alpha",
                    "path_with_namespace": "acme/alpha",
                    "default_branch": "main",
                    "web_url": f"{base}/acme/alpha",
                }
                return self._send(200, [project])
            return self._send(401 if state["list"] == "401" else 500, echoed)

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()


def _written(folder: Path) -> str:
    return "".join(p.read_text("utf-8", errors="replace") for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("mode", ["ok", "500", "401"])
@pytest.mark.parametrize("forge", ["github", "gitlab"])
def test_portfolio_scan_never_prints_or_writes_the_token(
    echoing_forge: tuple[str, dict[str, str]],
    tmp_path: Path,
    forge: str,
    mode: str,
    run_cli: Callable[..., CliResult],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("github" if forge == "github" else "gitlab")
    from aigov.scm import retry

    # The retries themselves are what an echoing forge answers again and again; waiting for the
    # default backoff between them (~14 s a case) would test nothing more.
    monkeypatch.setattr(retry, "DEFAULT_POLICY", retry.RetryPolicy(retries=2, backoff_factor=0.01))
    url, state = echoing_forge
    state["list"] = mode  # ok: listing works, each repository fails; else the listing fails
    out = tmp_path / "out"
    source = (
        ["--github-org", "acme", "--github-url", url]
        if forge == "github"
        else ["--gitlab-group", "acme", "--gitlab-url", url]
    )
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
    monkeypatch.setenv("AIGOV_NO_CACHE", "1")
    monkeypatch.chdir(tmp_path)
    result = run_cli(
        "portfolio", "scan", *source, "-o", str(out / "scan.json"), "--cache", str(out)
    )
    stdout, stderr = result.stdout, result.stderr
    assert result.exit_code in (0, 1, 2)
    assert TOKEN not in stdout + stderr, (stdout + stderr)[-3000:]
    assert TOKEN not in _written(tmp_path)
    if mode != "ok":
        assert result.exit_code == 2 and ("401" in stderr or "500" in stderr), stderr
