"""Success criteria fixed before results: git history against the POC's first MLflow run.

Real components: a git repository with scripted commit dates, a SQLite MLflow store whose POC
runs start on a known day, and the built-in lifecycle pack evaluated by the check library.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import git
import pytest
from tests.conftest import MINIMAL_MANIFEST

from aigov.checking import CheckOptions, run_check

os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
from mlflow import MlflowClient

RULE = "LC-HISTORY-CRITERIA-BEFORE-FIRST-RUN"
FIRST_RUN = dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC)
REGISTRY = """\
model:
  registry:
    tracking_uri: sqlite:///mlruns.db
    registered_model: churn
    alias: candidate
    experiment: churn-poc
"""
AUC = "  - {metric: auc, threshold: 0.8, direction: higher_is_better}\n"
RECALL = "  - {metric: recall, threshold: 0.6, direction: higher_is_better}\n"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "mlruns.db"
    client = MlflowClient(tracking_uri=f"sqlite:///{path}")
    experiment = client.create_experiment("churn-poc")
    start = int(FIRST_RUN.timestamp() * 1000)
    run_ids = []
    for offset, approach in enumerate(("logistic", "lightgbm")):
        run = client.create_run(
            experiment, start_time=start + offset * 86_400_000, tags={"approach": approach}
        )
        client.set_terminated(run.info.run_id)
        run_ids.append(run.info.run_id)
    client.create_registered_model("churn")
    version = client.create_model_version("churn", "runs:/x/model", run_id=run_ids[1])
    client.set_registered_model_alias("churn", "candidate", str(version.version))
    return path


def project(root: Path, store: Path, commits: list[tuple[str, str]]) -> Path:
    """A POC project whose aigov.yaml went through ``commits`` (date, success_criteria lines)."""
    repo = git.Repo.init(root, initial_branch="main")
    shutil.copy(store, root / "mlruns.db")
    author = git.Actor("Data Scientist", "ds@example.com")
    for day, criteria in commits:
        manifest = MINIMAL_MANIFEST.replace("stage: ideation", "stage: poc") + REGISTRY
        (root / "aigov.yaml").write_text(manifest + "success_criteria:\n" + criteria)
        repo.index.add(["aigov.yaml"])
        stamp = int(dt.datetime.fromisoformat(f"{day}T10:00:00+01:00").timestamp())
        repo.index.commit(
            f"aigov.yaml on {day}",
            author=author,
            committer=author,
            author_date=f"{stamp} +0100",
            commit_date=f"{stamp} +0100",
        )
    return root


def findings_of(root: Path) -> dict[str, str]:
    report = run_check(
        CheckOptions(
            path=root, today=dt.date(2026, 11, 24), skip_evidence=frozenset({"data_quality"})
        )
    )
    return {f.rule_id: f.message for f in report.findings}


def test_criteria_committed_before_the_first_run_pass(tmp_path: Path, store: Path) -> None:
    root = project(tmp_path / "honest", store, [("2025-02-10", AUC), ("2025-02-20", AUC + RECALL)])
    assert RULE not in findings_of(root)


def test_a_criterion_added_after_the_first_run_is_a_finding(tmp_path: Path, store: Path) -> None:
    root = project(tmp_path / "late", store, [("2025-02-10", AUC), ("2025-04-15", AUC + RECALL)])
    message = findings_of(root)[RULE]
    # The late criterion is named, with its threshold and the date it was committed.
    assert "committed the success criterion recall (threshold 0.6) on 2025-04-15" in message
    assert "after the first run of the POC experiment" in message
    assert "churn-poc (2025-03-03T09:00:00+00:00)" in message


def test_criteria_as_old_as_a_history_started_after_the_poc_are_not_judged(
    tmp_path: Path, store: Path
) -> None:
    # Brought under git after its POC: the first commit holds both criteria.
    root = project(tmp_path / "migrated", store, [("2025-09-01", AUC + RECALL)])
    assert RULE not in findings_of(root)
