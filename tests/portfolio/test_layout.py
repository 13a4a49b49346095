"""The report as a director sees it: laid out by headless Chromium at 1280 and 1920 px, every
chart label inside its chart and clear of the others, every table inside its card.

The portfolio is the benchmark's synthetic one (80 repositories: integer scores, so most cells
of the prioritisation matrix hold several projects; invalid waivers, so aigov's own checks get a
column; broken repositories) plus one project with a very long name, recorded over three
nights in a real history store, the last night with repositories added and removed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import PROJECT_ROOT

from aigov.cli import main
from aigov.portfolio.model import PortfolioScan, write_scan
from aigov.portfolio.scan import ScanOptions, scan
from aigov.portfolio.sources import FolderSource

from .browser import CHROMIUM, layout_problems, measure
from .conftest import TODAY, write_repo

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

LONG_NAME = (
    "Détection des anomalies de facturation énergétique pour les sites industriels "
    "multi-compteurs (programme WATT-Wise, lot 2)"
)


def _night(root: Path, days_before: int, out: Path) -> Path:
    """Scan ``root`` as the night ``days_before`` days before TODAY did, into a scan file."""
    today = TODAY - dt.timedelta(days=days_before)
    result: PortfolioScan = scan(FolderSource(root), ScanOptions(today=today, jobs=1))
    night = dt.datetime(today.year, today.month, today.day, 2, 0, tzinfo=dt.UTC)
    result = result.model_copy(update={"generated_at": night.isoformat()})
    path = out / f"scan-{days_before}.json"
    write_scan(result, path)
    return path


@pytest.fixture(scope="module")
def stress_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("layout")
    root = work / "repos"
    subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "benchmarks" / "portfolio_repos.py"), str(root), "80"],
        check=True,
    )
    write_repo(root, "watt-wise", "poc", name=LONG_NAME, impact=4, data_maturity=4)
    gone = [root / "repo-00003", root / "repo-00004"]
    for folder in gone:
        shutil.copytree(folder, work / folder.name)
    history, out = work / "history.sqlite", work / "report"
    nights = [_night(root, 2, work), _night(root, 1, work)]
    for folder in gone:
        shutil.rmtree(folder)
    write_repo(root, "new-project", "ideation", name="Tri des réclamations clients")
    nights.append(_night(root, 0, work))
    for night in nights:
        assert (
            main(["portfolio", "report", str(night), "--history", str(history), "--out", str(out)])
            == 0
        )
    return out / "portfolio.html"


# 1280 and 1920: a laptop and a desktop; 390: a phone, where the tables become blocks.
@pytest.mark.parametrize("width", [390, 1280, 1920])
def test_no_label_is_clipped_or_overlaps_and_tables_fit(
    stress_report: Path, width: int, tmp_path: Path
) -> None:
    layout = measure(stress_report, width, tmp_path)
    sections = {chart["section"] for chart in layout.charts}
    assert {"matrix", "funnel", "time-to-market", "trends", "compliance"} <= sections
    labels = sum(len(chart["texts"]) for chart in layout.charts)
    assert labels > 150  # the matrix lists projects, the heat map 60 rows, the trends values
    assert layout_problems(layout) == []


def test_the_page_says_what_changed_and_names_the_policy_by_its_packs(stress_report: Path) -> None:
    page = stress_report.read_text(encoding="utf-8")
    changes = page[page.index('id="changes"') : page.index('id="trends"')]
    removed = changes[changes.index('id="changes-removed"') :]
    assert "Removed (2)" in removed and "project-00003" in removed and "project-00004" in removed
    assert "New (1)" in changes and "Tri des réclamations clients" in changes
    # The header names the packs and their versions, never the folder the packs were read from.
    header = page[page.index("<header>") : page.index("</header>")]
    report = json.loads(stress_report.with_name("portfolio.json").read_text(encoding="utf-8"))
    packs = report["scan"]["packs"]
    assert len(packs) == 5 and report["scan"]["policy_source"] == "built-in packs"
    assert all(f"{p['name']} {p['version']}" in header for p in packs)
    assert str(PROJECT_ROOT) not in page and "/tmp" not in page
    # aigov's own checks are a column explained on the page, not a pseudo pack.
    assert "aigov checks" in page and "is not a policy pack" in page


def test_the_matrix_keeps_every_crowded_cell_readable(stress_report: Path) -> None:
    page = stress_report.read_text(encoding="utf-8")
    matrix = page[page.index('id="matrix"') : page.index('id="funnel"')]
    listed = matrix.count('<g class="project">')
    more = [int(n) for n in re.findall(r"\+ (\d+) more", matrix)]
    assert listed + sum(more) == 80 - 1 + 1  # 79 readable synthetic repositories, the long name
    # The long name is cut (this cell is crowded: one line a project), its full text in the
    # tooltip.
    entry = matrix[matrix.index(f"<title>{LONG_NAME}") :]
    lines = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", entry[: entry.index("</g>")])
    assert lines and lines[-1].endswith("…")
    assert LONG_NAME.startswith(" ".join(lines)[:-1].rstrip())
