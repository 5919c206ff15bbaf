"""The brief page: the analysis brief (形势分析报告) for a region and period shown as HTML, with buttons to
download it as .docx and .xlsx (the API's files) and its JSON twin."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import Response

from citybase.analysis.brief import BriefOptions, make_brief
from citybase.analysis.brief_model import Chart
from citybase.api.deps import ConnDep
from citybase.errors import CityBaseError
from citybase.site import HOME_REGION, get_setting
from citybase.web.deps import PageDep, session_of
from citybase.web.templating import render

router = APIRouter(prefix="/analysis")


def echarts_option(chart: Chart) -> dict[str, Any]:
    """The ECharts option drawing a brief's chart the way the .docx and .xlsx draw it."""
    return {
        "color": ["#0b4f8a", "#d9822b", "#7f7f7f", "#7f7f7f"],
        "title": {"text": chart.title, "left": "center", "textStyle": {"fontSize": 13}},
        "grid": {"left": 70, "right": 20, "top": 50, "bottom": 60},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0, "show": len(chart.series) > 1},
        "xAxis": {"type": "category", "data": list(chart.categories)},
        "yAxis": {"type": "value", "name": chart.unit},
        "series": [
            {
                "name": series.name,
                "type": "line" if chart.kind == "line" else "bar",
                "data": list(series.values),
                "label": {"show": chart.kind == "column", "position": "top"},
            }
            for series in chart.series
        ],
    }


@router.get("/brief", include_in_schema=False)
def brief_page(
    page: PageDep,
    conn: ConnDep,
    region: Annotated[str, Query(max_length=12)] = "",
    period: Annotated[str, Query(max_length=32)] = "",
    forecast: bool = True,
) -> Response:
    actor = session_of(page).actor
    chosen = region.strip() or get_setting(conn, HOME_REGION) or ""
    context: dict[str, Any] = {
        "region": chosen,
        "period": period.strip(),
        "forecast": forecast,
        "brief": None,
        "error": None,
        "charts": {},
        "downloads": None,
    }
    if not period.strip():
        return render(page, "analysis/brief.html", **context)
    try:
        found = make_brief(conn, actor, chosen, period.strip(), BriefOptions(forecast=forecast))
    except CityBaseError as error:
        context["error"] = error.render(page.gettext)
        return render(page, "analysis/brief.html", status_code=422, **context)
    query = {"region": found.region, "period": found.period, "forecast": str(forecast).lower()}
    context["brief"] = found
    context["charts"] = {
        chart.key: echarts_option(chart) for section in found.sections for chart in section.charts
    }
    context["downloads"] = {
        kind: "/api/v1/analysis/brief?" + urlencode({**query, "format": kind})
        for kind in ("docx", "xlsx", "json")
    }
    return render(page, "analysis/brief.html", **context)
