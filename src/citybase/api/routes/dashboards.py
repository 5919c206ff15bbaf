"""Dashboards made by analysts: their definitions (create, read, replace, copy, delete, share, import and
export as JSON) and each panel's data as JSON or CSV."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from citybase.api.csv import csv_response
from citybase.api.deps import ActorDep, ConnDep
from citybase.dashboards.model import Dashboard
from citybase.dashboards.rendering import dashboard_panel_data
from citybase.dashboards.service import (
    copy_dashboard,
    create_dashboard,
    delete_dashboard,
    get_dashboard,
    list_dashboards,
    may_edit,
    share_dashboard,
    update_dashboard,
    upsert_dashboard,
)

router = APIRouter(prefix="/dashboards", tags=["dashboards"])

DEFINITION = Body(
    description="A dashboard definition: code, title, description, sharing, shared_with and panels "
    "(docs/dashboards-custom.md)",
    examples=[
        {
            "code": "gdp-watch",
            "title": "GDP watch",
            "sharing": "organisation",
            "panels": [
                {
                    "title": "GDP",
                    "chart": "line",
                    "indicators": ["GDP"],
                    "regions": ["440300"],
                    "periods": {"last": 10},
                    "measure": "level",
                }
            ],
        }
    ],
)
DefinitionBody = Annotated[dict[str, Any], DEFINITION]
CodePath = Annotated[str, Path(max_length=64)]


class DashboardShare(BaseModel):
    sharing: Literal["private", "organisation", "government", "organisations"]
    orgs: list[str] = Field(default_factory=list, description="Organisation codes, for 'organisations'")


class DashboardCopy(BaseModel):
    code: str | None = Field(default=None, description="The new code; made up when empty")
    title: str | None = None


def dashboard_json(dashboard: Dashboard, editable: bool) -> dict[str, Any]:
    return {
        **dashboard.as_dict(),
        "editable": editable,
        "panel_data": [
            f"/api/v1/dashboards/{dashboard.code}/panels/{number}/data"
            for number in range(1, len(dashboard.panels) + 1)
        ],
    }


@router.get("")
def dashboards(conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    """The dashboards the caller may see: their own and those shared with them."""
    items = list_dashboards(conn, actor)
    return {
        "items": [
            {
                "code": item.code,
                "title": item.title,
                "owner": item.owner,
                "owner_org": item.owner_org,
                "sharing": item.sharing.value,
                "panels": len(item.panels),
                "updated_at": item.updated_at.isoformat(),
                "mine": item.owner == actor.username,
            }
            for item in items
        ]
    }


@router.post("", status_code=201)
def create(body: DefinitionBody, conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    """A new dashboard owned by the caller; every problem is listed with its panel and field."""
    return dashboard_json(create_dashboard(conn, actor, body), True)


@router.post("/import", status_code=201)
def import_(body: DefinitionBody, conn: ConnDep, actor: ActorDep, replace: bool = False) -> dict[str, Any]:
    """Import an exported definition; with replace=true, one's own dashboard of the same code is replaced."""
    return dashboard_json(upsert_dashboard(conn, actor, body, replace=replace), True)


@router.get("/{code}")
def read(code: CodePath, conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    found = get_dashboard(conn, actor, code)
    return dashboard_json(found, may_edit(actor, found))


@router.get("/{code}/export")
def export(code: CodePath, conn: ConnDep, actor: ActorDep) -> JSONResponse:
    """The definition alone, as a file to import elsewhere."""
    found = get_dashboard(conn, actor, code)
    return JSONResponse(
        found.definition.as_dict(),
        headers={"Content-Disposition": f'attachment; filename="dashboard-{found.code}.json"'},
    )


@router.put("/{code}")
def replace(code: CodePath, body: DefinitionBody, conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    """Replace the title, description, sharing and panels (owner or platform admin)."""
    return dashboard_json(update_dashboard(conn, actor, code, body), True)


@router.delete("/{code}", status_code=204)
def remove(code: CodePath, conn: ConnDep, actor: ActorDep) -> Response:
    delete_dashboard(conn, actor, code)
    return Response(status_code=204)


@router.post("/{code}/copy", status_code=201)
def copy(code: CodePath, body: DashboardCopy, conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    """Save a dashboard one may see as a new private one of one's own."""
    return dashboard_json(copy_dashboard(conn, actor, code, body.code, body.title), True)


@router.put("/{code}/share")
def share(code: CodePath, body: DashboardShare, conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    """Who may see the dashboard: private, organisation, government or the organisations named."""
    return dashboard_json(share_dashboard(conn, actor, code, body.sharing, body.orgs), True)


@router.get("/{code}/panels/{number}/data")
def panel(
    code: CodePath,
    number: Annotated[int, Path(ge=1, le=100)],
    conn: ConnDep,
    actor: ActorDep,
    format: Literal["json", "csv"] = "json",
    bom: bool = False,
) -> Response:
    """A panel's series over its periods in its measure, each with its unit and price basis; as CSV one
    row per series and period, with the input value and the base it was set against."""
    data = dashboard_panel_data(conn, actor, code, number)
    if format == "csv":
        rows = data.rows()
        columns = list(rows[0]) if rows else ["dashboard", "panel", "indicator", "region", "period", "value"]
        return csv_response(rows, columns, f"{data.dashboard}-panel-{number}.csv", bom=bom)
    return JSONResponse(data.as_dict())
