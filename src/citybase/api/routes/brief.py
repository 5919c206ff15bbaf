"""The analysis brief (形势分析报告) as JSON, a Word document or an Excel workbook."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import Response

from citybase.analysis.brief import BriefOptions, make_brief
from citybase.analysis.brief_docx import brief_docx
from citybase.analysis.brief_xlsx import brief_xlsx
from citybase.api.deps import ActorDep, ConnDep

router = APIRouter(prefix="/analysis", tags=["analysis"])

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(content: bytes, media_type: str, filename: str, title: str) -> Response:
    """A download named in ASCII for old clients and by its Chinese title for the rest (RFC 6266)."""
    extension = filename.rsplit(".", 1)[-1]
    disposition = f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(f'{title}.{extension}')}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


@router.get("/brief")
def read_brief(
    conn: ConnDep,
    actor: ActorDep,
    period: Annotated[str, Query(description="2017, 2023Q3, 2023H1: a period of GDP")],
    region: Annotated[str | None, Query(description="Region code (default: the home region)")] = None,
    format: Literal["json", "docx", "xlsx"] = "json",
    forecast: Annotated[bool, Query(description="Include the forecast section")] = True,
    horizon: Annotated[int, Query(ge=1, le=12, description="Periods to forecast")] = 3,
    as_of: Annotated[
        dt.datetime | None, Query(description="Use the values published at this instant (ISO 8601)")
    ] = None,
) -> Response:
    """The brief for a region and period: headline figures, structure, districts, changes, forecast and
    data notes in Chinese, with every input value; as JSON, .docx or .xlsx."""
    if as_of is not None and as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=dt.UTC)
    found = make_brief(
        conn, actor, region, period, BriefOptions(as_of=as_of, forecast=forecast, horizon=horizon)
    )
    if format == "docx":
        return attachment(brief_docx(found), DOCX, f"{found.filename}.docx", found.title)
    if format == "xlsx":
        return attachment(brief_xlsx(found), XLSX, f"{found.filename}.xlsx", found.title)
    body = json.dumps(found.as_dict(), ensure_ascii=False, default=str)
    return Response(body, media_type="application/json")
