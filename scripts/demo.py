"""The README's first command: set up, build an example's evidence and run the PR gate on it.

    python3 scripts/demo.py

On a fresh clone it creates ``.venv`` (when absent) and installs aigov with its MLflow and Great
Expectations extras into it, then, for ``examples/credit-scoring``:

1. builds its MLflow registry, a SQLite store (``mlruns.db``), with the example's own script;
2. runs its data contracts' quality checks (``aigov data validate``), which store the evidence;
3. runs the gate a pull request runs (``aigov check --policies examples/org-policies``) and
   prints its result; the script exits with the gate's code (0 passed, 1 blocked, 2 error).

``AIGOV_DEMO_VENV=PATH`` uses another virtual environment (the tests reuse theirs); the code run
is always this tree's ``src/``. Only the standard library is used before the venv exists.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "credit-scoring"
POLICIES = ROOT / "examples" / "org-policies"
EXTRAS = "[mlflow,gx]"
"""What the demo needs beyond the core: MLflow (to build the registry) and Great Expectations."""


def main() -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 (run by any python3 on a fresh machine)
        print("demo: aigov needs Python 3.11 or later", file=sys.stderr)
        return 2
    environment = Path(os.environ.get("AIGOV_DEMO_VENV") or ROOT / ".venv")
    python = _ready(environment)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),  # this tree's aigov, whichever venv runs it
        "MLFLOW_DISABLE_TELEMETRY": "true",
    }

    def run(step: str, *args: str) -> int:
        print(f"\n== demo: {step}", flush=True)
        return subprocess.run([str(python), *args], cwd=ROOT, env=env, check=False).returncode

    example = str(EXAMPLE.relative_to(ROOT))
    store = EXAMPLE / "evidence" / "build_mlflow_store.py"
    if run("the example's MLflow registry (SQLite store mlruns.db)", str(store)) != 0:
        return 2
    if run("its data quality checks", "-m", "aigov", "data", "validate", example) == 2:
        return 2
    policies = str(POLICIES.relative_to(ROOT))
    gate = run("the pull request gate", "-m", "aigov", "check", example, "--policies", policies)
    verdict = {0: "passed", 1: "blocked"}.get(gate, "stopped on an error")
    print(f"\n== demo: the gate {verdict} (exit code {gate}); the result is its first line above")
    return gate


def _ready(environment: Path) -> Path:
    """The venv's python, with aigov's demo extras importable (created and installed if not)."""
    python = environment / "bin" / "python"
    if not python.exists():
        print(f"== demo: creating {environment}", flush=True)
        venv.create(environment, with_pip=True)
    probe = [str(python), "-c", "import aigov, mlflow, great_expectations"]
    imports = subprocess.run(probe, capture_output=True, env={**os.environ, "PYTHONPATH": ""})
    if imports.returncode != 0:
        print(f"== demo: installing aigov{EXTRAS} into {environment} (a minute or two)", flush=True)
        install = [str(python), "-m", "pip", "install", "-q", "-e", f"{ROOT}{EXTRAS}"]
        subprocess.run(install, cwd=ROOT, check=True)
    return python


if __name__ == "__main__":
    sys.exit(main())
