"""Organisations: the departments (委办局) and districts that submit, review and use data."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.accounts.tables import organisations, users
from citybase.errors import AlreadyExists, InvalidInput, NotFound, Problem
from citybase.ledger import record
from citybase.messages import N_, message
from citybase.regions.codes import normalise_code
from citybase.regions.service import region_exists
from citybase.storage.metadata import utcnow

ORG_CODE = re.compile(r"^[A-Z][A-Z0-9_-]{1,31}$")


class OrgKind(StrEnum):
    DEPARTMENT = "department"
    DISTRICT = "district"


@dataclass(frozen=True)
class Organisation:
    id: int
    code: str
    name: str
    name_en: str
    kind: OrgKind
    region_code: str
    platform: bool
    active: bool
    created_at: dt.datetime
    user_count: int = 0


def _org(row: Mapping[Any, Any], user_count: int = 0) -> Organisation:
    return Organisation(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        name_en=row["name_en"],
        kind=OrgKind(row["kind"]),
        region_code=row["region_code"],
        platform=bool(row["platform"]),
        active=bool(row["active"]),
        created_at=row["created_at"],
        user_count=user_count,
    )


def create_organisation(
    conn: Connection,
    actor: Actor,
    *,
    code: str,
    name: str,
    kind: str,
    region_code: str,
    name_en: str = "",
    platform: bool = False,
) -> Organisation:
    require(actor, Permission.MANAGE_ORGS)
    problems: list[Problem] = []
    if not ORG_CODE.match(code):
        problems.append(
            Problem(
                "invalid",
                message(
                    N_(
                        "Organisation code '{code}' must be 2–32 capital letters, digits, '-' or '_', "
                        "starting with a letter"
                    ),
                    code=code,
                ),
                column="code",
            )
        )
    if not name.strip():
        problems.append(Problem("required", message(N_("The organisation name is empty")), column="name"))
    if kind not in OrgKind.__members__.values():
        problems.append(
            Problem(
                "invalid",
                message(N_("Organisation kind '{kind}' must be 'department' or 'district'"), kind=kind),
                column="kind",
            )
        )
    try:
        region = normalise_code(region_code)
        if not region_exists(conn, region):
            problems.append(
                Problem(
                    "unknown_region",
                    message(N_("Unknown region code {code}"), code=region),
                    column="region_code",
                )
            )
    except InvalidInput as exc:
        problems.append(Problem("invalid", exc.message, column="region_code"))
        region = region_code
    if problems:
        raise InvalidInput(message(N_("The organisation cannot be created")), problems=problems)
    if conn.execute(select(organisations.c.id).where(organisations.c.code == code)).first():
        raise AlreadyExists(message(N_("Organisation {code} already exists"), code=code))
    if platform and conn.execute(select(organisations.c.code).where(organisations.c.platform)).first():
        raise AlreadyExists(message(N_("There is already a platform organisation")))
    org_id = conn.execute(
        insert(organisations)
        .values(
            code=code,
            name=name.strip(),
            name_en=name_en.strip(),
            kind=kind,
            region_code=region,
            platform=platform,
            active=True,
            created_at=utcnow(),
        )
        .returning(organisations.c.id)
    ).scalar_one()
    record(
        conn,
        actor,
        "org.created",
        "organisation",
        code,
        {"name": name.strip(), "kind": kind, "region_code": region, "platform": platform},
    )
    return _get(conn, org_id)


def _get(conn: Connection, org_id: int) -> Organisation:
    row = conn.execute(select(organisations).where(organisations.c.id == org_id)).one()
    return _org(row._mapping)


def find_organisation(conn: Connection, code: str) -> Organisation:
    """Look an organisation up by code without a permission check (for services that check their own)."""
    row = conn.execute(select(organisations).where(organisations.c.code == code)).first()
    if row is None:
        raise NotFound(message(N_("Unknown organisation {code}"), code=code))
    return _org(row._mapping)


def get_organisation(conn: Connection, actor: Actor, code: str) -> Organisation:
    require(actor, Permission.VIEW_ORGS)
    return find_organisation(conn, code)


def list_organisations(conn: Connection, actor: Actor, kind: str | None = None) -> list[Organisation]:
    require(actor, Permission.VIEW_ORGS)
    counts = (
        select(users.c.org_id, func.count().label("n"))
        .where(users.c.active)
        .group_by(users.c.org_id)
        .subquery()
    )
    query = (
        select(organisations, func.coalesce(counts.c.n, 0).label("user_count"))
        .outerjoin(counts, counts.c.org_id == organisations.c.id)
        .order_by(organisations.c.kind, organisations.c.code)
    )
    if kind:
        query = query.where(organisations.c.kind == kind)
    return [_org(row._mapping, row.user_count) for row in conn.execute(query)]


def set_organisation_active(conn: Connection, actor: Actor, code: str, active: bool) -> Organisation:
    require(actor, Permission.MANAGE_ORGS)
    org = find_organisation(conn, code)
    if org.platform and not active:
        raise InvalidInput(message(N_("The platform organisation {code} cannot be deactivated"), code=code))
    conn.execute(update(organisations).where(organisations.c.id == org.id).values(active=active))
    record(conn, actor, "org.activated" if active else "org.deactivated", "organisation", code, {})
    return _get(conn, org.id)


def platform_org_id(conn: Connection) -> int:
    """The platform organisation (市大数据局), which reviews submissions made outside any task."""
    found = conn.execute(
        select(organisations.c.id)
        .where(organisations.c.platform.is_(True))
        .order_by(organisations.c.id)
        .limit(1)
    ).scalar_one_or_none()
    if found is None:
        raise InvalidInput(message(N_("No platform organisation exists; create one first")))
    return int(found)
