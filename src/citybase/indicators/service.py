"""Creating, revising and reading indicator definitions; every change is versioned and in the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from sqlalchemy import Connection, delete, insert, select, update

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.accounts.tables import organisations
from citybase.errors import AlreadyExists, InvalidInput, NotFound, Problem
from citybase.indicators.catalog import INDICATORS_REVISION, indicator_catalog
from citybase.indicators.definitions import IndicatorInput, check_indicator
from citybase.indicators.model import (
    DEFAULT_AGGREGATION,
    Alias,
    Indicator,
    IndicatorVersion,
    ValueKind,
)
from citybase.indicators.tables import (
    dimensions,
    indicator_dimensions,
    indicator_reporters,
    indicator_versions,
    indicators,
)
from citybase.ledger import record
from citybase.messages import N_, message
from citybase.site import bump_revision
from citybase.storage.metadata import utcnow

# Fields whose change alters what the numbers mean (口径): changing one makes a new version.
DEFINING_FIELDS = ("definition", "unit", "formula")
EARLIEST = dt.date(1949, 1, 1)
LOGGED_FIELDS = (
    "name", "unit", "frequency", "value_kind", "status", "decimals", "definition", "formula", "growth_of",
    "price_basis",
)  # fmt: skip


def _org_ids(conn: Connection) -> dict[str, int]:
    return dict(conn.execute(select(organisations.c.code, organisations.c.id)).all())


def _refuse(problems: list[Problem], what: str) -> None:
    if problems:
        raise InvalidInput(message(N_("The indicator {code} cannot be saved"), code=what), problems=problems)


def _values(data: IndicatorInput, org_ids: dict[str, int]) -> dict[str, object]:
    kind = ValueKind(data.value_kind)
    region_default, time_default = DEFAULT_AGGREGATION[kind]
    return {
        "code": data.code,
        "name": data.name.strip(),
        "name_en": data.name_en.strip(),
        "category_code": data.category or None,
        "unit": data.unit.strip(),
        "frequency": data.frequency,
        "value_kind": kind.value,
        "region_aggregation": data.region_aggregation or region_default.value,
        "time_aggregation": data.time_aggregation or time_default.value,
        "weight_indicator": data.weight_indicator or None,
        "decimals": data.decimals,
        "min_value": data.min_value,
        "max_value": data.max_value,
        "authoritative_org_id": org_ids[data.authoritative_org],
        "status": data.status,
        "formula": data.formula or None,
        "definition": data.definition,
        "notes": data.notes,
        "growth_of": data.growth_of or None,
        "price_basis": data.price_basis or None,
    }


def _set_links(conn: Connection, indicator_id: int, data: IndicatorInput, org_ids: dict[str, int]) -> None:
    conn.execute(delete(indicator_reporters).where(indicator_reporters.c.indicator_id == indicator_id))
    reporters = sorted({*data.reporters, data.authoritative_org})
    conn.execute(
        insert(indicator_reporters),
        [{"indicator_id": indicator_id, "org_id": org_ids[code]} for code in reporters],
    )
    conn.execute(delete(indicator_dimensions).where(indicator_dimensions.c.indicator_id == indicator_id))
    if data.dimensions:
        ids = dict(conn.execute(select(dimensions.c.code, dimensions.c.id)).all())
        conn.execute(
            insert(indicator_dimensions),
            [
                {"indicator_id": indicator_id, "dimension_id": ids[code]}
                for code in sorted(set(data.dimensions))
            ],
        )


def create_indicator(
    conn: Connection, actor: Actor, data: IndicatorInput, *, effective_from: dt.date = EARLIEST
) -> Indicator:
    """Add an indicator; its first version starts at `effective_from`."""
    require(actor, Permission.MANAGE_INDICATORS)
    catalog = indicator_catalog(conn)
    org_ids = _org_ids(conn)
    if data.code in catalog.by_code or data.code in catalog.aliases:
        raise AlreadyExists(message(N_("Indicator {code} already exists"), code=data.code))
    _refuse(check_indicator(data, catalog, set(org_ids)), data.code)
    insert_indicator(conn, actor, data, org_ids, [_first_version(data, effective_from, actor)])
    bump_revision(conn, INDICATORS_REVISION)
    return indicator_catalog(conn).by_code[data.code]


def _first_version(data: IndicatorInput, effective_from: dt.date, actor: Actor) -> IndicatorVersion:
    return IndicatorVersion(
        version=1,
        effective_from=effective_from,
        definition=data.definition,
        notes=data.notes,
        unit=data.unit,
        formula=data.formula or None,
        change_note="",
        recorded_by=actor.username,
        recorded_at=utcnow(),
    )


def insert_indicator(
    conn: Connection,
    actor: Actor,
    data: IndicatorInput,
    org_ids: dict[str, int],
    history: list[IndicatorVersion],
) -> int:
    """Write a checked definition with its version history (the caller checks and bumps the revision)."""
    now = utcnow()
    latest = history[-1]
    indicator_id: int = conn.execute(
        insert(indicators)
        .values(
            **_values(data, org_ids),
            version=latest.version,
            effective_from=latest.effective_from,
            created_at=now,
            updated_at=now,
        )
        .returning(indicators.c.id)
    ).scalar_one()
    _set_links(conn, indicator_id, data, org_ids)
    conn.execute(
        insert(indicator_versions),
        [
            {
                "indicator_id": indicator_id,
                "version": item.version,
                "effective_from": item.effective_from,
                "definition": item.definition,
                "notes": item.notes,
                "unit": item.unit,
                "formula": item.formula,
                "change_note": item.change_note,
                "recorded_by": item.recorded_by,
                "recorded_at": item.recorded_at,
            }
            for item in history
        ],
    )
    record(
        conn,
        actor,
        "indicator.created",
        "indicator",
        data.code,
        {**asdict(data), "versions": len(history), "effective_from": latest.effective_from},
    )
    return indicator_id


def revise_indicator(
    conn: Connection,
    actor: Actor,
    code: str,
    data: IndicatorInput,
    *,
    effective_from: dt.date | None = None,
    change_note: str = "",
) -> Indicator:
    """Change a definition. A changed 口径 (definition, unit or formula) needs the date it takes effect and
    becomes a new version, so series can show the break; other fields change in place."""
    require(actor, Permission.MANAGE_INDICATORS)
    catalog = indicator_catalog(conn)
    current = catalog.by_code.get(code)
    if current is None:
        raise NotFound(message(N_("Unknown indicator {code}"), code=code))
    if data.code != code:
        raise InvalidInput(
            message(N_("An indicator's code cannot change ({old} → {new})"), old=code, new=data.code)
        )
    org_ids = _org_ids(conn)
    _refuse(check_indicator(data, catalog, set(org_ids)), code)
    defining_change = any(
        getattr(current, name) != (getattr(data, name) or None if name == "formula" else getattr(data, name))
        for name in DEFINING_FIELDS
    )
    values = _values(data, org_ids)
    now = utcnow()
    version = current.version
    if defining_change:
        if effective_from is None:
            raise InvalidInput(
                message(
                    N_(
                        "Changing the definition, unit or formula of {code} makes a new version: "
                        "give the date it takes effect"
                    ),
                    code=code,
                )
            )
        if effective_from <= current.effective_from:
            raise InvalidInput(
                message(
                    N_("The new version must take effect after {date}, when version {version} began"),
                    date=current.effective_from.isoformat(),
                    version=current.version,
                )
            )
        version += 1
        conn.execute(
            insert(indicator_versions).values(
                indicator_id=current.id,
                version=version,
                effective_from=effective_from,
                definition=data.definition,
                notes=data.notes,
                unit=data.unit,
                formula=data.formula or None,
                change_note=change_note,
                recorded_by=actor.username,
                recorded_at=now,
            )
        )
        values.update(version=version, effective_from=effective_from)
    conn.execute(update(indicators).where(indicators.c.id == current.id).values(**values, updated_at=now))
    _set_links(conn, current.id, data, org_ids)
    bump_revision(conn, INDICATORS_REVISION)
    changed = {
        name: [str(getattr(current, name)), str(getattr(data, name))]
        for name in LOGGED_FIELDS
        if str(getattr(current, name)) != str(getattr(data, name))
    }
    record(
        conn,
        actor,
        "indicator.revised",
        "indicator",
        code,
        {"version": version, "new_version": defining_change, "changed": changed, "change_note": change_note},
    )
    return indicator_catalog(conn).by_code[code]


def get_indicator(conn: Connection, actor: Actor, code: str) -> tuple[Indicator, Alias | None]:
    """An indicator by its code or by one of its aliases."""
    require(actor, Permission.VIEW_INDICATORS)
    found = indicator_catalog(conn).resolve(code.strip().upper())
    if found is None:
        raise NotFound(message(N_("Unknown indicator {code}"), code=code))
    return found


def list_indicators(
    conn: Connection,
    actor: Actor,
    *,
    q: str | None = None,
    category: str | None = None,
    status: str | None = None,
) -> list[Indicator]:
    """Indicators matching a text (code, Chinese or English name), in a category subtree, with a status."""
    require(actor, Permission.VIEW_INDICATORS)
    catalog = indicator_catalog(conn)
    found = list(catalog.by_code.values())
    if q:
        needle = q.strip().lower()
        found = [
            item
            for item in found
            if needle in item.code.lower()
            or needle in item.name.lower()
            or needle in item.name_en.lower()
            or needle in item.definition.lower()
        ]
    if category:
        subtree = {category}
        grew = True
        while grew:  # follow the parent links down, whatever the codes look like
            below = {code for code, item in catalog.categories.items() if item.parent in subtree}
            grew = not below <= subtree
            subtree |= below
        found = [item for item in found if item.category in subtree]
    if status:
        found = [item for item in found if item.status.value == status]
    return sorted(found, key=lambda item: (item.category or "~", item.code))


def versions_of(conn: Connection, actor: Actor, code: str) -> list[IndicatorVersion]:
    indicator, _alias = get_indicator(conn, actor, code)
    rows = conn.execute(
        select(indicator_versions)
        .where(indicator_versions.c.indicator_id == indicator.id)
        .order_by(indicator_versions.c.version)
    )
    return [
        IndicatorVersion(
            version=row.version,
            effective_from=_date(row.effective_from),
            definition=row.definition,
            notes=row.notes,
            unit=row.unit,
            formula=row.formula,
            change_note=row.change_note,
            recorded_by=row.recorded_by,
            recorded_at=row.recorded_at,
        )
        for row in rows
    ]


def _date(value: object) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]
