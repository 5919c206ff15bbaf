"""Analysis (分析服务): growth, compound growth, structure, contributions, rankings, indices, per-capita
values and aggregation, each as JSON with its inputs, or as CSV (`format=csv`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, Protocol

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from citybase.analysis.growth import compound_growth, growth
from citybase.analysis.growth_share import growth_share_table
from citybase.analysis.indices import index_series
from citybase.analysis.observations import Options
from citybase.analysis.percapita import DEFAULT_POPULATION, DEFAULT_UNIT, per_capita
from citybase.analysis.ranking import ranking
from citybase.analysis.rollup import rollup
from citybase.analysis.structure import contribution, structure
from citybase.api.csv import csv_response
from citybase.api.deps import ActorDep, ConnDep

router = APIRouter(prefix="/analysis", tags=["analysis"])

Format = Literal["json", "csv"]
BasisParam = Annotated[
    Literal["yoy", "pop"],
    Query(description="yoy: on the same period a year before (同比); pop: on the one before (环比)"),
]


class Result(Protocol):
    def as_dict(self) -> dict[str, Any]: ...

    def rows(self) -> list[dict[str, Any]]: ...


def options(
    as_of: Annotated[
        dt.datetime | None, Query(description="Use the values published at this instant (ISO 8601)")
    ] = None,
    status: Annotated[Literal["provisional", "final"] | None, Query()] = None,
    dims: Annotated[str, Query(description="Breakdown, e.g. SEX=F; the totals when empty")] = "",
) -> Options:
    if as_of is not None and as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=dt.UTC)
    return Options(as_of=as_of, status=status, dims=dims)


OptionsDep = Annotated[Options, Depends(options)]


def _answer(result: Result, format: Format, name: str, bom: bool) -> Response:
    if format == "csv":
        rows = result.rows()
        return csv_response(rows, list(rows[0]) if rows else [], f"{name}.csv", bom=bom)
    return JSONResponse(result.as_dict())


def _parts(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@router.get("/growth")
def read_growth(
    conn: ConnDep,
    actor: ActorDep,
    opts: OptionsDep,
    indicator: str,
    region: str,
    period: Annotated[str, Query(description="2017, 2017Q3, 2017-03, 2017Q3YTD (year to date)")],
    basis: BasisParam = "yoy",
    format: Format = "json",
    bom: bool = False,
) -> Response:
    """Growth in % for levels (nominal when computed from levels), in 个百分点 for percentages; a
    published rate as stored, with its price basis; the two input values it came from."""
    return _answer(growth(conn, actor, indicator, region, period, basis, opts), format, "growth", bom)


@router.get("/cagr")
def read_cagr(
    conn: ConnDep,
    actor: ActorDep,
    opts: OptionsDep,
    indicator: str,
    region: str,
    start: str,
    end: str,
    format: Format = "json",
    bom: bool = False,
) -> Response:
    """Compound annual growth between two periods, beside the mean of the published rates."""
    return _answer(compound_growth(conn, actor, indicator, region, start, end, opts), format, "cagr", bom)


@router.get("/structure")
def read_structure(
    conn: ConnDep,
    actor: ActorDep,
    opts: OptionsDep,
    region: str,
    period: str,
    indicator: Annotated[str, Query(description="The total")] = "GDP",
    parts: Annotated[list[str], Query(description="The parts; for GDP the three industries by default")] = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    format: Format = "json",
    bom: bool = False,
) -> Response:
    """Each part's share of the total (e.g. the three-industry structure)."""
    result = structure(conn, actor, indicator, region, period, _parts(parts), opts)
    return _answer(result, format, "structure", bom)


@router.get("/contribution")
def read_contribution(
    conn: ConnDep,
    actor: ActorDep,
    opts: OptionsDep,
    region: str,
    period: str,
    indicator: Annotated[str, Query(description="The total")] = "GDP",
    parts: Annotated[list[str], Query(description="The parts; for GDP the three industries")] = [],  # noqa: B006
    basis: BasisParam = "yoy",
    format: Format = "json",
    bom: bool = False,
) -> Response:
    """Each part's contribution to the total's growth (贡献率, %) and pull (拉动, 个百分点)."""
    result = contribution(conn, actor, indicator, region, period, _parts(parts), basis, opts)
    return _answer(result, format, "contribution", bom)


@router.get("/ranking")
def read_ranking(
    conn: ConnDep,
    actor: ActorDep,
    opts: OptionsDep,
    indicator: str,
    period: str,
    region: Annotated[str | None, Query(description="The parent region; the home city by default")] = None,
    by: Literal["level", "growth", "share"] = "level",
    basis: BasisParam = "yoy",
    order: Literal["desc", "asc"] = "desc",
    format: Format = "json",
    bom: bool = False,
) -> Response:
    """The sub-regions ranked by level, growth or share of the parent; equal values share a rank."""
    result = ranking(conn, actor, indicator, period, region, by, basis, order, opts)
    return _answer(result, format, "ranking", bom)


@router.get("/growth-share")
def read_growth_share(
    conn: ConnDep,
    actor: ActorDep,
    period: str,
    indicator: Annotated[list[str] | None, Query(description="Only these indicators (repeatable)")] = None,
    within: Annotated[str | None, Query(description="Only regions inside this one")] = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
    format: Format = "json",
    bom: bool = False,
) -> Response:
    """Year-on-year growth (% for levels, points for rates, with the price basis) and the share among
    the regions under the same parent, for every value of a period — computed over the whole store."""
    result = growth_share_table(
        conn, actor, period=period, indicators=indicator or [], within=within, limit=limit, offset=offset
    )
    return _answer(result, format, "growth-share", bom)


@router.get("/index")
def read_index(
    conn: ConnDep,
    actor: ActorDep,
    opts: OptionsDep,
    indicator: str,
    region: str,
    base: Annotated[str, Query(description="The base period (= 100)")],
    start: str | None = None,
    end: str | None = None,
    format: Format = "json",
    bom: bool = False,
) -> Response:
    """The series as an index on the base period; published rates are chained into a volume index."""
    result = index_series(conn, actor, indicator, region, base, start, end, opts)
    return _answer(result, format, "index", bom)


@router.get("/per-capita")
def read_per_capita(
    conn: ConnDep,
    actor: ActorDep,
    opts: OptionsDep,
    indicator: str,
    region: str,
    period: str,
    population: str = DEFAULT_POPULATION,
    unit: str = DEFAULT_UNIT,
    population_basis: Literal["year_end", "average"] = "year_end",
    format: Format = "json",
    bom: bool = False,
) -> Response:
    """A level over a population, in the unit asked for (元/人 by default)."""
    result = per_capita(conn, actor, indicator, region, period, population, unit, population_basis, opts)
    return _answer(result, format, "per-capita", bom)


@router.get("/rollup")
def read_rollup(
    conn: ConnDep,
    actor: ActorDep,
    opts: OptionsDep,
    indicator: str,
    region: str,
    period: str,
    over: Literal["regions", "time"] = "regions",
    frequency: Annotated[
        Literal["half", "quarter", "month"] | None, Query(description="The sub-periods, for over=time")
    ] = None,
    format: Format = "json",
    bom: bool = False,
) -> Response:
    """A value aggregated from sub-regions or sub-periods by the indicator's rule, with its coverage."""
    result = rollup(conn, actor, indicator, region, period, over, frequency, opts)
    return _answer(result, format, "rollup", bom)
