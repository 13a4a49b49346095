"""Geometry of the report's inline SVG charts: numbers in, coordinates out.

The template draws what these functions compute (no JavaScript chart library, nothing fetched):
every value is a number or a label that the template escapes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

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
MAX_LABELLED_BUBBLES: Final = 40


def _scale(value: float, lo: float, hi: float, out_lo: float, out_hi: float) -> float:
    if hi == lo:
        return (out_lo + out_hi) / 2
    return out_lo + (value - lo) / (hi - lo) * (out_hi - out_lo)


def matrix(projects: Sequence[ProjectKpis]) -> dict[str, Any]:
    """Prioritisation matrix: x = mean feasibility, y = impact (1–5), area ∝ budget."""
    width, height, left, right, top, bottom = 560, 400, 56, 16, 16, 48
    placed = [p for p in projects if p.impact is not None and p.feasibility]
    budgets = [float(p.budget) for p in placed if p.budget]
    biggest = max(budgets) if budgets else 1.0
    seen: dict[tuple[float, float], int] = {}
    bubbles = []
    for project in sorted(placed, key=lambda p: -(p.budget or 0)):
        fx, iy = float(project.feasibility or 0), float(project.impact or 0)
        nth = seen.get((fx, iy), 0)
        seen[(fx, iy)] = nth + 1
        # Projects on the same scores spiral around the point instead of hiding each other.
        angle, spread = nth * 2.39996, 9 * math.sqrt(nth)
        cx = _scale(fx, 0.5, 5.5, left, width - right) + spread * math.cos(angle)
        cy = _scale(iy, 0.5, 5.5, height - bottom, top) + spread * math.sin(angle)
        budget = float(project.budget or 0)
        radius = 5 + 25 * math.sqrt(budget / biggest) if budget else 5
        bubbles.append(
            {
                "cx": round(cx, 1),
                "cy": round(cy, 1),
                "r": round(radius, 1),
                "colour": STAGE_COLOURS.get(str(project.stage), "#64748b"),
                "label": project.name,
                "stage": project.stage,
                "impact": project.impact,
                "feasibility": project.feasibility,
                "budget": budget,
                "currency": project.currency or "",
                "labelled": len(placed) <= MAX_LABELLED_BUBBLES,
            }
        )
    ticks = [
        {
            "value": v,
            "x": round(_scale(v, 0.5, 5.5, left, width - right), 1),
            "y": round(_scale(v, 0.5, 5.5, height - bottom, top), 1),
        }
        for v in range(1, 6)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "top": top,
        "bottom": height - bottom,
        "mid_x": round(_scale(3, 0.5, 5.5, left, width - right), 1),
        "mid_y": round(_scale(3, 0.5, 5.5, height - bottom, top), 1),
        "ticks": ticks,
        "bubbles": list(reversed(bubbles)) if len(bubbles) < 2 else bubbles,
        "unplaced": len(projects) - len(placed),
    }


def funnel(stages: Sequence[FunnelStage]) -> dict[str, Any]:
    """Horizontal bars: projects that reached each stage, and those there now."""
    width, label_w, bar_h, gap = 560, 150, 30, 10
    most = max((s.reached for s in stages), default=0) or 1
    span = width - label_w - 70
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
    """Repositories × packs: red = blocking findings, amber = other findings, green = clean."""
    label_w, cell_w, cell_h, head = 220, 104, 26, 30
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
                    "title": f"{name} · {pack}: {blocking} blocking, {other} other",
                }
            )
    return {
        "width": label_w + cell_w * len(packs),
        "height": head + cell_h * len(rows),
        "label_w": label_w,
        "cell_w": cell_w,
        "cell_h": cell_h,
        "head": head,
        "packs": [{"name": p, "x": label_w + i * cell_w + cell_w / 2} for i, p in enumerate(packs)],
        "rows": [
            {"name": name, "y": head + i * cell_h + cell_h / 2} for i, (name, _) in enumerate(rows)
        ],
        "cells": cells,
    }


def trend(
    points: Sequence[TrendPoint], key: str, width: int = 260, height: int = 70
) -> dict[str, Any] | None:
    """One headline KPI (a field of :class:`~aigov.portfolio.kpi_model.Headline`) across
    recorded scans."""
    numbers_of = [(p.generated_at[:10], getattr(p, key)) for p in points]
    values = [(day, float(value)) for day, value in numbers_of if value is not None]
    if len(values) < 2:
        return None
    numbers = [v for _, v in values]
    lo, hi = min(numbers), max(numbers)
    margin = (hi - lo) * 0.1 or abs(hi) * 0.1 or 1.0
    step = (width - 8) / (len(values) - 1)
    coordinates = " ".join(
        f"{4 + i * step:.1f},{_scale(v, lo - margin, hi + margin, height - 4, 4):.1f}"
        for i, v in enumerate(numbers)
    )
    return {
        "width": width,
        "height": height,
        "points": coordinates,
        "first": values[0][0],
        "last": values[-1][0],
    }
