"""Benchmark of aigov on real files written by others: every model card and data contract of
``../shared/conformance`` (``realworld/``, ``huggingface/``, ``odcs/examples``), each checked in
a repository of its own with ``aigov validate`` and ``aigov check`` (in process, built-in packs).

Each file's own standard is the judge (tests/reference_readers.py): the Hugging Face Hub client
for cards, the official JSON Schema of the declared ODCS version for contracts; ODCS v2 and Data
Contract Specification files are other formats, which aigov must refuse. Printed: accepted,
correct refusals, false rejections, false acceptances, misreads (a card accepted whose
evaluation results differ from the Hub's), and the slowest file.

Standalone: ``python benchmarks/bench_realworld.py [--list]``; ``run()`` gives
``benchmarks/run.py`` its rows. Targets (issue 16): 0 false rejections, 0 misreads, no file
over 1 s.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))  # tests.reference_readers, tests.conftest

CONFORMANCE = PROJECT.parent / "shared" / "conformance"
MANIFEST = """\
apiVersion: aigov/v1
kind: AIProject
metadata:
  id: realworld
  name: Real-world file
  owner: data-science@example.com
  business_unit: Benchmarks
stage: ideation
"""


@dataclass(frozen=True)
class Outcome:
    file: str
    kind: str  # card | contract
    verdict: str  # accepted | correct refusal | false rejection | false acceptance | misread
    seconds: float
    detail: str = ""


def _repository(root: Path, file: Path, kind: str) -> Path:
    root.mkdir(parents=True)
    manifest = MANIFEST
    if kind == "card":
        shutil.copyfile(file, root / "MODEL_CARD.md")
    else:
        (root / "contracts").mkdir()
        shutil.copyfile(file, root / "contracts" / "file.odcs.yaml")
        manifest += "data:\n  contracts:\n    - contracts/file.odcs.yaml\n"
    (root / "aigov.yaml").write_text(manifest, encoding="utf-8")
    return root


def _timed_run(root: Path, target: str) -> tuple[list[str], float]:
    """``aigov validate`` then ``aigov check``, in process: the errors on ``target``, seconds."""
    from aigov.cli import main
    from aigov.documents.repository import load_repository

    started = time.perf_counter()
    repository = load_repository(root)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        main(["check", str(root), "-f", "json", "--skip-evidence", "mlflow"])
    seconds = time.perf_counter() - started
    errors = [str(p) for p in repository.problems.errors if p.location.file.endswith(target)]
    return errors, seconds


def _card(path: Path, work: Path) -> Outcome:
    from tests.reference_readers import aigov_card_results, hub_results, hub_verdict

    from aigov.documents.repository import load_repository
    from aigov.policy.context import model_card_context

    root = _repository(work, path, "card")
    errors, seconds = _timed_run(root, "MODEL_CARD.md")
    reference = hub_verdict(path)
    name = path.relative_to(CONFORMANCE).as_posix()
    if reference == "fail":
        verdict = "correct refusal" if errors else "false acceptance"
        return Outcome(name, "card", verdict, seconds)
    if errors:
        return Outcome(name, "card", "false rejection", seconds, errors[0])
    card = load_repository(root).model_card
    read = aigov_card_results(model_card_context(card)) if card is not None else Counter()
    if reference == "ok" and read != hub_results(path):
        return Outcome(name, "card", "misread", seconds, f"{sum(read.values())} results read")
    return Outcome(name, "card", "accepted", seconds)


def _contract(path: Path, work: Path) -> Outcome:
    from tests.reference_readers import contract_reference

    root = _repository(work, path, "contract")
    errors, seconds = _timed_run(root, "file.odcs.yaml")
    name = path.relative_to(CONFORMANCE).as_posix()
    valid = contract_reference(path, CONFORMANCE)
    if valid:
        verdict = "false rejection" if errors else "accepted"
    else:
        verdict = "correct refusal" if errors else "false acceptance"
    return Outcome(name, "contract", verdict, seconds, errors[0] if errors and valid else "")


def corpus() -> list[tuple[Path, str]]:
    """Every real card and contract, with its kind."""
    cards = sorted((CONFORMANCE / "realworld" / "cards").glob("*.md"))
    cards += sorted((CONFORMANCE / "huggingface").glob("*-*.md"))
    contracts = sorted((CONFORMANCE / "realworld" / "contracts").glob("*.yaml"))
    contracts += sorted((CONFORMANCE / "odcs" / "examples").rglob("*.odcs.yaml"))
    return [(p, "card") for p in cards] + [(p, "contract") for p in contracts]


def measure() -> list[Outcome]:
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="aigov-realworld-") as temp:
        for index, (path, kind) in enumerate(corpus()):
            work = Path(temp) / str(index)
            outcomes.append(_card(path, work) if kind == "card" else _contract(path, work))
    return outcomes


def run(outcomes: list[Outcome] | None = None) -> list[tuple[str, str]]:
    if not CONFORMANCE.is_dir():
        return [("real-world corpus", f"not measured: {CONFORMANCE} is absent")]
    outcomes = measure() if outcomes is None else outcomes
    rows: list[tuple[str, str]] = []
    for kind in ("card", "contract"):
        mine = [o for o in outcomes if o.kind == kind]
        counts = Counter(o.verdict for o in mine)
        rows.append(
            (
                f"real-world {kind}s ({len(mine)}): accepted / correct refusals / false "
                "rejections / false acceptances / misreads (target: 0 false rejections, "
                "0 misreads)",
                " / ".join(
                    str(counts[v])
                    for v in (
                        "accepted",
                        "correct refusal",
                        "false rejection",
                        "false acceptance",
                        "misread",
                    )
                ),
            )
        )
    slowest = max(outcomes, key=lambda o: o.seconds)
    rows.append(
        (
            "real-world: slowest file, validate + check in process (target ≤ 1 s)",
            f"{slowest.seconds * 1000:.0f} ms ({slowest.file})",
        )
    )
    total = sum(o.seconds for o in outcomes)
    rows.append(("real-world: all files, validate + check", f"{total:.1f} s"))
    return rows


if __name__ == "__main__":
    measured = measure() if CONFORMANCE.is_dir() else []
    if "--list" in sys.argv:
        for outcome in measured:
            note = f"  {outcome.detail}" if outcome.detail else ""
            print(f"{outcome.verdict:<17} {outcome.seconds * 1000:6.0f} ms  {outcome.file}{note}")
    for figure, value in run(measured or None):
        print(f"{figure:<100} {value}")
