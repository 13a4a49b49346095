"""The CI definitions publish through ``aigov comment``: action.yml with ``comment: true`` and the
GitLab template's merge request job with GITLAB_TOKEN, run in the simulated jobs of tests/ci
against the local forges."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from tests.ci.simulate import (
    aigov_bin,
    commit_change,
    example_git_repo,
    run_composite_action,
    run_gitlab_job,
)
from tests.conftest import PROJECT_ROOT
from tests.scm.fakes import (
    CI_VARIABLES,
    GITHUB_TOKEN,
    GITLAB_TOKEN,
    HEAD_SHA,
    MR_IID,
    PROJECT_ID,
    REPOSITORY,
    FakeGitHub,
    FakeGitLab,
)

from aigov.scm.publish import marker

SKIP_STAGE = {"aigov.yaml": "stage: poc=>stage: production"}  # blocks: a skipped stage gate


def test_action_comments_on_the_pull_request(
    local_server: Any, tmp_path: Path, conformance: Path, monkeypatch: Any
) -> None:
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    fake = FakeGitHub(local_server)
    action = yaml.safe_load((PROJECT_ROOT / "action.yml").read_text(encoding="utf-8"))
    workspace = tmp_path / "workspace"
    repo = example_git_repo(workspace, "customer-chatbot", branch="master")
    commit_change(repo, SKIP_STAGE, branch="changes")
    event = conformance / "github-events" / "pull_request.opened.json"
    env = {
        "PATH": f"{aigov_bin(tmp_path / 'bin')}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_BASE_REF": "master",
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_API_URL": fake.base,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "77",
    }
    run = run_composite_action(
        action,
        action_path=PROJECT_ROOT,
        workspace=workspace,
        inputs={"comment": "true", "token": GITHUB_TOKEN},
        env=env,
        temp=tmp_path,
    )
    assert run.exit_code == 1  # the check blocks; the comment does not change that
    assert run.outputs["decision"] == "block"
    assert "comment posted on PR #2" in run.stdout
    assert [s["state"] for s in fake.statuses] == ["failure"]
    (body,) = [c["body"] for c in fake.comments.values()]
    assert body.startswith(marker(HEAD_SHA)) and "LC-TRANSITION-NO-SKIP" in body
    assert GITHUB_TOKEN not in run.stdout + "".join(s.stderr for s in run.steps)


def _gitlab_job(tmp_path: Path, fake: FakeGitLab, **extra: str) -> Any:
    template = yaml.safe_load((PROJECT_ROOT / ".gitlab-ci-template.yml").read_text("utf-8"))
    project = tmp_path / "project"
    repo = example_git_repo(project, "customer-chatbot")
    base = repo.head.commit.hexsha
    commit_change(repo, SKIP_STAGE, branch="change")
    env = {
        "PATH": f"{aigov_bin(tmp_path / 'bin')}{os.pathsep}{os.environ['PATH']}",
        "GITLAB_CI": "true",
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_MERGE_REQUEST_IID": str(MR_IID),
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": base,
        "CI_PROJECT_ID": PROJECT_ID,
        "CI_API_V4_URL": fake.base,
        "CI_COMMIT_SHA": HEAD_SHA,
        "CI_JOB_URL": "https://gitlab.example.com/g/p/-/jobs/1",
        **extra,
    }
    # Empty values hide the CI variables of the machine running the tests.
    return run_gitlab_job(
        template,
        "aigov-check",
        project_dir=project,
        env={**{k: "" for k in CI_VARIABLES if k not in env}, **env},
        temp=tmp_path,
    )


def test_gitlab_merge_request_job_posts_the_note_with_gitlab_token(
    local_server: Any, tmp_path: Path
) -> None:
    fake = FakeGitLab(local_server)
    done = _gitlab_job(tmp_path, fake, GITLAB_TOKEN=GITLAB_TOKEN)
    assert done.returncode == 1, done.stdout + done.stderr  # blocked, as without the note
    assert "comment posted on MR !7" in done.stdout
    assert [s["status"] for s in fake.statuses] == ["failed"]
    (note,) = fake.notes.values()
    assert note["body"].startswith(marker(HEAD_SHA))
    assert GITLAB_TOKEN not in done.stdout + done.stderr


def test_gitlab_merge_request_job_without_token_posts_nothing(
    local_server: Any, tmp_path: Path
) -> None:
    fake = FakeGitLab(local_server)
    done = _gitlab_job(tmp_path, fake, CI_JOB_TOKEN="job-token")
    assert done.returncode == 1
    assert fake.requests == []
