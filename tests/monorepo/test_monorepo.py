"""Monorepos: several AI projects in one git repository.

Every scenario runs the real command line on a real git repository built in a temp folder from
``examples/monorepo`` (its ``build.py``): ``--all`` and what it leaves out, ``--base`` and the
projects a change touches, paths from the repository root whatever the working directory, one
SARIF run per project, the pre-commit hooks at the monorepo's root.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import git
import yaml
from junitparser import JUnitXml
from tests.conftest import EXAMPLES, PROJECT_ROOT, CliResult, run_aigov_process
from tests.sarif_schema import CONFORMANCE, sarif_errors

from aigov.projects import find_projects, project_of, touched_projects

MONOREPO = EXAMPLES / "monorepo"
TODAY = "2026-11-24"
PROJECTS = ["projects/chatbot", "projects/hr-attrition"]


def _build_module() -> Any:
    spec = importlib.util.spec_from_file_location("monorepo_build", MONOREPO / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def monorepo(tmp_path: Path) -> tuple[Path, git.Repo]:
    """The example monorepo committed on ``main`` of a new repository, with folders --all must
    leave out: dependencies, a virtual environment, vendored code and a git-ignored folder."""
    root = tmp_path / "mono"
    _build_module().build(root)
    lookalike = (MONOREPO / "projects" / "hr-attrition" / "aigov.yaml").read_text("utf-8")
    for folder in ("node_modules/pkg", ".venv/lib/pkg", "vendor/lib", "third_party/x", "scratch"):
        (root / folder).mkdir(parents=True)
        # invalid on purpose: checked by mistake, it would make the run exit 2
        (root / folder / "aigov.yaml").write_text(lookalike + "\nnot: [valid\n", "utf-8")
    (root / ".gitignore").write_text("scratch/\n", "utf-8")
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "Data Scientist")
        config.set_value("user", "email", "ds@example.com")
    repo.git.add(A=True)
    repo.index.commit("base")
    return root, repo


def commit_on_branch(repo: git.Repo, edits: dict[str, str], branch: str = "change") -> None:
    """On a new branch, append each text to its file and commit."""
    repo.git.checkout("-b", branch)
    root = Path(repo.working_tree_dir or ".")
    for relative, text in edits.items():
        path = root / relative
        path.write_text(path.read_text("utf-8") + text, "utf-8")
    repo.git.add(A=True)
    repo.index.commit("change")


def aigov(cwd: Path, *args: str) -> CliResult:
    return run_aigov_process(*args, "--today", TODAY, cwd=cwd)


def as_json(result: CliResult) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.stdout)
    return data


# --- which projects --------------------------------------------------------------------------


def test_all_checks_every_project_and_nothing_vendored_or_ignored(tmp_path: Path) -> None:
    root, _ = monorepo(tmp_path)
    result = aigov(root, "check", "--all", "--policies", "governance", "-f", "json")
    assert result.exit_code == 0, result.stderr
    data = as_json(result)
    assert [p["folder"] for p in data["projects"]] == PROJECTS
    assert [p["project"] for p in data["projects"]] == ["customer-chatbot", "hr-attrition"]
    assert data["decision"] == "pass" and data["summary"]["projects"] == 2
    assert data["summary"]["rules_evaluated"] == sum(
        p["summary"]["rules_evaluated"] for p in data["projects"]
    )


def test_find_projects_outside_git_skips_vendored_folders(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    _build_module().build(root)
    (root / "node_modules" / "x").mkdir(parents=True)
    (root / "node_modules" / "x" / "aigov.yaml").write_text("x", "utf-8")
    assert [f.relative_to(root).as_posix() for f in find_projects(root)] == PROJECTS


def test_the_result_is_the_worst_of_the_projects(tmp_path: Path) -> None:
    root, _ = monorepo(tmp_path)
    manifest = root / "projects" / "hr-attrition" / "aigov.yaml"
    text = manifest.read_text("utf-8")
    manifest.write_text(re.sub(r"(?m)^stage: .*$", "stage: production", text), "utf-8")
    result = aigov(root, "check", "--all", "--policies", "governance", "-f", "json")
    assert result.exit_code == 1, result.stderr
    data = as_json(result)
    assert data["decision"] == "block" and data["summary"]["blocked"] == 1
    assert [p["decision"] for p in data["projects"]] == ["pass", "block"]
    text_run = aigov(root, "check", "--all", "--policies", "governance")
    assert text_run.exit_code == 1
    last = text_run.stdout.rstrip("\n").splitlines()[-1]
    assert last == "aigov: BLOCKED: 1 of 2 project(s) (hr-attrition)"
    assert "== projects/chatbot (customer-chatbot) ==" in text_run.stdout


def test_an_invalid_project_is_named_and_exits_2(tmp_path: Path) -> None:
    root, _ = monorepo(tmp_path)
    (root / "projects" / "chatbot" / "aigov.yaml").write_text("stage: [", "utf-8")
    result = aigov(root, "check", "--all", "--policies", "governance")
    assert result.exit_code == 2
    assert "projects/chatbot" in result.stderr and "Traceback" not in result.stderr


def test_a_monorepo_root_without_manifest_points_at_all(tmp_path: Path) -> None:
    root, _ = monorepo(tmp_path)
    result = aigov(root, "check", "--policies", "governance")
    assert result.exit_code == 2
    assert "aigov check --all" in result.stderr and "projects/chatbot" in result.stderr


def test_base_checks_only_the_projects_the_change_touches(tmp_path: Path) -> None:
    root, repo = monorepo(tmp_path)
    commit_on_branch(repo, {"projects/chatbot/MODEL_CARD.md": "\nMore detail.\n"})
    result = aigov(
        root, "check", "--all", "--base", "main", "--policies", "governance", "-f", "json"
    )
    assert result.exit_code == 0, result.stderr
    data = as_json(result)
    assert [p["folder"] for p in data["projects"]] == ["projects/chatbot"]
    assert data["unchanged"] == ["projects/hr-attrition"]
    assert data["projects"][0]["extra"]["change"]["files"] == ["MODEL_CARD.md"]


def test_base_checks_every_project_when_the_policies_change(tmp_path: Path) -> None:
    root, repo = monorepo(tmp_path)
    commit_on_branch(repo, {"governance/aigov-org.yaml": "\n# stricter soon\n"})
    result = aigov(
        root, "check", "--all", "--base", "main", "--policies", "governance", "-f", "json"
    )
    assert result.exit_code == 0, result.stderr
    data = as_json(result)
    assert [p["folder"] for p in data["projects"]] == PROJECTS
    assert data["unchanged"] == []
    assert any("edits the policy source" in note for note in data["notes"])


def test_base_with_a_change_outside_every_project(tmp_path: Path) -> None:
    root, repo = monorepo(tmp_path)
    commit_on_branch(repo, {".gitignore": "build/\n"})
    result = aigov(root, "check", "--all", "--base", "main", "--policies", "governance")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "aigov: PASSED: no project to check"
    assert "projects/chatbot, projects/hr-attrition" in result.stdout


def test_touched_projects_counts_a_file_for_its_nearest_project() -> None:
    folders = [".", "apps/a", "apps/a/sub"]
    changed = ["README.md", "apps/a/sub/x.py", "apps/b/y.py"]
    assert touched_projects(folders, changed) == {".", "apps/a/sub"}
    assert touched_projects(folders, ["apps/a/MODEL_CARD.md"]) == {"apps/a"}


# --- paths from the repository root ----------------------------------------------------------


def _uris(run: dict[str, Any]) -> set[str]:
    return {
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for result in run["results"]
    }


FILE_FORMATS = ("sarif", "junit", "codequality", "markdown", "json")


def _gate_from(cwd: Path, tmp_path: Path, *paths: str) -> tuple[CliResult, dict[str, str]]:
    args = ["gate", "--to", "production", *paths, "-f", "github", "-f", "text"]
    files = {name: tmp_path / f"out.{name}" for name in FILE_FORMATS}
    for name, file in files.items():
        args += ["-f", name, "-o", str(file)]
    result = aigov(cwd, *args)
    return result, {name: file.read_text("utf-8") for name, file in files.items()}


def test_paths_are_from_the_repository_root_whatever_the_working_directory(
    tmp_path: Path,
) -> None:
    root, _ = monorepo(tmp_path)
    inside = root / "projects" / "chatbot"
    result, outputs = _gate_from(inside, tmp_path)
    assert result.exit_code == 1, result.stderr
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert annotations
    for line in annotations:
        assert re.match(r"::(error|warning|notice) file=projects/chatbot/", line), line
    assert "  projects/chatbot/aigov.yaml:" in result.stdout  # the text report
    sarif = json.loads(outputs["sarif"])
    (run,) = sarif["runs"]
    uris = _uris(run)
    assert uris and all(uri.startswith("projects/chatbot/") for uri in uris)
    assert run["automationDetails"]["id"] == "aigov/customer-chatbot/gate-production/"
    quality = json.loads(outputs["codequality"])
    assert quality and all(i["location"]["path"].startswith("projects/chatbot/") for i in quality)
    assert "projects/chatbot/aigov.yaml:" in outputs["junit"]
    assert "projects/chatbot/aigov.yaml" in outputs["markdown"]
    data = json.loads(outputs["json"])
    assert data["folder"] == "projects/chatbot" and data["repository"] == "."
    # the same run from the root names the same places
    again, from_root = _gate_from(root, tmp_path, "projects/chatbot")
    assert [line for line in again.stdout.splitlines() if line.startswith("::")] == annotations
    assert json.loads(from_root["codequality"]) == quality


def test_all_gives_one_sarif_run_per_project(tmp_path: Path) -> None:
    root, _ = monorepo(tmp_path)
    result, outputs = _gate_from(root / "projects", tmp_path, "--all", "..")
    assert result.exit_code == 1, result.stderr
    sarif = json.loads(outputs["sarif"])
    ids = [run["automationDetails"]["id"] for run in sarif["runs"]]
    assert ids == ["aigov/customer-chatbot/gate-production/", "aigov/hr-attrition/gate-production/"]
    for run, folder in zip(sarif["runs"], PROJECTS, strict=True):
        uris = _uris(run)
        assert uris and all(uri.startswith(folder + "/") for uri in uris)
    if CONFORMANCE.is_dir():
        assert sarif_errors(sarif) == []
    path = tmp_path / "junit.xml"
    path.write_text(outputs["junit"], "utf-8")
    xml = JUnitXml.fromfile(str(path))
    names = {suite.name.split("/")[0] for suite in xml}
    assert names == {"customer-chatbot", "hr-attrition"}
    totals = json.loads(outputs["json"])["summary"]
    assert sum(suite.tests for suite in xml) >= totals["rules_evaluated"]
    fingerprints = [issue["fingerprint"] for issue in json.loads(outputs["codequality"])]
    assert len(fingerprints) == len(set(fingerprints))


# --- pre-commit hooks ------------------------------------------------------------------------


def _hook(hook_id: str) -> dict[str, Any]:
    hooks = yaml.safe_load((PROJECT_ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    found: dict[str, Any] = next(h for h in hooks if h["id"] == hook_id)
    return found


def _run_hook(hook_id: str, cwd: Path, files: list[str], *args: str) -> CliResult:
    """The hook as pre-commit runs it: its entry, its args, then the staged files it matches."""
    hook = _hook(hook_id)
    assert hook["pass_filenames"] is True
    matched = [f for f in files if re.search(hook["files"], f)]
    command = shlex.split(hook["entry"])
    assert command[0] == "aigov"
    done = subprocess.run(
        [sys.executable, "-m", "aigov", *command[1:], *args, *matched],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


CHANGED = [
    "projects/chatbot/aigov.yaml",
    "projects/chatbot/contracts/conversation-logs.odcs.yaml",
    "projects/hr-attrition/aigov.yaml",
    "README.md",
]


def test_validate_hook_at_a_monorepo_root(tmp_path: Path) -> None:
    root, _ = monorepo(tmp_path)
    result = _run_hook("aigov-validate", root, CHANGED)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "valid: 0 error(s), 0 warning(s) in projects/chatbot" in result.stdout
    assert "in projects/hr-attrition" in result.stdout
    (root / "projects" / "hr-attrition" / "aigov.yaml").write_text("stage: [", "utf-8")
    broken = _run_hook("aigov-validate", root, CHANGED)
    assert broken.exit_code == 2
    assert "invalid: " in broken.stdout and "in projects/hr-attrition" in broken.stdout


def test_check_hook_checks_only_the_changed_projects(tmp_path: Path) -> None:
    root, _ = monorepo(tmp_path)
    one = _run_hook("aigov-check", root, CHANGED[:2], "--policies", "governance")
    assert one.exit_code == 0, one.stdout + one.stderr
    assert one.stdout.startswith("aigov: PASSED: customer-chatbot (stage poc)")
    both = _run_hook("aigov-check", root, CHANGED, "--policies", "governance")
    assert both.exit_code == 0, both.stdout + both.stderr
    assert both.stdout.startswith("aigov: PASSED: 2 project(s)")


def test_a_file_outside_every_project_is_skipped_with_a_line(tmp_path: Path) -> None:
    root, _ = monorepo(tmp_path)
    (root / "MODEL_CARD.md").write_text("---\n---\n# card\n", "utf-8")
    result = _run_hook("aigov-validate", root, ["MODEL_CARD.md", CHANGED[0]])
    assert result.exit_code == 0, result.stderr
    assert "MODEL_CARD.md: in no project" in result.stderr
    assert project_of(root / "MODEL_CARD.md") is None
    assert project_of(root / "projects" / "chatbot" / "contracts" / "x.yaml") == (
        root / "projects" / "chatbot"
    )


# --- the example -----------------------------------------------------------------------------


def test_the_committed_example_is_what_build_py_makes(tmp_path: Path) -> None:
    built = tmp_path / "built"
    _build_module().build(built)

    def files(folder: Path) -> dict[str, bytes]:
        return {
            p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file()
            and p.name != "build.py"
            and p.name != "README.md"
            and "__pycache__" not in p.parts
        }

    assert files(MONOREPO) == files(built), "run: python examples/monorepo/build.py"


def test_the_example_checks_from_the_checkout(tmp_path: Path) -> None:
    result = run_aigov_process(
        "check",
        "--all",
        str(MONOREPO),
        "--policies",
        str(MONOREPO / "governance"),
        "--today",
        TODAY,
        "-f",
        "json",
        cwd=PROJECT_ROOT,
    )
    assert result.exit_code == 0, result.stderr
    folders = [p["folder"] for p in as_json(result)["projects"]]
    assert folders == [f"examples/monorepo/{folder}" for folder in PROJECTS]
    assert shutil.which("git")


def test_a_baseline_of_several_projects_excuses_each_project_its_own_findings(
    tmp_path: Path,
) -> None:
    root, _ = monorepo(tmp_path)
    saved = tmp_path / "baseline.json"
    first = aigov(root, "gate", "--to", "production", "--all", "-f", "json", "-o", str(saved))
    assert first.exit_code == 1, first.stderr
    again = aigov(root, "gate", "--to", "production", "--all", "--baseline", str(saved))
    assert again.exit_code == 0, again.stdout + again.stderr
    # the chatbot's accepted findings only: the same rule on the same field of hr-attrition's
    # aigov.yaml has the same fingerprint, and must still block there
    data = json.loads(saved.read_text("utf-8"))
    chatbot, hr = data["projects"]
    shared = {(f["rule_id"], f["file"], f["field"]) for f in chatbot["findings"]} & {
        (f["rule_id"], f["file"], f["field"]) for f in hr["findings"] if f["blocking"]
    }
    assert shared, "the two projects share a blocking finding"
    saved.write_text(json.dumps({**data, "projects": [chatbot]}), "utf-8")
    partial = aigov(
        root, "gate", "--to", "production", "--all", "--baseline", str(saved), "-f", "json"
    )
    assert partial.exit_code == 1
    decisions = {p["folder"]: p["decision"] for p in as_json(partial)["projects"]}
    assert decisions == {"projects/chatbot": "pass", "projects/hr-attrition": "block"}


def test_a_pull_request_checked_from_the_projects_folder_annotates_from_the_root(
    tmp_path: Path,
) -> None:
    """The issue's case: ``cd projects/chatbot && aigov check --base main -f github``."""
    root, repo = monorepo(tmp_path)
    repo.git.checkout("-b", "change")
    manifest = root / "projects" / "chatbot" / "aigov.yaml"
    text = manifest.read_text("utf-8")
    manifest.write_text(re.sub(r"(?m)^stage: .*$", "stage: industrialization", text), "utf-8")
    repo.git.add(A=True)
    repo.index.commit("chatbot to industrialization")
    result = aigov(root / "projects" / "chatbot", "check", "--base", "main", "-f", "github")
    assert result.exit_code == 1, result.stdout + result.stderr
    annotations = result.stdout.splitlines()
    assert annotations and all("file=projects/chatbot/" in line for line in annotations)


def _delete_on_branch(repo: git.Repo, deleted: str, moved_to: str | None = None) -> None:
    repo.git.checkout("-b", "drop")
    if moved_to is None:
        repo.git.rm(deleted)
    else:
        repo.git.mv(deleted, moved_to)
    repo.index.commit("drop a manifest")


def test_attack_a_pull_request_cannot_drop_a_project_by_deleting_its_manifest(
    tmp_path: Path,
) -> None:
    """Without the refusal, hr-attrition would simply no longer be a project: not checked."""
    root, repo = monorepo(tmp_path)
    _delete_on_branch(repo, "projects/hr-attrition/aigov.yaml")
    result = aigov(root, "check", "--all", "--base", "main", "--policies", "governance")
    assert result.exit_code == 2
    assert (
        "this change deletes projects/hr-attrition/aigov.yaml (project 'hr-attrition', stage "
        "ideation) without retiring it"
    ) in " ".join(result.stderr.split())


def test_attack_hiding_a_manifest_in_a_vendored_folder_is_refused_too(tmp_path: Path) -> None:
    root, repo = monorepo(tmp_path)
    (root / "projects" / "vendor").mkdir()
    _delete_on_branch(
        repo, "projects/hr-attrition/aigov.yaml", moved_to="projects/vendor/aigov.yaml"
    )
    result = aigov(root, "check", "--all", "--base", "main", "--policies", "governance")
    assert result.exit_code == 2
    assert "without retiring it" in result.stderr


def test_a_project_that_moves_or_was_retired_may_leave_its_folder(tmp_path: Path) -> None:
    root, repo = monorepo(tmp_path)
    _delete_on_branch(repo, "projects/hr-attrition", moved_to="projects/hr")  # the whole folder
    moved = aigov(root, "check", "--all", "--base", "main", "--policies", "governance")
    assert moved.exit_code in (0, 1), moved.stderr
    assert "projects/hr" in moved.stdout
    root, repo = monorepo(tmp_path / "retired")
    manifest = root / "projects" / "hr-attrition" / "aigov.yaml"
    manifest.write_text(
        manifest.read_text("utf-8").replace("stage: ideation", "stage: retired"), "utf-8"
    )
    repo.git.add(A=True)
    repo.index.commit("retire hr-attrition")
    _delete_on_branch(repo, "projects/hr-attrition/aigov.yaml")
    retired = aigov(root, "check", "--all", "--base", "main", "--policies", "governance")
    assert retired.exit_code in (0, 1), retired.stderr
