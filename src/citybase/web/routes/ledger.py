"""The ledger for admins: filters, paging backwards by sequence number, and chain verification."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import Response

from citybase.api.deps import ConnDep
from citybase.ledger import LedgerFilter, count_entries, list_entries, verify_chain
from citybase.web.deps import PageDep, session_of
from citybase.web.templating import render

router = APIRouter(prefix="/ledger")
PAGE_SIZE = 50
CHINA = dt.timezone(dt.timedelta(hours=8))


def _day(text: str | None, *, end: bool = False) -> dt.datetime | None:
    """A date typed in the filter form, read as a day in China Standard Time."""
    if not text:
        return None
    day = dt.date.fromisoformat(text)
    start = dt.datetime.combine(day, dt.time(), tzinfo=CHINA)
    return start + dt.timedelta(days=1) if end else start


@router.get("", include_in_schema=False)
def ledger_page(
    page: PageDep,
    conn: ConnDep,
    user: Annotated[str, Query(max_length=64)] = "",
    org: Annotated[str, Query(max_length=32)] = "",
    action: Annotated[str, Query(max_length=64)] = "",
    object_type: Annotated[str, Query(max_length=32)] = "",
    object_key: Annotated[str, Query(max_length=128)] = "",
    since: Annotated[str, Query(pattern=r"^(\d{4}-\d{2}-\d{2})?$")] = "",
    until: Annotated[str, Query(pattern=r"^(\d{4}-\d{2}-\d{2})?$")] = "",
    before: Annotated[int | None, Query(ge=1)] = None,
    verify: bool = False,
) -> Response:
    actor = session_of(page).actor
    filters = LedgerFilter(
        actor=user or None,
        org=org or None,
        action=action or None,
        object_type=object_type or None,
        object_key=object_key or None,
        since=_day(since),
        until=_day(until, end=True),
    )
    entries = list_entries(conn, actor, filters, limit=PAGE_SIZE, before_seq=before)
    query = {
        key: value
        for key, value in {
            "user": user,
            "org": org,
            "action": action,
            "object_type": object_type,
            "object_key": object_key,
        }.items()
        if value
    }
    api_query = dict(query)
    if filters.since:
        api_query["since"] = filters.since.isoformat()
    if filters.until:
        api_query["until"] = filters.until.isoformat()
    older = (
        "/ledger?" + urlencode({**query, "since": since, "until": until, "before": entries[-1].seq})
        if len(entries) == PAGE_SIZE
        else None
    )
    return render(
        page,
        "ledger.html",
        entries=entries,
        total=count_entries(conn, actor, filters),
        filters={
            "user": user,
            "org": org,
            "action": action,
            "object_type": object_type,
            "object_key": object_key,
            "since": since,
            "until": until,
        },
        older=older,
        newest="/ledger?" + urlencode({**query, "since": since, "until": until}) if before else None,
        api_query=urlencode(api_query),
        report=verify_chain(conn, actor) if verify else None,
    )
