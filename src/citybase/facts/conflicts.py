"""The conflict board: values from non-authoritative sources that differ from the authoritative one,
and the admin's decision on each (keep, replace, or record as a different 口径)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Select, and_, func, insert, select, update

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.accounts.tables import organisations
from citybase.errors import InvalidInput, NotFound
from citybase.facts.blocks import merge_values
from citybase.facts.model import Role
from citybase.facts.store import current_fact_id
from citybase.facts.tables import conflicts, facts
from citybase.indicators.catalog import indicator_catalog
from citybase.ledger import record
from citybase.messages import N_, message
from citybase.regions.index import region_index
from citybase.storage.metadata import utcnow


class Decision(StrEnum):
    KEEP = "keep"  # the authoritative value stands; the other is kept on record
    REPLACE = "replace"  # the other value becomes the authoritative one (a new revision)
    OTHER_SCOPE = "other_scope"  # both stand: the other value measures something else (另一口径)


@dataclass(frozen=True)
class Conflict:
    id: int
    indicator: str
    indicator_name: str
    unit: str
    region: str
    region_name: str
    period: str
    dims: str
    authoritative_value: float | None
    authoritative_source: str | None
    competing_value: float
    competing_source: str
    competing_fact_id: int
    gap: float | None
    status: str
    resolution: str | None
    raised_at: dt.datetime
    resolved_by: str | None
    resolved_at: dt.datetime | None
    note: str


def _query() -> Select[Any]:
    competing = facts.alias("competing")
    competing_org = organisations.alias("competing_org")
    current = facts.alias("current")
    current_org = organisations.alias("current_org")
    decided = facts.alias("decided")
    decided_org = organisations.alias("decided_org")
    return (
        select(
            conflicts,
            competing.c.value.label("competing_value"),
            competing_org.c.code.label("competing_source"),
            current.c.value.label("current_value"),
            current_org.c.code.label("current_source"),
            decided.c.value.label("decided_value"),
            decided_org.c.code.label("decided_source"),
        )
        .join(competing, competing.c.id == conflicts.c.competing_fact_id)
        .join(competing_org, competing_org.c.id == competing.c.source_org_id)
        # The authoritative value shown is the current one, which may be newer than the conflict.
        .outerjoin(
            current,
            and_(
                current.c.indicator_id == conflicts.c.indicator_id,
                current.c.region_code == conflicts.c.region_code,
                current.c.period == conflicts.c.period,
                current.c.dims == conflicts.c.dims,
                current.c.superseded_at.is_(None),
                current.c.role == Role.AUTHORITATIVE.value,
            ),
        )
        .outerjoin(current_org, current_org.c.id == current.c.source_org_id)
        # A resolved conflict shows the authoritative value it was decided against, kept when resolved.
        .outerjoin(decided, decided.c.id == conflicts.c.authoritative_fact_id)
        .outerjoin(decided_org, decided_org.c.id == decided.c.source_org_id)
    )


def list_conflicts(
    conn: Connection,
    actor: Actor,
    *,
    status: str | None = "open",
    indicator: str | None = None,
    limit: int = 200,
    conflict_id: int | None = None,
) -> list[Conflict]:
    require(actor, Permission.VIEW_FACTS)
    catalog = indicator_catalog(conn)
    query = _query().order_by(conflicts.c.id.desc()).limit(limit)
    if conflict_id is not None:
        query = query.where(conflicts.c.id == conflict_id)
    if status:
        query = query.where(conflicts.c.status == status)
    if indicator:
        resolved = catalog.resolve(indicator.upper())
        if resolved is None:
            raise NotFound(message(N_("Unknown indicator {code}"), code=indicator))
        query = query.where(conflicts.c.indicator_id == resolved[0].id)
    regions = region_index(conn)
    found = []
    for row in conn.execute(query):
        item = catalog.by_id[row.indicator_id]
        region = regions.latest(row.region_code)
        resolved_now = row.status == "resolved"
        value = row.decided_value if resolved_now else row.current_value
        source = row.decided_source if resolved_now else row.current_source
        gap = None if value is None else row.competing_value - value
        found.append(
            Conflict(
                id=row.id,
                indicator=item.code,
                indicator_name=item.name,
                unit=item.unit,
                region=row.region_code,
                region_name=region.name if region else "",
                period=row.period,
                dims=row.dims,
                authoritative_value=value,
                authoritative_source=source,
                competing_value=row.competing_value,
                competing_source=row.competing_source,
                competing_fact_id=row.competing_fact_id,
                gap=gap,
                status=row.status,
                resolution=row.resolution,
                raised_at=row.raised_at,
                resolved_by=row.resolved_by,
                resolved_at=row.resolved_at,
                note=row.note,
            )
        )
    return found


def count_open(conn: Connection) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(conflicts).where(conflicts.c.status == "open")
        ).scalar_one()
    )


def get_conflict(conn: Connection, actor: Actor, conflict_id: int) -> Conflict:
    found = list_conflicts(conn, actor, status=None, conflict_id=conflict_id)
    if not found:
        raise NotFound(message(N_("Unknown conflict {id}"), id=conflict_id))
    return found[0]


def resolve_conflict(
    conn: Connection, actor: Actor, conflict_id: int, decision: str, note: str = ""
) -> Conflict:
    """Decide a conflict; the decision and its reason go into the ledger."""
    require(actor, Permission.RESOLVE_CONFLICTS)
    conflict = get_conflict(conn, actor, conflict_id)
    if conflict.status != "open":
        raise InvalidInput(
            message(
                N_("Conflict {id} was already resolved ({resolution})"),
                id=conflict_id,
                resolution=conflict.resolution,
            )
        )
    try:
        chosen = Decision(decision)
    except ValueError as exc:
        raise InvalidInput(
            message(
                N_("'{value}' is not one of {allowed}"),
                value=decision,
                allowed=", ".join(item.value for item in Decision),
            )
        ) from exc
    if not note.strip():
        raise InvalidInput(message(N_("Give the reason for the decision")))
    now = utcnow()
    competing = conn.execute(select(facts).where(facts.c.id == conflict.competing_fact_id)).one()
    # The authoritative value the decision was taken against, kept so the board can show it afterwards.
    decided_against = current_fact_id(
        conn, competing.indicator_id, competing.region_code, competing.period, competing.dims
    )
    if chosen is Decision.REPLACE:
        # The other source's value becomes the current authoritative revision; the old one is closed.
        conn.execute(
            update(facts)
            .where(
                facts.c.indicator_id == competing.indicator_id,
                facts.c.region_code == competing.region_code,
                facts.c.period == competing.period,
                facts.c.dims == competing.dims,
                facts.c.superseded_at.is_(None),
                facts.c.role == Role.AUTHORITATIVE.value,
            )
            .values(superseded_at=now)
        )
        values = {
            column: competing._mapping[column]
            for column in (
                "indicator_id",
                "region_code",
                "period",
                "period_start",
                "period_end",
                "dims",
                "value",
                "status",
                "source_org_id",
            )
        }
        conn.execute(
            insert(facts).values(
                **values,
                role=Role.AUTHORITATIVE.value,
                origin=f"conflict:{conflict_id}",
                recorded_by=actor.username,
                recorded_at=now,
                note=note.strip(),
            )
        )
        merge_values(
            conn,
            [(values["indicator_id"], values["region_code"], values["dims"], values["period_start"],
              values["period_end"], values["value"])],
        )  # fmt: skip
        # Its value now lives on as the authoritative revision; the competing row is closed, not repeated.
        conn.execute(update(facts).where(facts.c.id == competing.id).values(superseded_at=now))
    elif chosen is Decision.OTHER_SCOPE:
        conn.execute(update(facts).where(facts.c.id == competing.id).values(role=Role.OTHER_SCOPE.value))
    conn.execute(
        update(conflicts)
        .where(conflicts.c.id == conflict_id)
        .values(
            status="resolved",
            resolution=chosen.value,
            resolved_by=actor.username,
            resolved_at=now,
            note=note.strip(),
            authoritative_fact_id=decided_against,
        )
    )
    record(
        conn,
        actor,
        "conflict.resolved",
        "conflict",
        str(conflict_id),
        {
            "decision": chosen.value,
            "note": note.strip(),
            "indicator": conflict.indicator,
            "region": conflict.region,
            "period": conflict.period,
            "dims": conflict.dims,
            "authoritative_value": conflict.authoritative_value,
            "competing_value": conflict.competing_value,
            "competing_source": conflict.competing_source,
        },
    )
    return get_conflict(conn, actor, conflict_id)
