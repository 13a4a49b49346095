"""Benchmark of hostile pull requests: wall time and peak memory of ``aigov validate``/``check``.

    python benchmarks/bench_hostile.py                 # every case
    python benchmarks/bench_hostile.py card- approvals # only the cases whose name holds a word

Each case is the ``credit-scoring`` example (copied to a temporary folder) with one file made
hostile, under the 2 MiB per-file limit: the inputs that were reproduced in issue 14 item 6 (an
8 KB model card heading that the old heading regex read in cubic time, a 200 KB card of
unterminated ``<!--``, a 66 KB manifest of YAML-aliased approvals that made a rule quadratic, a
committed ``mlruns.db`` whose ``metrics`` table is a recursive view) and the same attacks scaled
up to the limits (2 MiB cards, 20,000 approvals, 10,000 waivers/stakeholders/criteria, nesting
just under the loader's depth limit, a contract of 50,000 properties).

Every run is a fresh ``python -m aigov`` process (cold, as in CI), with the environment as it is
and a private pack cache; its wall time, its CPU time (user + system) and its own peak RSS
(``os.wait4``'s resource usage of that child) are printed with PASS/FAIL against the targets:
≤ 2 s wall and ≤ 512 MiB per run. CPU time shows the work when other processes share the
machine (wall time then grows with the load average). A run
still going after ``--timeout`` seconds (default 60) is killed and counted as a failure.
Building the inputs imports mlflow once (for the real store), which takes a few seconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLE = PROJECT / "examples" / "credit-scoring"
STORE_BUILDER = EXAMPLE / "evidence" / "build_mlflow_store.py"

MAX_BYTES = 2 * 1024 * 1024  # aigov's per-file limit (documents.files.MAX_FILE_BYTES)
UNDER_LIMIT = MAX_BYTES - 64  # a margin for the few bytes each generator adds around its fill
TARGET_SECONDS = 2.0
TARGET_RSS_MIB = 512


# --------------------------------------------------------------------------------------------
# Inputs: each edits one file of a copy of the example


def _append_to_card(repository: Path, text: Callable[[int], str]) -> None:
    """Append ``text(budget)`` to the card; ``budget`` is what the 2 MiB limit leaves, in bytes."""
    card = repository / "MODEL_CARD.md"
    before = card.read_text(encoding="utf-8")
    budget = UNDER_LIMIT - len(before.encode())
    card.write_text(before + text(budget), encoding="utf-8")


def _fill(unit: str, budget: int) -> str:
    return unit * (budget // len(unit.encode()))


FILL = -1
"""A size meaning: as much as the 2 MiB limit leaves."""


def card_heading_spaces(size: int) -> Callable[[Path], None]:
    """One heading line of a word, ``size`` spaces and a last character: the former
    ``(.*?)\\s*#*\\s*$`` tried every split of the spaces at every position (cubic)."""
    return lambda repository: _append_to_card(
        repository, lambda budget: "\n# a" + " " * (budget if size == FILL else size) + "x\n"
    )


def card_hash_runs(repository: Path) -> None:
    """One 2 MiB heading line of alternating ``#`` and spaces."""
    _append_to_card(repository, lambda budget: "\n#" + _fill(" #", budget) + "x\n")


def card_many_headings(repository: Path) -> None:
    """2 MiB of one-word headings: half a million sections, each looked up by the rules."""
    _append_to_card(repository, lambda budget: "\n" + _fill("# h\n", budget))


def card_open_comments(size: int) -> Callable[[Path], None]:
    """A section of unterminated ``<!--``: ``<!--.*?-->`` rescanned the rest from each one."""
    return lambda repository: _append_to_card(
        repository,
        lambda budget: "\n## Extra\n" + _fill("<!--", budget if size == FILL else size),
    )


def card_deep_front_matter(repository: Path) -> None:
    """Front matter keys nesting 98 levels deep (the loader refuses 100), repeated to ~2 MiB."""
    card = repository / "MODEL_CARD.md"
    text = card.read_text(encoding="utf-8")
    chain = "[" * 97 + "1" + "]" * 97
    lines = []
    budget = UNDER_LIMIT - len(text.encode())
    index = 0
    # 1,900 chains of 98 values: under the loader's 200,000 values, which bind before 2 MiB do.
    while budget > 0 and index < 1900:
        line = f"deep_{index}: {chain}\n"
        lines.append(line)
        budget -= len(line)
        index += 1
    card.write_text(text.replace("---\n", "---\n" + "".join(lines), 1), encoding="utf-8")


def _insert_items(repository: Path, after: str, items: str) -> None:
    """Insert YAML list items right after the line ``after`` of aigov.yaml."""
    manifest = repository / "aigov.yaml"
    text = manifest.read_text(encoding="utf-8")
    if after not in text:
        raise SystemExit(f"bench_hostile: the example's aigov.yaml has no line {after!r}")
    manifest.write_text(text.replace(after, after + items, 1), encoding="utf-8")


def _rejections_then_approvals(count: int, item: Callable[[str, str, str, int], str]) -> str:
    """``count`` decisions on the current stage: rejections, then older approvals, then one
    approval later than every rejection (the former rule looked for it from each rejection)."""
    half = count // 2
    items = [item("rejected", "2026-01-10", "R", i) for i in range(half)]
    items += [item("approved", "2025-12-01", "A", i) for i in range(count - half - 1)]
    items.append(item("approved", "2026-01-20", "L", 0))
    return "".join(items)


def approvals_aliased(count: int) -> Callable[[Path], None]:
    """Approvals written as YAML aliases of two anchors: a few bytes each, like the 66 KB repro."""

    def build(repository: Path) -> None:
        anchors = (
            "  - &r {to_stage: production, committee: CRC, decision: rejected, "
            "date: 2026-01-10, reference: R}\n"
            "  - &a {to_stage: production, committee: CRC, decision: approved, "
            "date: 2025-12-01, reference: A}\n"
        )
        half = count // 2
        aliases = "  - *r\n" * (half - 1) + "  - *a\n" * (count - half - 2)
        last = (
            "  - {to_stage: production, committee: CRC, decision: approved, "
            "date: 2026-01-20, reference: L}\n"
        )
        _insert_items(repository, "approvals:\n", anchors + aliases + last)

    return build


def approvals_written(count: int) -> Callable[[Path], None]:
    def item(decision: str, date: str, prefix: str, index: int) -> str:
        return (
            f"  - {{to_stage: production, committee: CRC, decision: {decision}, "
            f"date: {date}, reference: {prefix}{index}}}\n"
        )

    return lambda repository: _insert_items(
        repository, "approvals:\n", _rejections_then_approvals(count, item)
    )


def waivers(count: int) -> Callable[[Path], None]:
    items = "".join(
        f"  - {{rule: SLA-LATENCY-P95, reason: r{i}, approved_by: Claire Dubois, "
        f"ticket: T-{i}, expires: 2027-01-31, stage: production, granted_on: 2026-10-06}}\n"
        for i in range(count)
    )
    return lambda repository: _insert_items(repository, "waivers:\n", items)


def stakeholders(count: int) -> Callable[[Path], None]:
    items = "".join(f"    - {{name: Person {i}, role: it}}\n" for i in range(count))
    return lambda repository: _insert_items(repository, "  stakeholders:\n", items)


def criteria(count: int) -> Callable[[Path], None]:
    items = "".join(
        f"  - {{metric: m{i}, threshold: 0.5, direction: higher_is_better, mlflow_metric: m{i}}}\n"
        for i in range(count)
    )
    return lambda repository: _insert_items(repository, "success_criteria:\n", items)


def contract_properties(
    count: int, tags: int = 0, classification: str = "", mistakes: str = "none"
) -> Callable[[Path], None]:
    """A contract of ``count`` string properties (each ``classification``, if given) whose
    ``tags`` end with no-personal-data (the former personal-data condition read the tags again
    for every restricted property); ``mistakes``: "none", "last" (one invalid property at the
    end) or "all" (every property invalid)."""
    written = f", classification: {classification}" if classification else ""

    def build(repository: Path) -> None:
        contract = repository / "contracts" / "credit-applications.odcs.yaml"
        text = contract.read_text(encoding="utf-8")
        header = text[: text.index("\nschema:")].replace(
            "tags: [credit, origination, pii, gdpr]",
            "tags: [" + ",".join([*(f"t{i}" for i in range(tags)), "no-personal-data"]) + "]",
        )
        wrong = {"none": set(), "last": {count - 1}, "all": set(range(count))}[mistakes]
        properties = "".join(
            f"      - {{name: p{i}, logicalType: {'text' if i in wrong else 'string'}{written}}}\n"
            for i in range(count)
        )
        schema = "\nschema:\n  - name: wide\n    physicalType: table\n    properties:\n"
        contract.write_text(header + schema + properties, encoding="utf-8")

    return build


def _mlflow_store(folder: Path) -> Path:
    """The example's real MLflow store, built once (in a subprocess: mlflow stays out of here)."""
    store = folder / "mlruns.db"
    if not store.exists():
        code = (
            "import importlib.util, sys; from pathlib import Path\n"
            f"spec = importlib.util.spec_from_file_location('builder', {str(STORE_BUILDER)!r})\n"
            "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
            "module.build(Path(sys.argv[1]))\n"
        )
        subprocess.run(
            [sys.executable, "-c", code, str(store)], check=True, capture_output=True, text=True
        )
    return store


def with_store(recursive_metrics: bool) -> Callable[[Path], None]:
    """The real store committed as ``mlruns.db``; optionally its ``metrics`` table replaced by
    a recursive view that never ends (each row yields the next)."""

    def build(repository: Path) -> None:
        store = repository / "mlruns.db"
        shutil.copyfile(_mlflow_store(repository.parent), store)
        if not recursive_metrics:
            return
        with sqlite3.connect(store) as connection:
            connection.executescript(
                """
                DROP TABLE metrics;
                CREATE VIEW metrics AS
                  WITH RECURSIVE endless(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM endless)
                  SELECT 'test_oot_auc' AS key, 0.9 AS value, n AS timestamp,
                         (SELECT run_uuid FROM runs LIMIT 1) AS run_uuid, n AS step,
                         0 AS is_nan
                  FROM endless;
                """
            )
        connection.close()

    return build


def unchanged(repository: Path) -> None:
    """The example as it is, for reference."""


CASES: dict[str, Callable[[Path], None]] = {
    "reference: credit-scoring as is": unchanged,
    "repro: card heading, 8.4 KB of spaces": card_heading_spaces(8400),
    "repro: card of unterminated <!--, 200 KB": card_open_comments(200 * 1024),
    "repro: manifest, 20k aliased approvals": approvals_aliased(20_000),
    "repro: mlruns.db, metrics a recursive view": with_store(recursive_metrics=True),
    "reference: mlruns.db, the real store": with_store(recursive_metrics=False),
    "card heading, 2 MiB of spaces": card_heading_spaces(FILL),
    "card heading, 2 MiB of '# # #'": card_hash_runs,
    "card, 2 MiB of '# h' headings": card_many_headings,
    "card, 2 MiB of unterminated <!--": card_open_comments(FILL),
    "card front matter, 1,900 keys nested 98 deep": card_deep_front_matter,
    "manifest, 17k aliased approvals (under the value limit)": approvals_aliased(17_000),
    "manifest, 17k approvals written out": approvals_written(17_000),
    "manifest, 20k approvals written out (over it)": approvals_written(20_000),
    "manifest, 10k waivers": waivers(10_000),
    "manifest, 10k stakeholders": stakeholders(10_000),
    "manifest, 10k success criteria": criteria(10_000),
    "contract, 35k properties": contract_properties(35_000),
    "contract, 24k restricted properties, 20k tags": contract_properties(
        24_000, 20_000, "restricted"
    ),
    "contract, 35k properties, the last one invalid": contract_properties(35_000, mistakes="last"),
    "contract, 35k invalid properties": contract_properties(35_000, mistakes="all"),
}


# --------------------------------------------------------------------------------------------
# Running


@dataclass(frozen=True)
class Measure:
    seconds: float
    cpu_seconds: float  # user + system: the work done, whatever else the machine runs
    rss_mib: float
    exit_code: int | None  # None: killed at the timeout
    last_line: str

    @property
    def passed(self) -> bool:
        return (
            self.exit_code is not None
            and self.seconds <= TARGET_SECONDS
            and self.rss_mib <= TARGET_RSS_MIB
        )


def measure(args: list[str], cwd: Path, timeout: float, env: dict[str, str]) -> Measure:
    """One cold ``python -m aigov`` run: wall time, its own peak RSS (``os.wait4``), exit code."""
    output = cwd / "bench-output.txt"
    with output.open("wb") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "aigov", *args],
            cwd=cwd,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        exit_code: int | None = None
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                exit_code = os.waitstatus_to_exitcode(status)
                break
            if time.perf_counter() - started > timeout:
                os.killpg(process.pid, signal.SIGKILL)
                _, _, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.005)
        seconds = time.perf_counter() - started
    process.returncode = exit_code if exit_code is not None else -9  # reaped by wait4 above
    lines = output.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    cpu = usage.ru_utime + usage.ru_stime
    last = lines[-1][:100] if lines else ""
    return Measure(seconds, cpu, usage.ru_maxrss / 1024, exit_code, last)


def _documents(repository: Path) -> list[Path]:
    return [
        repository / "aigov.yaml",
        repository / "MODEL_CARD.md",
        *(repository / "contracts").glob("*.yaml"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("only", nargs="*", help="run the cases whose name holds one of these")
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds before a run is killed"
    )
    options = parser.parse_args()
    cases = {
        name: build
        for name, build in CASES.items()
        if not options.only or any(word in name for word in options.only)
    }
    failures = 0
    with tempfile.TemporaryDirectory(prefix="aigov-bench-hostile-") as folder:
        root = Path(folder)
        env = {**os.environ, "AIGOV_CACHE_DIR": str(root / "cache")}
        print(
            f"{'case':<52} {'largest':>9} {'command':<9} {'wall':>8} {'cpu':>7} {'peak RSS':>10}"
            f" {'exit':>5}"
            "  verdict  last line of output"
        )
        for index, (name, build) in enumerate(cases.items()):
            repository = root / f"case-{index}"
            shutil.copytree(EXAMPLE, repository, ignore=shutil.ignore_patterns("data", "evidence"))
            build(repository)
            largest = max(path.stat().st_size for path in _documents(repository))
            if largest > MAX_BYTES:
                raise SystemExit(f"bench_hostile: case {name!r} wrote a document over 2 MiB")
            for command in ("validate", "check"):
                result = measure([command, "."], repository, options.timeout, env)
                failures += not result.passed
                verdict = "PASS" if result.passed else "FAIL"
                code = "kill" if result.exit_code is None else str(result.exit_code)
                print(
                    f"{name:<52} {largest / 1024:>6.0f} KB {command:<9} {result.seconds:>7.2f}s "
                    f"{result.cpu_seconds:>6.2f}s "
                    f"{result.rss_mib:>6.0f} MiB"
                    f" {code:>5}  {verdict}  {result.last_line}",
                    flush=True,
                )
    print(f"\n{failures} run(s) over the targets (≤ {TARGET_SECONDS:g} s, ≤ {TARGET_RSS_MIB} MiB)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
