"""The analysis page: the districts ranked for one indicator and period (level, nominal growth beside the
published comparable rate, share of the city), and the city's three-industry structure and contributions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import Response

from citybase.analysis.growth_share import growth_share_table
from citybase.analysis.ranking import Ranking, ranking
from citybase.analysis.structure import Contribution, Structure, contribution, structure
from citybase.api.deps import ConnDep
from citybase.errors import CityBaseError
from citybase.indicators.model import ValueKind
from citybase.indicators.service import list_indicators
from citybase.site import HOME_REGION, get_setting
from citybase.web.deps import PageDep, session_of
from citybase.web.templating import render

router = APIRouter(prefix="/analysis")
RANKED_KINDS = (ValueKind.FLOW, ValueKind.STOCK, ValueKind.RATIO, ValueKind.INDEX, ValueKind.GROWTH_RATE)


def _api(path: str, parameters: dict[str, str]) -> tuple[str, str]:
    kept = {key: value for key, value in parameters.items() if value}
    return (
        f"/api/v1/analysis/{path}?" + urlencode(kept),
        f"/api/v1/analysis/{path}?" + urlencode({**kept, "format": "csv", "bom": "true"}),
    )


def structure_chart(
    found: Structure, shares: Contribution | None, gettext: Callable[[str], str]
) -> dict[str, Any]:
    """An ECharts bar option: each part's share of the total and, where known, its pull on growth."""
    names = [part.indicator_name for part in found.parts]
    series: list[dict[str, Any]] = [
        {
            "name": gettext("Share of the total (%)"),
            "type": "bar",
            "data": [None if part.share is None else round(part.share, 2) for part in found.parts],
            "label": {"show": True, "position": "top"},
        }
    ]
    if shares is not None:
        series.append(
            {
                "name": gettext("Pull on growth (percentage points, nominal)"),
                "type": "bar",
                "data": [None if part.pull is None else round(part.pull, 2) for part in shares.parts],
                "label": {"show": True, "position": "top"},
            }
        )
    return {
        "color": ["#0b4f8a", "#d9822b"],
        "grid": {"left": 60, "right": 30, "top": 50, "bottom": 40},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "xAxis": {"type": "category", "data": names},
        "yAxis": [{"type": "value", "name": "%"}],
        "series": series,
    }


@router.get("", include_in_schema=False)
def analysis_page(
    page: PageDep,
    conn: ConnDep,
    indicator: Annotated[str, Query(max_length=64)] = "GDP",
    period: Annotated[str, Query(max_length=32)] = "",
    basis: Annotated[str, Query(pattern=r"^(yoy|pop)$")] = "yoy",
) -> Response:
    actor = session_of(page).actor
    home = get_setting(conn, HOME_REGION) or ""
    code = indicator.strip().upper() or "GDP"
    context: dict[str, Any] = {
        "indicator": code,
        "period": period.strip(),
        "basis": basis,
        "choices": [item for item in list_indicators(conn, actor) if item.value_kind in RANKED_KINDS],
        "ranking": None,
        "ranking_error": None,
        "structure": None,
        "contribution": None,
        "structure_error": None,
        "chart": None,
        "twins": None,
        "structure_twins": None,
        "contribution_twins": None,
    }
    if not period.strip():
        return render(page, "analysis/index.html", **context)
    chosen = period.strip()
    try:
        found: Ranking | None = ranking(conn, actor, code, chosen, None, "level", basis)
    except CityBaseError as error:
        found = None
        context["ranking_error"] = error.render(page.gettext)
    context["ranking"] = found
    context["twins"] = _api("ranking", {"indicator": code, "period": chosen, "basis": basis})
    if home:
        place = {"region": home, "period": chosen}
        context["structure_twins"] = _api("structure", place)
        context["contribution_twins"] = _api("contribution", {**place, "basis": basis})
        try:
            shares = structure(conn, actor, "GDP", home, chosen)
            context["structure"] = shares
        except CityBaseError as error:
            shares = None
            context["structure_error"] = error.render(page.gettext)
        if shares is not None:
            try:
                context["contribution"] = contribution(conn, actor, "GDP", home, chosen, (), basis)
            except CityBaseError as error:
                context["contribution_error"] = error.render(page.gettext)
            context["chart"] = structure_chart(shares, context["contribution"], page.gettext)
    status = 422 if found is None and context["ranking_error"] else 200
    return render(page, "analysis/index.html", status_code=status, **context)


GROWTH_SHARE_PAGE = 100


@router.get("/growth-share", include_in_schema=False)
def growth_share_page(
    page: PageDep,
    conn: ConnDep,
    period: Annotated[str, Query(max_length=32)] = "",
    indicator: Annotated[str, Query(max_length=64)] = "",
    within: Annotated[str, Query(max_length=12)] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """同比 and shares of every value of a period, worked out over the whole store, a page at a time."""
    actor = session_of(page).actor
    home = get_setting(conn, HOME_REGION) or ""
    filters = {"period": period.strip(), "indicator": indicator.strip().upper(), "within": within.strip()}
    context: dict[str, Any] = {
        **filters,
        "home": home,
        "choices": list_indicators(conn, actor),
        "table": None,
        "error": None,
        "twins": None,
        "previous_url": None,
        "next_url": None,
    }
    if not filters["period"]:
        return render(page, "analysis/growth_share.html", **context)
    asked = {key: value for key, value in filters.items() if value}
    try:
        table = growth_share_table(
            conn,
            actor,
            period=filters["period"],
            indicators=[filters["indicator"]] if filters["indicator"] else [],
            within=filters["within"] or None,
            limit=GROWTH_SHARE_PAGE,
            offset=offset,
        )
    except CityBaseError as error:
        context["error"] = error.render(page.gettext)
        return render(page, "analysis/growth_share.html", status_code=422, **context)
    context["table"] = table
    json_url, _csv = _api("growth-share", {**asked, "offset": str(offset), "limit": str(GROWTH_SHARE_PAGE)})
    context["twins"] = (json_url, _api("growth-share", {**asked, "limit": "100000"})[1])
    if offset > 0:
        context["previous_url"] = "/analysis/growth-share?" + urlencode(
            {**asked, "offset": max(0, offset - GROWTH_SHARE_PAGE)}
        )
    if offset + GROWTH_SHARE_PAGE < table.total_rows:
        context["next_url"] = "/analysis/growth-share?" + urlencode(
            {**asked, "offset": offset + GROWTH_SHARE_PAGE}
        )
    return render(page, "analysis/growth_share.html", **context)
