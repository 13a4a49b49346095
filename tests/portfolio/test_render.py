"""The report: self-contained HTML (escaped, charts), JSON, Markdown; opened in real Chromium."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest
from pydantic import TypeAdapter
from tests.conftest import PROJECT_ROOT

from aigov.portfolio.kpi_model import ReportedScan, TrendPoint
from aigov.portfolio.kpis import compute_kpis
from aigov.portfolio.model import AdoptionSeries, QualitySeries
from aigov.portfolio.render import markdown_escape, write_report
from aigov.portfolio.scan import ScanOptions, scan
from aigov.portfolio.sources import FolderSource

from .browser import CHROMIUM
from .conftest import TODAY

HOSTILE = "<script>alert('x')</script>"


def _meta() -> ReportedScan:
    return ReportedScan.model_validate(
        {
            "generated_at": "2026-11-24T02:00:00+00:00",
            "today": TODAY.isoformat(),
            "sources": ["dir:repos"],
            "policy_source": "builtin",
            "packs": [],
            "block_on": "high",
            "stats": {"evaluated": 6, "cached": 0, "errors": 1, "seconds": 1.0},
            "with_mlflow": False,
        }
    )


@pytest.fixture
def report_dir(portfolio_dir: Path, tmp_path: Path) -> Path:
    kpis = compute_kpis(scan(FolderSource(portfolio_dir), ScanOptions(today=TODAY, jobs=1)))
    # Give one project quality and adoption series, as a scan with --with-mlflow would.
    trend = [
        TrendPoint(
            scan_id=f"2026-11-{d}T02:00:00+00:00#all",
            generated_at=f"2026-11-{d}T02:00:00+00:00",
            today=f"2026-11-{d}",
            pass_rate=p,
            blocking_total=b,
            conversion_rate=0.25,
            open_waivers=1,
        )
        for d, p, b in ((22, 0.5, 6), (23, 0.6, 4), (24, 0.8, 2))
    ]
    from aigov.portfolio.kpis import adoption, quality_stability

    quality = quality_stability(
        TypeAdapter(QualitySeries).validate_python(
            {
                "metric": "auc",
                "threshold": 0.7,
                "direction": "higher_is_better",
                "points": [[f"2026-{m:02d}-01", 0.8 - m / 200] for m in range(1, 12)],
            }
        )
    )
    usage = adoption(
        TypeAdapter(AdoptionSeries).validate_python(
            {
                "metric": "calls per day",
                "target_per_day": 100,
                "points": [
                    [f"2026-{m:02d}-{d:02d}", 50 + m * 5 + d]
                    for m in range(3, 12)
                    for d in range(1, 28)
                ],
            }
        )
    )
    project = kpis.projects[0].model_copy(update={"quality": quality, "adoption": usage})
    kpis = kpis.model_copy(update={"projects": (project, *kpis.projects[1:])})
    out = tmp_path / "out"
    write_report(kpis, trend, _meta(), out)
    return out


def test_html_is_self_contained_and_escapes_repository_text(report_dir: Path) -> None:
    html = (report_dir / "portfolio.html").read_text("utf-8")
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    # Nothing is fetched: no external script, style, font or image.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<link" not in html
    for chart in ("matrix", "funnel", "time-to-market", "quality", "adoption", "compliance"):
        assert f'id="{chart}"' in html
    assert html.count("<svg") >= 6


def test_json_and_markdown(report_dir: Path) -> None:
    document = json.loads((report_dir / "portfolio.json").read_text("utf-8"))
    assert document["kind"] == "aigov-portfolio-report"
    assert document["kpis"]["conversion"]["rate"] == 0.25
    schema_file = PROJECT_ROOT / "schemas" / "portfolio-report.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(document)) == []
    markdown = (report_dir / "portfolio.md").read_text("utf-8")
    assert "| KPI | Value |" in markdown
    assert HOSTILE not in markdown and "<script>" not in markdown
    assert r"\*\*bold\*\*" in markdown and r"\|" in markdown


def test_markdown_escape() -> None:
    # The PR comment's escaping (report/markdown.py owns the exact spelling): one line, no tag,
    # no table cell break, no emphasis, no live mention or issue reference, no escape sequence.
    cell = markdown_escape("a|b\n<i>*x*</i>")
    assert "\n" not in cell and "<i>" not in cell and "\\|" in cell and "\\*x\\*" in cell
    mention = markdown_escape("@org/team #12\x1b[2J")
    assert "@org/team" not in mention and "#12" not in mention and "\x1b" not in mention


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_the_page_renders_in_headless_chromium_without_errors(
    report_dir: Path, tmp_path: Path
) -> None:
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=3000",
        "--window-size=1300,3000",
        "--dump-dom",
        (report_dir / "portfolio.html").as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    root = re.search(r"<html[^>]*>", dom)
    assert root is not None
    # The page's own error hook writes script errors here; the sorting script marks itself ready.
    assert "data-js-errors" not in root.group(0), root.group(0)
    assert 'data-sortable="ready"' in root.group(0)
    drawn = re.search(r'data-charts-drawn="(\d+)"', root.group(0))
    charts = dom.count('class="chart')
    assert drawn is not None and int(drawn.group(1)) == charts >= 8
    # The charts have data: bubbles with a radius, polylines with points, heat map cells.
    assert re.search(r'<circle cx="[\d.]+" cy="[\d.]+" r="[1-9]', dom)
    assert all(
        len(points.split()) >= 2 for points in re.findall(r'<polyline points="([^"]*)"', dom)
    )
    assert len(re.findall(r'<polyline points="', dom)) >= 6  # trends, sparkline, adoption
    assert dom.count('<rect x="') >= 6 * 5  # heat map: repositories × packs


def test_the_posture_shows_every_rule_the_organisation_tuned(
    portfolio_dir: Path, tmp_path: Path
) -> None:
    policies = str(PROJECT_ROOT / "examples" / "org-policies")
    kpis = compute_kpis(
        scan(FolderSource(portfolio_dir), ScanOptions(today=TODAY, jobs=1, policies=policies))
    )
    tuned = {t.rule_id: t for t in kpis.compliance.tuning}
    assert set(tuned) == {"SLA-LATENCY-P95", "SLA-DASHBOARD"}
    assert [(p.name, p.default, p.value) for p in tuned["SLA-LATENCY-P95"].params] == [
        ("max_latency_p95_ms", 1000, 300.0)
    ]
    write_report(kpis, [], _meta(), tmp_path / "out")
    html = (tmp_path / "out" / "portfolio.html").read_text(encoding="utf-8")
    section = re.sub(
        r' data-label="[^"]*"', "", html[html.index("Rules tuned by the organisation") :]
    )
    assert "<code>SLA-DASHBOARD</code></td><td>sla</td><td>severity medium → low" in section
    assert "max_latency_p95_ms 1000 → 300.0" in section
    assert "dashboards are reviewed by the monthly service review" in section
