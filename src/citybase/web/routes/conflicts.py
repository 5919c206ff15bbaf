"""The conflict board: values from other sources that differ from the authoritative ones, and the
decisions platform admins take on them."""

from __future__ import annotations

import html
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response

from citybase.accounts.organisations import list_organisations
from citybase.accounts.permissions import Permission, may
from citybase.api.deps import ConnDep
from citybase.errors import InvalidInput, NotFound
from citybase.facts.conflicts import Decision, count_open, list_conflicts, resolve_conflict
from citybase.indicators.service import list_indicators
from citybase.web import labels
from citybase.web.deps import PageDep, check_csrf, redirect, session_of
from citybase.web.templating import Page, render

router = APIRouter(prefix="/conflicts")
StatusFilter = Literal["open", "resolved", "all"]


def _board(
    page: Page,
    conn: ConnDep,
    status: StatusFilter,
    indicator: str,
    status_code: int = 200,
    **extra: object,
) -> Response:
    actor = session_of(page).actor
    values: dict[str, object] = {"errors": {}, "form": {}, "error": None, **extra}
    query = {key: value for key, value in {"status": status, "indicator": indicator}.items() if value}
    indicators = list_indicators(conn, actor)
    try:
        found = list_conflicts(
            conn, actor, status=None if status == "all" else status, indicator=indicator or None
        )
    except NotFound as error:
        found, status_code = [], 422
        values["error"] = error.render(page.gettext)
    return render(
        page,
        "conflicts/index.html",
        status_code=status_code,
        conflicts=found,
        status=status,
        indicator=indicator,
        indicators=indicators,
        decimals={item.code: item.decimals for item in indicators},
        decisions=list(Decision),
        orgs={org.code: org.name for org in list_organisations(conn, actor)},
        can_resolve=may(actor, Permission.RESOLVE_CONFLICTS),
        back="/conflicts?" + urlencode(query),
        json_url="/api/v1/conflicts?" + urlencode(query),
        **values,
    )


@router.get("", include_in_schema=False)
def conflict_board(
    page: PageDep,
    conn: ConnDep,
    status: Annotated[StatusFilter, Query()] = "open",
    indicator: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    return _board(page, conn, status, indicator.strip().upper())


@router.get("/badge", include_in_schema=False)
def open_badge(page: PageDep, conn: ConnDep) -> Response:
    """The number of open conflicts, for the navigation bar to load after the page."""
    count = count_open(conn)
    if not count:
        return HTMLResponse("")
    title = page.ngettext("%(num)s open conflict", "%(num)s open conflicts", count) % {"num": count}
    return HTMLResponse(f'<span class="nav-count" title="{html.escape(title)}">{count}</span>')


@router.post("/{conflict_id}/resolve", include_in_schema=False)
def resolve(
    conflict_id: int,
    page: PageDep,
    conn: ConnDep,
    decision: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    status: Annotated[StatusFilter, Form()] = "open",
    indicator: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    check_csrf(page, csrf_token)
    actor = session_of(page).actor
    try:
        with conn.begin_nested():
            resolved = resolve_conflict(conn, actor, conflict_id, decision, note)
    except InvalidInput as error:
        return _board(
            page,
            conn,
            status,
            indicator,
            status_code=422,
            errors={conflict_id: error.render(page.gettext)},
            form={conflict_id: {"decision": decision, "note": note}},
        )
    text = page.gettext("Conflict %(id)s resolved: %(decision)s.") % {
        "id": conflict_id,
        "decision": page.gettext(labels.DECISION_LABELS[resolved.resolution or decision]),
    }
    query = {key: value for key, value in {"status": status, "indicator": indicator}.items() if value}
    return redirect("/conflicts?" + urlencode(query), page=page, flash=("success", text))
