"""Series as pages show them: codes typed in forms, periods in order, the ECharts line option with
computed values and definition changes marked, and the API addresses of the same query."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from citybase.facts.model import FactItem
from citybase.facts.query import MAX_LIMIT, period_of
from citybase.indicators.model import IndicatorVersion
from citybase.transform.periods import Period

COMPUTED_SYMBOL = "emptyDiamond"
OTHER_PERIODS = "other"
PALETTE = ["#0b4f8a", "#d9822b", "#1d7a46", "#b42318", "#6941c6", "#0e9384", "#c11574", "#667085", "#8a5a00"]


def split_codes(values: Sequence[str]) -> list[str]:
    """Codes from repeated and comma-separated fields, in order, without repeats."""
    found: dict[str, None] = {}
    for value in values:
        for part in value.replace("，", ",").split(","):
            if part.strip():
                found.setdefault(part.strip().upper(), None)
    return list(found)


def natural_frequency(period: str) -> str:
    """The frequency of which a period is one whole unit (year, quarter...), or "other" (year to date)."""
    frequency = period_of(period).natural_frequency()
    return frequency.value if frequency else OTHER_PERIODS


def dominant_frequency(items: Sequence[FactItem]) -> str:
    counts = Counter(natural_frequency(item.period) for item in items)
    return counts.most_common(1)[0][0] if counts else ""


def sorted_periods(items: Sequence[FactItem]) -> list[str]:
    periods = {item.period for item in items}
    return sorted(
        periods, key=lambda text: (period_of(text).first_month_index, period_of(text).last_month_index)
    )


def time_axis(periods: Sequence[str]) -> list[str]:
    """Sorted periods with the gaps of their frequency filled (2018 between 2017 and 2019), so a chart
    spaces time evenly; mixed or year-to-date periods are left as they are."""
    frequencies = {period_of(text).natural_frequency() for text in periods}
    frequency = frequencies.pop() if len(frequencies) == 1 else None
    if frequency is None or len(periods) < 2:
        return list(periods)
    step = frequency.months
    first, last = period_of(periods[0]).first_month_index, period_of(periods[-1]).first_month_index
    return [
        str(Period(index // 12, index % 12 + 1, index % 12 + step)) for index in range(first, last + 1, step)
    ]


def _point(item: FactItem | None, decimals: int | None) -> Any:
    if item is None or item.value is None:
        return None
    value = round(item.value, decimals + 2) if decimals is not None else item.value
    if item.computed is None:
        return value
    return {"value": value, "symbol": COMPUTED_SYMBOL, "symbolSize": 9}


@dataclass(frozen=True)
class Break:
    """A definition change (口径) to mark on a chart at the first period it applies to."""

    period: str
    label: str


def series_chart(
    items: Sequence[FactItem],
    name_of: Callable[[FactItem], str],
    *,
    breaks: Sequence[Break] = (),
    decimals: int | None = None,
) -> dict[str, Any]:
    """An ECharts line option: one line per series, computed values drawn hollow (a dashed line when all
    of a series is computed), one y-axis per unit (at most two), definition changes as vertical lines."""
    periods = time_axis(sorted_periods(items))
    keys: dict[tuple[str, str, str], dict[str, FactItem]] = {}
    for item in items:
        keys.setdefault((item.indicator, item.region, item.dims), {})[item.period] = item
    units = list(dict.fromkeys(item.unit for item in items))[:2]
    series: list[dict[str, Any]] = []
    for by_period in keys.values():
        first = next(iter(by_period.values()))
        if first.unit not in units:
            continue
        line: dict[str, Any] = {
            "name": name_of(first),
            "type": "line",
            "connectNulls": True,
            "symbol": "circle",
            "symbolSize": 6,
            "yAxisIndex": units.index(first.unit),
            "data": [_point(by_period.get(period), decimals) for period in periods],
        }
        if all(item.computed is not None for item in by_period.values()):
            line["lineStyle"] = {"type": "dashed"}
        series.append(line)
    if series and breaks:
        series[0]["markLine"] = {
            "symbol": ["none", "none"],
            "silent": True,
            "lineStyle": {"type": "dashed", "color": "#8a5a00"},
            "label": {"formatter": "{b}", "position": "insideEndTop", "color": "#8a5a00"},
            "data": [{"xAxis": item.period, "name": item.label} for item in breaks if item.period in periods],
        }
    return {
        "color": PALETTE,
        "grid": {"left": 70, "right": 70 if len(units) > 1 else 30, "top": 50, "bottom": 40},
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "top": 0},
        "xAxis": {"type": "category", "data": periods, "boundaryGap": False},
        "yAxis": [
            {"type": "value", "name": unit, "scale": True, "splitLine": {"show": index == 0}}
            for index, unit in enumerate(units)
        ],
        "series": series,
    }


def definition_breaks(
    versions: Sequence[IndicatorVersion], shown: Sequence[FactItem], gettext: Callable[[str], str]
) -> list[Break]:
    """Where each later definition version of one indicator starts among the periods shown."""
    periods = sorted_periods(shown)
    found = []
    for version in versions[1:]:
        later = {item.period for item in shown if item.definition_version >= version.version}
        first = next((period for period in periods if period in later), None)
        if first is not None:
            label = gettext("Definition v%(version)s from %(date)s") % {
                "version": version.version,
                "date": version.effective_from.isoformat(),
            }
            found.append(Break(first, label))
    return found


def api_urls(parameters: dict[str, str]) -> tuple[str, str]:
    """The JSON and CSV addresses of the same query in the API."""
    json_url = "/api/v1/facts?" + urlencode(parameters)
    csv_url = "/api/v1/facts?" + urlencode({**parameters, "format": "csv", "bom": "true", "limit": MAX_LIMIT})
    return json_url, csv_url
