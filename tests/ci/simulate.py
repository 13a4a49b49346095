"""Run CI definitions (GitHub composite action steps, GitLab CI job scripts) locally with bash.

The runner's work is reproduced, not mocked: expressions (``${{ inputs.x }}``,
``${{ github.action_path }}``) are substituted as the runner would, each ``run:`` is written to a
file and executed as GitHub does (``bash --noprofile --norc -eo pipefail FILE``), and GitLab's
``script:`` lines run one after the other in one bash with ``-e``, in a temporary git repository
holding a copy of an example.

Installing aigov takes the package index, so by default the simulation does not: the action's
step with ``id: install`` is skipped and its output ``python`` (the interpreter the next steps run
``-I -m aigov`` with) is the interpreter running the tests, in which the checkout under test is
installed (``pip install -e``, as ``.ci/run`` does); for GitLab, :func:`aigov_bin` is the
``aigov`` command of an image that provides aigov. To run the install too, offline, give the
action (``action_path``) or the template (``AIGOV_PIP_SPEC``) the folder of
:func:`shim_distribution`: a distribution named aigov, built by pip from its own folder with no
build requirement, whose ``python -m aigov`` runs the checkout under test.
Everything else runs unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import git
from tests.conftest import EXAMPLES

_EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")
_COMPARISON = re.compile(r"([\w.-]+)\s*(==|!=)\s*'([^']*)'")


def _executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def aigov_bin(folder: Path) -> Path:
    """A folder holding the ``aigov`` command pip writes for the checkout under test (the
    interpreter running the tests in its shebang); put it on PATH."""
    _executable(
        folder / "aigov",
        f"#!{sys.executable}\nimport sys\nfrom aigov.cli import main\nsys.exit(main())\n",
    )
    return folder


def runner_python(folder: Path) -> Path:
    """A folder holding ``python3`` and ``python``: the base interpreter of the one running the
    tests, as on a runner before anything is installed (it does not import aigov)."""
    folder.mkdir(parents=True, exist_ok=True)
    base = Path(getattr(sys, "_base_executable", sys.executable))
    for name in ("python3", "python"):
        (folder / name).unlink(missing_ok=True)
        (folder / name).symlink_to(base)
    return folder


_SHIM_BACKEND = '''"""A PEP 517 backend whose wheel is the one the tests made in dist/."""
import pathlib
import shutil


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    (wheel,) = (pathlib.Path(__file__).parent / "dist").glob("*.whl")
    shutil.copy(wheel, wheel_directory)
    return wheel.name
'''

_SHIM_MAIN = '''"""The installed aigov: records how it ran, then runs the checkout under test."""
import json
import os
import sys

REAL_PYTHON = {python!r}
RECORDS = {records!r}


def main():
    with open(os.path.join(RECORDS, f"{{os.getpid()}}.json"), "w", encoding="utf-8") as file:
        json.dump(
            {{
                "argv": sys.argv[1:],
                "env": dict(os.environ),
                "cwd": os.getcwd(),
                "executable": sys.executable,
                "isolated": sys.flags.isolated,
            }},
            file,
        )
    os.execv(REAL_PYTHON, [REAL_PYTHON, "-I", "-m", "aigov", *sys.argv[1:]])


if __name__ == "__main__":
    main()
'''


SHIM_EXTRAS = ("github", "gitlab", "gx", "mlflow")


def _wheel(
    directory: Path,
    name: str,
    files: Mapping[str, str],
    *,
    version: str = "1.0",
    metadata: str = "",
    entry_points: str = "",
) -> Path:
    """A pure-Python wheel of ``name`` holding ``files``, its dist-info written here."""
    directory.mkdir(parents=True, exist_ok=True)
    dist_info = f"{name}-{version}.dist-info"
    contents = {
        **{path: text.encode() for path, text in files.items()},
        f"{dist_info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{metadata}"
        ).encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    if entry_points:
        contents[f"{dist_info}/entry_points.txt"] = entry_points.encode()
    record = "".join(
        f"{path},sha256={_digest(data)},{len(data)}\n" for path, data in contents.items()
    )
    wheel = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in contents.items():
            archive.writestr(path, data)
        archive.writestr(f"{dist_info}/RECORD", record + f"{dist_info}/RECORD,,\n")
    return wheel


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def shim_distribution(folder: Path, records: Path) -> Path:
    """The source folder of a distribution named aigov that pip builds and installs offline;
    its ``python -m aigov`` writes its arguments, environment, working directory, interpreter
    and ``-I`` flag to ``records/<pid>.json``, then runs the checkout under test with the
    interpreter running the tests (``-I -m aigov``). Its extra E (github, gitlab, gx, mlflow)
    requires the distribution ``aigov-shim-extra-E``, whose wheel is in ``folder/wheels``: give
    pip ``PIP_NO_INDEX=1`` and ``PIP_FIND_LINKS=folder/wheels``."""
    records.mkdir(parents=True, exist_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "shim_backend"\nbackend-path = ["."]\n',
        encoding="utf-8",
    )
    (folder / "shim_backend.py").write_text(_SHIM_BACKEND, encoding="utf-8")
    _wheel(
        folder / "dist",
        "aigov",
        {
            "aigov/__init__.py": "",
            "aigov/__main__.py": _SHIM_MAIN.format(python=sys.executable, records=str(records)),
        },
        version="0.1.0",
        metadata="".join(
            f"Provides-Extra: {extra}\n"
            f'Requires-Dist: aigov-shim-extra-{extra}; extra == "{extra}"\n'
            for extra in SHIM_EXTRAS
        ),
        entry_points="[console_scripts]\naigov = aigov.__main__:main\n",
    )
    for extra in SHIM_EXTRAS:
        _wheel(folder / "wheels", f"aigov_shim_extra_{extra}", {})
    # The same aigov as a release on an index: what ``aigov==0.1.0`` finds in ``wheels``.
    (wheel,) = (folder / "dist").glob("*.whl")
    shutil.copy(wheel, folder / "wheels")
    return folder


def uv_binary() -> str:
    """The uv that setup-uv would put on the runner: the one installed with the tests (the
    ``uv`` package), else one on PATH; the test is skipped without it."""
    import pytest

    try:
        import uv

        return str(uv.find_uv_bin())
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
        if found is None:
            pytest.skip("uv is not installed (pip install uv): the action installs aigov with it")
        return found


def serve_package_index(server: Any, wheels: Path) -> tuple[str, list[str]]:
    """A PEP 503 simple index of the wheels in ``wheels`` on ``server`` (a pytest-httpserver on
    127.0.0.1) with PyPI's caching headers: its URL, and the path of every request it answers,
    in order."""
    from werkzeug import Request, Response

    requested: list[str] = []
    files = {wheel.name: wheel for wheel in wheels.glob("*.whl")}

    def answer(request: Request) -> Response:
        requested.append(request.path)
        if request.path.startswith("/files/") and request.path[7:] in files:
            data = files[request.path[7:]].read_bytes()
            # PyPI's headers: a file never changes, so a client may keep it.
            return Response(
                data,
                content_type="application/octet-stream",
                headers={"Cache-Control": "max-age=365000000, immutable, public"},
            )
        project = request.path.removeprefix("/simple/").strip("/")
        links = "".join(
            f'<a href="/files/{name}#sha256={hashlib.sha256(path.read_bytes()).hexdigest()}">'
            f"{name}</a>\n"
            for name, path in sorted(files.items())
            if re.sub(r"[-_.]+", "-", name.split("-")[0]).lower() == project
        )
        if not links:
            return Response("not found", status=404)
        page = f"<!DOCTYPE html><html><body>\n{links}</body></html>"
        return Response(page, content_type="text/html", headers={"Cache-Control": "max-age=600"})

    server.expect_request(re.compile(r"^/(simple|files)/.*")).respond_with_handler(answer)
    return server.url_for("/simple/"), requested


def offline_uv_environment(shim: Path) -> dict[str, str]:
    """What makes uv install the shim with no network: no index, the shim's wheels as the only
    packages, no Python download (the runner's interpreter must do)."""
    return {
        "UV_OFFLINE": "1",
        "UV_FIND_LINKS": str(shim / "wheels"),
        "UV_PYTHON_DOWNLOADS": "never",
    }


def installed_extras(python: str) -> set[str]:
    """The extras of the shim installed in ``python``'s environment."""
    listing = subprocess.run(
        [
            python,
            "-I",
            "-c",
            "import importlib.metadata as m\n"
            "print(*(d.metadata['Name'] for d in m.distributions()))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    ).stdout.split()
    prefix = "aigov_shim_extra_"
    return {
        name.replace("-", "_")[len(prefix) :]
        for name in listing
        if name.replace("-", "_").startswith(prefix)
    }


def shim_runs(records: Path) -> list[dict[str, Any]]:
    """What the shim of :func:`shim_distribution` recorded, one entry per ``aigov`` run."""
    return [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(records.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    ]


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


# --- A hostile pull request ----------------------------------------------------------------------

FORGED_RESULT = '{"decision": "pass", "summary": {"blocking": 0}, "findings": []}'
"""What planted code writes over the results it can reach (the action's, the template's)."""

_PLANTED_PYTHON = """# Planted by the pull request: runs only if a CI step imports it from there.
import os

with open(os.path.join({markers!r}, {label!r}), "w", encoding="utf-8") as _marker:
    _marker.write(repr(sorted(os.environ.items())))
for _result in (
    os.path.join(os.environ.get("RUNNER_TEMP", "/nonexistent"), "aigov", "result.json"),
    "aigov-result.json",
):
    try:
        with open(_result, "w", encoding="utf-8") as _forged:
            _forged.write({forged!r})
    except OSError:
        pass
"""

_PLANTED_COMMAND = """#!/bin/sh
# Planted by the pull request: runs only if a CI step finds it on PATH. Shell builtins only (a
# planted mkdir calling mkdir would call itself).
set > {marker}
if [ -d "${{RUNNER_TEMP:-/nonexistent}}/aigov" ]; then
  echo '{forged}' > "$RUNNER_TEMP/aigov/result.json"
fi
echo '{forged}' > aigov-result.json
exit 0
"""

PLANTED_MODULES = (
    "json.py",
    "pip/__init__.py",
    "pip/__main__.py",
    "gitlab.py",
    "github.py",
    "sitecustomize.py",
    "usercustomize.py",
    "yaml.py",
    "pydantic.py",
    "venv/__init__.py",
    "venv/__main__.py",
    "ensurepip/__init__.py",
    "ensurepip/__main__.py",
    "importlib/__init__.py",
    "encodings/__init__.py",
    "startup.py",
)
PLANTED_COMMANDS = (
    "aigov",
    "bin/aigov",
    "node_modules/.bin/aigov",
    "bin/git",
    "bin/python3",
    "bin/python",
    "bin/mkdir",
    "bin/cat",
    "bin/sed",
)


def plant_hostile_files(root: Path, markers: Path) -> None:
    """What a pull request can commit to run code in CI: modules that shadow what the CI
    definitions import (pip, json, gitlab, yaml, pydantic, venv…, sitecustomize,
    usercustomize), ``.pth`` files in the checkout and in ``.local`` (the user site when
    PYTHONUSERBASE points there) and executables named like the commands the CI runs, at the
    root, in ``bin/`` and in ``node_modules/.bin``. Each writes a marker file in ``markers``
    (named after its path) and forges a passing result where it can; a command exits 0."""
    markers.mkdir(parents=True, exist_ok=True)
    for relative in PLANTED_MODULES:
        label = relative.replace("/", "__")
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            _PLANTED_PYTHON.format(markers=str(markers), label=label, forged=FORGED_RESULT),
            encoding="utf-8",
        )
    pth = "import os; open(os.path.join({markers!r}, {label!r}), 'w').write('ran')\n"
    user_site = root / ".local" / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    for path in (root / "aigov-hostile.pth", user_site / "site-packages" / "aigov-hostile.pth"):
        path.parent.mkdir(parents=True, exist_ok=True)
        label = str(path.relative_to(root)).replace("/", "__")
        path.write_text(pth.format(markers=str(markers), label=label), encoding="utf-8")
    for relative in PLANTED_COMMANDS:
        marker = markers / relative.replace("/", "__")
        _executable(root / relative, _PLANTED_COMMAND.format(marker=marker, forged=FORGED_RESULT))


def hostile_environment(root: Path, trusted_path: str) -> dict[str, str]:
    """The environment a careless earlier step leaves: folders of the checkout first on PATH
    (absolute and relative, ``.`` included), then ``trusted_path``; PYTHONPATH, PYTHONHOME,
    PYTHONUSERBASE and PYTHONSTARTUP pointing into the checkout (a Python that honours
    PYTHONHOME there cannot even start)."""
    return {
        "PATH": os.pathsep.join(
            [str(root / "bin"), str(root / "node_modules" / ".bin"), ".", "bin", trusted_path]
        ),
        "PYTHONPATH": str(root),
        "PYTHONHOME": str(root),
        "PYTHONUSERBASE": str(root / ".local"),
        "PYTHONSTARTUP": str(root / "startup.py"),
    }


def commit_all(repo: git.Repo, message: str) -> None:
    repo.git.add(A=True)
    repo.index.commit(message)


# --- GitHub Actions ----------------------------------------------------------------------------


@dataclass
class StepRun:
    name: str
    exit_code: int
    stdout: str
    stderr: str
    env: dict[str, str] = field(default_factory=dict)
    """The environment the runner started the step's shell with."""


@dataclass
class ActionRun:
    steps: list[StepRun]
    outputs: dict[str, str]
    """The action's declared outputs, resolved from the steps' GITHUB_OUTPUT."""
    step_outputs: dict[str, dict[str, str]]
    summary: str
    skipped: list[str] = field(default_factory=list)
    """Steps not run: their ``if`` was false, or the simulation skips them (``skip_ids``)."""
    github_env: str = ""
    github_path: str = ""
    """What the steps wrote to GITHUB_ENV and GITHUB_PATH (applied to the later steps)."""
    simulated: list[str] = field(default_factory=list)
    """``uses:`` steps given their action's documented outputs instead of running."""

    @property
    def exit_code(self) -> int:
        return next((s.exit_code for s in self.steps if s.exit_code != 0), 0)

    @property
    def stdout(self) -> str:
        return "".join(s.stdout for s in self.steps)

    @property
    def stderr(self) -> str:
        return "".join(s.stderr for s in self.steps)

    def step(self, name: str) -> StepRun:
        return next(s for s in self.steps if s.name == name)


def github_expression(
    expression: str,
    *,
    inputs: Mapping[str, str],
    context: Mapping[str, str],
    step_outputs: Mapping[str, Mapping[str, str]],
) -> str:
    """The value of the expressions the action uses (others fail the test loudly): a context
    value, or its comparison with a string (``true``/``false``; GitHub ignores case)."""
    if found := _COMPARISON.fullmatch(expression):
        left = github_expression(
            found.group(1), inputs=inputs, context=context, step_outputs=step_outputs
        )
        equal = left.casefold() == found.group(3).casefold()
        return str(equal == (found.group(2) == "==")).lower()
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


_STEP_FILES = ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH")
_STATUS_FUNCTIONS = ("success()", "failure()", "always()", "cancelled()")


def step_condition(condition: str, *, failed: bool, **scope: Any) -> bool:
    """A step's ``if``: terms joined by ``&&``, each a status function or a comparison of a
    context value with a string (GitHub compares strings ignoring case), optionally negated
    with ``!``; without a status function, ``success()`` is implied, as on GitHub. The job is
    never cancelled here."""
    text = condition.strip()
    if found := _EXPRESSION.fullmatch(text):
        text = found.group(1)
    terms = [term.strip() for term in text.split("&&")]
    if not any(term.lstrip("! ") in _STATUS_FUNCTIONS for term in terms):
        terms.insert(0, "success()")
    return all(_condition_term(term, failed, scope) for term in terms)


def _condition_term(term: str, failed: bool, scope: Mapping[str, Any]) -> bool:
    negated = term.startswith("!")
    core = term.lstrip("! ")
    status = {"success()": not failed, "failure()": failed, "always()": True, "cancelled()": False}
    if core in status:
        value = status[core]
    else:
        assert _COMPARISON.fullmatch(core), f"the simulation does not know the condition {term!r}"
        value = github_expression(core, **scope) == "true"
    return value != negated


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
    skipped_outputs: Mapping[str, Mapping[str, str]] | None = None,
    uses_outputs: Mapping[str, Mapping[str, str]] | None = None,
) -> ActionRun:
    """Run a composite action's ``run:`` steps like the GitHub runner; skip ``skip_ids``, whose
    outputs are then ``skipped_outputs`` (default: the install's ``python`` is the interpreter
    running the tests). Steps run in the workspace, each with its ``if`` evaluated; what a step
    writes to GITHUB_ENV and GITHUB_PATH reaches the later steps, as on GitHub.

    A ``uses:`` step (another action) does not run: the simulation knows the actions of
    :data:`SIMULATED_ACTIONS` and gives the step the outputs its action documents
    (``uses_outputs`` by step id overrides them): setup-uv's ``uv-path`` is a real uv
    (:func:`uv_binary`, looked up only when a step runs uv), a cache restore misses
    (``cache-hit`` empty), a cache save does nothing. Since the cached folders live under
    RUNNER_TEMP, a second run with the same ``temp`` finds what the first one left, as after
    a restore."""
    declared = action.get("inputs") or {}
    unknown = set(inputs) - set(declared)
    assert not unknown, f"inputs not declared by the action: {unknown}"
    if skipped_outputs is None:
        skipped_outputs = {"install": {"python": sys.executable}}
    context = {
        "action_path": str(action_path),
        "action_ref": "v0.1.0",
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
    skipped: list[str] = []
    simulated: list[str] = []
    added_env: dict[str, str] = {}
    added_path: list[str] = []
    written_env = written_path = ""
    failed = False
    (temp / "runner_temp").mkdir(exist_ok=True)
    for index, step in enumerate(action["runs"]["steps"]):
        step_id = str(step.get("id", f"step{index}"))
        scope = {"inputs": resolved, "context": context, "step_outputs": step_outputs}
        if "uses" in step:
            if step_condition(str(step.get("if", "success()")), failed=failed, **scope):
                step_outputs[step_id] = dict(
                    (uses_outputs or {}).get(step_id)
                    or _simulated_outputs(str(step["uses"]), needs_uv="install" not in skip_ids)
                )
                simulated.append(step_id)
            else:
                skipped.append(step_id)
            continue
        assert step.get("shell") == "bash", "composite run steps must name their shell"
        if step_id in skip_ids:
            step_outputs[step_id] = dict(skipped_outputs.get(step_id, {}))
            skipped.append(step_id)
            continue
        if not step_condition(str(step.get("if", "success()")), failed=failed, **scope):
            skipped.append(step_id)
            continue
        files = {name: temp / f"{name.lower()}_{step_id}" for name in _STEP_FILES}
        for file in files.values():
            file.write_text("", encoding="utf-8")
        script = temp / f"step_{step_id}.sh"
        script.write_text(substitute(step["run"], **scope), encoding="utf-8")
        base_env = {**os.environ, **env, **added_env}
        if added_path:
            base_env["PATH"] = os.pathsep.join([*reversed(added_path), base_env["PATH"]])
        step_env = {
            **base_env,
            **{name: str(file) for name, file in files.items()},
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_ACTION_PATH": str(action_path),
            "GITHUB_WORKSPACE": str(workspace),
            "RUNNER_TEMP": str(temp / "runner_temp"),
            **{k: substitute(str(v), **scope) for k, v in (step.get("env") or {}).items()},
        }
        completed = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        written = {name: file.read_text(encoding="utf-8") for name, file in files.items()}
        step_outputs[step_id] = parse_github_output(written["GITHUB_OUTPUT"])
        written_env += written["GITHUB_ENV"]
        written_path += written["GITHUB_PATH"]
        added_env.update(parse_github_output(written["GITHUB_ENV"]))
        added_path.extend(line for line in written["GITHUB_PATH"].splitlines() if line)
        runs.append(
            StepRun(
                str(step.get("name", step_id)),
                completed.returncode,
                completed.stdout,
                completed.stderr,
                step_env,
            )
        )
        failed = failed or completed.returncode != 0
    outputs = {
        name: substitute(
            str(spec.get("value", "")), inputs=resolved, context=context, step_outputs=step_outputs
        )
        for name, spec in (action.get("outputs") or {}).items()
    }
    return ActionRun(
        runs,
        outputs,
        step_outputs,
        summary.read_text(encoding="utf-8"),
        skipped,
        written_env,
        written_path,
        simulated,
    )


SIMULATED_ACTIONS = ("astral-sh/setup-uv", "actions/cache/restore", "actions/cache/save")
"""The actions a composite action may use here: the simulation gives their documented outputs."""


def _simulated_outputs(uses: str, *, needs_uv: bool) -> dict[str, str]:
    name, _, ref = uses.partition("@")
    assert name in SIMULATED_ACTIONS and ref, f"the simulation does not know the action {uses}"
    if name == "astral-sh/setup-uv":
        return {"uv-path": uv_binary() if needs_uv else "/nonexistent/uv"}
    return {}


# --- GitLab CI -----------------------------------------------------------------------------------


_INPUT = re.compile(r"\$\[\[\s*inputs\.([\w-]+)\s*\]\]")


def gitlab_component(
    path: Path, inputs: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], str]:
    """A CI/CD component's ``spec`` header and its configuration after the ``---``, with every
    ``$[[ inputs.NAME ]]`` replaced by the given input or the input's default, as GitLab does
    when it includes the component (booleans as true/false). An input not declared, or
    declared without a default and not given, fails the test loudly."""
    import yaml

    header_text, body = path.read_text(encoding="utf-8").split("\n---\n", 1)
    header: dict[str, Any] = yaml.safe_load(header_text)
    declared: dict[str, Any] = {name: spec or {} for name, spec in header["spec"]["inputs"].items()}
    unknown = set(inputs or {}) - set(declared)
    assert not unknown, f"inputs the component does not declare: {unknown}"
    values = {name: spec.get("default") for name, spec in declared.items()}
    values.update(inputs or {})

    def value(found: re.Match[str]) -> str:
        name = found.group(1)
        assert name in declared and values[name] is not None, f"input {name} has no value"
        given = values[name]
        return str(given).lower() if isinstance(given, bool) else str(given)

    return header, _INPUT.sub(value, body)


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
