"""The data-quality board page (数据质量看板): KPI tiles, charts of findings by rule, the monthly trend and
timeliness by organisation (each downloadable as PNG, its data as CSV), and tables of every section."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import Response

from citybase.api.deps import ConnDep
from citybase.collection.tasks import list_tasks
from citybase.errors import InvalidInput, NotFound
from citybase.quality import QualityBoard, org_choices, quality_board
from citybase.web.deps import PageDep, session_of
from citybase.web.routes.collection_support import SEVERITY_LABELS, percent
from citybase.web.templating import render

router = APIRouter(prefix="/quality")
Gettext = Callable[[str], str]
COLOURS = {"error": "#c0392b", "warning": "#d9822b", "submissions": "#0b4f8a"}


def _toolbox(name: str, gettext: Gettext) -> dict[str, Any]:
    """The chart's own PNG download (ECharts' saveAsImage), beside the button under the chart."""
    return {
        "right": 8,
        "feature": {
            "saveAsImage": {
                "title": gettext("Download image"),
                "name": name,
                "type": "png",
                "pixelRatio": 2,
                "backgroundColor": "#ffffff",
            }
        },
    }


def rules_chart(board: QualityBoard, gettext: Gettext) -> dict[str, Any]:
    """Horizontal bars of the rules with the most findings, coloured by severity."""
    top = list(reversed(board.top_rules))  # ECharts draws the first category at the bottom
    return {
        "toolbox": _toolbox("quality-rules", gettext),
        "grid": {"left": 150, "right": 40, "top": 30, "bottom": 30},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "xAxis": {"type": "value", "minInterval": 1, "name": gettext("Findings")},
        "yAxis": {"type": "category", "data": [item.rule for item in top]},
        "series": [
            {
                "name": gettext("Findings"),
                "type": "bar",
                "label": {"show": True, "position": "right"},
                "data": [
                    {
                        "value": item.findings,
                        "name": item.name or item.rule,
                        "itemStyle": {"color": COLOURS[item.severity]},
                    }
                    for item in top
                ],
            }
        ],
    }


def trend_chart(board: QualityBoard, gettext: Gettext) -> dict[str, Any]:
    """Per month: submissions made, and the errors and warnings found in them."""
    months = board.findings_by_month
    return {
        "toolbox": _toolbox("quality-trend", gettext),
        "color": [COLOURS["submissions"], COLOURS["error"], COLOURS["warning"]],
        "grid": {"left": 50, "right": 30, "top": 50, "bottom": 30},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "xAxis": {"type": "category", "data": [item.month for item in months]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": gettext("Submissions"), "type": "line", "data": [item.submissions for item in months]},
            {"name": gettext("Errors"), "type": "line", "data": [item.errors for item in months]},
            {"name": gettext("Warnings"), "type": "line", "data": [item.warnings for item in months]},
        ],
    }


def timeliness_chart(board: QualityBoard, gettext: Gettext) -> dict[str, Any]:
    """Per organisation: 报送率 and 及时率 in percent."""
    orgs = board.timeliness_by_org
    return {
        "toolbox": _toolbox("quality-timeliness", gettext),
        "color": ["#0b4f8a", "#2e8b57"],
        "grid": {"left": 50, "right": 30, "top": 50, "bottom": 60},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "xAxis": {"type": "category", "data": [item.org for item in orgs], "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "value", "max": 100, "name": "%"},
        "series": [
            {
                "name": gettext("Submission rate (报送率)"),
                "type": "bar",
                "data": [round(item.completion_rate * 100, 1) for item in orgs],
            },
            {
                "name": gettext("On-time rate (及时率)"),
                "type": "bar",
                "data": [round(item.timeliness_rate * 100, 1) for item in orgs],
            },
        ],
    }


def _api(filters: dict[str, str], **extra: str) -> str:
    return "/api/v1/quality?" + urlencode({**{k: v for k, v in filters.items() if v}, **extra})


@router.get("", include_in_schema=False)
def quality_page(
    page: PageDep,
    conn: ConnDep,
    start: Annotated[str, Query(max_length=16)] = "",
    end: Annotated[str, Query(max_length=16)] = "",
    org: Annotated[str, Query(max_length=32)] = "",
    task: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    actor = session_of(page).actor
    filters = {
        "start": start.strip(),
        "end": end.strip(),
        "org": org.strip().upper(),
        "task": task.strip().upper(),
    }
    context: dict[str, Any] = {
        "filters": filters,
        "orgs": org_choices(conn, actor),
        "tasks": list_tasks(conn, actor),
        "board": None,
        "error": None,
        "severity_labels": SEVERITY_LABELS,
        "json_url": _api(filters),
        "csv_url": _api(filters, section="summary", format="csv", bom="true"),
        "csv_of": lambda section: _api(filters, section=section, format="csv", bom="true"),
        "json_of": lambda section: _api(filters, section=section),
        "percent": percent,
    }
    try:
        board = quality_board(
            conn,
            actor,
            start=filters["start"] or None,
            end=filters["end"] or None,
            org=filters["org"] or None,
            task=filters["task"] or None,
        )
    except (InvalidInput, NotFound) as error:
        context["error"] = error.render(page.gettext)
        return render(page, "quality/board.html", status_code=422, **context)
    context.update(
        board=board,
        rules_chart=rules_chart(board, page.gettext),
        trend_chart=trend_chart(board, page.gettext),
        timeliness_chart=timeliness_chart(board, page.gettext),
    )
    return render(page, "quality/board.html", **context)
