"""The data-quality board (数据质量看板) through the API: the whole board as JSON, or one section of it as
JSON or CSV (`section=findings_by_rule&format=csv`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from citybase.api.csv import csv_response
from citybase.api.deps import ActorDep, ConnDep
from citybase.quality import SECTIONS, check_section, quality_board, section_columns

router = APIRouter(tags=["quality"])

MonthQuery = Annotated[str | None, Query(description="A month, YYYY-MM", max_length=16)]


@router.get("/quality")
def read_quality(
    conn: ConnDep,
    actor: ActorDep,
    start: MonthQuery = None,
    end: MonthQuery = None,
    org: Annotated[str | None, Query(description="Only this organisation", max_length=32)] = None,
    task: Annotated[str | None, Query(description="Only this collection task", max_length=64)] = None,
    section: Annotated[str | None, Query(description="One of: " + ", ".join(SECTIONS))] = None,
    format: Literal["json", "csv"] = "json",
    bom: bool = False,
) -> Response:
    """Rule violations, timeliness (报送率, 及时率), conflicts and review outcomes for a range of months (by
    default the twelve up to this month); a section alone as JSON rows or CSV."""
    chosen = check_section(section) if section else ("summary" if format == "csv" else None)
    board = quality_board(conn, actor, start=start, end=end, org=org, task=task)
    if chosen is None:
        return JSONResponse(board.as_dict())
    rows = board.rows(chosen)
    if format == "csv":
        return csv_response(rows, section_columns(chosen), f"quality-{chosen}.csv", bom=bom)
    body: dict[str, Any] = {"start": board.start, "end": board.end, "section": chosen, "items": rows}
    return JSONResponse(body)
