"""Anomalies across the store (异常值): series breaks and relations that do not hold, most severe first,
each with its evidence, as JSON or CSV (`format=csv`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from citybase.analysis.anomalies import find_anomalies
from citybase.analysis.anomalies_model import COLUMNS, DEFAULT_TOLERANCE, AnomalyQuery
from citybase.analysis.anomalies_series import DEFAULT_THRESHOLD
from citybase.api.csv import csv_response
from citybase.api.deps import ActorDep, ConnDep

router = APIRouter(prefix="/analysis", tags=["analysis"])


@router.get("/anomalies")
def read_anomalies(
    conn: ConnDep,
    actor: ActorDep,
    indicator: Annotated[
        list[str], Query(description="Indicator codes, repeated or comma-separated; every one by default")
    ] = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    region: Annotated[str | None, Query(description="Only this region", max_length=12)] = None,
    category: Annotated[
        str | None, Query(description="Only indicators in this category", max_length=64)
    ] = None,
    kind: Annotated[
        Literal["series", "relation"] | None,
        Query(
            description="series: breaks in a series' pattern; relation: parts or sub-regions not adding up"
        ),
    ] = None,
    threshold: Annotated[
        float, Query(description="The modified z-score beyond which a value breaks its series' pattern")
    ] = DEFAULT_THRESHOLD,
    tolerance: Annotated[
        float, Query(description="The gap allowed between a region and the sum of its sub-regions, in %")
    ] = DEFAULT_TOLERANCE,
    as_of: Annotated[
        dt.datetime | None, Query(description="Use the values published at this instant (ISO 8601)")
    ] = None,
    limit: int = 100,
    offset: int = 0,
    format: Literal["json", "csv"] = "json",
    bom: bool = False,
) -> Response:
    """Values that break their series' pattern (robust, seasonal-aware) and relations that do not hold
    (a total against its parts, a region against its sub-regions), with the numbers each finding used."""
    if as_of is not None and as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=dt.UTC)
    query = AnomalyQuery(
        indicators=[part.strip() for value in indicator for part in value.split(",") if part.strip()],
        region=region.strip() if region and region.strip() else None,
        category=category.strip() if category and category.strip() else None,
        kind=kind,
        threshold=threshold,
        tolerance=tolerance,
        as_of=as_of,
        limit=limit,
        offset=offset,
    )
    report = find_anomalies(conn, actor, query)
    if format == "csv":
        return csv_response(report.rows(), COLUMNS, "anomalies.csv", bom=bom)
    return JSONResponse(report.as_dict())
