"""Geometry of the report's inline SVG charts: numbers in, coordinates out.

The template draws what these functions compute (no JavaScript chart library, nothing fetched):
every value is a number or a label that the template escapes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from aigov.policy.waivers import WAIVER_PACK
from aigov.portfolio.kpi_model import (
    FindingCounts,
    FunnelStage,
    HistogramBin,
    ProjectKpis,
    TrendPoint,
)

STAGE_COLOURS: Final = {
    "ideation": "#94a3b8",
    "data-exploration": "#38bdf8",
    "poc": "#8b5cf6",
    "industrialization": "#f59e0b",
    "production": "#10b981",
    "retired": "#64748b",
}
STAGE_LABELS: Final = {
    "ideation": "Ideation",
    "data-exploration": "Data exploration",
    "poc": "POC",
    "industrialization": "Industrialisation",
    "production": "Production",
    "retired": "Retired",
}
AIGOV_CHECKS: Final = "aigov checks"
"""The name the report gives the findings aigov raises itself (an invalid waiver, an unattested
record): their ``pack`` is ``aigov``, which is no policy pack."""
MATRIX_LINES: Final = 6
"""The most lines a cell of the prioritisation matrix lists (the last says how many more)."""


def _scale(value: float, lo: float, hi: float, out_lo: float, out_hi: float) -> float:
    if hi == lo:
        return (out_lo + out_hi) / 2
    return out_lo + (value - lo) / (hi - lo) * (out_hi - out_lo)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """A generous estimate of ``text``'s width in px at font ``size``.

    Calibrated on DejaVu Sans, the widest of the usual sans-serif fonts, so that a label laid
    out with it fits in any browser's font; the browser test measures the real boxes.
    """
    em = 0.0
    for char in text:
        if char in _NARROW:
            em += 0.4
        elif char in "mwMW" or ord(char) >= 0x2000:
            em += 1.0
        elif char.isupper():
            em += 0.8
        else:
            em += 0.64
    return em * size * (1.12 if bold else 1.0)


_NARROW: Final = frozenset(" .,:;'|!ilj()[]frtIJ")


def fit(text: str, width: float, size: float, bold: bool = False) -> str:
    """``text`` cut with an ellipsis so that it fits in ``width`` px (see :func:`text_width`)."""
    if text_width(text, size, bold) <= width:
        return text
    while text and text_width(text + "…", size, bold) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap(text: str, width: float, size: float, lines: int) -> list[str]:
    """``text`` on at most ``lines`` lines of ``width`` px, cut between words; the last line
    ends with an ellipsis when the text goes on."""
    out: list[str] = []
    words = text.split()
    while words and len(out) < lines - 1:
        line = words.pop(0)
        while words and text_width(f"{line} {words[0]}", size) <= width:
            line = f"{line} {words.pop(0)}"
        if text_width(line, size) > width:  # one word wider than the line
            words.insert(0, line)
            break
        out.append(line)
    if words:
        out.append(fit(" ".join(words), width, size))
    return out


def _feasibility_column(feasibility: float) -> int:
    """Mean feasibility (a multiple of 0.5) → the whole score of its column, halves up."""
    return min(5, max(1, math.floor(feasibility + 0.5)))


@dataclass(frozen=True)
class _MatrixCell:
    """The projects one cell of the matrix lists: each with its name's lines, and how many the
    cell holds in all."""

    shown: list[tuple[ProjectKpis, list[str]]]
    count: int

    @property
    def lines(self) -> int:
        """Lines the cell needs: its names, and one for "+ n more"."""
        return sum(len(text) for _, text in self.shown) + (self.count > len(self.shown))


_LINE_H: Final = 17
_CELL_PAD: Final = 8


def _matrix_cell(members: Sequence[ProjectKpis], label_w: float) -> _MatrixCell:
    """Largest budgets first; up to MATRIX_LINES / 2 projects get two lines each, more get one,
    and a cell fuller than MATRIX_LINES keeps the last line to say how many more."""
    ordered = sorted(members, key=lambda p: (-(p.budget or 0), p.name))
    shown = ordered if len(ordered) <= MATRIX_LINES else ordered[: MATRIX_LINES - 1]
    most = 2 if len(ordered) <= MATRIX_LINES // 2 else 1
    return _MatrixCell([(p, wrap(p.name, label_w, 11.5, most)) for p in shown], len(ordered))


def _matrix_entries(
    cell: _MatrixCell, x0: float, y0: float, biggest: float
) -> list[dict[str, Any]]:
    """Where each listed project is drawn, its dot (area ∝ budget, colour = stage), its tooltip."""
    entries = []
    line = 0
    for project, text in cell.shown:
        budget = float(project.budget or 0)
        amount = money(budget, project.currency) if budget else ""
        stage = STAGE_LABELS.get(str(project.stage), project.stage)
        entries.append(
            {
                "x": x0 + 10,
                "y": round(y0 + _CELL_PAD + line * _LINE_H + _LINE_H / 2, 1),
                "r": round(2.5 + 4.5 * math.sqrt(budget / biggest), 1) if budget else 2.5,
                "colour": STAGE_COLOURS.get(str(project.stage), "#64748b"),
                "lines": text,
                "title": f"{project.name} — {stage}, impact {project.impact}, "
                f"feasibility {project.feasibility:g}" + (f", budget {amount}" if amount else ""),
            }
        )
        line += len(text)
    return entries


def matrix(projects: Sequence[ProjectKpis]) -> dict[str, Any]:
    """Prioritisation matrix as a 5 × 5 grid: impact rows, feasibility columns.

    Scores are whole numbers (feasibility a mean of two), so many projects share a point: each
    cell lists its projects, largest budget first, each with a dot sized by budget and coloured
    by stage, rather than piling bubbles and labels on one spot. A crowded cell shows its
    first :data:`MATRIX_LINES` - 1 projects and how many more (the projects table has them all).
    """
    left, top, right, bottom, cell_w = 52, 8, 8, 44, 214
    placed = [p for p in projects if p.impact is not None and p.feasibility is not None]
    budgets = [float(p.budget) for p in placed if p.budget]
    biggest = max(budgets) if budgets else 1.0
    members: dict[tuple[int, int], list[ProjectKpis]] = {}  # (impact, feasibility column)
    for project in placed:
        impact = min(5, max(1, int(project.impact or 1)))
        members.setdefault((impact, _feasibility_column(project.feasibility or 1)), []).append(
            project
        )
    cells = {key: _matrix_cell(group, cell_w - 30) for key, group in members.items()}
    # Each impact row is as tall as its fullest cell needs (two lines at least).
    rows_y: dict[int, tuple[float, float]] = {}
    y = float(top)
    for impact in range(5, 0, -1):
        lines = [cells[(impact, f)].lines for f in range(1, 6) if (impact, f) in cells]
        row_h = float(max(2, *lines, 0) * _LINE_H + 2 * _CELL_PAD)
        rows_y[impact] = (y, row_h)
        y += row_h
    out_cells = []
    for (impact, column), cell in sorted(cells.items()):
        x0, (y0, height) = left + (column - 1) * cell_w, rows_y[impact]
        entries = _matrix_entries(cell, x0, y0, biggest)
        used = sum(len(e["lines"]) for e in entries)
        more_y = round(y0 + _CELL_PAD + used * _LINE_H + _LINE_H / 2, 1)
        out_cells.append(
            {"x": x0, "y": y0, "w": cell_w, "h": height, "entries": entries,
             "more": cell.count - len(cell.shown), "more_y": more_y}
        )  # fmt: skip
    return {
        "width": left + 5 * cell_w + right,
        "height": round(y + bottom, 1),
        "left": left,
        "top": top,
        "right": left + 5 * cell_w,
        "bottom": round(y, 1),
        "cell_w": cell_w,
        "line_h": _LINE_H,
        "rows": [
            {"value": impact, "y": y0, "h": h, "mid": round(y0 + h / 2, 1)}
            for impact, (y0, h) in rows_y.items()
        ],
        "columns": [
            {"value": f, "x": left + (f - 1) * cell_w, "mid": left + (f - 0.5) * cell_w}
            for f in range(1, 6)
        ],
        "quick_wins": _quadrant(rows_y, left, cell_w, impacts=(4, 5), columns=(4, 5)),
        "strategic_bets": _quadrant(rows_y, left, cell_w, impacts=(4, 5), columns=(1, 2, 3)),
        "cells": out_cells,
        "placed": len(placed),
        "unplaced": len(projects) - len(placed),
    }


def _quadrant(
    rows_y: Mapping[int, tuple[float, float]],
    left: float,
    cell_w: float,
    impacts: Sequence[int],
    columns: Sequence[int],
) -> dict[str, float]:
    top = min(rows_y[i][0] for i in impacts)
    bottom = max(rows_y[i][0] + rows_y[i][1] for i in impacts)
    x = left + (min(columns) - 1) * cell_w
    return {"x": x, "y": top, "w": len(columns) * cell_w, "h": round(bottom - top, 1)}


def money(value: float, currency: str | None = "") -> str:
    """An amount as the report writes it: ``825 k EUR``, ``1.56 M EUR``."""
    magnitude = abs(value)
    text = (
        f"{value / 1e6:.2f} M"
        if magnitude >= 1e6
        else f"{value / 1e3:.0f} k"
        if magnitude >= 1e4
        else f"{value:.0f}"
    )
    return f"{text} {currency or ''}".strip()


def funnel(stages: Sequence[FunnelStage]) -> dict[str, Any]:
    """Horizontal bars: projects that reached each stage, and those there now."""
    width, label_w, bar_h, gap = 560, 150, 30, 10
    most = max((s.reached for s in stages), default=0) or 1
    # The longest bar leaves room for the widest "reached (n now)" written after it.
    values_w = max(
        (text_width(f"{s.reached} ({s.current} now)", 12.5, True) for s in stages), default=60.0
    )
    span = width - label_w - 8 - values_w - 4
    bars = []
    for i, stage in enumerate(stages):
        reached, current = stage.reached, stage.current
        bars.append(
            {
                "y": i * (bar_h + gap),
                "label": STAGE_LABELS.get(stage.stage, stage.stage),
                "colour": STAGE_COLOURS.get(stage.stage, "#64748b"),
                "reached": reached,
                "current": current,
                "w_reached": round(max(2.0, span * reached / most), 1) if reached else 0,
                "w_current": round(span * current / most, 1),
            }
        )
    return {
        "width": width,
        "height": len(stages) * (bar_h + gap),
        "label_w": label_w,
        "bar_h": bar_h,
        "bars": bars,
    }


def histogram(bins: Sequence[HistogramBin]) -> dict[str, Any]:
    """Time-to-market distribution: one column per bin of days."""
    width, height, left, bottom = 560, 240, 40, 40
    most = max((b.count for b in bins), default=0) or 1
    column = (width - left - 10) / max(1, len(bins))
    bars = []
    for i, item in enumerate(bins):
        count = item.count
        h = (height - bottom - 20) * count / most
        lo, hi = item.start, item.end
        label = f"{lo // 30}–{int(hi) // 30} mo" if hi is not None else f"≥ {lo // 30} mo"
        bars.append(
            {
                "x": round(left + i * column + 6, 1),
                "w": round(column - 12, 1),
                "y": round(height - bottom - h, 1),
                "h": round(h, 1),
                "count": count,
                "label": label,
                "cx": round(left + i * column + column / 2, 1),
            }
        )
    return {"width": width, "height": height, "base": height - bottom, "bars": bars}


def _points(
    series: Sequence[Sequence[Any]],
    width: float,
    height: float,
    pad: float,
    lo: float,
    hi: float,
) -> tuple[str, dt.date, dt.date]:
    days = [dt.date.fromisoformat(str(d)[:10]) for d, _ in series]
    first, last = days[0], days[-1]
    span = max(1, (last - first).days)
    coordinates = []
    for day, (_, value) in zip(days, series, strict=True):
        x = pad + (width - 2 * pad) * (day - first).days / span
        y = _scale(float(value), lo, hi, height - pad, pad)
        coordinates.append(f"{x:.1f},{y:.1f}")
    return " ".join(coordinates), first, last


def sparkline(
    series: Sequence[Sequence[Any]], threshold: float | None, width: int = 220, height: int = 48
) -> dict[str, Any] | None:
    """A metric's history as a polyline, with its threshold as a dashed line."""
    if not series:
        return None
    values = [float(v) for _, v in series]
    lo, hi = min(values), max(values)
    if threshold is not None:
        lo, hi = min(lo, threshold), max(hi, threshold)
    margin = (hi - lo) * 0.08 or abs(hi) * 0.01 or 1.0
    lo, hi = lo - margin, hi + margin
    points, first, last = _points(series, width, height, 4, lo, hi)
    last_xy = points.rsplit(" ", 1)[-1].split(",")
    return {
        "width": width,
        "height": height,
        "points": points,
        "threshold_y": round(_scale(threshold, lo, hi, height - 4, 4), 1)
        if threshold is not None
        else None,
        "last_x": last_xy[0],
        "last_y": last_xy[1],
        "first": first.isoformat(),
        "last": last.isoformat(),
    }


def rolling_mean(series: Sequence[Sequence[Any]], days: int = 7) -> list[list[Any]]:
    """Mean of the values in the ``days`` days up to each point (smooths weekday effects)."""
    out: list[list[Any]] = []
    window: list[tuple[dt.date, float]] = []
    for date, value in series:
        day = dt.date.fromisoformat(str(date)[:10])
        window.append((day, float(value)))
        window = [(d, v) for d, v in window if (day - d).days < days]
        out.append([day.isoformat(), sum(v for _, v in window) / len(window)])
    return out


def adoption_chart(series: Sequence[Sequence[Any]], target: float) -> dict[str, Any] | None:
    """Daily usage (faint), its 7-day mean (bold) and the target (dashed), with month ticks."""
    if not series:
        return None
    width, height, pad = 560, 200, 36
    values = [float(v) for _, v in series]
    lo, hi = 0.0, max(max(values), target) * 1.1
    raw, first, last = _points(series, width, height, pad, lo, hi)
    smooth, _, _ = _points(rolling_mean(series), width, height, pad, lo, hi)
    span = max(1, (last - first).days)
    ticks = []
    month = dt.date(first.year, first.month, 1)
    while month <= last:
        if month >= first:
            ticks.append(
                {
                    "x": round(pad + (width - 2 * pad) * (month - first).days / span, 1),
                    "label": month.strftime("%Y-%m"),
                }
            )
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return {
        "width": width,
        "height": height,
        "pad": pad,
        "raw": raw,
        "smooth": smooth,
        "target_y": round(_scale(target, lo, hi, height - pad, pad), 1),
        "target": target,
        "max_label": round(hi),
        "ticks": ticks[:: max(1, len(ticks) // 8)],
    }


def heatmap(
    rows: Sequence[tuple[str, Mapping[str, FindingCounts]]], packs: Sequence[str]
) -> dict[str, Any]:
    """Repositories × packs: red = blocking findings, amber = other findings, green = clean.

    Column and row widths follow the longest pack and project names (within bounds; longer
    names are cut with an ellipsis, the full name stays in the cell's tooltip).
    """
    size, cell_h, head = 12.0, 26, 30
    headers = [pack_label(p) for p in packs]
    widest_pack = max((text_width(h, size, True) for h in headers), default=60.0)
    cell_w = round(min(170.0, max(76.0, widest_pack + 16)))
    widest_row = max((text_width(name, size) for name, _ in rows), default=100.0)
    label_w = round(min(340.0, max(140.0, widest_row + 24)))
    cells = []
    for r, (name, by_pack) in enumerate(rows):
        for c, pack in enumerate(packs):
            counts = by_pack.get(pack) or FindingCounts()
            blocking, other = counts.blocking, counts.other
            if blocking:
                colour = "#dc2626" if blocking > 1 else "#f87171"
                text = str(blocking)
            elif other:
                colour, text = "#fbbf24", str(other)
            else:
                colour, text = "#34d399", ""
            cells.append(
                {
                    "x": label_w + c * cell_w,
                    "y": head + r * cell_h,
                    "w": cell_w - 3,
                    "h": cell_h - 3,
                    "colour": colour,
                    "text": text,
                    "title": f"{name} · {headers[c]}: {blocking} blocking, {other} other",
                }
            )
    return {
        "width": label_w + cell_w * len(packs),
        "height": head + cell_h * len(rows),
        "label_w": label_w,
        "cell_w": cell_w,
        "cell_h": cell_h,
        "head": head,
        "packs": [
            {
                "name": fit(header, cell_w - 8, size, True),
                "full": header,
                "x": label_w + i * cell_w + (cell_w - 3) / 2,
            }
            for i, header in enumerate(headers)
        ],
        "rows": [
            {
                "name": fit(name, label_w - 14, size),
                "full": name,
                "y": head + i * cell_h + cell_h / 2,
            }
            for i, (name, _) in enumerate(rows)
        ],
        "cells": cells,
    }


def pack_label(pack: str) -> str:
    """How the report names a pack: ``aigov`` is not one (see :data:`AIGOV_CHECKS`)."""
    return AIGOV_CHECKS if pack == WAIVER_PACK else pack


def _round_top(value: float) -> float:
    """The axis top for counts up to ``value``: the next round number (2, 4 … 10, 12, 15, 20 …)."""
    if value <= 10:
        return float(max(2, math.ceil(value / 2) * 2))
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the last step always reaches value


def trend(points: Sequence[TrendPoint], key: str) -> dict[str, Any] | None:
    """One headline KPI (a field of :class:`~aigov.portfolio.kpi_model.Headline`) across
    recorded scans, on axes that start at zero (rates on 0–100 %), with its values written.

    Points are placed by the time of their scan. Every point is labelled when the labels fit
    side by side, else the first and the last.
    """
    width, height = 320, 150
    left, right, top, bottom = 44, 12, 18, 24
    values = [(p.generated_at, getattr(p, key)) for p in points]
    known = [(when, float(v)) for when, v in values if v is not None]
    if len(known) < 2:
        return None
    percent = key.endswith("_rate")
    numbers = [v for _, v in known]
    if percent:
        hi = 1.0
        ticks = [0.0, 0.5, 1.0]
    else:
        hi = _round_top(max(numbers) * 1.1)
        ticks = [0.0, hi / 2, hi]
    times = [dt.datetime.fromisoformat(when) for when, _ in known]
    span = (times[-1] - times[0]).total_seconds()
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_of(i: int) -> float:
        if span <= 0:
            return left + plot_w * i / (len(known) - 1)
        return left + plot_w * (times[i] - times[0]).total_seconds() / span

    def y_of(value: float) -> float:
        return _scale(value, 0.0, hi, top + plot_h, top)

    def label_of(value: float) -> str:
        if percent:
            return f"{value * 100:.0f} %"
        # 12 500, not 12500 or 1.25e+04 (the report's thousands separator).
        return f"{value:,.0f}".replace(",", "\u202f") if value.is_integer() else f"{value:g}"

    xy = [(x_of(i), y_of(v)) for i, v in enumerate(numbers)]
    labels = [label_of(v) for v in numbers]
    widest = max(text_width(label, 10.5, True) for label in labels)
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(xy)]
    every = len(known) <= 12 and min(gaps) >= widest + 6
    marks = []
    for i, ((x, y), label) in enumerate(zip(xy, labels, strict=True)):
        first, last = i == 0, i == len(xy) - 1
        if every or first or last:
            anchor = "start" if first else "end" if last else "middle"
            marks.append({"x": round(x, 1), "y": round(y, 1), "label": label, "anchor": anchor})
    days = [t.date().isoformat() for t in times]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "top": top,
        "bottom": top + plot_h,
        "points": " ".join(f"{x:.1f},{y:.1f}" for x, y in xy),
        "marks": marks,
        "y_ticks": [{"y": round(y_of(t), 1), "label": label_of(t)} for t in ticks],
        "x_ticks": [{"x": left, "label": days[0], "anchor": "start"}]
        + (
            [{"x": width - right, "label": days[-1], "anchor": "end"}]
            if days[-1] != days[0]
            else []
        ),
    }
