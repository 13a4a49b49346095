"""Benchmark of a pull-request job: the install it needs and ``aigov check`` with MLflow evidence.

    python benchmarks/bench_ci.py                     # core install + checks (~1 min)
    python benchmarks/bench_ci.py --with-mlflow-extra # also time ``aigov[mlflow]`` (~1 more min)

Measured on this machine, in fresh virtual environments (``python -m venv``, pip as configured
here), installing this checkout (``pip install PROJECT``):

- the core install (``pip install aigov``): wall time, size on disk (the venv less an empty
  one), packages; it is also the whole install a PR check with MLflow evidence over HTTP needs
  (the REST reader, :mod:`aigov.evidence.mlflow_rest`, uses the standard library);
- ``aigov check`` of the credit-scoring example, cold (a fresh process each run, median of
  ``--runs``), run by the fresh venv's ``aigov``: with its MLflow evidence read from a local
  ``mlflow server`` (SQLite in a temporary folder, the example's registry, listed in a copy of
  the org config), beside the same check with ``--skip-evidence mlflow``;
- the targets: install + check ≤ 25 s, the check with MLflow evidence ≤ 1.5× the one without.

Not run by ``benchmarks/run.py`` (it installs packages for a minute): run it on its own.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLE = PROJECT / "examples" / "credit-scoring"
ORG = PROJECT / "examples" / "org-policies"
INSTALL_TARGET_S = 25.0
RATIO_TARGET = 1.5


def _mb(folder: Path) -> float:
    completed = subprocess.run(["du", "-sk", str(folder)], capture_output=True, text=True)
    return int(completed.stdout.split()[0]) / 1024


def fresh_install(folder: Path, spec: str) -> tuple[float, float, int]:
    """Seconds, MB and packages of ``pip install SPEC`` into a new venv at ``folder``."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    empty = _mb(folder)
    pip = folder / "bin" / "pip"
    started = time.perf_counter()
    subprocess.run([str(pip), "install", "-q", spec], check=True, env=_timing_env())
    seconds = time.perf_counter() - started
    listed = subprocess.run(
        [str(pip), "list", "--format=json"], capture_output=True, text=True, check=True
    )
    packages = [p for p in json.loads(listed.stdout) if p["name"] not in ("pip", "setuptools")]
    return seconds, _mb(folder) - empty, len(packages)


def _timing_env() -> dict[str, str]:
    """This environment, bytecode allowed (pip compiles at install; a CI runner writes it)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPATH", None)
    return env


@contextmanager
def served_example(folder: Path) -> Iterator[str]:
    """A local ``mlflow server`` (the tests' own, with this interpreter's mlflow) serving the
    example's registry, built by the example's own script; its URL."""
    sys.path.insert(0, str(PROJECT))  # tests.evidence.mlflow_store
    from tests.evidence.mlflow_store import tracking_server

    build = folder / "build"
    shutil.copytree(EXAMPLE, build, ignore=shutil.ignore_patterns("*.db", ".aigov"))
    subprocess.run(
        [sys.executable, "evidence/build_mlflow_store.py"],
        cwd=build,
        check=True,
        capture_output=True,
        env={**_timing_env(), "MLFLOW_DISABLE_TELEMETRY": "true"},
    )
    # Filling the server prints run links and INFO lines: not figures.
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    quiet = contextlib.redirect_stdout(io.StringIO())
    with quiet, tracking_server(folder, build / "mlruns.db") as url:
        yield url


def checked_repository(folder: Path, url: str) -> tuple[Path, Path]:
    """The example pointed at ``url``, and a copy of the org policies that lists it."""
    repository = folder / "credit-scoring"
    shutil.copytree(EXAMPLE, repository, ignore=shutil.ignore_patterns("*.db", ".aigov"))
    manifest = repository / "aigov.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("sqlite:///mlruns.db", url), encoding="utf-8")
    policies = folder / "org-policies"
    shutil.copytree(ORG, policies)
    with (policies / "aigov-org.yaml").open("a", encoding="utf-8") as org:
        org.write(f"\nevidence:\n  mlflow:\n    trusted_tracking_uris: ['{url}']\n")
    return repository, policies


def cold_check_s(aigov: Path, args: list[str], runs: int) -> tuple[float, dict[str, object]]:
    """Median wall seconds of ``aigov check ARGS -f json`` (fresh processes, one warm-up) and
    the last run's result."""
    command = [str(aigov), "check", *args, "-f", "json"]
    env = _timing_env()
    subprocess.run(command, capture_output=True, check=False, env=env)
    samples = []
    result: dict[str, object] = {}
    for _ in range(runs):
        started = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        samples.append(time.perf_counter() - started)
        result = json.loads(completed.stdout)
    return statistics.median(samples), result


def _mlflow_notes(result: dict[str, object]) -> list[str]:
    notes = result.get("notes", [])
    return [str(n) for n in notes if "mlflow" in str(n)] if isinstance(notes, list) else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="cold runs per check (median)")
    parser.add_argument("--with-mlflow-extra", action="store_true", help="time aigov[mlflow] too")
    options = parser.parse_args()
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="aigov-bench-ci-") as temporary:
        folder = Path(temporary)
        seconds, size, packages = fresh_install(folder / "core", str(PROJECT))
        rows.append(("core install (pip install aigov)", f"{seconds:.1f} s, {size:.0f} MB"))
        rows.append(("  packages", str(packages)))
        rows.append(("install a PR check with HTTP MLflow evidence needs", "the core install"))
        if options.with_mlflow_extra:
            extra = fresh_install(folder / "extra", f"{PROJECT}[mlflow]")
            rows.append(("aigov[mlflow] install (local stores)", f"{extra[0]:.1f} s, "
                         f"{extra[1]:.0f} MB, {extra[2]} packages"))  # fmt: skip
        aigov = folder / "core" / "bin" / "aigov"
        with served_example(folder / "server") as url:
            repository, policies = checked_repository(folder, url)
            common = [str(repository), "--policies", str(policies)]
            with_evidence, result = cold_check_s(aigov, common, options.runs)
            without, _ = cold_check_s(aigov, [*common, "--skip-evidence", "mlflow"], options.runs)
        unavailable = [n for n in _mlflow_notes(result) if "unavailable" in n]
        rows.append(("check with MLflow evidence over HTTP (cold)", f"{with_evidence:.2f} s"))
        rows.append(("  MLflow evidence read", "no" if unavailable else "yes"))
        rows.append(("check without MLflow evidence (cold)", f"{without:.2f} s"))
        ratio = with_evidence / without
        rows.append(("  ratio (target <= 1.5)", f"{ratio:.2f}x "
                     + ("PASS" if ratio <= RATIO_TARGET else "FAIL")))  # fmt: skip
        job = seconds + with_evidence
        rows.append(("PR job: install + check (target <= 25 s)", f"{job:.1f} s "
                     + ("PASS" if job <= INSTALL_TARGET_S else "FAIL")))  # fmt: skip
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    for note in unavailable:
        print(f"note: {note}")


if __name__ == "__main__":
    main()
