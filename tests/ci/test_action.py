"""The GitHub composite action (action.yml), run step by step in a simulated GitHub Actions job.

The job: a ``pull_request`` event (the real payloads of ``shared/conformance/github-events``),
GITHUB_WORKSPACE a git repository holding a copy of an example with the base branch fetched as
``origin/<base>``, and the PR's commit checked out. See ``tests/ci/simulate.py`` for what the
simulation reproduces and how aigov is provided without the package index.

A hostile pull request (issue 14) commits modules and commands named like what the steps run
(``pip/__main__.py``, ``json.py``, ``sitecustomize.py``, ``.pth`` files, ``./aigov``,
``bin/git``…), each leaving a marker and forging a passing result if it ever runs, and the job's
environment points PATH, PYTHONPATH, PYTHONHOME and PYTHONUSERBASE into the checkout: every step
runs (the install too, offline), nothing planted runs, the outputs tell the truth and each token
reaches only the step that uses it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.ci.conftest import assert_matches_builtin_schema
from tests.ci.simulate import (
    ActionRun,
    aigov_bin,
    commit_all,
    commit_change,
    example_git_repo,
    hostile_environment,
    installed_extras,
    offline_uv_environment,
    plant_hostile_files,
    run_composite_action,
    runner_python,
    serve_package_index,
    shim_distribution,
    shim_runs,
)
from tests.conftest import PROJECT_ROOT
from tests.sarif_schema import sarif_errors
from tests.scm.fakes import REPOSITORY, FakeGitHub

ACTION = PROJECT_ROOT / "action.yml"
COMMENT_TOKEN = "ghs_c0mm3ntT0k3nTh4tTh3Ch3ckMustN3v3rH0ld"
REVIEW_TOKEN = "ghs_r3v13wT0k3nF0rTh3Ch3ckAl0n3MustN0tL34k"
SKIP_STAGE = {"aigov.yaml": "stage: poc=>stage: production"}  # blocks: a skipped stage gate
RUNNER_PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}"
"""The python-version input when the runner's interpreter must do (uv downloads none offline)."""


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return data


def event(conformance: Path, name: str) -> tuple[Path, dict[str, Any]]:
    path = conformance / "github-events" / f"pull_request.{name}.json"
    payload: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return path, payload


def pull_request_variables(event_path: Path, payload: dict[str, Any], sha: str) -> dict[str, str]:
    """The variables GitHub sets for a ``pull_request`` job of ``payload`` checked out at
    ``sha``."""
    pr = payload["pull_request"]
    return {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_BASE_REF": pr["base"]["ref"],
        "GITHUB_HEAD_REF": pr["head"]["ref"],
        "GITHUB_REF": f"refs/pull/{pr['number']}/merge",
        "GITHUB_REPOSITORY": payload["repository"]["full_name"],
        "GITHUB_SHA": sha,
    }


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
        **pull_request_variables(event_path, payload, repo.head.commit.hexsha),
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


KEBAB = re.compile(r"^[a-z]+(-[a-z]+)*$")


def run_steps(action: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for step in action["runs"]["steps"] if "run" in step]


def test_action_structure(action: dict[str, Any]) -> None:
    """uv installs aigov (the release the action ships, by default) with its cache restored
    before and saved right after the install; names follow the kebab-case of common actions."""
    assert action["runs"]["using"] == "composite"
    steps = {step["id"]: step for step in action["runs"]["steps"]}
    assert list(steps) == ["plan", "uv", "restore", "install", "save", "check", "comment"]
    assert steps["uv"]["uses"].startswith("astral-sh/setup-uv@v")
    assert re.fullmatch(r"\d+\.\d+\.\d+", steps["uv"]["with"]["version"])  # uv pinned
    assert steps["uv"]["with"]["enable-cache"] is False  # its key would hash the checkout
    restore, save = steps["restore"], steps["save"]
    assert restore["uses"].startswith("actions/cache/restore@v")
    assert save["uses"].startswith("actions/cache/save@v")
    assert restore["with"] == save["with"]
    assert restore["with"]["key"] == "${{ steps.plan.outputs.cache-key }}"
    cached = restore["with"]["path"].splitlines()
    assert cached == ["${{ runner.temp }}/aigov-uv-cache", "${{ runner.temp }}/aigov-python"]
    install = steps["install"]["run"]
    assert 'UV_CACHE_DIR="$PWD/aigov-uv-cache" UV_PYTHON_INSTALL_DIR="$PWD/aigov-python"' in install
    assert save["if"] == "${{ steps.restore.outputs.cache-hit != 'true' }}"
    version = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert action["inputs"]["version"]["default"] == version["version"]
    assert [name for name in [*action["inputs"], *action["outputs"]] if not KEBAB.match(name)] == []
    assert set(action["inputs"]) >= {"path", "policies", "formats", "fail-on", "soft-fail"}
    assert set(action["outputs"]) >= {"decision", "blocking-count", "sarif-file", "result-file"}
    for step in run_steps(action):  # inputs reach scripts through env, never inline
        assert "${{" not in step["run"]
        # Nothing is installed with pip, least of all into the runner's system Python.
        script = step["run"].replace('"$AIGOV_UV" pip install --no-config', "")
        assert not re.search(r"\bpip3?\b|break-system-packages", script), step["name"]


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


# --- Issue 14: nothing the pull request wrote runs -----------------------------------------------

_PYTHON_CALL = re.compile(r'(?:"\$\w*(?i:python)\w*"|\bpython3?\b)(?=\s+-)(\s+\S+)')


def test_every_python_runs_isolated_and_aigov_by_the_interpreters_path(
    action: dict[str, Any],
) -> None:
    steps = run_steps(action)
    for step in steps:
        script = step["run"]
        options = [found.strip() for found in _PYTHON_CALL.findall(script)]
        assert set(options) <= {"-I"}, (step["name"], options)
        assert options or step["id"] == "plan", step["name"]  # the plan runs no Python
        assert not re.search(r"(^|[;&|(]\s*)aigov\s", script, re.MULTILINE), step["name"]
        assert 'export PATH="$keep"; unset "${!PYTHON@}"' in script, step["name"]
        assert "GITHUB_ENV" not in script and "GITHUB_PATH" not in script, step["name"]
    env_of = {step["id"]: step.get("env") or {} for step in steps}
    holders = {
        value: [sid for sid, env in env_of.items() if value in env.values()]
        for value in ("${{ inputs.token }}", "${{ inputs.review-token }}")
    }
    assert holders == {"${{ inputs.token }}": ["comment"], "${{ inputs.review-token }}": ["check"]}
    assert env_of["check"]["AIGOV_FORGE_TOKEN"] == "${{ inputs.review-token }}"
    comment = next(step for step in steps if step["id"] == "comment")
    assert comment["if"] == "${{ !cancelled() && inputs.comment == 'true' }}"


def test_the_action_matches_the_github_action_schema() -> None:
    assert_matches_builtin_schema("vendor.github-actions", ACTION)


def hostile_pull_request(
    tmp_path: Path, conformance: Path, *, edits: dict[str, str], payload_name: str
) -> tuple[Path, Path, dict[str, str]]:
    """The example with the PR's ``edits`` and the planted files committed on the PR's branch:
    (workspace, markers folder, the job's GitHub variables)."""
    event_path, payload = event(conformance, payload_name)
    pr = payload["pull_request"]
    workspace = tmp_path / "workspace"
    repo = example_git_repo(workspace, "customer-chatbot", branch=pr["base"]["ref"])
    commit_change(repo, edits, branch=pr["head"]["ref"])
    markers = tmp_path / "markers"
    plant_hostile_files(workspace, markers)
    commit_all(repo, "tooling")
    assert payload["repository"]["full_name"] == REPOSITORY  # the fake forge's repository
    variables = {
        **pull_request_variables(event_path, payload, repo.head.commit.hexsha),
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "77",
    }
    return workspace, markers, variables


def outside(workspace: Path, path_variable: str) -> bool:
    """Every folder of a PATH is absolute and outside the workspace."""
    root = os.path.realpath(workspace)
    folders = path_variable.split(os.pathsep)
    return all(
        os.path.isabs(folder) and os.path.commonpath([root, os.path.realpath(folder)]) != root
        for folder in folders
    )


@pytest.mark.usefixtures("no_ci_variables")
def test_hostile_pull_request_runs_nothing_in_any_step(
    action: dict[str, Any], tmp_path: Path, conformance: Path, local_server: Any
) -> None:
    """Every step runs for real (aigov installed offline into its own environment by pip), on a
    blocked PR with the comment and the data checks on."""
    forge = FakeGitHub(local_server, token=COMMENT_TOKEN)
    workspace, markers, variables = hostile_pull_request(
        tmp_path, conformance, edits=SKIP_STAGE, payload_name="opened"
    )
    records = tmp_path / "records"
    shim = shim_distribution(tmp_path / "aigov-src", records)
    trusted = os.pathsep.join([str(runner_python(tmp_path / "runner-bin")), "/usr/bin", "/bin"])
    run = run_composite_action(
        action,
        action_path=shim,
        workspace=workspace,
        inputs={
            "comment": "true",
            "token": COMMENT_TOKEN,
            "review-token": REVIEW_TOKEN,
            "run-data-checks": "true",
            "python-version": RUNNER_PYTHON,
        },
        env={
            **variables,
            **hostile_environment(workspace, trusted),
            "GITHUB_API_URL": forge.base,
            **offline_uv_environment(shim),
        },
        temp=tmp_path,
        skip_ids=(),
    )
    assert sorted(p.name for p in markers.iterdir()) == []
    assert [s.name for s in run.steps] == ["Plan the install", "Install aigov", "Check", "Comment"]
    assert run.simulated == ["uv", "restore", "save"]
    assert run.step("Install aigov").exit_code == 0, run.stdout + run.stderr

    # The outputs tell the truth: blocked, and the job fails.
    assert run.exit_code == 1, run.stdout + run.stderr
    result_text = Path(run.outputs["result-file"]).read_text(encoding="utf-8")
    result = json.loads(result_text)
    assert run.outputs["decision"] == result["decision"] == "block"
    assert run.outputs["blocking-count"] == str(result["summary"]["blocking"])
    assert int(run.outputs["blocking-count"]) >= 2
    assert any(note.startswith("data checks re-run") for note in result["notes"])

    # aigov ran isolated from its own environment outside the checkout: its self-test after the
    # install, the check, the comment.
    python = run.step_outputs["install"]["python"]
    assert os.path.isabs(python) and outside(workspace, os.path.dirname(python))
    assert installed_extras(python) == {"github", "gx"}
    runs = shim_runs(records)
    assert [r["argv"][0] for r in runs] == ["--version", "check", "comment"]
    for recorded in runs:
        assert recorded["executable"] == python and recorded["isolated"] == 1
        assert not [name for name in recorded["env"] if name.startswith("PYTHON")]
        assert outside(workspace, recorded["env"]["PATH"])
    check, comment = runs[1], runs[2]
    assert "--run-data-checks" in check["argv"]

    # Each token reaches the step that uses it, and nothing prints one.
    assert check["env"]["AIGOV_FORGE_TOKEN"] == REVIEW_TOKEN
    assert COMMENT_TOKEN not in check["env"].values()
    assert COMMENT_TOKEN not in run.step("Check").env.values()
    assert comment["env"]["GITHUB_TOKEN"] == COMMENT_TOKEN
    assert REVIEW_TOKEN not in comment["env"].values()
    assert REVIEW_TOKEN not in run.step("Comment").env.values()
    for step in ("Plan the install", "Install aigov"):
        assert not {COMMENT_TOKEN, REVIEW_TOKEN} & set(run.step(step).env.values())
    written = [
        run.stdout,
        run.stderr,
        run.summary,
        json.dumps(run.step_outputs),
        json.dumps(run.outputs),
        result_text,
        (workspace / "aigov.sarif").read_text(encoding="utf-8"),
    ]
    for token in (COMMENT_TOKEN, REVIEW_TOKEN):
        assert not [text for text in written if token in text]
    assert [s["state"] for s in forge.statuses] == ["failure"]
    assert len(forge.comments) == 1
    assert run.github_env == run.github_path == ""


@pytest.mark.usefixtures("no_ci_variables")
def test_hostile_pull_request_that_passes(
    action: dict[str, Any], tmp_path: Path, conformance: Path
) -> None:
    workspace, markers, variables = hostile_pull_request(
        tmp_path,
        conformance,
        edits={"README.md": "# =># Customer chatbot (PR) "},
        payload_name="synchronize",
    )
    run = run_composite_action(
        action,
        action_path=PROJECT_ROOT,
        workspace=workspace,
        inputs={"review-token": REVIEW_TOKEN},
        env={**variables, **hostile_environment(workspace, os.environ["PATH"])},
        temp=tmp_path,
    )
    assert sorted(p.name for p in markers.iterdir()) == []
    assert run.exit_code == 0, run.stdout + run.stderr
    assert (run.outputs["decision"], run.outputs["blocking-count"]) == ("pass", "0")
    assert run.skipped == ["install", "comment"]
    assert run.step("Check").env["AIGOV_FORGE_TOKEN"] == REVIEW_TOKEN
    assert "ghs_simulated" not in run.step("Check").env.values()  # the comment token's default


_FORGING_PYTHON = """#!/bin/bash
# Stands in for aigov: writes the result file saying {says}, then exits {code}.
if [ "$2" = "-m" ]; then
  previous=""
  for argument in "$@"; do
    if [ "$previous" = "-o" ] && [ "${{argument##*.}}" = json ]; then
      echo '{{"decision": "{says}", "summary": {{"blocking": 0}}}}' > "$argument"
    fi
    previous="$argument"
  done
  exit {code}
fi
exec "{python}" "$@"
"""


@pytest.mark.parametrize(("code", "says", "job_exit"), [(1, "pass", 1), (0, "block", 2)])
def test_no_decision_when_the_result_contradicts_the_exit_code(
    action: dict[str, Any],
    tmp_path: Path,
    conformance: Path,
    code: int,
    says: str,
    job_exit: int,
) -> None:
    python = tmp_path / "python"
    python.write_text(
        _FORGING_PYTHON.format(says=says, code=code, python=sys.executable), encoding="utf-8"
    )
    python.chmod(0o755)
    event_path, payload = event(conformance, "opened")
    workspace = tmp_path / "workspace"
    example_git_repo(workspace, "customer-chatbot", branch=payload["pull_request"]["base"]["ref"])
    run = run_composite_action(
        action,
        action_path=PROJECT_ROOT,
        workspace=workspace,
        inputs={},
        env={"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event_path)},
        temp=tmp_path,
        skipped_outputs={"install": {"python": str(python)}},
    )
    assert run.exit_code == job_exit
    assert (run.outputs["decision"], run.outputs["blocking-count"]) == ("", "")
    assert "::error title=aigov::aigov exited with" in run.stdout


def test_run_data_checks_input(action: dict[str, Any], tmp_path: Path, conformance: Path) -> None:
    run, _ = run_pr(
        action,
        tmp_path,
        conformance,
        edits={"README.md": "# =># x "},
        inputs={"run-data-checks": "true"},
    )
    assert run.outputs["decision"] in ("pass", "block"), run.stdout + run.stderr
    result = json.loads(Path(run.outputs["result-file"]).read_text(encoding="utf-8"))
    assert any(note.startswith("data checks re-run") for note in result["notes"])


@pytest.mark.usefixtures("no_ci_variables")
def test_a_review_event_is_checked_against_the_pull_requests_base(
    action: dict[str, Any], tmp_path: Path, conformance: Path, local_server: Any
) -> None:
    """Re-run on pull_request_review (submitted): GitHub sets no GITHUB_BASE_REF then, the base
    comes from the event's pull request; the comment is updated."""
    forge = FakeGitHub(local_server, token=COMMENT_TOKEN)
    workspace, markers, variables = hostile_pull_request(
        tmp_path, conformance, edits=SKIP_STAGE, payload_name="opened"
    )
    _, payload = event(conformance, "opened")
    review_event = tmp_path / "pull_request_review.submitted.json"
    review = {"id": 80, "state": "approved", "user": payload["sender"], "body": None}
    review_event.write_text(
        json.dumps({**payload, "action": "submitted", "review": review}), encoding="utf-8"
    )
    del variables["GITHUB_BASE_REF"], variables["GITHUB_HEAD_REF"]
    run = run_composite_action(
        action,
        action_path=PROJECT_ROOT,
        workspace=workspace,
        inputs={"comment": "true", "token": COMMENT_TOKEN},
        env={
            **variables,
            "GITHUB_EVENT_NAME": "pull_request_review",
            "GITHUB_EVENT_PATH": str(review_event),
            "GITHUB_API_URL": forge.base,
        },
        temp=tmp_path,
    )
    assert sorted(p.name for p in markers.iterdir()) == []
    assert run.exit_code == 1 and run.outputs["decision"] == "block", run.stdout + run.stderr
    result = json.loads(Path(run.outputs["result-file"]).read_text(encoding="utf-8"))
    assert result["base"] == f"origin/{payload['pull_request']['base']['ref']}"
    assert len(forge.comments) == 1 and [s["state"] for s in forge.statuses] == ["failure"]


def test_a_pull_request_event_without_a_base_is_not_checked(
    action: dict[str, Any], tmp_path: Path
) -> None:
    broken_event = tmp_path / "event.json"
    broken_event.write_text('{"pull_request": {"number": 2}}', encoding="utf-8")
    workspace = tmp_path / "workspace"
    example_git_repo(workspace, "customer-chatbot")
    run = run_composite_action(
        action,
        action_path=PROJECT_ROOT,
        workspace=workspace,
        inputs={},
        env={
            "GITHUB_EVENT_NAME": "pull_request_review",
            "GITHUB_EVENT_PATH": str(broken_event),
            "GITHUB_BASE_REF": "",
        },
        temp=tmp_path,
    )
    assert run.exit_code == 2
    assert run.outputs["decision"] == ""
    assert "::error title=aigov::no base branch in the pull_request_review event" in run.stdout


@pytest.mark.parametrize(
    ("inputs", "extras"),
    [
        ({}, {"github"}),  # the default review token: the check reads reviews with PyGithub
        ({"review-token": "", "extras": "mlflow"}, {"mlflow"}),
    ],
)
def test_the_install_step_installs_the_extras_the_steps_need(
    action: dict[str, Any], tmp_path: Path, inputs: dict[str, str], extras: set[str]
) -> None:
    shim = shim_distribution(tmp_path / "aigov-src", tmp_path / "records")
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    trusted = os.pathsep.join([str(runner_python(tmp_path / "runner-bin")), "/usr/bin", "/bin"])
    run = run_composite_action(
        action,
        action_path=shim,
        workspace=workspace,
        inputs={**inputs, "python-version": RUNNER_PYTHON},
        env={"PATH": trusted, **offline_uv_environment(shim)},
        temp=tmp_path,
        skip_ids=("check", "comment"),
    )
    assert run.exit_code == 0, run.stdout + run.stderr
    assert installed_extras(run.step_outputs["install"]["python"]) == extras


ADDED_APPROVAL = {  # the PR writes a committee's approval into aigov.yaml itself
    "aigov.yaml": "\ndata:\n  contracts:=>"
    "  - from_stage: poc\n"
    "    to_stage: industrialization\n"
    "    committee: Comité Data & IA Banque de Détail\n"
    "    decision: approved\n"
    "    date: 2026-11-01\n"
    "    reference: CDIA-2026-11 point 2\n"
    "    approvers: [Nadia Benali (DPO)]\n"
    "\ndata:\n  contracts:"
}


@pytest.mark.usefixtures("no_ci_variables")
def test_a_record_the_pull_request_adds_passes_once_approved(
    action: dict[str, Any], tmp_path: Path, conformance: Path, local_server: Any
) -> None:
    """Pending (blocked) on pull_request; the review-token reads the reviews; after the DPO's
    approving review, the run on pull_request_review passes."""
    forge = FakeGitHub(local_server, token=REVIEW_TOKEN)
    workspace, markers, variables = hostile_pull_request(
        tmp_path, conformance, edits=ADDED_APPROVAL, payload_name="opened"
    )
    _, payload = event(conformance, "opened")
    head = variables["GITHUB_SHA"]
    payload["pull_request"]["head"]["sha"] = forge.head_sha = head
    base_ref = variables.pop("GITHUB_BASE_REF")

    def run_on(event_name: str) -> tuple[ActionRun, dict[str, Any]]:
        event_path = tmp_path / f"{event_name}.json"
        event_path.write_text(json.dumps(payload), encoding="utf-8")
        run = run_composite_action(
            action,
            action_path=PROJECT_ROOT,
            workspace=workspace,
            inputs={
                "review-token": REVIEW_TOKEN,
                "policies": str(PROJECT_ROOT / "examples" / "org-policies"),
            },
            env={
                **variables,
                **({"GITHUB_BASE_REF": base_ref} if event_name == "pull_request" else {}),
                "GITHUB_EVENT_NAME": event_name,
                "GITHUB_EVENT_PATH": str(event_path),
                "GITHUB_API_URL": forge.base,
            },
            temp=tmp_path,
        )
        result = json.loads(Path(run.outputs["result-file"]).read_text(encoding="utf-8"))
        return run, result

    run, result = run_on("pull_request")
    assert (run.exit_code, run.outputs["decision"]) == (1, "block"), run.stdout + run.stderr
    (record,) = result["extra"]["attestation"]["records"]
    assert record["status"] == "pending"

    forge.add_review("nbenali-dpo", "APPROVED", head)
    payload["action"], payload["review"] = "submitted", {"id": 1, "state": "approved"}
    run, result = run_on("pull_request_review")
    assert (run.exit_code, run.outputs["decision"]) == (0, "pass"), run.stdout + run.stderr
    (record,) = result["extra"]["attestation"]["records"]
    assert (record["status"], record["method"]) == ("attested", "forge-review")
    reads = [r for r in forge.requests if r.path.endswith("/reviews")]
    assert len(reads) == 2
    assert all(r.headers.get("Authorization") == f"token {REVIEW_TOKEN}" for r in reads)
    assert sorted(p.name for p in markers.iterdir()) == []


@pytest.mark.usefixtures("no_ci_variables")
def test_reports_the_pull_request_committed_are_deleted_not_reported(
    action: dict[str, Any], tmp_path: Path, conformance: Path
) -> None:
    """The check cannot run (an unknown base): the SARIF and JUnit files the PR committed are
    gone, so no later step uploads them as this run's."""
    workspace, markers, variables = hostile_pull_request(
        tmp_path, conformance, edits={"README.md": "# =># x "}, payload_name="opened"
    )
    forged = {"aigov.sarif": '{"version": "2.1.0", "runs": []}', "aigov-junit.xml": "<ok/>"}
    for name, text in forged.items():
        (workspace / name).write_text(text, encoding="utf-8")
    run = run_composite_action(
        action,
        action_path=PROJECT_ROOT,
        workspace=workspace,
        inputs={"base-ref": "origin/no-such-branch", "formats": "junit=aigov-junit.xml"},
        env=variables,
        temp=tmp_path,
    )
    assert run.exit_code == 2 and run.outputs["decision"] == ""
    assert [name for name in forged if (workspace / name).exists()] == []
    assert sorted(p.name for p in markers.iterdir()) == []


# --- Issue 17: a Python of its own, a cached install, the log a reader needs ---------------------

SYSTEM_PYTHON = Path("/usr/bin/python3")


def externally_managed_system_python() -> str:
    """The version (X.Y) of the Debian/Ubuntu system interpreter, externally managed (PEP 668)
    and at least 3.11, as on ubuntu-24.04; the test is skipped on a machine without one."""
    if not SYSTEM_PYTHON.exists():
        pytest.skip("no /usr/bin/python3")
    done = subprocess.run(
        [
            str(SYSTEM_PYTHON),
            "-I",
            "-c",
            "import sys, sysconfig\n"
            "print(f'{sys.version_info[0]}.{sys.version_info[1]}', sysconfig.get_path('stdlib'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    version, stdlib = done.stdout.split()
    if not (Path(stdlib) / "EXTERNALLY-MANAGED").exists() or tuple(map(int, version.split("."))) < (
        3,
        11,
    ):
        pytest.skip("/usr/bin/python3 is not an externally managed Python >= 3.11")
    return version


def install_only(
    action: dict[str, Any], tmp_path: Path, shim: Path, inputs: dict[str, str], env: dict[str, str]
) -> ActionRun:
    """The plan, install and cache steps in an empty workspace (the check does not run)."""
    workspace = tmp_path / "workspace"
    workspace.mkdir(exist_ok=True)
    return run_composite_action(
        action,
        action_path=shim,
        workspace=workspace,
        inputs=inputs,
        env=env,
        temp=tmp_path,
        skip_ids=("check", "comment"),
    )


def test_the_install_uses_the_system_python_without_installing_into_it(
    action: dict[str, Any], tmp_path: Path
) -> None:
    """ubuntu-24.04's case: the only Python on PATH is the system's, externally managed. The
    install makes a virtual environment from it and never pip-installs into it (no
    --break-system-packages)."""
    version = externally_managed_system_python()
    shim = shim_distribution(tmp_path / "aigov-src", tmp_path / "records")
    run = install_only(
        action,
        tmp_path,
        shim,
        {"python-version": version},
        {"PATH": "/usr/bin:/bin", **offline_uv_environment(shim)},
    )
    assert run.exit_code == 0, run.stdout + run.stderr
    assert "externally-managed-environment" not in run.stdout + run.stderr
    python = Path(run.step_outputs["install"]["python"])
    assert python == tmp_path / "runner_temp" / "aigov-venv" / "bin" / "python"
    config = (python.parent.parent / "pyvenv.cfg").read_text(encoding="utf-8")
    assert "home = /usr/bin" in config and "include-system-site-packages = false" in config
    assert installed_extras(str(python)) == {"github"}  # the default review token reads reviews
    [version_run] = shim_runs(tmp_path / "records")
    assert version_run["argv"] == ["--version"] and version_run["executable"] == str(python)
    imported = subprocess.run(
        [str(SYSTEM_PYTHON), "-I", "-c", "import aigov"], capture_output=True, text=True
    )
    assert imported.returncode != 0 and "No module named 'aigov'" in imported.stderr


def test_a_python_the_runner_lacks_is_not_taken_from_the_checkout(
    action: dict[str, Any], tmp_path: Path
) -> None:
    """ubuntu-22.04's case offline: 3.10 only, no download allowed. uv says so and the step
    fails; a python3.13 committed by the PR in the workspace's bin/ is not taken."""
    shim = shim_distribution(tmp_path / "aigov-src", tmp_path / "records")
    markers = tmp_path / "markers"
    plant_hostile_files(tmp_path / "workspace", markers)
    (tmp_path / "workspace" / "bin" / "python3.13").symlink_to(
        tmp_path / "workspace" / "bin" / "python3"
    )
    run = install_only(
        action,
        tmp_path,
        shim,
        {"python-version": "3.13"},
        {
            **hostile_environment(tmp_path / "workspace", "/usr/bin:/bin"),
            **offline_uv_environment(shim),
        },
    )
    assert run.step("Install aigov").exit_code != 0
    assert "3.13" in run.step("Install aigov").stderr
    assert sorted(p.name for p in markers.iterdir()) == []
    assert run.skipped == ["save", "check", "comment"]


@pytest.mark.usefixtures("no_ci_variables")
def test_the_second_run_installs_from_the_cache(
    action: dict[str, Any], tmp_path: Path, local_server: Any
) -> None:
    """aigov and its dependencies come from a package index on 127.0.0.1; the second run, with
    the cached folders of the first (what actions/cache restores under RUNNER_TEMP), downloads
    no package again."""
    shim = shim_distribution(tmp_path / "aigov-src", tmp_path / "records")
    index, requested = serve_package_index(local_server, shim / "wheels")
    env = {"PATH": "/usr/bin:/bin", "UV_DEFAULT_INDEX": index, "UV_PYTHON_DOWNLOADS": "never"}
    inputs = {"python-version": RUNNER_PYTHON, "extras": "mlflow"}
    path = os.pathsep.join([str(runner_python(tmp_path / "runner-bin")), "/usr/bin", "/bin"])
    # A new home each run: only what the action keeps under RUNNER_TEMP carries over.
    env = {**env, "PATH": path, "XDG_CACHE_HOME": "", "UV_CACHE_DIR": ""}
    first = install_only(action, tmp_path, shim, inputs, {**env, "HOME": str(tmp_path / "h1")})
    assert first.exit_code == 0, first.stdout + first.stderr
    downloads = [path for path in requested if path.startswith("/files/")]
    assert sorted(set(downloads)) == [
        "/files/aigov-0.1.0-py3-none-any.whl",
        "/files/aigov_shim_extra_github-1.0-py3-none-any.whl",
        "/files/aigov_shim_extra_mlflow-1.0-py3-none-any.whl",
    ]
    key = first.step_outputs["plan"]["cache-key"]
    assert key == f"aigov-Linux-X64-py{RUNNER_PYTHON}-0.1.0-mlflow_github"
    assert "," not in key  # actions/cache refuses commas in keys
    requested.clear()
    assert any((tmp_path / "runner_temp" / "aigov-uv-cache").iterdir())
    second = install_only(action, tmp_path, shim, inputs, {**env, "HOME": str(tmp_path / "h2")})
    assert second.exit_code == 0, second.stdout + second.stderr
    assert [path for path in requested if path.startswith("/files/")] == []
    assert installed_extras(second.step_outputs["install"]["python"]) == {"github", "mlflow"}


def test_version_input(action: dict[str, Any], tmp_path: Path) -> None:
    """The release by default; the action's own folder with 'action'; a wheel outside the
    workspace by its path. A path inside the workspace and a name that is no version stop the
    job before anything is installed."""
    shim = shim_distribution(tmp_path / "aigov-src", tmp_path / "records")
    env = {
        "PATH": os.pathsep.join([str(runner_python(tmp_path / "runner-bin")), "/usr/bin", "/bin"]),
        **offline_uv_environment(shim),
    }
    base = {"python-version": RUNNER_PYTHON, "review-token": ""}
    wheel = next((shim / "dist").glob("*.whl"))
    cases = {"0.1.0": "aigov==0.1.0", "action": str(shim), str(wheel): str(wheel)}
    for version, spec in cases.items():
        run = install_only(action, tmp_path, shim, {**base, "version": version}, env)
        assert run.exit_code == 0, (version, run.stdout + run.stderr)
        assert run.step_outputs["plan"]["spec"] == spec
    inside = tmp_path / "workspace" / "aigov-src"
    shutil.copytree(shim, inside)
    for version, error in {
        str(inside): "is inside the workspace",
        "latest": "give a release number",
        "0.1.0; rm -rf /": "give a release number",
    }.items():
        run = install_only(action, tmp_path, shim, {**base, "version": version}, env)
        assert run.exit_code == 2 and error in run.stdout, version
        assert [s.name for s in run.steps] == ["Plan the install"]


README = PROJECT_ROOT / "README.md"
FORMAT_CASES = {
    "": [],
    "text": [],
    "github": [],
    "text, junit=reports/aigov-junit.xml": ["reports/aigov-junit.xml"],
    "json": [],
    "markdown=aigov.md sarif=second.sarif\ncodequality=cq.json": [
        "aigov.md",
        "second.sarif",
        "cq.json",
    ],
    "text=aigov.txt,json=aigov.json": ["aigov.txt", "aigov.json"],
}


@pytest.mark.parametrize("formats", FORMAT_CASES)
def test_formats_put_the_text_report_in_the_log_beside_the_annotations(
    action: dict[str, Any], tmp_path: Path, conformance: Path, formats: str
) -> None:
    run, workspace = run_pr(
        action, tmp_path, conformance, edits=SKIP_STAGE, inputs={"formats": formats}
    )
    assert run.exit_code == 1, run.stdout + run.stderr
    assert run.outputs["decision"] == "block"
    log = run.step("Check").stdout
    assert "would all go to standard output" not in log + run.step("Check").stderr
    assert "BLOCKED" in log and "LC-TRANSITION-NO-SKIP" in log  # the text report
    assert any(line.startswith("::error file=aigov.yaml,") for line in log.splitlines())
    for name in FORMAT_CASES[formats]:
        assert (workspace / name).stat().st_size > 0, name
    if formats == "json":  # a format without a file is printed to the log
        assert '"decision": "block"' in log


def test_soft_fail_reports_the_block_without_failing(
    action: dict[str, Any], tmp_path: Path, conformance: Path
) -> None:
    run, _ = run_pr(action, tmp_path, conformance, edits=SKIP_STAGE, inputs={"soft-fail": "true"})
    assert run.exit_code == 0
    assert (run.outputs["decision"], run.outputs["blocking-count"] != "0") == ("block", True)
    assert "::warning title=aigov::blocked; soft-fail is on" in run.stdout


def readme_workflows() -> list[str]:
    """The GitHub workflows README.md shows: its YAML blocks with ``jobs``."""
    blocks = re.findall(r"^```yaml\n(.*?)^```", README.read_text("utf-8"), re.M | re.S)
    return [block for block in blocks if re.search(r"^jobs:", block, re.M)]


def test_the_readme_workflows_match_the_workflow_schema_and_the_inputs(
    action: dict[str, Any], tmp_path: Path
) -> None:
    workflows = readme_workflows()
    using_the_action = 0
    for index, text in enumerate(workflows):
        path = tmp_path / f"workflow{index}.yml"
        path.write_text(text, encoding="utf-8")
        assert_matches_builtin_schema("vendor.github-workflows", path)
        workflow = yaml.safe_load(text)
        steps = [step for job in workflow["jobs"].values() for step in job.get("steps", [])]
        ours = [step for step in steps if str(step.get("uses", "")).startswith("aigov/aigov@")]
        using_the_action += bool(ours)
        for step in ours:
            assert set(step.get("with") or {}) <= set(action["inputs"]), step
        # pip into the runner's Python fails on ubuntu-24.04 (PEP 668): a job that runs pip
        # sets up a Python of its own first.
        for number, step in enumerate(steps):
            if re.search(r"\bpip install\b", str(step.get("run", ""))):
                before = [str(s.get("uses", "")) for s in steps[:number]]
                assert any(u.startswith("actions/setup-python@") for u in before), (index, step)
    assert using_the_action >= 2
