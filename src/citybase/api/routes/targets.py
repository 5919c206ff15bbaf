"""Indicator targets (目标): list them with their progress, set one, remove one."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from citybase.analysis.targets import list_targets, progress, remove_target, set_target
from citybase.api.csv import csv_response
from citybase.api.deps import ActorDep, ConnDep

router = APIRouter(prefix="/analysis", tags=["analysis"])

KindQuery = Annotated[Literal["level", "growth"], Query(description="level or growth")]


class TargetSet(BaseModel):
    indicator: str = Field(description="Indicator code or alias, e.g. GDP")
    region: str = Field(description="Region code, e.g. 440300")
    period: str = Field(description="The period the target is for, e.g. 2024")
    kind: Literal["level", "growth"] = Field(description="level: a value to reach; growth: a yoy rate in %")
    value: float
    note: str = Field(default="", max_length=500, description="Where the target comes from")


@router.get("/targets")
def read_targets(
    conn: ConnDep,
    actor: ActorDep,
    indicator: str | None = None,
    region: str | None = None,
    period: str | None = None,
    format: Literal["json", "csv"] = "json",
    bom: bool = False,
) -> Response:
    """Targets with the progress of the latest actual value in their period."""
    found = [
        progress(conn, actor, item)
        for item in list_targets(conn, actor, indicator=indicator, region=region, period=period)
    ]
    if format == "csv":
        rows = [{**item.target.as_dict(), **_progress_row(item.as_dict())} for item in found]
        columns = list(rows[0]) if rows else ["indicator", "region", "period", "kind", "value", "unit"]
        return csv_response(rows, columns, "targets.csv", bom=bom)
    return JSONResponse({"items": [item.as_dict() for item in found]})


def _progress_row(found: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in found.items() if key != "target"}


@router.put("/targets")
def put_target(body: TargetSet, conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    """Set or replace the target of one indicator, region, period and kind (managing indicators)."""
    found = set_target(
        conn, actor, body.indicator, body.region, body.period, body.kind, body.value, body.note
    )
    return found.as_dict()


@router.delete("/targets")
def delete_target(
    conn: ConnDep, actor: ActorDep, indicator: str, region: str, period: str, kind: KindQuery
) -> dict[str, Any]:
    """Remove one target; answers the target removed."""
    return remove_target(conn, actor, indicator, region, period, kind).as_dict()
