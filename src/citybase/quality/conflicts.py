"""Conflicts between sources for the board: every conflict open now and those resolved in the months, by
indicator and by the source organisation of the competing value, and the oldest open ones."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, and_, case, func, or_, select

from citybase.accounts.tables import organisations
from citybase.collection.tables import task_indicators
from citybase.facts.conflicts import Conflict, get_conflict
from citybase.facts.tables import conflicts, facts
from citybase.indicators.tables import indicators
from citybase.quality.model import ConflictCount
from citybase.quality.scope import BoardScope

OLDEST = 5


def _in_scope(scope: BoardScope) -> ColumnElement[bool]:
    """Open now, or resolved in the months; involving the organisation (the competing value's source or the
    indicator's authoritative department) when the board is narrowed to one or the actor sees only its own."""
    conditions: list[ColumnElement[bool]] = [
        or_(
            conflicts.c.status == "open",
            and_(conflicts.c.resolved_at >= scope.begins, conflicts.c.resolved_at < scope.ends),
        )
    ]
    for org_id in {scope.org.id if scope.org else None, None if scope.every_org else scope.actor.org_id}:
        if org_id is not None:
            conditions.append(
                or_(facts.c.source_org_id == org_id, indicators.c.authoritative_org_id == org_id)
            )
    if scope.task is not None:
        conditions.append(
            conflicts.c.indicator_id.in_(
                select(task_indicators.c.indicator_id).where(task_indicators.c.task_id == scope.task.id)
            )
        )
    return and_(*conditions)


def _counts(
    conn: Connection, scope: BoardScope, key: ColumnElement[str], name: ColumnElement[str]
) -> list[ConflictCount]:
    rows = conn.execute(
        select(
            key,
            name,
            func.sum(case((conflicts.c.status == "open", 1), else_=0)).label("open"),
            func.sum(case((conflicts.c.status == "open", 0), else_=1)).label("resolved"),
        )
        .select_from(conflicts)
        .join(facts, facts.c.id == conflicts.c.competing_fact_id)
        .join(indicators, indicators.c.id == conflicts.c.indicator_id)
        .join(organisations, organisations.c.id == facts.c.source_org_id)
        .where(_in_scope(scope))
        .group_by(key, name)
    ).all()
    found = [ConflictCount(row[0], row[1], int(row.open), int(row.resolved)) for row in rows]
    return sorted(found, key=lambda item: (-item.open, -item.resolved, item.key))


def conflicts_by_indicator(conn: Connection, scope: BoardScope) -> list[ConflictCount]:
    return _counts(conn, scope, indicators.c.code, indicators.c.name)


def conflicts_by_org(conn: Connection, scope: BoardScope) -> list[ConflictCount]:
    """By the organisation whose competing value raised the conflict."""
    return _counts(conn, scope, organisations.c.code, organisations.c.name)


def oldest_open(conn: Connection, scope: BoardScope, limit: int = OLDEST) -> list[Conflict]:
    """The open conflicts waiting longest, read through the conflict board (a handful, one by one)."""
    ids = (
        conn.execute(
            select(conflicts.c.id)
            .join(facts, facts.c.id == conflicts.c.competing_fact_id)
            .join(indicators, indicators.c.id == conflicts.c.indicator_id)
            .where(_in_scope(scope), conflicts.c.status == "open")
            .order_by(conflicts.c.raised_at, conflicts.c.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    return [get_conflict(conn, scope.actor, conflict_id) for conflict_id in ids]
