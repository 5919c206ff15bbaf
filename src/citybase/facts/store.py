"""Publishing values into the central store: one authoritative current value per key, revisions appended,
values from other sources kept as competing values that raise conflicts.

The path is set-based: one query reads the current values the batch touches, then the new revisions
are written in bulk (executemany on SQLite, COPY on PostgreSQL) and superseded ones closed in chunks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, and_, insert, select, tuple_, update

from citybase.accounts.actor import Actor
from citybase.accounts.organisations import find_organisation
from citybase.accounts.permissions import Permission, require
from citybase.errors import InvalidInput
from citybase.facts.blocks import CurrentValue, merge_values
from citybase.facts.checking import FactChecker, check_all
from citybase.facts.model import CheckedFact, FactInput, PublishReport, Role
from citybase.facts.tables import conflicts, facts
from citybase.indicators.catalog import IndicatorCatalog, indicator_catalog
from citybase.ledger import record
from citybase.messages import N_, message
from citybase.regions.index import region_index
from citybase.storage.bulk import bulk_insert
from citybase.storage.metadata import utcnow

CHUNK = 5000
COPY_COLUMNS = (
    "indicator_id", "region_code", "period", "period_start", "period_end", "dims", "value", "status", "role",
    "source_org_id", "origin", "recorded_by", "recorded_at", "note",
)  # fmt: skip


def publish(
    conn: Connection,
    actor: Actor,
    offered: Iterable[FactInput],
    *,
    origin: str,
    source_org: str | None = None,
    approved_by: str | None = None,
) -> PublishReport:
    """Check and store values reported by `source_org` (the actor's organisation by default).

    A value is authoritative when its source, or the organisation that approved it (`approved_by`), is the
    indicator's authoritative department (数源部门); any other value is kept as competing and raises a
    conflict where it differs from the authoritative one. All or nothing: one bad value refuses the lot.
    """
    org_code = source_org or actor.org_code
    if org_code is None:
        raise InvalidInput(message(N_("Name the organisation that reports these values")))
    org = find_organisation(conn, org_code)
    require(actor, Permission.REPORT_FACTS, org.id, org.code)
    catalog = indicator_catalog(conn)
    checker = FactChecker(catalog, region_index(conn), org.code)
    checked = check_all(checker, offered)
    return store_checked(
        conn,
        actor,
        checked,
        catalog=catalog,
        origin=origin,
        source_org_id=org.id,
        source_org=org.code,
        approved_by=approved_by,
    )


def store_checked(
    conn: Connection,
    actor: Actor,
    checked: Sequence[CheckedFact],
    *,
    catalog: IndicatorCatalog,
    origin: str,
    source_org_id: int,
    source_org: str,
    approved_by: str | None = None,
) -> PublishReport:
    """Write checked values (see `publish`); the caller has checked permissions and values."""
    now = utcnow()
    by_indicator: dict[bool, list[CheckedFact]] = {True: [], False: []}
    for fact in checked:
        indicator = catalog.by_id[fact.indicator_id]
        authority = indicator.authoritative_org
        by_indicator[source_org == authority or approved_by == authority].append(fact)
    report = PublishReport(
        origin=origin, source_org=source_org, authoritative=not by_indicator[False], recorded_at=now
    )
    current = _current_values(conn, checked)
    # Everything after the value that every new authoritative revision shares, in COPY_COLUMNS order, with
    # the timestamp already in the form the database stores (text on SQLite), converted once per batch.
    common = (Role.AUTHORITATIVE.value, source_org_id, origin, actor.username, _stored_timestamp(conn, now))
    rows: list[tuple[Any, ...]] = []
    superseded: list[int] = []
    for fact in by_indicator[True]:
        existing = current.get(fact.key) if current else None
        if existing is not None:
            fact_id, value, status = existing
            if (
                _same_value(value, fact.value, catalog.by_id[fact.indicator_id].decimals)
                and status == fact.status
            ):
                report.unchanged += 1
                continue
            superseded.append(fact_id)
            report.revised += 1
        else:
            report.inserted += 1
        rows.append(_row(fact, common))
    _close(conn, superseded, now)
    bulk_insert(conn, "facts", COPY_COLUMNS, rows)
    merge_values(conn, (_current_value(row) for row in rows))
    if by_indicator[False]:
        base = {
            "source_org_id": source_org_id,
            "origin": origin,
            "recorded_by": actor.username,
            "recorded_at": now,
        }
        _store_competing(conn, by_indicator[False], current, catalog, base, report)
    report.digest = batch_digest(checked)
    record(
        conn,
        actor,
        "facts.published",
        "fact_batch",
        origin,
        {**report.as_dict(), "approved_by": approved_by, "conflict_ids": report.conflicts[:100]},
    )
    return report


def _same_value(old: float, new: float, decimals: int) -> bool:
    # Equal at the indicator's published precision: re-sending 22490.06 is not a revision.
    return abs(old - new) < 0.5 * 10 ** -(decimals + 2) or old == new


def batch_digest(checked: Sequence[CheckedFact]) -> str:
    """SHA-256 over the batch's values, one tab-separated line each, as the ledger's evidence of content."""
    digest = hashlib.sha256()
    for fact in checked:
        digest.update(
            f"{fact.indicator}\t{fact.region_code}\t{fact.period}\t{fact.dims}\t{fact.value!r}\t{fact.status}\n".encode()
        )
    return digest.hexdigest()


def _row(fact: CheckedFact, common: tuple[Any, ...]) -> tuple[Any, ...]:
    """The values of one new revision in COPY_COLUMNS order; `common` holds role, source, origin, user
    and time."""
    return (
        fact.indicator_id, fact.region_code, fact.period, fact.period_start, fact.period_end, fact.dims,
        fact.value, fact.status, *common, fact.note,
    )  # fmt: skip


def _current_value(row: tuple[Any, ...]) -> CurrentValue:
    """A new authoritative revision (COPY_COLUMNS order) as its series block takes it."""
    return (row[0], row[1], row[5], row[3], row[4], row[6])


def _stored_timestamp(conn: Connection, moment: Any) -> Any:
    """The timestamp as the driver is handed it for `facts.recorded_at` (text on SQLite)."""
    if conn.dialect.name == "postgresql":
        return moment
    processor = facts.c.recorded_at.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    return processor(moment) if processor else moment


def _current_values(
    conn: Connection, checked: Sequence[CheckedFact]
) -> dict[tuple[int, str, str, str], tuple[int, float, str]]:
    """The current authoritative value of every key the batch touches, read in a few set queries."""
    found: dict[tuple[int, str, str, str], tuple[int, float, str]] = {}
    if not checked:
        return found
    indicator_ids = sorted({fact.indicator_id for fact in checked})
    regions = sorted({fact.region_code for fact in checked})
    periods = sorted({fact.period for fact in checked})
    keys: set[tuple[int, str, str, str]] | None = None
    # Superset by indicator, region and period, narrowed to the batch's keys in Python (the key set is only
    # built when something current exists, which a first load of new indicators never has).
    for start in range(0, len(indicator_ids), 500):
        query = select(
            facts.c.id,
            facts.c.indicator_id,
            facts.c.region_code,
            facts.c.period,
            facts.c.dims,
            facts.c.value,
            facts.c.status,
        ).where(
            facts.c.indicator_id.in_(indicator_ids[start : start + 500]),
            facts.c.superseded_at.is_(None),
            facts.c.role == Role.AUTHORITATIVE.value,
        )
        if len(regions) <= 1000:
            query = query.where(facts.c.region_code.in_(regions))
        if len(periods) <= 1000:
            query = query.where(facts.c.period.in_(periods))
        for row in conn.execute(query):
            if keys is None:
                keys = {fact.key for fact in checked}
            key = (row.indicator_id, row.region_code, row.period, row.dims)
            if key in keys:
                found[key] = (row.id, row.value, row.status)
    return found


def _close(conn: Connection, fact_ids: list[int], now: Any) -> None:
    for start in range(0, len(fact_ids), CHUNK):
        conn.execute(
            update(facts).where(facts.c.id.in_(fact_ids[start : start + CHUNK])).values(superseded_at=now)
        )


def _store_competing(
    conn: Connection,
    competing: list[CheckedFact],
    current: dict[Any, tuple[int, float, str]],
    catalog: IndicatorCatalog,
    base: dict[str, Any],
    report: PublishReport,
) -> None:
    """Keep values from a non-authoritative source beside the authoritative ones and raise conflicts."""
    # The same source re-reporting a key replaces its own earlier competing value.
    keys = [fact.key for fact in competing]
    for start in range(0, len(keys), 500):
        conn.execute(
            update(facts)
            .where(
                tuple_(facts.c.indicator_id, facts.c.region_code, facts.c.period, facts.c.dims).in_(
                    keys[start : start + 500]
                ),
                facts.c.role == Role.COMPETING.value,
                facts.c.source_org_id == base["source_org_id"],
                facts.c.superseded_at.is_(None),
            )
            .values(superseded_at=base["recorded_at"])
        )
    for fact in competing:
        common = (
            Role.COMPETING.value,
            base["source_org_id"],
            base["origin"],
            base["recorded_by"],
            base["recorded_at"],
        )
        values = dict(zip(COPY_COLUMNS, _row(fact, common), strict=True))
        fact_id = conn.execute(insert(facts).values(**values).returning(facts.c.id)).scalar_one()
        report.competing += 1
        existing = current.get(fact.key)
        decimals = catalog.by_id[fact.indicator_id].decimals
        if existing is not None and _same_value(existing[1], fact.value, decimals):
            continue  # the other source agrees with the authoritative value: nothing to resolve
        conflict_id = conn.execute(
            insert(conflicts)
            .values(
                indicator_id=fact.indicator_id,
                region_code=fact.region_code,
                period=fact.period,
                dims=fact.dims,
                competing_fact_id=fact_id,
                authoritative_fact_id=existing[0] if existing else None,
                gap=fact.value - existing[1] if existing else None,
                status="open",
                raised_at=base["recorded_at"],
            )
            .returning(conflicts.c.id)
        ).scalar_one()
        report.conflicts.append(conflict_id)


def current_fact_id(conn: Connection, indicator_id: int, region: str, period: str, dims: str) -> int | None:
    return conn.execute(
        select(facts.c.id).where(
            and_(
                facts.c.indicator_id == indicator_id,
                facts.c.region_code == region,
                facts.c.period == period,
                facts.c.dims == dims,
                facts.c.superseded_at.is_(None),
                facts.c.role == Role.AUTHORITATIVE.value,
            )
        )
    ).scalar_one_or_none()
