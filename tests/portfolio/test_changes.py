"""What changed since the previous recorded scan: real repositories scanned on two nights,
recorded in a real history store, compared, and reported."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from tests.conftest import EXAMPLES

from aigov.cli import main
from aigov.portfolio.changes import changes_since
from aigov.portfolio.history import History
from aigov.portfolio.kpi_model import ProjectMove
from aigov.portfolio.kpis import compute_kpis, headline
from aigov.portfolio.model import PortfolioScan, write_scan
from aigov.portfolio.scan import ScanOptions, scan
from aigov.portfolio.sources import FolderSource

from .conftest import TODAY, write_repo

PASSING = EXAMPLES / "hr-attrition-ideation"  # passes the built-in packs at ideation


def _passing(root: Path, name: str) -> None:
    shutil.copytree(PASSING, root / name)


def _night(root: Path, day: dt.date) -> PortfolioScan:
    result = scan(FolderSource(root), ScanOptions(today=day, jobs=1))
    at = dt.datetime(day.year, day.month, day.day, 2, 0, tzinfo=dt.UTC).isoformat()
    return result.model_copy(update={"generated_at": at})


def _two_nights(root: Path) -> tuple[PortfolioScan, PortfolioScan]:
    root.mkdir()
    for name in ("steady", "fixed", "moving", "breaking", "leaving"):
        write_repo(root, name, "ideation")  # these block (no risk screening, no owners)
    _passing(root, "regressed")
    first = _night(root, TODAY - dt.timedelta(days=1))
    shutil.rmtree(root / "fixed")
    _passing(root, "fixed")
    shutil.rmtree(root / "regressed")
    write_repo(root, "regressed", "ideation")
    shutil.rmtree(root / "moving")
    write_repo(root, "moving", "data-exploration")
    (root / "breaking" / "aigov.yaml").write_text("apiVersion: aigov/v1\nkind: [", "utf-8")
    shutil.rmtree(root / "leaving")
    write_repo(root, "arriving", "poc", name="Tri des réclamations")
    return first, _night(root, TODAY)


def test_the_changes_between_two_recorded_nights(tmp_path: Path) -> None:
    first, second = _two_nights(tmp_path / "repos")
    with History(tmp_path / "h.sqlite") as history:
        for night in (first, second):
            history.record(night, headline(compute_kpis(night)))
        assert history.previous(first) is None
        previous = history.previous(second)
    assert previous is not None
    recorded, rows = previous
    assert recorded.generated_at == first.generated_at and len(rows) == 6
    changes = changes_since(recorded, rows, second)
    assert changes.previous_today == (TODAY - dt.timedelta(days=1)).isoformat()

    def ids(moves: tuple[ProjectMove, ...]) -> list[str]:
        return [m.repository for m in moves]

    assert ids(changes.new) == ["arriving"]
    assert changes.new[0].name == "Tri des réclamations" and changes.new[0].stage == "poc"
    assert ids(changes.removed) == ["leaving"]
    assert changes.removed[0].name == "leaving" and changes.removed[0].stage_before == "ideation"
    assert ids(changes.newly_passing) == ["fixed"]
    assert ids(changes.newly_blocked) == ["regressed"]
    blocked = changes.newly_blocked[0]
    assert blocked.blocking_before == 0 and blocked.blocking is not None and blocked.blocking > 0
    assert ids(changes.newly_unreadable) == ["breaking"]
    assert [(m.repository, m.stage_before, m.stage) for m in changes.stage_moves] == [
        ("moving", "ideation", "data-exploration")
    ]
    # The steady repository is in none of the lists.
    everything = [
        m
        for key in (
            "new",
            "removed",
            "newly_blocked",
            "newly_passing",
            "newly_unreadable",
            "stage_moves",
        )
        for m in getattr(changes, key)
    ]
    assert "steady" not in [m.repository for m in everything]


def test_the_report_says_what_changed_and_nothing_on_a_first_night(tmp_path: Path) -> None:
    first, second = _two_nights(tmp_path / "repos")
    history, out = tmp_path / "h.sqlite", tmp_path / "out"
    files = []
    for night in (first, second):
        path = tmp_path / f"{night.today}.json"
        write_scan(night, path)
        files.append(path)
    assert (
        main(["portfolio", "report", str(files[0]), "--history", str(history), "--out", str(out)])
        == 0
    )
    page = (out / "portfolio.html").read_text(encoding="utf-8")
    assert "No earlier scan is recorded" in page
    assert json.loads((out / "portfolio.json").read_text(encoding="utf-8"))["changes"] is None

    assert (
        main(["portfolio", "report", str(files[1]), "--history", str(history), "--out", str(out)])
        == 0
    )
    document = json.loads((out / "portfolio.json").read_text(encoding="utf-8"))
    assert [m["repository"] for m in document["changes"]["removed"]] == ["leaving"]
    page = (out / "portfolio.html").read_text(encoding="utf-8")
    for section, text in (
        ("newly-blocked", "regressed"),
        ("newly-passing", "Anticipation des départs volontaires"),
        ("new", "Tri des réclamations"),
        ("removed", "leaving"),
        ("newly-unreadable", "breaking"),
        ("stage-moves", "Ideation → Data exploration"),
    ):
        block = page[page.index(f'id="changes-{section}"') :]
        assert text in block[: block.index("</div>")], section
    markdown = (out / "portfolio.md").read_text(encoding="utf-8")
    assert "## Since the previous scan" in markdown
    assert "- **Removed** (1): leaving\n" in markdown
    assert "- **Newly blocked** (1): Project regressed" in markdown


def test_reporting_an_older_scan_again_compares_it_with_the_one_before_it(tmp_path: Path) -> None:
    first, second = _two_nights(tmp_path / "repos")
    with History(tmp_path / "h.sqlite") as history:
        for night in (second, first):  # recorded out of order: the dates decide
            history.record(night, headline(compute_kpis(night)))
        assert history.previous(first) is None
        previous = history.previous(second)
        assert previous is not None and previous[0].generated_at == first.generated_at
