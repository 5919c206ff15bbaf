"""The leaders' cockpit (驾驶舱): the city overview, the district comparison with its choropleth, and the
page of one indicator with its forecast band; each page answers `?format=json` and `?format=csv` too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.analysis.cockpit import overview
from citybase.analysis.comparison import Comparison, Measure, compare_districts
from citybase.analysis.forecast_models import MAX_HORIZON
from citybase.analysis.forecast_runs import ForecastRun, compute, store_run
from citybase.analysis.forecast_series import read_series
from citybase.analysis.indicator_view import IndicatorView, indicator_view, stored_forecast
from citybase.api.csv import csv_response
from citybase.api.deps import ConnDep, get_database
from citybase.errors import CityBaseError
from citybase.indicators.service import list_indicators
from citybase.regions.boundaries import children_boundaries
from citybase.web.cockpit_charts import choropleth, forecast_chart, growth_chart, sparkline
from citybase.web.deps import PageDep, session_of
from citybase.web.series import split_codes
from citybase.web.templating import render

router = APIRouter(prefix="/cockpit")
Format = Literal["html", "json", "csv"]
COMPARED_KINDS = ("flow", "stock", "ratio", "index", "growth_rate")


def _twins(path: str, parameters: dict[str, str], **csv: str) -> tuple[str, str]:
    kept = {key: value for key, value in parameters.items() if value}
    return (
        f"{path}?" + urlencode({**kept, "format": "json"}),
        f"{path}?" + urlencode({**kept, "format": "csv", **csv, "bom": "true"}),
    )


def _csv(rows: list[dict[str, Any]], name: str, columns: list[str] | None = None) -> Response:
    return csv_response(rows, columns or (list(rows[0]) if rows else []), f"{name}.csv", bom=True)


@router.get("", include_in_schema=False)
def cockpit_page(
    page: PageDep,
    conn: ConnDep,
    region: Annotated[str, Query(max_length=12)] = "",
    indicators: Annotated[list[str] | None, Query()] = None,
    format: Format = "html",
    part: Annotated[Literal["tiles", "trends"], Query()] = "tiles",
) -> Response:
    """Key indicators as tiles: latest value, growth, trend and progress towards targets."""
    actor = session_of(page).actor
    codes = split_codes(indicators or [])
    found = overview(conn, actor, region or None, codes)
    if format == "json":
        return JSONResponse(found.as_dict())
    if format == "csv":
        if part == "trends":
            rows = [
                {"indicator": tile.indicator, "region": found.region, "period": period, "value": value,
                 "unit": tile.unit}
                for tile in found.tiles
                for period, value in tile.trend
            ]  # fmt: skip
            return _csv(rows, "cockpit-trends", ["indicator", "region", "period", "value", "unit"])
        return _csv(found.rows(), "cockpit")
    query = {"region": region, "indicators": ",".join(codes)}
    tiles = [
        {
            "tile": tile,
            "chart": sparkline(tile, page.gettext),
            "csv": _twins("/cockpit", {"region": found.region, "indicators": tile.indicator}, part="trends")[
                1
            ],
        }
        for tile in found.tiles
    ]
    return render(page, "cockpit/index.html", overview=found, tiles=tiles, twins=_twins("/cockpit", query))


@router.get("/districts", include_in_schema=False)
def districts_page(
    page: PageDep,
    conn: ConnDep,
    indicator: Annotated[str, Query(max_length=64)] = "GDP",
    period: Annotated[str, Query(max_length=32)] = "",
    measure: Annotated[Literal["level", "growth", "share", "per_capita"], Query()] = "level",
    region: Annotated[str, Query(max_length=12)] = "",
    format: Format = "html",
) -> Response:
    """One indicator across the districts: a choropleth on the real boundaries and the ranking."""
    actor = session_of(page).actor
    code = indicator.strip().upper() or "GDP"
    error: str | None = None
    try:
        found: Comparison | None = compare_districts(
            conn, actor, code, period or None, measure, region or None
        )
    except CityBaseError as problem:
        if format != "html":
            raise
        found, error = None, problem.render(page.gettext)
    if found is not None and format == "json":
        return JSONResponse(found.as_dict())
    if found is not None and format == "csv":
        return _csv(found.rows(), f"districts-{found.indicator}-{found.period}-{found.measure}")
    boundaries = children_boundaries(found.parent) if found else None
    map_name = f"cockpit-{found.parent}" if found else ""
    query = {"indicator": code, "period": period, "measure": measure, "region": region}
    return render(
        page,
        "cockpit/districts.html",
        status_code=422 if error else 200,
        comparison=found,
        error=error,
        indicator=code,
        period=period,
        measure=measure,
        measures=[item.value for item in Measure],
        choices=[item for item in list_indicators(conn, actor) if item.value_kind.value in COMPARED_KINDS],
        boundaries=boundaries,
        map_name=map_name,
        chart=choropleth(found, map_name, page.gettext) if found and boundaries else None,
        twins=_twins("/cockpit/districts", query),
    )


@router.get("/indicator/{code}", include_in_schema=False)
def indicator_page(
    code: str,
    request: Request,
    page: PageDep,
    conn: ConnDep,
    region: Annotated[str, Query(max_length=12)] = "",
    horizon: Annotated[int, Query(ge=1, le=MAX_HORIZON)] = 3,
    format: Format = "html",
    part: Annotated[Literal["series", "growth", "revisions"], Query()] = "series",
) -> Response:
    """The series with its forecast band, the backtest beside naive, growth bars and revisions."""
    actor = session_of(page).actor
    view = indicator_view(conn, actor, code, region or None)
    run, reason = _forecast(request, conn, actor, view, horizon, page.gettext)
    if format == "json":
        return JSONResponse({**view.as_dict(), "forecast": _run_json(run), "forecast_unavailable": reason})
    if format == "csv":
        return _indicator_csv(view, run, part)
    query = {"region": region, "horizon": str(horizon) if horizon != 3 else ""}
    path = f"/cockpit/indicator/{view.indicator}"
    return render(
        page,
        "cockpit/indicator.html",
        view=view,
        run=run,
        forecast_reason=reason,
        chart=forecast_chart(view, run, page.gettext),
        growth=growth_chart(view, page.gettext) if view.growth else None,
        twins=_twins(path, query),
        csv_of=lambda name: _twins(path, query, part=name)[1],
    )


def _forecast(
    request: Request,
    conn: Connection,
    actor: Actor,
    view: IndicatorView,
    horizon: int,
    gettext: Callable[[str], str],
) -> tuple[ForecastRun | None, str | None]:
    """The stored run for the same inputs, else a new run stored in its own transaction; or why not."""
    try:
        series = read_series(conn, actor, view.indicator, view.region)
        found = stored_forecast(conn, actor, series, horizon)
        if found is not None:
            return found, None
        fresh = compute(series, horizon)
        with get_database(request).write() as writer:
            return store_run(writer, actor, fresh), None
    except CityBaseError as problem:
        return None, problem.render(gettext)


def _run_json(run: ForecastRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "run_id": run.id,
        "model": run.model,
        "frequency": run.frequency,
        "horizon": run.horizon,
        "as_of": run.as_of.isoformat(),
        "mase": run.mase,
        "mase_naive": run.mase_naive,
        "mase_seasonal_naive": run.mase_seasonal_naive,
        "beats_naive": run.beats_naive,
        "points": [dict(point.__dict__) for point in run.points],
        "warnings": [item.render() for item in run.warnings],
    }


def _indicator_csv(view: IndicatorView, run: ForecastRun | None, part: str) -> Response:
    name = f"{view.indicator}-{view.region}-{part}"
    if part == "growth":
        rows = [
            {"period": bar.period, "nominal_growth": bar.nominal, "growth_unit": view.growth_unit,
             "nominal_price_basis": view.growth_price_basis, "published_growth": bar.published,
             "published_indicator": view.published_indicator,
             "published_price_basis": view.published_price_basis}
            for bar in view.growth
        ]  # fmt: skip
        return _csv(rows, name, list(rows[0]) if rows else ["period", "nominal_growth", "published_growth"])
    if part == "revisions":
        columns = ["period", "value", "unit", "status", "role", "source", "recorded_by", "recorded_at",
                   "superseded_at", "note"]  # fmt: skip
        rows = [{"period": view.revision_period, **item.__dict__} for item in view.revisions]
        return _csv(rows, name, columns)
    columns = ["period", "kind", "value", "lower_80", "upper_80", "lower_95", "upper_95", "unit"]
    rows = [
        {"period": item.period, "kind": "actual", "value": item.value, "unit": view.unit}
        for item in view.series
    ]
    rows += [
        {**point.__dict__, "kind": "forecast", "unit": view.unit} for point in (run.points if run else ())
    ]
    return _csv(rows, name, columns)
