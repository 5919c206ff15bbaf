"""Publication by other systems through the API: idempotent by the caller's key."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, select

from citybase.accounts.actor import Actor
from citybase.facts.model import FactInput
from citybase.facts.store import publish
from citybase.ledger.tables import ledger_entries


def publish_once(
    conn: Connection, actor: Actor, offered: list[FactInput], *, key: str, source_org: str | None = None
) -> dict[str, Any]:
    """Publish under the origin `api:<org>:<key>`; a batch already published under it is not applied again,
    and its first report is returned instead (so a retried request is harmless)."""
    org = source_org or actor.org_code or "system"
    origin = f"api:{org}:{key}"
    previous = conn.execute(
        select(ledger_entries.c.detail)
        .where(ledger_entries.c.action == "facts.published", ledger_entries.c.object_key == origin)
        .limit(1)
    ).scalar_one_or_none()
    if previous is not None:
        detail: dict[str, Any] = json.loads(previous)
        return {**_public(detail), "replayed": True}
    report = publish(conn, actor, offered, origin=origin, source_org=source_org)
    return {**_public({**report.as_dict(), "conflict_ids": report.conflicts}), "replayed": False}


def _public(detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "origin": detail["origin"],
        "source_org": detail["source_org"],
        "authoritative": detail["authoritative"],
        "inserted": detail["inserted"],
        "revised": detail["revised"],
        "unchanged": detail["unchanged"],
        "competing": detail["competing"],
        "conflicts": detail.get("conflict_ids", []),
        "sha256": detail["sha256"],
    }
