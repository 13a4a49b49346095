"""The pull/merge request, head commit and token read from the CI environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.scm.fakes import HEAD_SHA

from aigov.scm.context import ContextError, Explicit, change_request, detect_forge

GITHUB = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_REPOSITORY": "Codertocat/Hello-World",
    "GITHUB_TOKEN": "ghs_x",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_RUN_ID": "7",
}
GITLAB = {
    "GITLAB_CI": "true",
    "CI_API_V4_URL": "https://gitlab.example.com/api/v4",
    "CI_PROJECT_ID": "42",
    "CI_MERGE_REQUEST_IID": "7",
    "CI_COMMIT_SHA": HEAD_SHA,
    "GITLAB_TOKEN": "glpat-x",
}


@pytest.mark.parametrize("event", ["opened", "synchronize"])
def test_github_pull_request_from_the_real_payloads(conformance: Path, event: str) -> None:
    path = conformance / "github-events" / f"pull_request.{event}.json"
    request = change_request("github", {**GITHUB, "GITHUB_EVENT_PATH": str(path)}, Explicit())
    assert (request.number, request.head_sha) == (2, HEAD_SHA)
    assert request.api_url == "https://api.github.com"
    assert request.run_url == "https://github.com/Codertocat/Hello-World/actions/runs/7"
    assert request.source_url == f"https://github.com/Codertocat/Hello-World/blob/{HEAD_SHA}"
    assert "ghs_x" not in repr(request)


def test_github_enterprise_api_url(conformance: Path) -> None:
    env = {
        **GITHUB,
        "GITHUB_API_URL": "https://ghe.example/api/v3/",
        "GITHUB_SERVER_URL": "https://ghe.example",
        "GITHUB_EVENT_PATH": str(conformance / "github-events" / "pull_request.opened.json"),
    }
    request = change_request("github", env, Explicit())
    assert request.api_url == "https://ghe.example/api/v3"
    assert request.run_url == "https://ghe.example/Codertocat/Hello-World/actions/runs/7"


@pytest.mark.parametrize(
    ("drop", "named"),
    [
        ("GITHUB_TOKEN", "GITHUB_TOKEN is not set"),
        ("GITHUB_REPOSITORY", "GITHUB_REPOSITORY is not set"),
        ("GITHUB_EVENT_PATH", "GITHUB_EVENT_PATH is not set"),
    ],
)
def test_github_missing_variable_is_named(conformance: Path, drop: str, named: str) -> None:
    env = {
        **GITHUB,
        "GITHUB_EVENT_PATH": str(conformance / "github-events" / "pull_request.opened.json"),
    }
    del env[drop]
    with pytest.raises(ContextError, match=named):
        change_request("github", env, Explicit())


def test_github_push_event_has_no_pull_request(tmp_path: Path) -> None:
    event = tmp_path / "push.json"
    event.write_text('{"ref": "refs/heads/main", "after": "abc"}', encoding="utf-8")
    env = {**GITHUB, "GITHUB_EVENT_PATH": str(event), "GITHUB_EVENT_NAME": "push"}
    with pytest.raises(ContextError, match="the push event has no pull_request"):
        change_request("github", env, Explicit())


def test_explicit_values_replace_the_event() -> None:
    explicit = Explicit(
        api_url="https://ghe.example/api/v3", project="o/r", number=5, sha="A" * 40, run_url=None
    )
    env = {"GITHUB_TOKEN": "t"}
    request = change_request("github", env, explicit)
    assert (request.project, request.number, request.head_sha) == ("o/r", 5, "a" * 40)


def test_gitlab_merge_request() -> None:
    request = change_request("gitlab", GITLAB, Explicit())
    assert (request.project, request.number, request.head_sha) == ("42", 7, HEAD_SHA)
    assert request.token_variable == "GITLAB_TOKEN"


def test_gitlab_falls_back_to_the_job_token() -> None:
    env = {k: v for k, v in GITLAB.items() if k != "GITLAB_TOKEN"} | {"CI_JOB_TOKEN": "job"}
    request = change_request("gitlab", env, Explicit())
    assert (request.token, request.token_variable) == ("job", "CI_JOB_TOKEN")


@pytest.mark.parametrize(
    ("drop", "named"),
    [
        ("CI_MERGE_REQUEST_IID", "CI_MERGE_REQUEST_IID is not set"),
        ("CI_API_V4_URL", "CI_API_V4_URL is not set"),
        ("CI_PROJECT_ID", "CI_PROJECT_ID is not set"),
        ("GITLAB_TOKEN", "neither GITLAB_TOKEN nor CI_JOB_TOKEN is set"),
    ],
)
def test_gitlab_missing_variable_is_named(drop: str, named: str) -> None:
    env = {k: v for k, v in GITLAB.items() if k != drop}
    with pytest.raises(ContextError, match=named):
        change_request("gitlab", env, Explicit())


def test_forge_detection() -> None:
    assert detect_forge({"GITHUB_ACTIONS": "true"}) == "github"
    assert detect_forge({"GITLAB_CI": "true"}) == "gitlab"
    with pytest.raises(ContextError, match="--github or --gitlab"):
        detect_forge({})
