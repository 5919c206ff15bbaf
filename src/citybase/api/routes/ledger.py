"""The evidence ledger: filtered listing and chain verification."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from citybase.api.convert import ledger_public
from citybase.api.csv import csv_response
from citybase.api.deps import ActorDep, ConnDep
from citybase.api.schemas import LedgerPagePublic, LedgerVerifyPublic
from citybase.ledger import LedgerFilter, canonical_json, count_entries, list_entries, verify_chain

router = APIRouter(prefix="/ledger", tags=["ledger"])

LEDGER_COLUMNS = (
    "seq",
    "recorded_at",
    "actor",
    "actor_org",
    "via",
    "action",
    "object_type",
    "object_key",
    "detail",
    "detail_digest",
    "prev_hash",
    "entry_hash",
)


@router.get("", response_model=LedgerPagePublic)
def list_ledger(
    conn: ConnDep,
    actor: ActorDep,
    user: Annotated[str | None, Query(description="Acting username")] = None,
    org: Annotated[str | None, Query(description="Acting organisation code")] = None,
    action: Annotated[str | None, Query(description="Action, or its prefix (e.g. 'user.')")] = None,
    object_type: str | None = None,
    object_key: str | None = None,
    since: Annotated[dt.datetime | None, Query(description="From this instant (ISO 8601)")] = None,
    until: Annotated[dt.datetime | None, Query(description="Before this instant (ISO 8601)")] = None,
    before: Annotated[int | None, Query(ge=1, description="Entries older than this sequence number")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    format: Literal["json", "csv"] = "json",
    bom: bool = False,
) -> LedgerPagePublic | Response:
    filters = LedgerFilter(
        actor=user,
        org=org,
        action=action,
        object_type=object_type,
        object_key=object_key,
        since=_aware(since),
        until=_aware(until),
    )
    entries = list_entries(conn, actor, filters, limit=limit, before_seq=before)
    items = [ledger_public(entry) for entry in entries]
    if format == "csv":
        rows = ({**item.model_dump(mode="json"), "detail": canonical_json(item.detail)} for item in items)
        return csv_response(rows, LEDGER_COLUMNS, "ledger.csv", bom=bom)
    next_before = entries[-1].seq if len(entries) == limit else None
    return LedgerPagePublic(items=items, total=count_entries(conn, actor, filters), next_before=next_before)


@router.get("/verify", response_model=LedgerVerifyPublic)
def verify(conn: ConnDep, actor: ActorDep) -> LedgerVerifyPublic:
    report = verify_chain(conn, actor)
    return LedgerVerifyPublic(
        ok=report.ok,
        entries_checked=report.entries_checked,
        head_seq=report.head_seq,
        first_bad_seq=report.first_bad_seq,
        problem=report.problem.render() if report.problem else None,
    )


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)
