"""The GitLab CI template: its jobs' scripts run with bash in a simulated merge-request job.

See ``tests/ci/simulate.py``: the install line of ``before_script`` is skipped by the template
itself when ``aigov`` is already on PATH, which the simulation arranges.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.ci.simulate import (
    aigov_bin,
    commit_change,
    example_git_repo,
    gitlab_job_script,
    run_gitlab_job,
)
from tests.conftest import PROJECT_ROOT

TEMPLATE = PROJECT_ROOT / ".gitlab-ci-template.yml"
CODE_QUALITY_KEYS = {"description", "check_name", "fingerprint", "severity", "location"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    return data


def ci_env(tmp_path: Path, base_sha: str, **extra: str) -> dict[str, str]:
    bin_dir = aigov_bin(tmp_path / "bin")
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_MERGE_REQUEST_IID": "7",
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
        "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "change",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": base_sha,
        "CI_DEFAULT_BRANCH": "main",
        "CI_PROJECT_ID": "42",
        **extra,
    }


def test_template_structure(template: dict[str, Any]) -> None:
    check = template["aigov-check"]
    assert check["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert check["variables"]["GIT_DEPTH"] == "0"
    assert check["artifacts"]["reports"] == {
        "codequality": "gl-code-quality-report.json",
        "junit": "aigov-junit.xml",
    }
    assert check["artifacts"]["when"] == "always"
    assert any("aigov gate --to" in line for line in gitlab_job_script(template, "aigov-gate"))
    portfolio = template["aigov-portfolio"]
    assert portfolio["rules"] == [
        {"if": '$CI_PIPELINE_SOURCE == "schedule" && $AIGOV_PORTFOLIO == "true"'}
    ]
    script = gitlab_job_script(template, "aigov-portfolio")
    assert portfolio["parallel"] >= 2
    assert any(
        "aigov portfolio scan" in line and "$CI_NODE_INDEX/$CI_NODE_TOTAL" in line
        for line in script
    )
    report = gitlab_job_script(template, "aigov-portfolio-report")
    assert any("aigov portfolio merge" in line for line in report)
    assert any("aigov portfolio report" in line for line in report)


def test_merge_request_job_writes_valid_reports(template: dict[str, Any], tmp_path: Path) -> None:
    project = tmp_path / "project"
    repo = example_git_repo(project, "customer-chatbot")
    base = repo.head.commit.hexsha
    commit_change(repo, {"aigov.yaml": "stage: poc=>stage: production"}, branch="change")
    done = run_gitlab_job(
        template, "aigov-check", project_dir=project, env=ci_env(tmp_path, base), temp=tmp_path
    )
    assert done.returncode == 1, done.stderr  # blocked: a skipped stage gate
    assert "BLOCKED" in done.stdout
    quality = json.loads((project / "gl-code-quality-report.json").read_text("utf-8"))
    assert isinstance(quality, list) and quality
    for issue in quality:
        assert set(issue) >= CODE_QUALITY_KEYS
        assert issue["location"]["path"] and issue["location"]["lines"]["begin"] >= 1
    skip = next(i for i in quality if i["check_name"] == "LC-TRANSITION-NO-SKIP")
    assert skip["location"]["path"] == "aigov.yaml"
    junit = ET.parse(project / "aigov-junit.xml").getroot()
    assert junit.tag in ("testsuites", "testsuite")
    result = json.loads((project / "aigov-result.json").read_text("utf-8"))
    assert result["base"] == base and result["decision"] == "block"
    assert (project / "aigov-summary.md").read_text("utf-8").strip()


def test_merge_request_job_passes(template: dict[str, Any], tmp_path: Path) -> None:
    project = tmp_path / "project"
    repo = example_git_repo(project, "customer-chatbot")
    base = repo.head.commit.hexsha
    commit_change(repo, {"README.md": "# =># (MR) "}, branch="change")
    env = ci_env(tmp_path, base, AIGOV_POLICIES=str(PROJECT_ROOT / "examples" / "org-policies"))
    done = run_gitlab_job(template, "aigov-check", project_dir=project, env=env, temp=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads((project / "gl-code-quality-report.json").read_text("utf-8")) == []


def test_deployment_gate_job(template: dict[str, Any], tmp_path: Path) -> None:
    project = tmp_path / "project"
    repo = example_git_repo(project, "customer-chatbot")
    env = ci_env(tmp_path, repo.head.commit.hexsha, CI_PIPELINE_SOURCE="push")
    done = run_gitlab_job(template, "aigov-gate", project_dir=project, env=env, temp=tmp_path)
    assert done.returncode == 1  # a POC is not deployed to production
    result = json.loads((project / "aigov-gate-result.json").read_text("utf-8"))
    assert result["target"] == "production" and result["stages"] == ["production"]
    assert ET.parse(project / "aigov-gate-junit.xml").getroot().tag in ("testsuites", "testsuite")
