"""The GitLab CI template: its jobs' scripts run with bash in a simulated merge-request job.

See ``tests/ci/simulate.py``: the template skips the install when the image provides aigov (an
``aigov`` command whose interpreter imports aigov), which :func:`aigov_bin` arranges; the
hostile merge request's job installs for real, offline, into a new virtual environment.

A hostile merge request (issue 14) commits modules and commands named like what the jobs run
(``pip/__main__.py``, ``json.py``, ``gitlab.py``, ``sitecustomize.py``, ``.pth`` files,
``./aigov``, ``bin/git``…), each leaving a marker and forging a passing result if it ever runs,
and the job's environment points PATH, PYTHONPATH, PYTHONHOME and PYTHONUSERBASE into the
project folder: nothing planted runs, the job's exit code and result tell the truth, and
GITLAB_TOKEN reaches the check only as AIGOV_FORGE_TOKEN and is never printed.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.ci.conftest import assert_matches_builtin_schema
from tests.ci.simulate import (
    FORGED_RESULT,
    aigov_bin,
    commit_all,
    commit_change,
    example_git_repo,
    gitlab_component,
    gitlab_job_script,
    gitlab_variables,
    hostile_environment,
    installed_extras,
    plant_hostile_files,
    run_gitlab_job,
    runner_python,
    shim_distribution,
    shim_runs,
)
from tests.conftest import PROJECT_ROOT
from tests.scm.fakes import GITLAB_TOKEN, HEAD_SHA, MR_IID, PROJECT_ID, FakeGitLab

TEMPLATE = PROJECT_ROOT / ".gitlab-ci-template.yml"
COMPONENT = PROJECT_ROOT / "templates" / "aigov.yml"
CODE_QUALITY_KEYS = {"description", "check_name", "fingerprint", "severity", "location"}


def classic() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    return data


def component(**inputs: Any) -> dict[str, Any]:
    """The component's configuration as GitLab includes it with ``inputs``."""
    data: dict[str, Any] = yaml.safe_load(gitlab_component(COMPONENT, inputs)[1])
    return data


@pytest.fixture(scope="module", params=["classic", "component"])
def template(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Each job test runs the classic template's jobs and the component's (default inputs)."""
    return classic() if request.param == "classic" else component()


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


# --- Issue 14: nothing the merge request wrote runs ----------------------------------------------

_PYTHON_CALL = re.compile(r'(?:"\$\w*(?i:python)\w*"|\bpython3?\b)(?=\s+-)(\s+\S+)')
JOBS = ["aigov-check", "aigov-gate", "aigov-portfolio", "aigov-portfolio-report"]
REPORTS = (
    "gl-code-quality-report.json",
    "aigov-junit.xml",
    "aigov-result.json",
    "aigov-summary.md",
)


def test_every_python_runs_isolated_and_aigov_by_the_interpreters_path(
    template: dict[str, Any],
) -> None:
    for job in JOBS:
        script = "\n".join(gitlab_job_script(template, job))
        options = [found.strip() for found in _PYTHON_CALL.findall(script)]
        assert options and set(options) == {"-I"}, (job, options)
        assert 'aigov() { "$AIGOV_PYTHON" -I -m aigov "$@"; }' in script
        assert "PATH=$aigov_keep; export PATH" in script
    assert gitlab_variables(template, "aigov-check")["AIGOV_RUN_DATA_CHECKS"] == "false"
    check = "\n".join(template["aigov-check"]["script"])
    assert "unset GITLAB_TOKEN" in check and "--run-data-checks" in check


def test_the_template_matches_the_gitlab_ci_schema() -> None:
    assert_matches_builtin_schema("vendor.gitlab-ci", TEMPLATE)


def hostile_merge_request(
    tmp_path: Path, edits: dict[str, str], *, extra_files: dict[str, str] | None = None
) -> tuple[Path, Path, str]:
    """The example with the MR's ``edits``, ``extra_files`` and the planted files committed on
    its branch: (project folder, markers folder, the MR's diff base)."""
    project = tmp_path / "project"
    repo = example_git_repo(project, "customer-chatbot")
    base = repo.head.commit.hexsha
    commit_change(repo, edits, branch="change")
    markers = tmp_path / "markers"
    plant_hostile_files(project, markers)
    for relative, text in (extra_files or {}).items():
        (project / relative).write_text(text, encoding="utf-8")
    commit_all(repo, "tooling")
    return project, markers, base


def outside(project: Path, path_variable: str) -> bool:
    """Every folder of a PATH is absolute and outside the project folder."""
    root = os.path.realpath(project)
    return all(
        os.path.isabs(folder) and os.path.commonpath([root, os.path.realpath(folder)]) != root
        for folder in path_variable.split(os.pathsep)
    )


@pytest.mark.usefixtures("no_ci_variables")
def test_hostile_merge_request_runs_nothing(
    template: dict[str, Any], tmp_path: Path, local_server: Any
) -> None:
    """The image has no aigov: the job installs it (offline) into a new virtual environment,
    with the data checks on and GITLAB_TOKEN set (the note is posted)."""
    forge = FakeGitLab(local_server)
    project, markers, base = hostile_merge_request(
        tmp_path, {"aigov.yaml": "stage: poc=>stage: production"}
    )
    records = tmp_path / "records"
    shim = shim_distribution(tmp_path / "aigov-src", records)
    trusted = os.pathsep.join([str(runner_python(tmp_path / "image-bin")), "/usr/bin", "/bin"])
    (tmp_path / "tmp").mkdir()
    env = {
        **ci_env(tmp_path, base),
        **hostile_environment(project, trusted),
        "CI_MERGE_REQUEST_IID": str(MR_IID),
        "CI_PROJECT_ID": PROJECT_ID,
        "CI_API_V4_URL": forge.base,
        "CI_COMMIT_SHA": HEAD_SHA,
        "CI_JOB_URL": "https://gitlab.example.com/g/p/-/jobs/1",
        "GITLAB_TOKEN": GITLAB_TOKEN,
        "AIGOV_RUN_DATA_CHECKS": "true",
        "PIP_NO_INDEX": "1",  # aigov==0.1.0 (the release the template pins) from the shim's wheels
        "PIP_FIND_LINKS": str(shim / "wheels"),
        "TMPDIR": str(tmp_path / "tmp"),
    }
    done = run_gitlab_job(template, "aigov-check", project_dir=project, env=env, temp=tmp_path)
    assert sorted(p.name for p in markers.iterdir()) == []

    # The job's exit code and its result tell the truth: blocked.
    assert done.returncode == 1, done.stdout + done.stderr
    result_text = (project / "aigov-result.json").read_text("utf-8")
    result = json.loads(result_text)
    assert result["decision"] == "block" and result["summary"]["blocking"] >= 2
    assert any(note.startswith("data checks re-run") for note in result["notes"])

    # aigov ran isolated from a new environment outside the project: the check, the note.
    runs = shim_runs(records)
    assert [r["argv"][0] for r in runs] == ["check", "comment"]
    python = runs[0]["executable"]
    assert outside(project, os.path.dirname(python))
    assert installed_extras(python) == {"gx", "gitlab"}
    for recorded in runs:
        assert recorded["executable"] == python and recorded["isolated"] == 1
        assert not [name for name in recorded["env"] if name.startswith("PYTHON")]
        assert outside(project, recorded["env"]["PATH"])
    check, comment = runs
    assert "--run-data-checks" in check["argv"]
    assert check["env"]["AIGOV_FORGE_TOKEN"] == GITLAB_TOKEN
    assert "GITLAB_TOKEN" not in check["env"]
    assert comment["env"]["GITLAB_TOKEN"] == GITLAB_TOKEN
    assert len(forge.notes) == 1 and [s["status"] for s in forge.statuses] == ["failed"]
    written = [done.stdout, done.stderr] + [(project / name).read_text("utf-8") for name in REPORTS]
    assert not [text for text in written if GITLAB_TOKEN in text]


@pytest.mark.usefixtures("no_ci_variables")
@pytest.mark.parametrize(
    ("job", "exit_code", "decision", "result_file"),
    [
        ("aigov-check", 0, "pass", "aigov-result.json"),
        ("aigov-gate", 1, "block", "aigov-gate-result.json"),  # a POC is not deployed
    ],
)
def test_hostile_merge_request_with_aigov_in_the_image(
    template: dict[str, Any],
    tmp_path: Path,
    job: str,
    exit_code: int,
    decision: str,
    result_file: str,
) -> None:
    project, markers, base = hostile_merge_request(tmp_path, {"README.md": "# =># (MR) "})
    image = os.pathsep.join([str(aigov_bin(tmp_path / "image-bin")), os.environ["PATH"]])
    env = {
        **ci_env(tmp_path, base),
        **hostile_environment(project, image),
        "AIGOV_POLICIES": str(PROJECT_ROOT / "examples" / "org-policies"),
        "AIGOV_FORGE_TOKEN": "glpat-r3v13wT0k3nF0rTh3Ch3ck",
    }
    done = run_gitlab_job(template, job, project_dir=project, env=env, temp=tmp_path)
    assert sorted(p.name for p in markers.iterdir()) == []
    assert done.returncode == exit_code, done.stdout + done.stderr
    assert json.loads((project / result_file).read_text("utf-8"))["decision"] == decision
    assert "glpat-r3v13wT0k3nF0rTh3Ch3ck" not in done.stdout + done.stderr


@pytest.mark.usefixtures("no_ci_variables")
def test_a_committed_result_is_never_published(
    template: dict[str, Any], tmp_path: Path, local_server: Any
) -> None:
    """The check cannot run (an unknown base): the result the MR committed is deleted, not
    posted as the note and the commit status."""
    forge = FakeGitLab(local_server)
    project, markers, _ = hostile_merge_request(
        tmp_path,
        {"README.md": "# =># (MR) "},
        extra_files={"aigov-result.json": FORGED_RESULT, "aigov-summary.md": "# PASSED\n"},
    )
    env = {
        **ci_env(tmp_path, "0" * 40),
        "CI_MERGE_REQUEST_IID": str(MR_IID),
        "CI_PROJECT_ID": PROJECT_ID,
        "CI_API_V4_URL": forge.base,
        "CI_COMMIT_SHA": HEAD_SHA,
        "GITLAB_TOKEN": GITLAB_TOKEN,
    }
    done = run_gitlab_job(template, "aigov-check", project_dir=project, env=env, temp=tmp_path)
    assert sorted(p.name for p in markers.iterdir()) == []
    assert done.returncode == 2, done.stdout + done.stderr
    assert not (project / "aigov-result.json").exists()
    assert not (project / "aigov-summary.md").exists()
    assert forge.notes == {} and forge.statuses == []


# --- Issue 17: a component, a pinned release, the whole history ----------------------------------

HISTORY_JOBS = ("aigov-check", "aigov-gate")


def release() -> str:
    version: str = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text("utf-8"))["project"][
        "version"
    ]
    return version


def test_the_component_and_the_classic_template_hold_the_same_jobs() -> None:
    """One set of scripts in two packagings: a change to one that the other lacks fails here."""
    old, new = classic(), component()
    assert [job for job in old if not job.startswith(".") and job != "variables"] == JOBS
    assert [job for job in new if not job.startswith(".")] == list(JOBS)
    for job in JOBS:
        assert gitlab_job_script(new, job) == gitlab_job_script(old, job), job
        assert gitlab_variables(new, job) == gitlab_variables(old, job), job
        assert {k: v for k, v in new[job].items() if k != "stage"} == {
            k: v for k, v in old[job].items() if k != "stage"
        }, job
    assert new[".aigov"]["image"] == old[".aigov"]["image"]


def test_every_job_that_reads_the_history_clones_all_of_it() -> None:
    for template in (classic(), component()):
        for job in HISTORY_JOBS:
            assert gitlab_variables(template, job)["GIT_DEPTH"] == "0", job


def test_the_release_is_pinned_and_no_job_changes_the_pin() -> None:
    version = release()
    old = classic()
    assert old["variables"]["AIGOV_VERSION"] == version
    assert old["variables"]["AIGOV_PIP_SPEC"] == ""  # the default: aigov[extras]==AIGOV_VERSION
    header, _ = gitlab_component(COMPONENT)
    assert header["spec"]["inputs"]["version"]["default"] == version
    for job in JOBS:  # the portfolio job once replaced the spec with an unpinned aigov[gitlab]
        for template in (old, component()):
            variables = template[job].get("variables") or {}
            assert not {"AIGOV_PIP_SPEC", "AIGOV_VERSION", "AIGOV_EXTRAS"} & set(variables), job
    texts = TEMPLATE.read_text("utf-8") + COMPONENT.read_text("utf-8")
    assert f"/v{version}/.gitlab-ci-template.yml" in texts and f"/aigov@{version}" in texts
    assert "AIGOV_PORTFOLIO_SHARDS" not in texts and "project: aigov/aigov" not in texts
    for advice in ("workflow:", "$CI_OPEN_MERGE_REQUESTS", "when: never"):
        assert advice in TEMPLATE.read_text("utf-8") and advice in COMPONENT.read_text("utf-8")


def test_the_component_inputs_reach_the_jobs() -> None:
    configured = component(
        **{
            "check-stage": "lint",
            "gate-stage": "verify",
            "portfolio-stage": "governance",
            "portfolio-shards": 8,
            "version": "0.2.0",
            "extras": "mlflow",
            "fail-on": "high",
            "environment": "staging",
            "run-data-checks": True,
        }
    )
    stages = [configured[job]["stage"] for job in JOBS]
    assert stages == ["lint", "verify", "governance", "governance"]
    assert configured["aigov-portfolio"]["parallel"] == 8
    variables = gitlab_variables(configured, "aigov-gate")
    assert {name: variables[name] for name in ("AIGOV_VERSION", "AIGOV_EXTRAS")} == {
        "AIGOV_VERSION": "0.2.0",
        "AIGOV_EXTRAS": "mlflow",
    }
    assert (variables["AIGOV_FAIL_ON"], variables["AIGOV_ENVIRONMENT"]) == ("high", "staging")
    assert variables["AIGOV_RUN_DATA_CHECKS"] == "true"


@pytest.mark.parametrize(
    "inputs", [{}, {"check-stage": "lint", "portfolio-shards": 12, "run-data-checks": True}]
)
def test_the_component_matches_the_gitlab_ci_schema(tmp_path: Path, inputs: dict[str, Any]) -> None:
    """The spec header on its own, and the configuration with the inputs interpolated."""
    header_text = COMPONENT.read_text("utf-8").split("\n---\n", 1)[0]
    (tmp_path / "header.yml").write_text(header_text + "\n", encoding="utf-8")
    assert_matches_builtin_schema("vendor.gitlab-ci", tmp_path / "header.yml")
    (tmp_path / "body.yml").write_text(gitlab_component(COMPONENT, inputs)[1], encoding="utf-8")
    assert_matches_builtin_schema("vendor.gitlab-ci", tmp_path / "body.yml")


def test_the_readme_gitlab_configurations_match_the_schema(tmp_path: Path) -> None:
    blocks = re.findall(
        r"^```yaml\n(.*?)^```", (PROJECT_ROOT / "README.md").read_text("utf-8"), re.M | re.S
    )
    gitlab = [block for block in blocks if re.search(r"^(include|workflow):", block, re.M)]
    assert len(gitlab) >= 2
    for index, text in enumerate(gitlab):
        path = tmp_path / f"gitlab{index}.yml"
        path.write_text(text, encoding="utf-8")
        assert_matches_builtin_schema("vendor.gitlab-ci", path)
