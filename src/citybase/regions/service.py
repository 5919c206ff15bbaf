"""Region lookups by code (optionally for a year), children, ancestors and recorded changes.

Lookups read the in-memory index (regions/index.py); only the change history is queried directly.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Connection, or_, select

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.errors import NotFound
from citybase.messages import N_, message
from citybase.regions.codes import normalise_code
from citybase.regions.index import region_index
from citybase.regions.model import ChangeKind, Level, Region, RegionChange
from citybase.regions.tables import region_changes


def get_region(conn: Connection, actor: Actor, code: str, year: int | None = None) -> Region:
    """The version of `code` valid in `year`; without a year the current one, else the latest retired one."""
    require(actor, Permission.VIEW_REGIONS)
    return lookup_region(conn, code, year)


def lookup_region(conn: Connection, code: str, year: int | None = None) -> Region:
    """`get_region` without the permission check, for other domains validating a code they were given."""
    code = normalise_code(code)
    index = region_index(conn)
    if year is not None:
        found = index.valid_version(code, year)
        if found is None:
            if code not in index.versions:
                raise NotFound(message(N_("Unknown region code {code}"), code=code))
            raise NotFound(message(N_("Region code {code} was not in use in {year}"), code=code, year=year))
        return found
    latest = index.latest(code)
    if latest is None:
        raise NotFound(message(N_("Unknown region code {code}"), code=code))
    return latest


def region_exists(conn: Connection, code: str) -> bool:
    return code in region_index(conn).versions


def versions(conn: Connection, actor: Actor, code: str) -> list[Region]:
    require(actor, Permission.VIEW_REGIONS)
    code = normalise_code(code)
    found = region_index(conn).versions.get(code)
    if not found:
        raise NotFound(message(N_("Unknown region code {code}"), code=code))
    return sorted(found, key=lambda region: region.valid_from or 0)


def children(conn: Connection, actor: Actor, code: str, year: int | None = None) -> list[Region]:
    """Direct children of a region, current ones (or those valid in `year`), ordered by code."""
    parent = get_region(conn, actor, code, year)
    return region_index(conn).children_of(parent.code, year)


def child_counts(conn: Connection, codes: list[str]) -> dict[str, int]:
    """How many current children each of `codes` has (for drawing expandable tree nodes)."""
    index = region_index(conn)
    return {code: count for code in codes if (count := len(index.children_of(code)))}


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
    index = region_index(conn)
    return [
        region
        for found in index.versions.values()
        for region in found
        if region.parent_code is None and region.is_current
    ]


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
            year=row.year,
            kind=ChangeKind(row.kind),
            old_code=row.old_code,
            new_code=row.new_code,
            note=row.note,
        )
        for row in rows
    ]


def level_counts(conn: Connection, actor: Actor) -> dict[Level, int]:
    require(actor, Permission.VIEW_REGIONS)
    index = region_index(conn)
    return dict(
        Counter(region.level for found in index.versions.values() for region in found if region.is_current)
    )


def is_within(conn: Connection, code: str, ancestor_code: str) -> bool:
    """Whether `code` lies in `ancestor_code`'s subtree (a region is within itself)."""
    if code == ancestor_code:
        return True
    return any(region.code == ancestor_code for region in lookup_ancestors(conn, code))


def regions_at_level(conn: Connection, actor: Actor, level: Level, year: int | None = None) -> list[Region]:
    require(actor, Permission.VIEW_REGIONS)
    index = region_index(conn)
    found = [
        region
        for versions_ in index.versions.values()
        for region in versions_
        if region.level is level and (region.is_current if year is None else region.valid_in(year))
    ]
    return sorted(found, key=lambda region: region.code)
