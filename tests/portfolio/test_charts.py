"""The charts' geometry: what a director reads off the axes, the matrix's crowded cells, labels
cut to fit. (The browser test measures the result; these pin the rules.)"""

from __future__ import annotations

from typing import Any

from aigov.portfolio import charts
from aigov.portfolio.kpi_model import ProjectKpis, TrendPoint
from aigov.portfolio.kpis import NO_DATA


def _point(day: int, **headline: Any) -> TrendPoint:
    at = f"2026-11-{day:02d}T02:00:00+00:00"
    return TrendPoint(scan_id=f"{at}#all", generated_at=at, today=at[:10], **headline)


def _project(i: int, impact: int, feasibility: float, budget: float | None = None) -> ProjectKpis:
    no = {"status": NO_DATA, "reason": "not declared"}
    return ProjectKpis.model_validate(
        {
            "id": f"p{i}", "name": f"Project number {i}", "project_id": f"p{i}", "owner": None,
            "business_unit": None, "stage": "poc", "decision": "block", "blocking": 1,
            "warnings": 0, "waived": 0, "timeline": {}, "timeline_source": None,
            "time_to_market": None, "in_poc_days": None, "stuck_in_poc": False, "roi": no,
            "impact": impact, "feasibility": feasibility, "budget": budget, "currency": "EUR",
            "quality": no, "adoption": no, "mlflow": NO_DATA, "cached": False,
        }
    )  # fmt: skip


def test_a_rate_trend_runs_from_0_to_100_percent_with_its_values_written() -> None:
    chart = charts.trend([_point(22, pass_rate=0.38), _point(23, pass_rate=0.43)], "pass_rate")
    assert chart is not None
    assert [t["label"] for t in chart["y_ticks"]] == ["0 %", "50 %", "100 %"]
    assert [m["label"] for m in chart["marks"]] == ["38 %", "43 %"]
    # 38 % -> 43 % is 5 % of the height, not all of it.
    rise = chart["marks"][0]["y"] - chart["marks"][1]["y"]
    assert 0 < rise <= 0.06 * (chart["bottom"] - chart["top"])
    assert [t["label"] for t in chart["x_ticks"]] == ["2026-11-22", "2026-11-23"]


def test_a_count_trend_starts_at_zero_and_ends_on_a_round_number() -> None:
    points = [_point(d, blocking_total=n) for d, n in ((20, 1293), (21, 1290), (22, 1270))]
    chart = charts.trend(points, "blocking_total")
    assert chart is not None
    assert [t["label"] for t in chart["y_ticks"]] == ["0", "750", "1\u202f500"]
    assert [m["label"] for m in chart["marks"]] == ["1\u202f293", "1\u202f290", "1\u202f270"]
    assert charts.trend(points[:1], "blocking_total") is None  # one scan: no line


def test_crowded_matrix_cells_list_their_largest_projects_and_count_the_rest() -> None:
    crowd = [_project(i, 4, 3.5, budget=1000.0 * i) for i in range(1, 13)]
    alone = _project(99, 2, 1.0)
    unscored = _project(100, 1, 1.0).model_copy(update={"impact": None})
    matrix = charts.matrix([*crowd, alone, unscored])
    cells = {(c["x"], c["y"]): c for c in matrix["cells"]}
    assert len(cells) == 2 and matrix["unplaced"] == 1
    full = max(cells.values(), key=lambda c: len(c["entries"]))
    # 3.5 sits in column 4; six lines: the five largest budgets, then "+ 7 more".
    assert full["x"] == matrix["columns"][3]["x"]
    titles = [e["title"].split(" — ")[0] for e in full["entries"]]
    assert titles == [f"Project number {i}" for i in (12, 11, 10, 9, 8)]
    assert full["more"] == 7 and all(len(e["lines"]) == 1 for e in full["entries"])
    single = min(cells.values(), key=lambda c: len(c["entries"]))
    assert single["entries"][0]["lines"] == ["Project number 99"] and single["more"] == 0


def test_long_labels_are_cut_between_words_and_fit() -> None:
    name = "Détection des anomalies de facturation énergétique pour les sites industriels"
    lines = charts.wrap(name, 150, 11.5, 2)
    assert len(lines) == 2 and lines[1].endswith("…")
    assert name.startswith(lines[0] + " ")
    assert all(charts.text_width(line, 11.5) <= 150 for line in lines)
    assert charts.wrap("Short name", 150, 11.5, 2) == ["Short name"]
    assert charts.fit("success-thresholds", 40, 12).endswith("…")


def test_the_heat_map_is_as_wide_as_its_pack_names_and_names_aigov_s_checks() -> None:
    heat = charts.heatmap([("Project", {})], ["success-thresholds", "aigov"])
    headers = [p["name"] for p in heat["packs"]]
    assert headers == ["success-thresholds", charts.AIGOV_CHECKS]
    assert heat["cell_w"] >= charts.text_width("success-thresholds", 12, True)
