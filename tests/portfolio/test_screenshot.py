"""The README's picture of the report: the example portfolio of ``examples/``, as the README's
portfolio demo builds it (the examples' MLflow stores, ``--policies examples/org-policies``,
``--with-mlflow``), after a previous night recorded in the history, laid out and photographed by
headless Chromium into ``reports/portfolio.png``.

The previous night is the same examples before ``customer-chatbot`` joined and while a first
version of the HR attrition project still had its own repository, so that the page shows what
changed. Both nights run on fixed dates: the picture changes only when the page does.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES, PROJECT_ROOT, build_mlflow_store, copy_example

from aigov.cli import main
from aigov.portfolio.model import write_scan
from aigov.portfolio.scan import ScanOptions, scan
from aigov.portfolio.sources import FolderSource

from .browser import CHROMIUM, layout_problems, measure, screenshot

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

TODAY = dt.date(2026, 12, 4)
PICTURE = PROJECT_ROOT / "reports" / "portfolio.png"
SHOT_SIZE = (1280, 1700)  # the header, the tiles, the changes, the trends and the matrix


def _night(root: Path, policies: Path, today: dt.date, out: Path, *, mlflow: bool) -> Path:
    options = ScanOptions(today=today, jobs=1, policies=str(policies), with_mlflow=mlflow)
    result = scan(FolderSource(root), options)
    at = dt.datetime(today.year, today.month, today.day, 2, 0, tzinfo=dt.UTC).isoformat()
    path = out / f"scan-{today.isoformat()}.json"
    write_scan(result.model_copy(update={"generated_at": at}), path)
    return path


@pytest.fixture(scope="module")
def example_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("example-portfolio")
    examples = copy_example(EXAMPLES, work / "examples")
    for example in ("credit-scoring", "demand-forecast"):
        build_mlflow_store(examples / example)
    policies = examples / "org-policies"
    # The previous night: no customer-chatbot yet, and the first HR attrition repository.
    chatbot = work / "customer-chatbot"
    shutil.move(examples / "customer-chatbot", chatbot)
    first_version = examples / "hr-attrition-v1"
    shutil.copytree(examples / "hr-attrition-ideation", first_version)
    manifest = first_version / "aigov.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(
        text.replace("id: hr-attrition\n", "id: hr-attrition-v1\n", 1), encoding="utf-8"
    )
    yesterday = _night(examples, policies, TODAY - dt.timedelta(days=1), work, mlflow=False)
    shutil.rmtree(first_version)
    shutil.move(chatbot, examples / "customer-chatbot")
    tonight = _night(examples, policies, TODAY, work, mlflow=True)
    history, out = work / "history.sqlite", work / "report"
    for night in (yesterday, tonight):
        code = main(
            ["portfolio", "report", str(night), "--history", str(history), "--out", str(out)]
        )
        assert code == 0
    return out / "portfolio.html"


@pytest.mark.parametrize("width", [1280, 1920])
def test_the_example_report_lays_out_cleanly(
    example_report: Path, width: int, tmp_path: Path
) -> None:
    layout = measure(example_report, width, tmp_path)
    assert layout_problems(layout) == []


def test_the_example_report_shows_the_night_s_changes(example_report: Path) -> None:
    page = example_report.read_text(encoding="utf-8")
    changes = page[page.index('id="changes"') : page.index('id="trends"')]
    assert "New (1)" in changes and "Assistant conversationnel « Alix »" in changes
    assert "Removed (1)" in changes and "hr-attrition-v1" in changes
    # The policy is named by its packs and versions, never by the folder it was read from.
    assert str(EXAMPLES) not in page and "org-policies" not in page
    assert "policy packs lifecycle " in page and "(local policy folder)" in page


def test_the_matrix_writes_whole_names_in_uncrowded_cells(example_report: Path) -> None:
    page = example_report.read_text(encoding="utf-8")
    matrix = page[page.index('id="matrix"') : page.index('id="funnel"')]
    name = "Score d'octroi crédit à la consommation (PRISME v3)"
    entry = matrix[matrix.index("<title>Score d&#39;octroi") :]
    lines = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", entry[: entry.index("</g>")])
    assert len(lines) == 2 and html.unescape(" ".join(lines)) == name


def test_the_readme_picture_is_taken_from_the_example_report(
    example_report: Path, tmp_path: Path
) -> None:
    shot = tmp_path / "portfolio.png"
    screenshot(example_report, shot, *SHOT_SIZE, tmp_path)
    picture = shot.read_bytes()
    assert picture.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(picture[16:20], "big"), int.from_bytes(picture[20:24], "big")
    assert (width, height) == SHOT_SIZE
    assert 50_000 < len(picture) < 600_000  # a page with content, small enough for a README
    if not PICTURE.exists() or PICTURE.read_bytes() != picture:
        PICTURE.write_bytes(picture)
