"""Write the portfolio report: a self-contained HTML page, its JSON, and a Markdown summary.

Repository text (project names, owners, rule messages) is untrusted: the HTML template is
rendered with autoescape on, and the Markdown escapes the characters Markdown and HTML read.
The page loads nothing: styles, inline SVG charts and a few lines of table-sorting script are all
in the file.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path, PurePath
from typing import Any, Final

import jinja2

from aigov import __version__
from aigov.documents.files import write_atomically
from aigov.portfolio import charts
from aigov.portfolio.kpi_model import (
    Adoption,
    Headline,
    PortfolioKpis,
    PortfolioReport,
    QualityStability,
    ReportedScan,
    ScanChanges,
    TimeToMarket,
    TrendPoint,
)
from aigov.portfolio.kpis import NO_ARTICLE
from aigov.report.escaping import escape_inline
from aigov.templating import template_environment

REPORT_FILES: Final = ("portfolio.html", "portfolio.json", "portfolio.md")
HEATMAP_ROWS: Final = 60
TREND_LABELS: Final = {
    "pass_rate": "Pass rate",
    "blocking_total": "Blocking findings",
    "conversion_rate": "POC → production",
    "open_waivers": "Open waivers",
}
SPARKLINES: Final = 40


def _environment(autoescape: bool) -> jinja2.Environment:
    environment = template_environment(
        "aigov.portfolio", autoescape=autoescape, keep_trailing_newline=False
    )
    environment.filters["pct"] = _pct
    environment.filters["money"] = _money
    environment.filters["num"] = _num
    environment.filters["md"] = markdown_escape
    return environment


def _pct(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f} %"


def _money(value: float | None, currency: str | None = "") -> str:
    return "—" if value is None else charts.money(value, currency)


def _num(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}".replace(",", "\u202f")


def markdown_escape(value: object) -> str:
    """Text safe inside a Markdown table cell: no markup, no HTML, no line breaks, no mention
    or issue reference (the PR comment's escaping, :func:`aigov.report.escaping.escape_inline`)."""
    return escape_inline(" ".join(str(value).split()))


def policy_source_label(source: str) -> str:
    """How a report names the policy source of a scan: never a path of the machine that ran it.

    A remote source is its URL and ref (credentials are refused in it); a local folder or git
    repository is only said to be local: the pack names and versions identify what was applied.
    """
    from aigov.policy.sources import parse_policy_source

    try:
        parsed = parse_policy_source(source)
    except ValueError:
        return "local policy source"
    if parsed.kind == "builtin":
        return "built-in packs"
    if parsed.kind == "remote":
        return str(parsed)
    return "local policy repository" if parsed.kind == "git" else "local policy folder"


def scan_source_label(description: str) -> str:
    """A scan source as a report names it: a local folder or listing by its name, not its path."""
    kind, _, where = description.partition(":")
    if kind in ("dir", "repos") and where:
        return f"{kind}:{PurePath(where).name or where}"
    return description


def report_view(
    kpis: PortfolioKpis,
    trend: Sequence[TrendPoint],
    scan: ReportedScan,
    changes: ScanChanges | None = None,
    generated: dt.datetime | None = None,
) -> dict[str, Any]:
    """Everything the templates show (KPIs plus the charts' geometry)."""
    projects = list(kpis.projects)
    compliance = kpis.compliance
    heat_rows = sorted(projects, key=lambda p: (-p.blocking, -p.warnings, p.name))[:HEATMAP_ROWS]
    quality = [(p, p.quality) for p in projects if isinstance(p.quality, QualityStability)]
    usage = [(p, p.adoption) for p in projects if isinstance(p.adoption, Adoption)]
    ttm = kpis.time_to_market
    return {
        "kpis": kpis,
        "scan": scan,
        "tool_version": __version__,
        "generated": (generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC"),
        "changes": changes,
        "pack_label": charts.pack_label,
        "aigov_checks": charts.AIGOV_CHECKS,
        "no_article": NO_ARTICLE,
        "matrix": charts.matrix(projects),
        "funnel": charts.funnel(kpis.funnel),
        "histogram": charts.histogram(ttm.histogram) if isinstance(ttm, TimeToMarket) else None,
        "heatmap": charts.heatmap(
            [(p.name, compliance.heatmap.get(p.id, {})) for p in heat_rows], compliance.packs
        ),
        "heat_hidden": max(0, len(projects) - len(heat_rows)),
        "quality": [
            {"project": p, "q": q, "spark": charts.sparkline(q.series, q.threshold)}
            for p, q in quality[:SPARKLINES]
        ],
        "adoption": [
            {"project": p, "a": a, "chart": charts.adoption_chart(a.series, a.target_per_day)}
            for p, a in usage[:SPARKLINES]
        ],
        "trend": list(trend),
        "trend_charts": {key: charts.trend(trend, key) for key in Headline.TRENDS},
        "trend_labels": {key: TREND_LABELS[key] for key in Headline.TRENDS},
        "stage_colours": charts.STAGE_COLOURS,
        "stage_labels": charts.STAGE_LABELS,
        "stage_order": {stage: i for i, stage in enumerate(charts.STAGE_LABELS)},
    }


def write_report(
    kpis: PortfolioKpis,
    trend: Sequence[TrendPoint],
    scan: ReportedScan,
    out: Path,
    changes: ScanChanges | None = None,
    generated: dt.datetime | None = None,
) -> list[Path]:
    """Write ``portfolio.html``, ``portfolio.json`` and ``portfolio.md`` into ``out``.

    ``changes``: since the previous recorded scan; ``generated``: the time the footer gives
    (default: now).
    """
    out.mkdir(parents=True, exist_ok=True)
    view = report_view(kpis, trend, scan, changes, generated)
    html = _environment(True).get_template("portfolio.html.j2").render(view)
    markdown = _environment(False).get_template("portfolio.md.j2").render(view)
    document = PortfolioReport(
        scan=scan, kpis=_without_series(kpis), trend=tuple(trend), changes=changes
    )
    written = []
    for name, text in zip(
        REPORT_FILES,
        (html, json.dumps(document.data(), ensure_ascii=False, indent=1) + "\n", markdown),
        strict=True,
    ):
        path = out / name
        write_atomically(path, text)  # a report being served is never half replaced
        written.append(path)
    return written


def _without_series(kpis: PortfolioKpis) -> PortfolioKpis:
    """The KPIs with the long metric series cut to their last 30 points (the JSON stays small)."""
    projects = []
    for project in kpis.projects:
        cut: dict[str, Any] = {}
        for key in ("quality", "adoption"):
            block = getattr(project, key)
            if isinstance(block, QualityStability | Adoption):
                cut[key] = block.model_copy(update={"series": block.series[-30:]})
        projects.append(project.model_copy(update=cut))
    return kpis.model_copy(update={"projects": tuple(projects)})
