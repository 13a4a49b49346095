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
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def tracking_server(folder: Path) -> Iterator[str]:
    """A local ``mlflow server`` (this interpreter's mlflow) serving the example's registry,
    built by the example's own script; its URL."""
    build = folder / "build"
    shutil.copytree(EXAMPLE, build, ignore=shutil.ignore_patterns("*.db", ".aigov"))
    env = {**_timing_env(), "MLFLOW_DISABLE_TELEMETRY": "true"}
    subprocess.run(
        [sys.executable, "evidence/build_mlflow_store.py"],
        cwd=build,
        check=True,
        capture_output=True,
        env=env,
    )
    url = f"http://127.0.0.1:{_free_port()}"
    process = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--workers", "1", "--host", "127.0.0.1",
         "--port", url.rsplit(":", 1)[1], "--backend-store-uri", f"sqlite:///{build}/mlruns.db",
         "--default-artifact-root", (folder / "artifacts").as_uri()],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("mlflow server did not start")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


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
        with tracking_server(folder / "server") as url:
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
