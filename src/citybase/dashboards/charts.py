"""ECharts options for a panel's data: plain dictionaries the page embeds as JSON. Each series is labelled
with its price basis where it has one, so a nominal growth never passes for a comparable-price rate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from citybase.dashboards.model import ChartType
from citybase.dashboards.rendering import PanelData, SeriesData
from citybase.messages import N_

Translate = Callable[[str], str]
COLOURS = ["#0b4f8a", "#d9822b", "#2e8540", "#8a2be2", "#c0392b", "#16a085", "#7f8c8d", "#b7950b"]
BASIS_LABELS = {"nominal": N_("current prices"), "comparable": N_("comparable prices")}


def series_label(data: PanelData, item: SeriesData, gettext: Translate) -> str:
    """The indicator, the region where the panel has several, and the price basis where there is one."""
    regions = {entry.region for entry in data.series}
    indicators = {entry.indicator for entry in data.series}
    parts = [item.indicator_name] if len(indicators) > 1 or len(regions) == 1 else []
    if len(regions) > 1:
        parts.append(item.region_name)
    label = " · ".join(parts)
    if item.price_basis in BASIS_LABELS:
        label += f" ({gettext(BASIS_LABELS[item.price_basis])})"
    return label


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _toolbox(data: PanelData, gettext: Translate) -> dict[str, Any]:
    return {
        "right": 8,
        "feature": {
            "saveAsImage": {
                "type": "png",
                "pixelRatio": 2,
                "name": data.panel.title or data.dashboard,
                "title": gettext("Download as PNG"),
            }
        },
    }


def chart_option(data: PanelData, gettext: Translate, map_name: str | None = None) -> dict[str, Any] | None:
    """The option for a line, bar, stacked bar, pie or map panel; None for tables and KPI tiles."""
    chart = data.panel.chart
    base: dict[str, Any] = {
        "color": COLOURS,
        "tooltip": {"trigger": "item" if chart in (ChartType.PIE, ChartType.MAP) else "axis"},
        "toolbox": _toolbox(data, gettext),
        "animation": False,
    }
    if chart in (ChartType.TABLE, ChartType.KPI):
        return None
    latest = data.latest
    if chart is ChartType.PIE:
        values = (
            []
            if latest is None
            else [
                {"name": series_label(data, item, gettext), "value": _round(item.points[latest].value)}
                for item in data.series
            ]
        )
        return {
            **base,
            "legend": {"bottom": 0, "type": "scroll"},
            "title": {
                "text": data.periods[latest] if latest is not None else "",
                "left": 0,
                "textStyle": {"fontSize": 12},
            },
            "series": [
                {"type": "pie", "radius": ["30%", "62%"], "data": values, "label": {"formatter": "{b}\n{d}%"}}
            ],
        }
    if chart is ChartType.MAP:
        values = (
            []
            if latest is None
            else [
                {"name": item.region_name, "code": item.region, "value": _round(item.points[latest].value)}
                for item in data.series
            ]
        )
        known = [entry["value"] for entry in values if entry["value"] is not None]
        unit = data.series[0].unit if data.series else ""
        return {
            **base,
            "title": {
                "text": f"{data.periods[latest] if latest is not None else ''} {unit}".strip(),
                "left": 0,
                "textStyle": {"fontSize": 12},
            },
            "visualMap": {
                "min": min(known, default=0),
                "max": max(known, default=1),
                "left": 0,
                "bottom": 0,
                "calculable": True,
                "inRange": {"color": ["#e8f1fa", "#0b4f8a"]},
            },
            "series": [
                {
                    "type": "map",
                    "map": map_name or "",
                    "nameProperty": "name",
                    "roam": False,
                    "label": {"show": True, "fontSize": 10},
                    "data": values,
                }
            ],
        }
    return _cartesian(data, base, gettext)


def _cartesian(data: PanelData, base: dict[str, Any], gettext: Translate) -> dict[str, Any]:
    """Lines or bars over the periods; with one period and several series, one bar per series."""
    kind = "line" if data.panel.chart is ChartType.LINE else "bar"
    stacked = data.panel.chart is ChartType.STACKED_BAR
    units = list(dict.fromkeys(item.unit for item in data.series))
    axes = [{"type": "value", "name": unit, "scale": kind == "line"} for unit in units] or [{"type": "value"}]
    if len(data.periods) == 1 and len(data.series) > 1 and not stacked:
        return {
            **base,
            "grid": {"left": 70, "right": 30, "top": 40, "bottom": 60},
            "xAxis": {
                "type": "category",
                "data": [series_label(data, item, gettext) for item in data.series],
                "axisLabel": {"interval": 0, "rotate": 30},
            },
            "yAxis": axes[:1],
            "title": {"text": data.periods[0], "left": 0, "textStyle": {"fontSize": 12}},
            "series": [
                {
                    "type": "bar",
                    "name": data.periods[0],
                    "data": [_round(item.points[0].value) for item in data.series],
                    "label": {"show": True, "position": "top"},
                }
            ],
        }
    return {
        **base,
        "legend": {"top": 0, "type": "scroll", "right": 60},
        "grid": {"left": 70, "right": 70 if len(units) > 1 else 30, "top": 50, "bottom": 30},
        "xAxis": {"type": "category", "data": list(data.periods)},
        "yAxis": axes,
        "series": [
            {
                "type": kind,
                "name": series_label(data, item, gettext),
                "yAxisIndex": units.index(item.unit),
                "data": [_round(value) for value in item.values],
                "connectNulls": True,
                **({"stack": "total"} if stacked else {}),
            }
            for item in data.series
        ],
    }
