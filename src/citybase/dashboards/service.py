"""Creating, changing, copying, deleting and sharing dashboards, and finding those an actor may see.

Any signed-in government user may make dashboards of their own; only the owner or a platform admin
changes, shares or deletes one; the sharing decides who else sees it. Every change is in the ledger.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from citybase.accounts.actor import Actor
from citybase.accounts.organisations import find_organisation
from citybase.accounts.permissions import Permission, require
from citybase.accounts.tables import organisations, users
from citybase.accounts.users import find_user
from citybase.dashboards.checking import check_definition
from citybase.dashboards.definition import parse_definition
from citybase.dashboards.model import ChartType, Dashboard, Definition, Measure, Panel, Sharing, Window
from citybase.dashboards.tables import dashboard_panels, dashboard_shares, dashboards
from citybase.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied, Problem
from citybase.ledger import record
from citybase.messages import N_, message
from citybase.storage.metadata import utcnow

OBJECT = "dashboard"


def checked(conn: Connection, data: Any) -> Definition:
    """The definition in `data`, or InvalidInput listing every problem (panel and field) found in it."""
    definition, problems = parse_definition(data)
    if definition is not None:
        problems = check_definition(conn, definition) + _sharing_problems(conn, definition)
    if definition is None or problems:
        raise InvalidInput(
            message(N_("The dashboard is not valid: {count} problem(s)"), count=len(problems)),
            problems=problems,
        )
    return definition


def _sharing_problems(conn: Connection, definition: Definition) -> list[Problem]:
    found: list[Problem] = []
    if definition.sharing is Sharing.ORGANISATIONS and not definition.shared_with:
        found.append(
            Problem("required", message(N_("Name the organisations to share with")), column="shared_with")
        )
    for code in definition.shared_with:
        try:
            find_organisation(conn, code)
        except NotFound as error:
            found.append(Problem("unknown", error.message, column="shared_with"))
    return found


def _owner_of(conn: Connection, actor: Actor, owner: str | None) -> tuple[int, int]:
    """(user id, organisation id) of the new dashboard's owner: the actor, or whom an admin names."""
    if owner and owner != actor.username:
        if not actor.is_platform_admin:
            raise PermissionDenied(
                message(N_("{actor} may not make dashboards for another user"), actor=actor.describe())
            )
        user = find_user(conn, owner)
        return user.id, user.org_id
    if actor.user_id is None or actor.org_id is None:
        raise InvalidInput(message(N_("Name the user who will own the dashboard")))
    return actor.user_id, actor.org_id


def create_dashboard(conn: Connection, actor: Actor, data: Any, *, owner: str | None = None) -> Dashboard:
    """A new dashboard from its definition, owned by the actor (or, for an admin, by `owner`)."""
    require(actor, Permission.VIEW_FACTS)
    return _create(conn, actor, checked(conn, data), owner, {})


def _create(
    conn: Connection, actor: Actor, definition: Definition, owner: str | None, extra: dict[str, Any]
) -> Dashboard:
    if _row(conn, definition.code) is not None:
        raise AlreadyExists(
            message(N_("A dashboard with the code {code} exists already"), code=definition.code)
        )
    user_id, org_id = _owner_of(conn, actor, owner)
    now = utcnow()
    dashboard_id = conn.execute(
        insert(dashboards)
        .values(
            code=definition.code,
            title=definition.title,
            description=definition.description,
            owner_user_id=user_id,
            owner_org_id=org_id,
            sharing=definition.sharing.value,
            created_at=now,
            updated_at=now,
            updated_by=actor.username,
        )
        .returning(dashboards.c.id)
    ).scalar_one()
    _write_parts(conn, dashboard_id, definition)
    record(conn, actor, "dashboard.created", OBJECT, definition.code, {**definition.as_dict(), **extra})
    return _load(conn, definition.code)


def update_dashboard(conn: Connection, actor: Actor, code: str, data: Any) -> Dashboard:
    """Replace a dashboard's title, description, sharing and panels; its code and owner stay."""
    current = _editable(conn, actor, code)
    definition = checked(conn, {**dict(data if isinstance(data, Mapping) else {}), "code": current.code})
    conn.execute(
        update(dashboards)
        .where(dashboards.c.id == current.id)
        .values(
            title=definition.title,
            description=definition.description,
            sharing=definition.sharing.value,
            updated_at=utcnow(),
            updated_by=actor.username,
        )
    )
    conn.execute(delete(dashboard_panels).where(dashboard_panels.c.dashboard_id == current.id))
    conn.execute(delete(dashboard_shares).where(dashboard_shares.c.dashboard_id == current.id))
    _write_parts(conn, current.id, definition)
    record(conn, actor, "dashboard.updated", OBJECT, current.code, definition.as_dict())
    return _load(conn, current.code)


def upsert_dashboard(
    conn: Connection, actor: Actor, data: Any, *, replace: bool = False, owner: str | None = None
) -> Dashboard:
    """Import a definition: a new dashboard, or with `replace` one's own dashboard of that code replaced."""
    require(actor, Permission.VIEW_FACTS)
    code = str(data.get("code") or "").strip().lower() if isinstance(data, Mapping) else ""
    if replace and code and _row(conn, code) is not None:
        return update_dashboard(conn, actor, code, data)
    return create_dashboard(conn, actor, data, owner=owner)


def copy_dashboard(
    conn: Connection, actor: Actor, code: str, new_code: str | None = None, title: str | None = None
) -> Dashboard:
    """Save a dashboard one may see as a new private one of one's own ("save as")."""
    source = get_dashboard(conn, actor, code)
    definition = source.definition.as_dict()
    definition.update(
        code=(new_code or f"{source.code[:55]}-{secrets.token_hex(3)}").strip().lower(),
        title=title or source.title,
        sharing=Sharing.PRIVATE.value,
        shared_with=[],
    )
    return _create(conn, actor, checked(conn, definition), None, {"copied_from": source.code})


def delete_dashboard(conn: Connection, actor: Actor, code: str) -> None:
    current = _editable(conn, actor, code)
    conn.execute(delete(dashboards).where(dashboards.c.id == current.id))
    record(conn, actor, "dashboard.deleted", OBJECT, current.code, current.definition.as_dict())


def share_dashboard(
    conn: Connection, actor: Actor, code: str, sharing: str, shared_with: tuple[str, ...] | list[str] = ()
) -> Dashboard:
    """Set who may see a dashboard: only its owner, the owner's organisation, the whole government, or the
    organisations named."""
    current = _editable(conn, actor, code)
    data = {**current.definition.as_dict(), "sharing": sharing, "shared_with": list(shared_with)}
    definition, problems = parse_definition(data)
    if definition is not None:
        problems = _sharing_problems(conn, definition)
    if definition is None or problems:
        raise InvalidInput(message(N_("The sharing is not valid")), problems=problems)
    kept = definition.shared_with if definition.sharing is Sharing.ORGANISATIONS else ()
    conn.execute(
        update(dashboards)
        .where(dashboards.c.id == current.id)
        .values(sharing=definition.sharing.value, updated_at=utcnow(), updated_by=actor.username)
    )
    conn.execute(delete(dashboard_shares).where(dashboard_shares.c.dashboard_id == current.id))
    _write_shares(conn, current.id, kept)
    record(
        conn,
        actor,
        "dashboard.shared",
        OBJECT,
        current.code,
        {"sharing": definition.sharing.value, "orgs": kept},
    )
    return _load(conn, current.code)


def get_dashboard(conn: Connection, actor: Actor, code: str) -> Dashboard:
    """A dashboard the actor may see; NotFound names the code, PermissionDenied says it is not shared."""
    require(actor, Permission.VIEW_FACTS)
    found = _load(conn, code)
    if not may_view(actor, found):
        raise PermissionDenied(
            message(
                N_("{actor} may not see the dashboard {code}: it is not shared with them"),
                actor=actor.describe(),
                code=found.code,
            )
        )
    return found


def list_dashboards(conn: Connection, actor: Actor) -> list[Dashboard]:
    """Every dashboard the actor may see, the most recently changed first."""
    require(actor, Permission.VIEW_FACTS)
    codes = conn.execute(
        select(dashboards.c.code).order_by(dashboards.c.updated_at.desc(), dashboards.c.code)
    )
    found = [_load(conn, code) for (code,) in codes]
    return [item for item in found if may_view(actor, item)]


def may_view(actor: Actor, dashboard: Dashboard) -> bool:
    if may_edit(actor, dashboard):
        return True
    sharing = dashboard.sharing
    if sharing is Sharing.GOVERNMENT:
        return actor.org_id is not None
    if sharing is Sharing.ORGANISATION:
        return actor.org_id == dashboard.owner_org_id
    if sharing is Sharing.ORGANISATIONS:
        return actor.org_code is not None and actor.org_code in dashboard.definition.shared_with
    return False


def may_edit(actor: Actor, dashboard: Dashboard) -> bool:
    return actor.is_platform_admin or (actor.user_id is not None and actor.user_id == dashboard.owner_user_id)


def _editable(conn: Connection, actor: Actor, code: str) -> Dashboard:
    found = get_dashboard(conn, actor, code)
    if not may_edit(actor, found):
        raise PermissionDenied(
            message(
                N_("Only the owner ({owner}) or a platform admin may change the dashboard {code}"),
                owner=found.owner,
                code=found.code,
            )
        )
    return found


def _row(conn: Connection, code: str) -> Any:
    return conn.execute(
        select(
            dashboards,
            users.c.username,
            users.c.display_name,
            organisations.c.code.label("org_code"),
        )
        .join(users, users.c.id == dashboards.c.owner_user_id)
        .join(organisations, organisations.c.id == dashboards.c.owner_org_id)
        .where(dashboards.c.code == code.strip().lower())
    ).first()


def _load(conn: Connection, code: str) -> Dashboard:
    row = _row(conn, code)
    if row is None:
        raise NotFound(message(N_("There is no dashboard {code}"), code=code))
    shared = conn.execute(
        select(organisations.c.code)
        .join(dashboard_shares, dashboard_shares.c.org_id == organisations.c.id)
        .where(dashboard_shares.c.dashboard_id == row.id)
        .order_by(organisations.c.code)
    ).scalars()
    panels = conn.execute(
        select(dashboard_panels)
        .where(dashboard_panels.c.dashboard_id == row.id)
        .order_by(dashboard_panels.c.position)
    )
    definition = Definition(
        code=row.code,
        title=row.title,
        description=row.description,
        sharing=Sharing(row.sharing),
        shared_with=tuple(shared),
        panels=tuple(_panel(item._mapping) for item in panels),
    )
    return Dashboard(
        id=row.id,
        definition=definition,
        owner=row.username,
        owner_name=row.display_name or row.username,
        owner_org=row.org_code,
        owner_org_id=row.owner_org_id,
        owner_user_id=row.owner_user_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def _panel(row: Mapping[Any, Any]) -> Panel:
    return Panel(
        title=row["title"],
        chart=ChartType(row["chart"]),
        indicators=tuple(json.loads(row["indicators"])),
        regions=tuple(json.loads(row["regions"])),
        window=Window(last=row["last_n"], start=row["period_from"], end=row["period_to"]),
        frequency=row["frequency"],
        measure=Measure(row["measure"]),
        unit=row["unit"],
        width=row["width"],
    )


def _write_parts(conn: Connection, dashboard_id: int, definition: Definition) -> None:
    if definition.panels:
        conn.execute(
            insert(dashboard_panels),
            [
                {
                    "dashboard_id": dashboard_id,
                    "position": position,
                    "title": panel.title,
                    "chart": panel.chart.value,
                    "indicators": json.dumps(list(panel.indicators), ensure_ascii=False),
                    "regions": json.dumps(list(panel.regions), ensure_ascii=False),
                    "frequency": panel.frequency,
                    "last_n": panel.window.last,
                    "period_from": panel.window.start,
                    "period_to": panel.window.end,
                    "measure": panel.measure.value,
                    "unit": panel.unit,
                    "width": panel.width,
                }
                for position, panel in enumerate(definition.panels, start=1)
            ],
        )
    if definition.sharing is Sharing.ORGANISATIONS:
        _write_shares(conn, dashboard_id, definition.shared_with)


def _write_shares(conn: Connection, dashboard_id: int, codes: tuple[str, ...]) -> None:
    ids = {find_organisation(conn, code).id for code in codes}
    if ids:
        conn.execute(
            insert(dashboard_shares), [{"dashboard_id": dashboard_id, "org_id": ident} for ident in ids]
        )
