"""A pull request steering what aigov prints or posts (issue 14, items 7 and 9).

A PR's author writes every file of the repository: its manifest, model card and contracts carry
text a CI runner would obey (GitHub workflow commands new and legacy, a CR before a command,
GitLab log sections, ANSI escapes) or a forge would link (bare URLs, ``mailto:``, mentions,
HTML, ``javascript:`` links), and one of its folders is named like a workflow command. Real
``aigov`` processes run on that repository in every output format and through its error paths;
their standard output and error are read with the runners' own rules (tests/payloads.py): no
command but aigov's annotations, no log markup. ``aigov comment`` is fed a hostile result file
(the ``workflow_run`` artifact) and posts to a local GitHub: every link of the comment, rendered
by GitHub's cmark-gfm, is on the forge. An e-mail address and a URL the repository legitimately
writes come out exactly as written.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from tests.conftest import EXAMPLES, CliResult, run_aigov_process
from tests.payloads import KEPT, MENTIONS, PAYLOADS, github_commands, gitlab_markup
from tests.report.test_hostile_text import (
    gfm_html,
    github_links,
    outside_code_and_links,
    parse_html,
)
from tests.scm.fakes import (
    FakeGitHub,
    FakeGitLab,
    github_env,
    gitlab_env,
    local_server,
    zero_throttle,
)

from aigov.report.document import POLICY_REFERENCE_URL
from aigov.report.markdown import ZWJ

__all__ = ["local_server", "zero_throttle"]

TODAY = "2026-11-24"
STEERING = (
    "stop-commands",
    "add-mask",
    "set-output-line",
    "legacy-command",
    "cr-command",
    "gitlab-section",
    "workflow-command",
    "workflow-escapes",
    "ansi",
    "bare-url",
    "mailto",
    "mention-team",
    "img-onerror",
    "javascript-link",
)
HOSTILE = " ".join(PAYLOADS[name] for name in STEERING) + "\n::error::last line"
"""Every steering payload in one free-text value (newlines and CRs included)."""
COMMAND_FOLDER = "::stop-commands::pwn3d"
"""A folder of the repository named like a workflow command."""
APPROVER = KEPT[0]


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for key in parents:
        data = data.setdefault(key, {})
    data[last] = value


def hostile_repository(root: Path) -> Path:
    """The customer-chatbot example with ``HOSTILE`` in the fields a PR controls, two waivers
    that findings and notes quote (one approved by an address, its ticket a URL), and a
    contract in a folder named like a workflow command."""
    shutil.copytree(EXAMPLES / "customer-chatbot", root)
    manifest = yaml.safe_load((root / "aigov.yaml").read_text(encoding="utf-8"))
    for path in ("metadata.name", "metadata.owner", "metadata.description", "framing.problem"):
        _set(manifest, path, HOSTILE)
    manifest["metadata"]["stakeholders"][0]["name"] = HOSTILE
    waiver = {"rule": "AIACT-50-INTERACTION", "expires": "2027-01-31", "stage": manifest["stage"]}
    manifest["waivers"] = [
        {**waiver, "reason": HOSTILE, "approved_by": APPROVER, "ticket": KEPT[1]},
        {**waiver, "rule": "LC-POC-DURATION", "reason": HOSTILE, "approved_by": HOSTILE,
         "ticket": HOSTILE},
    ]  # fmt: skip
    original = root / "contracts" / "conversation-logs.odcs.yaml"
    (root / COMMAND_FOLDER).mkdir()
    shutil.copy(original, root / COMMAND_FOLDER / "logs.odcs.yaml")
    manifest["data"]["contracts"] = [
        *manifest["data"]["contracts"],
        f"./{COMMAND_FOLDER}/logs.odcs.yaml",  # printed first on problem lines: '::stop-…'
    ]
    (root / "aigov.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=False), "utf-8")
    return root


def org_policies(root: Path) -> Path:
    """The examples' organisation config with ``APPROVER`` allowed to grant waivers."""
    root.mkdir()
    config = yaml.safe_load((EXAMPLES / "org-policies" / "aigov-org.yaml").read_text("utf-8"))
    config["waivers"]["approvers"] = [APPROVER]
    (root / "aigov-org.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("steering")
    repo = hostile_repository(base / "projects" / "chatbot")
    broken = hostile_repository(base / "broken" / "chatbot")
    # The contract in the command-named folder no longer parses: its path starts error lines.
    (broken / COMMAND_FOLDER / "logs.odcs.yaml").write_text(
        "name: [unclosed\n" + HOSTILE.replace("\n", " ") + ": x\n", encoding="utf-8"
    )
    return {
        "base": base,
        "repo": repo,
        "broken": broken,
        "policies": org_policies(base / "org-policies"),
    }


def assert_runner_reads_nothing(run: CliResult, *, annotations: bool = False) -> None:
    """Neither output holds a command or log markup; with ``annotations``, standard output holds
    aigov's own annotations and nothing else."""
    commands = github_commands(run.stdout)
    if annotations:
        assert commands and all(
            re.fullmatch(r"::(error|warning|notice) [^:\r\n]*::[^\r\n]*", c) for c in commands
        ), commands
        assert commands == run.stdout.splitlines()
    else:
        assert commands == [], commands
    assert github_commands(run.stderr) == [], run.stderr
    assert gitlab_markup(run.stdout + run.stderr) == []


def assert_lines_start_with_aigov_text(output: str) -> None:
    """A newline in repository text continues an indented line: a line at the left margin is
    aigov's own (a verdict, a heading ending with ':', an error or a located problem)."""
    for line in output.splitlines():
        if line and not line[0].isspace():
            assert line.startswith("aigov") or line.endswith(":") or _LOCATED.match(line), line


_LOCATED = re.compile(r"^\S.*?:\d+(?::\d+)?: (error|warning): ")


# --- aigov check and gate: every format on standard output ----------------------------------------


@pytest.mark.parametrize(
    "fmt", ["text", "json", "sarif", "junit", "codequality", "markdown", "github"]
)
def test_check_prints_no_command_in_any_format(workspace: dict[str, Path], fmt: str) -> None:
    run = run_aigov_process(
        "check", str(workspace["repo"]), "--today", TODAY, "--skip-evidence", "git",
        "--policies", str(workspace["policies"]), "-f", fmt, cwd=workspace["base"],
    )  # fmt: skip
    assert run.exit_code == 1, run.stderr  # blocked, and the payloads did reach the output
    assert_runner_reads_nothing(run, annotations=fmt == "github")
    if fmt == "text":
        assert_lines_start_with_aigov_text(run.stdout)
        for kept in KEPT:
            assert kept in run.stdout
    if fmt in ("json", "sarif", "codequality"):
        data = json.loads(run.stdout)  # still valid, and the text decodes back unchanged
        if fmt == "json":
            messages = [f["message"] for f in data["findings"]]
            assert any(HOSTILE.replace("\r", "") in m.replace("\r", "") for m in messages)
            assert any(f"({KEPT[1]})" in m for m in messages)
    if fmt == "markdown":
        links = github_links(run.stdout)
        assert all(urlsplit(link).hostname == "github.com" for link in links), links
        tags = {tag for tag, _ in parse_html(gfm_html(run.stdout)).tags}
        assert tags & {"img", "script"} == set()
        shown = "".join(parse_html(outside_code_and_links(gfm_html(run.stdout))).text)
        assert not any(mention in shown for mention in MENTIONS)
        for kept in KEPT:
            assert f"`{kept}`" in run.stdout and f"{kept[:3]}{ZWJ}" not in run.stdout


def test_gate_prints_no_command(workspace: dict[str, Path]) -> None:
    run = run_aigov_process(
        "gate", "--to", "production", str(workspace["repo"]), "--today", TODAY,
        "--skip-evidence", "git", "--policies", str(workspace["policies"]), cwd=workspace["base"],
    )  # fmt: skip
    assert run.exit_code == 1, run.stderr
    assert_runner_reads_nothing(run)
    assert_lines_start_with_aigov_text(run.stdout)


# --- error paths: paths and quoted text at the start of error lines ------------------------------


@pytest.mark.parametrize("verb", ["validate", "validate-json", "check", "gate", "data"])
def test_error_paths_print_no_command(workspace: dict[str, Path], verb: str) -> None:
    broken = str(workspace["broken"])
    args = {
        "validate": ["validate", broken],
        "validate-json": ["validate", broken, "-f", "json"],
        "check": ["check", broken, "--today", TODAY],
        "gate": ["gate", "--to", "production", broken, "--today", TODAY],
        "data": ["data", "validate", broken, "--no-store"],
    }[verb]
    run = run_aigov_process(*args, cwd=workspace["base"])
    assert run.exit_code == 2, run.stdout + run.stderr
    output = run.stdout + run.stderr
    assert f"{COMMAND_FOLDER.removeprefix(':')}/logs.odcs.yaml" in output  # the path is named
    assert_runner_reads_nothing(run)
    if verb == "validate-json":
        json.loads(run.stdout)
    else:
        assert_lines_start_with_aigov_text(run.stderr)


def test_policy_load_errors_print_no_command(workspace: dict[str, Path]) -> None:
    """A policy folder in the checkout (its name and content the PR's) that cannot be loaded."""
    policies = workspace["base"] / "::stop-commands::policies"
    policies.mkdir(exist_ok=True)
    (policies / "aigov-org.yaml").write_text(
        "apiVersion: aigov/v1\nkind: OrgConfig\n"
        f"block_on: {json.dumps(HOSTILE)}\nwaivers: 3\n{json.dumps(HOSTILE)}: 1\n",
        encoding="utf-8",
    )
    for args in (
        ["check", str(workspace["repo"]), "--policies", f"./{policies.name}", "--today", TODAY],
        ["explain", "GDPR-35-DPIA", "--policies", f"./{policies.name}"],
    ):
        run = run_aigov_process(*args, cwd=workspace["base"])
        assert run.exit_code == 2, run.stdout + run.stderr
        assert "cannot be loaded" in run.stderr
        assert_runner_reads_nothing(run)
        assert_lines_start_with_aigov_text(run.stderr)


def test_portfolio_scan_prints_no_command(workspace: dict[str, Path]) -> None:
    out = workspace["base"] / "scan-out"
    run = run_aigov_process(
        "portfolio", "scan", "--dir", str(workspace["base"] / "projects"),
        "-o", str(out / "scan.json"), "--cache", str(out / "cache"), "--jobs", "1",
        cwd=workspace["base"],
    )  # fmt: skip
    assert run.exit_code == 0, run.stderr
    assert_runner_reads_nothing(run)
    # the scan file names a repository the report cannot read: the error path
    bad = workspace["base"] / f"{COMMAND_FOLDER}.json"
    bad.write_text('{"results": "\\n::set-output name=x::y ##[error]z"}', encoding="utf-8")
    run = run_aigov_process("portfolio", "report", str(bad), "--no-history",
                            "--out", str(out / "report"), cwd=workspace["base"])  # fmt: skip
    assert run.exit_code == 2, run.stderr
    assert_runner_reads_nothing(run)
    assert_lines_start_with_aigov_text(run.stderr)


# --- aigov comment: a hostile result file (the workflow_run artifact) -----------------------------


def hostile_result(path: Path, workspace: dict[str, Path]) -> Path:
    """A real run's JSON result, edited as the PR's workflow could: links to another host."""
    run = run_aigov_process(
        "check", str(workspace["repo"]), "--today", TODAY, "--skip-evidence", "git",
        "--policies", str(workspace["policies"]), "-f", "json", cwd=workspace["base"],
    )  # fmt: skip
    data = json.loads(run.stdout)
    data["extra"]["source_url"] = "https://evil.example/o/r/blob/0123456"
    data["extra"]["report_url"] = "https://evil.example/phish"
    for rule in data["rules"]:
        rule["help_uri"] = "https://evil.example/help"
    data["rules"][0]["help_uri"] = "javascript:alert(1)"
    data["rules"][1]["help_uri"] = "https://github.com@evil.example/x"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("forge", ["github", "gitlab"])
def test_comment_links_only_to_the_forge(
    local_server: Any,
    zero_throttle: None,
    monkeypatch: pytest.MonkeyPatch,
    conformance: Path,
    workspace: dict[str, Path],
    tmp_path: Path,
    run_cli: Any,
    forge: str,
) -> None:
    if forge == "github":
        github = FakeGitHub(local_server)
        github_env(monkeypatch, github, conformance / "github-events" / "pull_request.opened.json")
        comments, host = github.comments, "github.com"
        files, run_page = "https://github.com/Codertocat/Hello-World/blob/", "/actions/runs/4242"
    else:
        gitlab = FakeGitLab(local_server)
        gitlab_env(monkeypatch, gitlab)
        comments, host = gitlab.notes, "gitlab.example.com"
        files, run_page = "https://gitlab.example.com/group/project/-/blob/", "/-/jobs/99"
    result = hostile_result(tmp_path / "result.json", workspace)
    done = run_cli("comment", f"--{forge}", "--result", str(result))
    assert done.exit_code == 0, done.stderr
    assert_runner_reads_nothing(done)
    [comment] = comments.values()
    body = comment["body"]
    links = github_links(body)
    assert links, body
    for link in links:
        parts = urlsplit(link)
        if parts.hostname != "github.com" or not link.startswith(POLICY_REFERENCE_URL):
            # anything but aigov's own policy reference is on the forge
            assert (parts.scheme, parts.hostname, parts.username) == ("https", host, None), link
    # the files at the head commit and the run come from the CI environment
    assert any(link.startswith(files) for link in links), links
    assert any(link.endswith(run_page) for link in links), links
    for kept in KEPT:
        assert f"`{kept}`" in body
