"""The GitHub composite action (action.yml), run step by step in a simulated GitHub Actions job.

The job: a ``pull_request`` event (the real payloads of ``shared/conformance/github-events``),
GITHUB_WORKSPACE a git repository holding a copy of an example with the base branch fetched as
``origin/<base>``, and the PR's commit checked out. See ``tests/ci/simulate.py`` for what the
simulation reproduces and how aigov is provided without ``pip install``.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.ci.simulate import (
    ActionRun,
    aigov_bin,
    commit_change,
    example_git_repo,
    run_composite_action,
)
from tests.conftest import PROJECT_ROOT
from tests.sarif_schema import sarif_errors

ACTION = PROJECT_ROOT / "action.yml"


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return data


def event(conformance: Path, name: str) -> tuple[Path, dict[str, Any]]:
    path = conformance / "github-events" / f"pull_request.{name}.json"
    payload: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return path, payload


def run_pr(
    action: dict[str, Any],
    tmp_path: Path,
    conformance: Path,
    *,
    edits: dict[str, str],
    inputs: dict[str, str] | None = None,
    example: str = "customer-chatbot",
    payload_name: str = "opened",
) -> tuple[ActionRun, Path]:
    event_path, payload = event(conformance, payload_name)
    pr = payload["pull_request"]
    workspace = tmp_path / "workspace"
    repo = example_git_repo(workspace, example, branch=pr["base"]["ref"])
    commit_change(repo, edits, branch=pr["head"]["ref"])
    bin_dir = aigov_bin(tmp_path / "bin")
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_BASE_REF": pr["base"]["ref"],
        "GITHUB_HEAD_REF": pr["head"]["ref"],
        "GITHUB_REF": f"refs/pull/{pr['number']}/merge",
        "GITHUB_REPOSITORY": payload["repository"]["full_name"],
        "GITHUB_SHA": repo.head.commit.hexsha,
    }
    run = run_composite_action(
        action,
        action_path=PROJECT_ROOT,
        workspace=workspace,
        inputs=inputs or {},
        env=env,
        temp=tmp_path,
    )
    return run, workspace


def workflow_commands(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("::")]


def test_action_is_composite_and_installs_from_its_own_folder(action: dict[str, Any]) -> None:
    assert action["runs"]["using"] == "composite"
    install = next(s for s in action["runs"]["steps"] if s.get("id") == "install")
    assert "${{ github.action_path }}" in install["env"]["AIGOV_ACTION_PATH"]
    assert 'pip install --disable-pip-version-check --quiet "$spec"' in install["run"]
    assert set(action["inputs"]) >= {
        "path",
        "policies",
        "formats",
        "fail-on",
        "comment",
        "token",
        "base-ref",
    }
    assert set(action["outputs"]) >= {"decision", "blocking-count", "sarif-file"}
    for step in action["runs"]["steps"]:  # inputs reach scripts through env, never inline
        assert "${{" not in step["run"]


def test_passing_pull_request(action: dict[str, Any], tmp_path: Path, conformance: Path) -> None:
    run, workspace = run_pr(
        action,
        tmp_path,
        conformance,
        edits={"README.md": "# =># Customer chatbot (PR) "},
        inputs={"formats": "junit=reports/aigov-junit.xml"},
        payload_name="synchronize",
    )
    assert run.exit_code == 0, run.steps[-1].stderr
    assert run.outputs["decision"] == "pass"
    assert run.outputs["blocking-count"] == "0"
    assert run.outputs["sarif-file"] == "aigov.sarif"
    sarif = json.loads((workspace / "aigov.sarif").read_text(encoding="utf-8"))
    assert sarif_errors(sarif) == []
    assert sarif["version"] == "2.1.0"
    assert "customer-chatbot" in run.summary
    result = json.loads(Path(run.outputs["result-file"]).read_text(encoding="utf-8"))
    assert result["base"] == "origin/master" and result["decision"] == "pass"
    assert ET.parse(workspace / "reports" / "aigov-junit.xml").getroot().tag in (
        "testsuites",
        "testsuite",
    )


def test_blocked_pull_request_annotates_and_fails(
    action: dict[str, Any], tmp_path: Path, conformance: Path
) -> None:
    # The PR jumps from poc to production: a skipped stage gate without its approval.
    run, workspace = run_pr(
        action, tmp_path, conformance, edits={"aigov.yaml": "stage: poc=>stage: production"}
    )
    assert run.exit_code == 1
    assert run.outputs["decision"] == "block"
    assert int(run.outputs["blocking-count"]) >= 2
    lines = workflow_commands(run.stdout)
    stage_line = next(
        i + 1
        for i, text in enumerate((workspace / "aigov.yaml").read_text("utf-8").splitlines())
        if text.startswith("stage:")
    )
    skip = [line for line in lines if "LC-TRANSITION-NO-SKIP" in line]
    assert skip and skip[0].startswith(f"::error file=aigov.yaml,line={stage_line}")
    assert all(re.match(r"^::(error|warning|notice) ", line) for line in lines)
    assert "LC-TRANSITION-NO-SKIP" in run.summary
    sarif = json.loads((workspace / "aigov.sarif").read_text(encoding="utf-8"))
    rule_ids = {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert {"LC-TRANSITION-NO-SKIP", "LC-TRANSITION-APPROVAL"} <= rule_ids


def test_fail_on_overrides_block_on(
    action: dict[str, Any], tmp_path: Path, conformance: Path
) -> None:
    run, _ = run_pr(
        action,
        tmp_path,
        conformance,
        edits={"aigov.yaml": "stage: poc=>stage: production"},
        inputs={"fail-on": "critical"},
    )
    result = json.loads(Path(run.outputs["result-file"]).read_text(encoding="utf-8"))
    assert result["block_on"] == "critical"
    assert all(f["severity"] == "critical" for f in result["findings"] if f["blocking"])


def test_unusable_input_fails_with_an_error_annotation(
    action: dict[str, Any], tmp_path: Path, conformance: Path
) -> None:
    run, _ = run_pr(
        action,
        tmp_path,
        conformance,
        edits={"README.md": "# =># x "},
        inputs={"base-ref": "origin/no-such-branch"},
    )
    assert run.exit_code == 2
    assert run.outputs["decision"] == ""
    assert "origin/no-such-branch" in run.steps[-1].stderr
    assert "::error title=aigov::" in run.stdout
