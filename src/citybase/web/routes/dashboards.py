"""Dashboards made by analysts: the list (mine, shared with me), the view with its ECharts panels, and the
editor where panels are added, removed, reordered and configured; sharing, copying and deleting."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from citybase.accounts.organisations import list_organisations
from citybase.api.deps import ConnDep
from citybase.dashboards.charts import chart_option
from citybase.dashboards.checking import map_parent
from citybase.dashboards.model import (
    CHART_LABELS,
    DISTRICTS_PREFIX,
    MAX_PANELS,
    MEASURE_LABELS,
    SHARING_LABELS,
    WIDTHS,
    Dashboard,
)
from citybase.dashboards.rendering import PanelData, panel_data
from citybase.dashboards.service import (
    copy_dashboard,
    create_dashboard,
    delete_dashboard,
    get_dashboard,
    list_dashboards,
    may_edit,
    share_dashboard,
    update_dashboard,
)
from citybase.errors import CityBaseError, InvalidInput
from citybase.indicators.service import list_indicators
from citybase.regions.boundaries import children_boundaries
from citybase.regions.index import region_index
from citybase.site import HOME_REGION, get_setting
from citybase.web.deps import PageDep, check_csrf, redirect, session_of
from citybase.web.forms import problems_by_field
from citybase.web.templating import Page, render

router = APIRouter(prefix="/dashboards")
PANEL_FIELDS = ("title", "chart", "frequency", "periods", "last", "from", "to", "measure", "unit", "width")


@router.get("", include_in_schema=False)
def dashboards_page(page: PageDep, conn: ConnDep) -> Response:
    actor = session_of(page).actor
    found = list_dashboards(conn, actor)
    mine = [item for item in found if item.owner == actor.username]
    shared = [item for item in found if item.owner != actor.username]
    return render(page, "dashboards/index.html", mine=mine, shared=shared, sharing_labels=SHARING_LABELS)


@router.get("/new", include_in_schema=False)
def new_page(page: PageDep, conn: ConnDep) -> Response:
    home = get_setting(conn, HOME_REGION) or ""
    blank = {"code": "", "title": "", "description": "", "sharing": "private", "panels": [_blank_panel(home)]}
    return _editor(page, conn, blank, None)


@router.post("/new", include_in_schema=False)
async def new_post(request: Request, page: PageDep, conn: ConnDep) -> Response:
    form = await request.form()
    check_csrf(page, str(form.get("csrf_token", "")))
    return _edited(page, conn, form, None)


@router.get("/{code}", include_in_schema=False)
def dashboard_page(code: str, page: PageDep, conn: ConnDep) -> Response:
    actor = session_of(page).actor
    found = get_dashboard(conn, actor, code)
    panels = [_shown(page, conn, found, number) for number in range(1, len(found.panels) + 1)]
    organisations = list_organisations(conn, actor) if may_edit(actor, found) else []
    return render(
        page,
        "dashboards/view.html",
        dashboard=found,
        panels=panels,
        editable=may_edit(actor, found),
        organisations=organisations,
        sharing_labels=SHARING_LABELS,
        measure_labels=MEASURE_LABELS,
        has_charts=any(panel["option"] for panel in panels),
    )


@router.get("/{code}/edit", include_in_schema=False)
def edit_page(code: str, page: PageDep, conn: ConnDep) -> Response:
    found = get_dashboard(conn, session_of(page).actor, code)
    return _editor(page, conn, found.definition.as_dict(), found.code)


@router.post("/{code}/edit", include_in_schema=False)
async def edit_post(code: str, request: Request, page: PageDep, conn: ConnDep) -> Response:
    form = await request.form()
    check_csrf(page, str(form.get("csrf_token", "")))
    found = get_dashboard(conn, session_of(page).actor, code)
    return _edited(page, conn, form, found.code)


@router.post("/{code}/delete", include_in_schema=False)
def delete_post(code: str, page: PageDep, conn: ConnDep, csrf_token: Annotated[str, Form()] = "") -> Response:
    check_csrf(page, csrf_token)
    delete_dashboard(conn, session_of(page).actor, code)
    return redirect("/dashboards", flash=("success", page.gettext("The dashboard was deleted.")), page=page)


@router.post("/{code}/copy", include_in_schema=False)
def copy_post(
    code: str,
    page: PageDep,
    conn: ConnDep,
    title: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(page, csrf_token)
    copied = copy_dashboard(conn, session_of(page).actor, code, title=title.strip() or None)
    flash = ("success", page.gettext("Saved as a new dashboard of your own."))
    return redirect(f"/dashboards/{copied.code}/edit", flash=flash, page=page)


@router.post("/{code}/share", include_in_schema=False)
def share_post(
    code: str,
    page: PageDep,
    conn: ConnDep,
    sharing: Annotated[str, Form(max_length=16)] = "private",
    orgs: Annotated[list[str] | None, Form()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(page, csrf_token)
    try:
        share_dashboard(conn, session_of(page).actor, code, sharing, orgs or [])
    except InvalidInput as error:
        text = "; ".join(item for items in problems_by_field(error, page.gettext).values() for item in items)
        return redirect(f"/dashboards/{code}", flash=("error", text), page=page)
    return redirect(f"/dashboards/{code}", flash=("success", page.gettext("Sharing saved.")), page=page)


def _shown(page: Page, conn: Connection, dashboard: Dashboard, number: int) -> dict[str, Any]:
    """One panel ready for the page: its data, chart option, map and twins, or the reason it cannot show."""
    panel = dashboard.panels[number - 1]
    api = f"/api/v1/dashboards/{dashboard.code}/panels/{number}/data"
    shown: dict[str, Any] = {
        "number": number,
        "panel": panel,
        "data": None,
        "option": None,
        "map": None,
        "error": None,
        "twins": (api, f"{api}?format=csv&bom=true"),
    }
    try:
        data: PanelData = panel_data(conn, session_of(page).actor, dashboard.code, number, panel)
    except CityBaseError as error:
        shown["error"] = error.render(page.gettext)
        return shown
    parent = map_parent(region_index(conn), panel.regions[0]) if panel.chart.value == "map" else None
    map_name = f"dashboard-map-{parent}" if parent else None
    shown.update(data=data, option=chart_option(data, page.gettext, map_name))
    if parent:
        shown["map"] = {"name": map_name, "geo": children_boundaries(parent)}
    return shown


def _blank_panel(home: str) -> dict[str, Any]:
    return {
        "title": "",
        "chart": "line",
        "indicators": [],
        "regions": [home] if home else [],
        "periods": {"last": 5},
        "frequency": "year",
        "measure": "level",
        "unit": "",
        "width": 6,
    }


def _panel_from_form(form: Any, number: int) -> dict[str, Any]:
    def value(name: str) -> str:
        return str(form.get(f"p{number}_{name}", "")).strip()

    regions = [str(item) for item in form.getlist(f"p{number}_regions")]
    regions += [item.strip() for item in value("regions_other").replace("，", ",").split(",") if item.strip()]
    periods: dict[str, Any] = (
        {"from": value("from"), "to": value("to")} if value("periods") == "range" else {"last": value("last")}
    )
    return {
        "title": value("title"),
        "chart": value("chart"),
        "indicators": [str(item) for item in form.getlist(f"p{number}_indicators")],
        "regions": list(dict.fromkeys(regions)),
        "periods": periods,
        "frequency": value("frequency") or "year",
        "measure": value("measure") or "level",
        "unit": value("unit"),
        "width": value("width") or "6",
    }


def _definition_from_form(form: Any) -> tuple[dict[str, Any], str]:
    """The definition the form holds, and the button pressed (save, add, remove-N, up-N, down-N)."""
    try:
        count = min(int(str(form.get("panel_count", "0"))), MAX_PANELS)
    except ValueError:
        count = 0
    definition = {
        "code": str(form.get("code", "")).strip(),
        "title": str(form.get("title", "")).strip(),
        "description": str(form.get("description", "")).strip(),
        "sharing": str(form.get("sharing", "private")),
        "shared_with": [str(item) for item in form.getlist("shared_with")],
        "panels": [_panel_from_form(form, number) for number in range(1, count + 1)],
    }
    return definition, str(form.get("action", "save"))


def _edited(page: Page, conn: Connection, form: Any, code: str | None) -> Response:
    """Apply an editor button: rearrange the panels and show the form again, or save."""
    definition, action = _definition_from_form(form)
    panels: list[dict[str, Any]] = definition["panels"]
    verb, _, where = action.partition("-")
    position = int(where) - 1 if where.isdigit() and 0 < int(where) <= len(panels) else None
    if verb == "add" and len(panels) < MAX_PANELS:
        panels.append(_blank_panel(get_setting(conn, HOME_REGION) or ""))
    elif verb == "remove" and position is not None:
        panels.pop(position)
    elif verb in ("up", "down") and position is not None:
        other = position - 1 if verb == "up" else position + 1
        if 0 <= other < len(panels):
            panels[position], panels[other] = panels[other], panels[position]
    if verb != "save":
        return _editor(page, conn, definition, code)
    actor = session_of(page).actor
    try:
        saved = (
            update_dashboard(conn, actor, code, definition)
            if code
            else create_dashboard(conn, actor, definition)
        )
    except InvalidInput as error:
        return _editor(page, conn, definition, code, problems_by_field(error, page.gettext), status=422)
    return redirect(
        f"/dashboards/{saved.code}", flash=("success", page.gettext("The dashboard was saved.")), page=page
    )


def _editor(
    page: Page,
    conn: Connection,
    definition: dict[str, Any],
    code: str | None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> Response:
    actor = session_of(page).actor
    home = get_setting(conn, HOME_REGION) or ""
    index = region_index(conn)
    city = index.latest(home) if home else None
    districts = sorted(index.children_of(home), key=lambda region: region.code) if home else []
    region_choices = ([(home, city.name if city else home)] if home else []) + (
        [
            (
                f"{DISTRICTS_PREFIX}{home}",
                page.gettext("Every district of %(city)s") % {"city": city.name if city else home},
            )
        ]
        if districts
        else []
    )
    region_choices += [(region.code, region.name) for region in districts]
    return render(
        page,
        "dashboards/edit.html",
        status_code=status,
        code=code,
        definition=definition,
        errors=errors or {},
        indicators=list_indicators(conn, actor),
        region_choices=region_choices,
        organisations=list_organisations(conn, actor),
        chart_labels=CHART_LABELS,
        measure_labels=MEASURE_LABELS,
        sharing_labels=SHARING_LABELS,
        widths=WIDTHS,
        max_panels=MAX_PANELS,
    )
