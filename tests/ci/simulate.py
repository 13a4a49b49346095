"""Run CI definitions (GitHub composite action steps, GitLab CI job scripts) locally with bash.

The runner's work is reproduced, not mocked: expressions (``${{ inputs.x }}``,
``${{ github.action_path }}``) are substituted as the runner would, each ``run:`` is written to a
file and executed as GitHub does (``bash --noprofile --norc -eo pipefail FILE``), and GitLab's
``script:`` lines run one after the other in one bash with ``-e``, in a temporary git repository
holding a copy of an example.

aigov is not installed by the simulation: the action's step with ``id: install`` is skipped, and
an ``aigov`` executable that runs ``python -m aigov`` with the interpreter running the tests (the
checkout under test) is put first on ``PATH``. Everything after it runs unchanged.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git
from tests.conftest import EXAMPLES

_EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def aigov_bin(folder: Path) -> Path:
    """A folder holding an ``aigov`` that runs the checkout under test; put it on PATH."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "aigov"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m aigov "$@"\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return folder


def example_git_repo(destination: Path, example: str, *, branch: str = "main") -> git.Repo:
    """``examples/<example>`` committed on ``branch`` of a new repository at ``destination``,
    with ``origin/<branch>`` pointing at that commit (as after a CI checkout)."""
    shutil.copytree(EXAMPLES / example, destination, ignore=shutil.ignore_patterns("mlruns.db"))
    repo = git.Repo.init(destination, initial_branch=branch)
    with repo.config_writer() as config:
        config.set_value("user", "name", "Data Scientist")
        config.set_value("user", "email", "ds@example.com")
    repo.git.add(A=True)
    repo.index.commit("base")
    repo.create_head("ci-tmp")  # keep a ref while origin/<branch> is written
    repo.git.update_ref(f"refs/remotes/origin/{branch}", repo.head.commit.hexsha)
    repo.delete_head("ci-tmp")
    return repo


def commit_change(repo: git.Repo, edits: Mapping[str, str], *, branch: str) -> None:
    """On ``branch`` (created), replace ``old=>new`` in files: {path: "old=>new"}; commit."""
    repo.git.checkout("-b", branch)
    root = Path(repo.working_tree_dir or ".")
    for relative, replacement in edits.items():
        old, new = replacement.split("=>", 1)
        path = root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    repo.git.add(A=True)
    repo.index.commit("change")


# --- GitHub Actions ----------------------------------------------------------------------------


@dataclass
class StepRun:
    name: str
    exit_code: int
    stdout: str
    stderr: str


@dataclass
class ActionRun:
    steps: list[StepRun]
    outputs: dict[str, str]
    """The action's declared outputs, resolved from the steps' GITHUB_OUTPUT."""
    step_outputs: dict[str, dict[str, str]]
    summary: str

    @property
    def exit_code(self) -> int:
        return next((s.exit_code for s in self.steps if s.exit_code != 0), 0)

    @property
    def stdout(self) -> str:
        return "".join(s.stdout for s in self.steps)


def github_expression(
    expression: str,
    *,
    inputs: Mapping[str, str],
    context: Mapping[str, str],
    step_outputs: Mapping[str, Mapping[str, str]],
) -> str:
    """The value of the expressions the action uses (others fail the test loudly)."""
    parts = expression.split(".")
    if parts[0] == "inputs" and len(parts) == 2:
        return inputs[parts[1]]
    if parts[0] == "github" and len(parts) == 2:
        return context[parts[1]]
    if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
        return step_outputs.get(parts[1], {}).get(parts[3], "")
    raise AssertionError(f"the simulation does not know the expression ${{{{ {expression} }}}}")


def substitute(text: str, **scope: Any) -> str:
    return _EXPRESSION.sub(lambda m: github_expression(m.group(1), **scope), text)


def parse_github_output(text: str) -> dict[str, str]:
    """``name=value`` lines and ``name<<DELIMITER`` blocks, as the runner reads GITHUB_OUTPUT."""
    values: dict[str, str] = {}
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block: list[str] = []
            while index < len(lines) and lines[index] != delimiter:
                block.append(lines[index])
                index += 1
            index += 1
            values[name] = "\n".join(block)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


def run_composite_action(
    action: Mapping[str, Any],
    *,
    action_path: Path,
    workspace: Path,
    inputs: Mapping[str, str],
    env: Mapping[str, str],
    temp: Path,
    skip_ids: tuple[str, ...] = ("install",),
) -> ActionRun:
    """Run a composite action's ``run:`` steps like the GitHub runner; skip ``skip_ids``."""
    declared = action.get("inputs") or {}
    unknown = set(inputs) - set(declared)
    assert not unknown, f"inputs not declared by the action: {unknown}"
    context = {
        "action_path": str(action_path),
        "token": "ghs_simulated",
        "workspace": str(workspace),
    }
    resolved = {
        name: inputs.get(name, str((spec or {}).get("default", "")))
        for name, spec in declared.items()
    }
    resolved = {
        k: substitute(v, inputs={}, context=context, step_outputs={}) for k, v in resolved.items()
    }
    summary = temp / "step_summary.md"
    summary.write_text("", encoding="utf-8")
    step_outputs: dict[str, dict[str, str]] = {}
    runs: list[StepRun] = []
    for index, step in enumerate(action["runs"]["steps"]):
        step_id = str(step.get("id", f"step{index}"))
        assert "run" in step, "the action has only run: steps (no uses:) so it can be simulated"
        assert step.get("shell") == "bash", "composite run steps must name their shell"
        if step_id in skip_ids:
            continue
        scope = {"inputs": resolved, "context": context, "step_outputs": step_outputs}
        output_file = temp / f"github_output_{step_id}"
        output_file.write_text("", encoding="utf-8")
        script = temp / f"step_{step_id}.sh"
        script.write_text(substitute(step["run"], **scope), encoding="utf-8")
        step_env = {
            **os.environ,
            **env,
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_ACTION_PATH": str(action_path),
            "GITHUB_WORKSPACE": str(workspace),
            "RUNNER_TEMP": str(temp / "runner_temp"),
            **{k: substitute(str(v), **scope) for k, v in (step.get("env") or {}).items()},
        }
        (temp / "runner_temp").mkdir(exist_ok=True)
        completed = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        step_outputs[step_id] = parse_github_output(output_file.read_text(encoding="utf-8"))
        runs.append(
            StepRun(
                str(step.get("name", step_id)),
                completed.returncode,
                completed.stdout,
                completed.stderr,
            )
        )
        if completed.returncode != 0:
            break  # the runner stops at a failing step
    outputs = {
        name: substitute(
            str(spec.get("value", "")), inputs=resolved, context=context, step_outputs=step_outputs
        )
        for name, spec in (action.get("outputs") or {}).items()
    }
    return ActionRun(runs, outputs, step_outputs, summary.read_text(encoding="utf-8"))


# --- GitLab CI -----------------------------------------------------------------------------------


def gitlab_job_script(template: Mapping[str, Any], job: str) -> list[str]:
    """``before_script`` + ``script`` of a job, following ``extends`` (hidden jobs)."""
    spec = dict(template[job])
    parents = spec.get("extends") or []
    for parent in [parents] if isinstance(parents, str) else parents:
        spec = {**template[parent], **spec}
    lines: list[str] = []
    for key in ("before_script", "script"):
        value = spec.get(key) or []
        lines.extend([value] if isinstance(value, str) else value)
    return [str(line) for line in lines]


def gitlab_variables(template: Mapping[str, Any], job: str) -> dict[str, str]:
    spec = dict(template[job])
    parents = spec.get("extends") or []
    variables: dict[str, str] = {k: str(v) for k, v in (template.get("variables") or {}).items()}
    for parent in [parents] if isinstance(parents, str) else parents:
        variables.update({k: str(v) for k, v in (template[parent].get("variables") or {}).items()})
    variables.update({k: str(v) for k, v in (spec.get("variables") or {}).items()})
    return variables


def run_gitlab_job(
    template: Mapping[str, Any], job: str, *, project_dir: Path, env: Mapping[str, str], temp: Path
) -> subprocess.CompletedProcess[str]:
    """The job's script lines in one bash, stopping at the first failing line (GitLab's -e)."""
    script = temp / f"{job}.sh"
    script.write_text("\n".join(gitlab_job_script(template, job)) + "\n", encoding="utf-8")
    job_env = {
        **os.environ,
        **gitlab_variables(template, job),
        **env,
        "CI_PROJECT_DIR": str(project_dir),
    }
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", str(script)],
        cwd=project_dir,
        env=job_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
