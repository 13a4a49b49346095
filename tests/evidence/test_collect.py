"""Evidence is collected per source, only when asked, and failures become reasons, not errors."""

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import git
from tests.conftest import MINIMAL_MANIFEST

from aigov.documents.repository import load_repository
from aigov.evidence.collect import EvidenceRequest, EvidenceUnavailableRecord, collect_evidence
from aigov.evidence.git_history import SHALLOW_HINT, GitEvidence

REGISTRY = (
    "model:\n  registry:\n    tracking_uri: sqlite:///mlruns.db\n"
    "    registered_model: churn\n    alias: champion\n"
)
CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: orders
version: 1.0.0
status: active
"""


def _commit_all(root: Path) -> git.Repo:
    files = [str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()]
    repo = git.Repo.init(root)
    repo.index.add(files)
    repo.index.commit("init", author=git.Actor("A", "a@example.com"))
    return repo


def test_only_the_sources_asked_for_are_collected(make_repo: Callable[..., Path]) -> None:
    root = make_repo({"aigov.yaml": MINIMAL_MANIFEST})
    _commit_all(root)
    evidence = collect_evidence(load_repository(root), {"git"}, EvidenceRequest()).plain()
    assert set(evidence) == {"git"}
    assert [e["stage"] for e in evidence["git"]["timeline"]] == ["ideation"]


def test_each_source_is_typed_until_the_context_is_built(make_repo: Callable[..., Path]) -> None:
    root = make_repo({"aigov.yaml": MINIMAL_MANIFEST})
    _commit_all(root)
    evidence = collect_evidence(load_repository(root), {"git", "mlflow"}, EvidenceRequest())
    assert isinstance(evidence.git, GitEvidence) and evidence.git.timeline[0].stage == "ideation"
    assert evidence.mlflow == EvidenceUnavailableRecord(
        reason="aigov.yaml declares no model.registry"
    )
    assert evidence.data_quality is None  # not asked for: not collected
    assert evidence.unavailable() == {"mlflow": "aigov.yaml declares no model.registry"}
    skipped = evidence.with_unavailable({"data_quality"}, "skipped")
    assert skipped.plain()["data_quality"] == {"unavailable": "skipped"}
    assert list(skipped.plain()) == ["git", "mlflow", "data_quality"]


def test_a_folder_outside_git_makes_git_evidence_unavailable(
    make_repo: Callable[..., Path],
) -> None:
    root = make_repo({"aigov.yaml": MINIMAL_MANIFEST})
    evidence = collect_evidence(load_repository(root), {"git"}, EvidenceRequest()).plain()
    assert "not inside a git repository" in evidence["git"]["unavailable"]


def test_a_shallow_clone_makes_git_evidence_unavailable_with_the_fix(
    make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_repo({"aigov.yaml": MINIMAL_MANIFEST})
    _commit_all(root)
    (root / "README.md").write_text("more\n")
    repo = git.Repo(root)
    repo.index.add(["README.md"])
    repo.index.commit("second", author=git.Actor("A", "a@example.com"))
    clone = tmp_path / "clone"
    git.Repo.clone_from(root.as_uri(), clone, depth=1)
    evidence = collect_evidence(load_repository(clone), {"git"}, EvidenceRequest()).plain()
    assert evidence["git"] == {"unavailable": SHALLOW_HINT}


def test_missing_mlflow_store_is_a_reason_not_an_exception(
    make_repo: Callable[..., Path],
) -> None:
    root = make_repo({"aigov.yaml": MINIMAL_MANIFEST + REGISTRY})
    evidence = collect_evidence(load_repository(root), {"mlflow"}, EvidenceRequest()).plain()
    assert "mlruns.db" in evidence["mlflow"]["unavailable"]


def test_data_quality_without_stored_evidence_is_missing(
    make_repo: Callable[..., Path],
) -> None:
    root = make_repo({"aigov.yaml": MINIMAL_MANIFEST, "contracts/orders.odcs.yaml": CONTRACT})
    evidence = collect_evidence(load_repository(root), {"data_quality"}, EvidenceRequest()).plain()
    assert evidence["data_quality"]["status"] == "missing"
    [issue] = evidence["data_quality"]["issues"]
    assert "aigov data validate" in issue["message"]


def test_data_quality_without_contracts_is_unavailable(make_repo: Callable[..., Path]) -> None:
    root = make_repo({"aigov.yaml": MINIMAL_MANIFEST})
    evidence = collect_evidence(load_repository(root), {"data_quality"}, EvidenceRequest()).plain()
    assert evidence["data_quality"] == {"unavailable": "the repository declares no data contract"}


def test_git_and_stored_evidence_never_import_the_heavy_libraries(
    make_repo: Callable[..., Path],
) -> None:
    root = make_repo({"aigov.yaml": MINIMAL_MANIFEST, "contracts/orders.odcs.yaml": CONTRACT})
    _commit_all(root)
    script = (
        "import json, sys\n"
        "from aigov.documents.repository import load_repository\n"
        "from aigov.evidence.collect import EvidenceRequest, collect_evidence\n"
        f"collect_evidence(load_repository({str(root)!r}), {{'git', 'data_quality'}}, "
        "EvidenceRequest())\n"
        "heavy = ('mlflow', 'great_expectations', 'pandas', 'github', 'gitlab')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(output) == []
