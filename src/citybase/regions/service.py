"""Region lookups by code (optionally for a year), children, ancestors and recorded changes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.errors import NotFound
from citybase.messages import N_, message
from citybase.regions.codes import normalise_code
from citybase.regions.model import ChangeKind, Level, Region, RegionChange
from citybase.regions.tables import region_changes, regions


def to_region(row: Mapping[str, Any]) -> Region:
    return Region(
        code=row["code"],
        name=row["name"],
        level=Level(row["level"]),
        parent_code=row["parent_code"],
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
    )


def _valid_in(year: int) -> Any:
    return and_(
        or_(regions.c.valid_from.is_(None), regions.c.valid_from <= year),
        or_(regions.c.valid_to.is_(None), regions.c.valid_to >= year),
    )


def get_region(conn: Connection, actor: Actor, code: str, year: int | None = None) -> Region:
    """The version of `code` valid in `year`; without a year the current one, else the latest retired one."""
    require(actor, Permission.VIEW_REGIONS)
    return lookup_region(conn, code, year)


def lookup_region(conn: Connection, code: str, year: int | None = None) -> Region:
    """`get_region` without the permission check, for other domains validating a code they were given."""
    code = normalise_code(code)
    query = select(regions).where(regions.c.code == code)
    if year is not None:
        row = conn.execute(query.where(_valid_in(year))).first()
        if row is None:
            raise NotFound(message(N_("Region code {code} was not in use in {year}"), code=code, year=year))
        return to_region(row._mapping)
    # Current version first (valid_to NULL sorts as the largest), then the most recently retired.
    row = conn.execute(
        query.order_by(regions.c.valid_to.is_(None).desc(), regions.c.valid_to.desc()).limit(1)
    ).first()
    if row is None:
        raise NotFound(message(N_("Unknown region code {code}"), code=code))
    return to_region(row._mapping)


def region_exists(conn: Connection, code: str) -> bool:
    return conn.execute(select(regions.c.id).where(regions.c.code == code).limit(1)).first() is not None


def versions(conn: Connection, actor: Actor, code: str) -> list[Region]:
    require(actor, Permission.VIEW_REGIONS)
    code = normalise_code(code)
    rows = conn.execute(
        select(regions).where(regions.c.code == code).order_by(regions.c.valid_from.nulls_first())
    )
    found = [to_region(row._mapping) for row in rows]
    if not found:
        raise NotFound(message(N_("Unknown region code {code}"), code=code))
    return found


def children(conn: Connection, actor: Actor, code: str, year: int | None = None) -> list[Region]:
    """Direct children of a region, current ones (or those valid in `year`), ordered by code."""
    parent = get_region(conn, actor, code, year)
    condition = regions.c.valid_to.is_(None) if year is None else _valid_in(year)
    rows = conn.execute(
        select(regions).where(regions.c.parent_code == parent.code, condition).order_by(regions.c.code)
    )
    return [to_region(row._mapping) for row in rows]


def child_counts(conn: Connection, codes: list[str]) -> dict[str, int]:
    """How many current children each of `codes` has (for drawing expandable tree nodes)."""
    if not codes:
        return {}
    rows = conn.execute(
        select(regions.c.parent_code, func.count())
        .where(regions.c.parent_code.in_(codes), regions.c.valid_to.is_(None))
        .group_by(regions.c.parent_code)
    )
    return {parent: count for parent, count in rows}


def ancestors(conn: Connection, actor: Actor, code: str, year: int | None = None) -> list[Region]:
    """From the root down to the region's parent."""
    require(actor, Permission.VIEW_REGIONS)
    return lookup_ancestors(conn, code, year)


def lookup_ancestors(conn: Connection, code: str, year: int | None = None) -> list[Region]:
    chain: list[Region] = []
    region = lookup_region(conn, code, year)
    seen = {region.code}
    while region.parent_code:
        region = lookup_region(conn, region.parent_code, year)
        if region.code in seen:  # a cycle would be a data error; stop rather than loop forever
            break
        seen.add(region.code)
        chain.append(region)
    chain.reverse()
    return chain


def roots(conn: Connection, actor: Actor) -> list[Region]:
    require(actor, Permission.VIEW_REGIONS)
    rows = conn.execute(
        select(regions).where(regions.c.parent_code.is_(None), regions.c.valid_to.is_(None)).order_by(regions.c.code)
    )
    return [to_region(row._mapping) for row in rows]


def changes_of(conn: Connection, actor: Actor, code: str) -> list[RegionChange]:
    require(actor, Permission.VIEW_REGIONS)
    code = normalise_code(code)
    rows = conn.execute(
        select(region_changes)
        .where(or_(region_changes.c.old_code == code, region_changes.c.new_code == code))
        .order_by(region_changes.c.year, region_changes.c.id)
    )
    return [
        RegionChange(
            year=row.year, kind=ChangeKind(row.kind), old_code=row.old_code, new_code=row.new_code, note=row.note
        )
        for row in rows
    ]


def level_counts(conn: Connection, actor: Actor) -> dict[Level, int]:
    require(actor, Permission.VIEW_REGIONS)
    rows = conn.execute(
        select(regions.c.level, func.count()).where(regions.c.valid_to.is_(None)).group_by(regions.c.level)
    )
    return {Level(level): count for level, count in rows}


def is_within(conn: Connection, code: str, ancestor_code: str) -> bool:
    """Whether `code` lies in `ancestor_code`'s subtree (a region is within itself)."""
    if code == ancestor_code:
        return True
    return any(region.code == ancestor_code for region in lookup_ancestors(conn, code))


def regions_at_level(conn: Connection, actor: Actor, level: Level, year: int | None = None) -> list[Region]:
    require(actor, Permission.VIEW_REGIONS)
    condition = regions.c.valid_to.is_(None) if year is None else _valid_in(year)
    rows = conn.execute(select(regions).where(regions.c.level == level.value, condition).order_by(regions.c.code))
    return [to_region(row._mapping) for row in rows]
