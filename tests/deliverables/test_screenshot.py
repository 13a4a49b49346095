"""The README's picture of a deliverable: the credit-scoring example's Annex IV draft, written by
``aigov docs`` from the example's real evidence (its MLflow store built by its own script),
laid out and photographed by headless Chromium into ``reports/deliverable-annex-iv.png``.

The date is fixed and the picture stops above the MLflow run id (random at each build of the
store), so that it changes only when the page does.
"""

from __future__ import annotations

import re
import shutil
import struct
from pathlib import Path

import pytest
from tests.conftest import PROJECT_ROOT, run_aigov_process
from tests.portfolio.browser import CHROMIUM, layout_problems, measure, screenshot

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

PICTURE = PROJECT_ROOT / "reports" / "deliverable-annex-iv.png"
SHOT_SIZE = (1280, 1600)  # the title, section 1 and section 2 with the measured results


@pytest.fixture(scope="module")
def annex_iv(credit_scoring_with_evidence: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("annex-iv")
    result = run_aigov_process(
        "docs",
        str(credit_scoring_with_evidence),
        "--out",
        str(out),
        "--format",
        "html",
        "--today",
        "2026-12-04",
    )
    assert result.exit_code == 0, result.stderr
    return out / "annex-iv.html"


@pytest.mark.parametrize("width", [1280, 1920])
def test_the_annex_iv_page_fits_its_window(annex_iv: Path, tmp_path: Path, width: int) -> None:
    # The page's policy forbids scripts; the measuring script runs in a copy without it.
    page = annex_iv.read_text(encoding="utf-8")
    policy = '<meta http-equiv="Content-Security-Policy"'
    assert policy in page
    unlocked = tmp_path / "annex-iv.html"
    unlocked.write_text(re.sub(f"{policy}[^>]*>", "", page), encoding="utf-8")
    layout = measure(unlocked, width, tmp_path)
    assert layout.tables, "no table was laid out"
    assert layout_problems(layout) == []


def test_screenshot_of_the_annex_iv_draft(annex_iv: Path, tmp_path: Path) -> None:
    page = annex_iv.read_text(encoding="utf-8")
    assert "0.812 measured (≥ 0.78, met)" in page  # the figures the picture shows are MLflow's
    shot = tmp_path / "annex-iv.png"
    screenshot(annex_iv, shot, *SHOT_SIZE, tmp_path)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == SHOT_SIZE
    assert len(data) > 50_000  # text and tables were drawn, not a blank page
    PICTURE.parent.mkdir(exist_ok=True)
    shutil.copyfile(shot, PICTURE)
