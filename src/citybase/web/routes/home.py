"""The start page: the city at a glance for the signed-in user."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from citybase.accounts.organisations import list_organisations
from citybase.accounts.permissions import Permission, may
from citybase.api.deps import ConnDep
from citybase.ledger import LedgerFilter, count_entries, list_entries
from citybase.regions.service import level_counts, lookup_region
from citybase.site import HOME_REGION, get_setting
from citybase.web.deps import PageDep, session_of
from citybase.web.templating import render

router = APIRouter()


@router.get("/", include_in_schema=False)
def home(page: PageDep, conn: ConnDep) -> Response:
    actor = session_of(page).actor
    organisations = list_organisations(conn, actor)
    home_code = get_setting(conn, HOME_REGION)
    ledger_visible = may(actor, Permission.VIEW_LEDGER)
    return render(
        page,
        "home.html",
        home_region=lookup_region(conn, home_code) if home_code else None,
        levels=level_counts(conn, actor),
        departments=sum(1 for org in organisations if org.kind == "department"),
        districts=sum(1 for org in organisations if org.kind == "district"),
        users=sum(org.user_count for org in organisations),
        ledger_total=count_entries(conn, actor, LedgerFilter()) if ledger_visible else None,
        recent=list_entries(conn, actor, LedgerFilter(), limit=8) if ledger_visible else [],
        top_orgs=sorted(organisations, key=lambda org: -org.user_count)[:12],
    )
