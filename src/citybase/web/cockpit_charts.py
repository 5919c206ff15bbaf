"""ECharts options of the cockpit pages: tile sparklines, the district choropleth, the series with its
forecast band, and the growth bars; each with a save-as-PNG button in its toolbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from citybase.analysis.cockpit import Tile
from citybase.analysis.comparison import Comparison
from citybase.analysis.forecast_runs import ForecastRun
from citybase.analysis.indicator_view import IndicatorView
from citybase.facts.query import period_of

Gettext = Callable[[str], str]
BLUE, ORANGE, GREEN = "#0b4f8a", "#d9822b", "#1d7a46"


def toolbox(gettext: Gettext, name: str) -> dict[str, Any]:
    return {
        "right": 6,
        "feature": {"saveAsImage": {"title": gettext("Download PNG"), "name": name, "pixelRatio": 2}},
    }


def sparkline(tile: Tile, gettext: Gettext) -> dict[str, Any]:
    """A small line of the tile's recent values, without axes."""
    return {
        "animation": False,
        "grid": {"left": 4, "right": 4, "top": 8, "bottom": 4},
        "tooltip": {"trigger": "axis"},
        "toolbox": {**toolbox(gettext, f"{tile.indicator}-trend"), "itemSize": 10, "top": 0},
        "xAxis": {"type": "category", "show": False, "data": [period for period, _ in tile.trend]},
        "yAxis": {"type": "value", "show": False, "scale": True},
        "series": [
            {
                "type": "line",
                "name": tile.indicator_name,
                "data": [value for _, value in tile.trend],
                "symbolSize": 4,
                "lineStyle": {"color": BLUE, "width": 2},
                "itemStyle": {"color": BLUE},
                "areaStyle": {"color": "rgba(11,79,138,0.08)"},
            }
        ],
    }


def choropleth(found: Comparison, map_name: str, gettext: Gettext) -> dict[str, Any]:
    """The districts coloured by the measure on the bundled boundaries (names match the features')."""
    values = [item.value for item in found.items if item.value is not None]
    return {
        "tooltip": {"trigger": "item"},
        "toolbox": toolbox(gettext, f"{found.indicator}-{found.period}-{found.measure}"),
        "visualMap": {
            "type": "continuous",
            "min": min(values, default=0),
            "max": max(values, default=1),
            "text": [gettext("High"), gettext("Low")],
            "calculable": True,
            "left": 10,
            "bottom": 10,
            "inRange": {"color": ["#e8f1fa", "#9cc3e8", BLUE]},
        },
        "series": [
            {
                "type": "map",
                "map": map_name,
                "nameProperty": "name",
                "roam": False,
                "label": {"show": True, "fontSize": 11},
                "emphasis": {"itemStyle": {"areaColor": "#f2c48d"}},
                "data": [
                    {
                        "name": item.region_name,
                        "code": item.region,
                        "value": None if item.value is None else round(item.value, found.decimals + 2),
                    }
                    for item in found.items
                ],
            }
        ],
    }


def _axis(view: IndicatorView, run: ForecastRun | None) -> list[str]:
    periods = {item.period for item in view.series}
    if run is not None:
        periods |= {point.period for point in run.inputs} | {point.period for point in run.points}
    return sorted(periods, key=lambda text: (period_of(text).first_month_index, period_of(text).length))


def forecast_chart(view: IndicatorView, run: ForecastRun | None, gettext: Gettext) -> dict[str, Any]:
    """The series with the forecast and its 80% and 95% bands, drawn as stacked areas above the lower
    bounds (the usual ECharts confidence band)."""
    axis = _axis(view, run)
    actual = {item.period: item.value for item in view.series}
    ahead = {point.period: point for point in (run.points if run else ())}
    series: list[dict[str, Any]] = [
        {
            "name": gettext("Actual"),
            "type": "line",
            "connectNulls": True,
            "data": [actual.get(period) for period in axis],
            "itemStyle": {"color": BLUE},
        }
    ]
    if run is not None:
        last = run.inputs[-1]
        for level, opacity in (("95", 0.15), ("80", 0.3)):
            lower = [getattr(ahead[p], f"lower_{level}") if p in ahead else None for p in axis]
            upper = [getattr(ahead[p], f"upper_{level}") if p in ahead else None for p in axis]
            series.append(
                {
                    "name": f"{level}%",
                    "type": "line",
                    "stack": f"band{level}",
                    "symbol": "none",
                    "lineStyle": {"opacity": 0},
                    "data": lower,
                    "tooltip": {"show": False},
                }
            )
            series.append(
                {
                    "name": gettext("%(level)s%% interval") % {"level": level},
                    "type": "line",
                    "stack": f"band{level}",
                    "symbol": "none",
                    "lineStyle": {"opacity": 0},
                    "areaStyle": {"color": ORANGE, "opacity": opacity},
                    "data": [
                        None if low is None or high is None else high - low
                        for low, high in zip(lower, upper, strict=True)
                    ],
                }
            )
        series.append(
            {
                "name": gettext("Forecast"),
                "type": "line",
                "lineStyle": {"type": "dashed"},
                "itemStyle": {"color": ORANGE},
                "data": [
                    last.value if p == last.period else (ahead[p].value if p in ahead else None) for p in axis
                ],
            }
        )
    return {
        "grid": {"left": 70, "right": 30, "top": 50, "bottom": 40},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "data": [item["name"] for item in series if not item["name"].endswith("%")]},
        "toolbox": toolbox(gettext, f"{view.indicator}-{view.region}-forecast"),
        "xAxis": {"type": "category", "data": axis},
        "yAxis": {"type": "value", "name": view.unit, "scale": True},
        "series": series,
    }


def growth_chart(view: IndicatorView, gettext: Gettext) -> dict[str, Any]:
    """Year-on-year growth per period: the nominal growth from levels and the published rate, side by side
    and labelled with their price bases."""
    series = []
    if any(bar.nominal is not None for bar in view.growth):
        series.append(
            {
                "name": gettext("Nominal growth (current prices, computed)"),
                "type": "bar",
                "itemStyle": {"color": BLUE},
                "data": [None if bar.nominal is None else round(bar.nominal, 2) for bar in view.growth],
            }
        )
    if any(bar.published is not None for bar in view.growth):
        label = (
            gettext("Published rate (comparable prices)")
            if view.published_price_basis == "comparable"
            else gettext("Published rate (current prices)")
            if view.published_price_basis == "nominal"
            else gettext("Published rate")
        )
        series.append(
            {
                "name": label,
                "type": "bar",
                "itemStyle": {"color": GREEN},
                "data": [bar.published for bar in view.growth],
            }
        )
    return {
        "grid": {"left": 60, "right": 30, "top": 50, "bottom": 40},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "toolbox": toolbox(gettext, f"{view.indicator}-{view.region}-growth"),
        "xAxis": {"type": "category", "data": [bar.period for bar in view.growth]},
        "yAxis": {"type": "value", "name": view.growth_unit},
        "series": series,
    }
