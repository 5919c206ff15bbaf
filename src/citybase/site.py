"""Instance-wide settings kept in the database (the city this CityBase serves, data revisions)."""

from __future__ import annotations

import uuid

from sqlalchemy import Column, Connection, String, Table, Text, insert, select, update

from citybase.accounts.actor import Actor
from citybase.ledger import record
from citybase.storage.metadata import metadata

site_settings = Table(
    "site_settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

HOME_REGION = "home_region"
REGIONS_REVISION = "regions_revision"


def get_setting(conn: Connection, key: str) -> str | None:
    return conn.execute(select(site_settings.c.value).where(site_settings.c.key == key)).scalar_one_or_none()


def get_settings(conn: Connection, *keys: str) -> dict[str, str]:
    rows = conn.execute(
        select(site_settings.c.key, site_settings.c.value).where(site_settings.c.key.in_(keys))
    )
    return dict(rows.all())


def _put(conn: Connection, key: str, value: str) -> None:
    changed = conn.execute(update(site_settings).where(site_settings.c.key == key).values(value=value))
    if changed.rowcount == 0:
        conn.execute(insert(site_settings).values(key=key, value=value))


def set_setting(conn: Connection, actor: Actor, key: str, value: str) -> None:
    """Change an instance setting and record it in the ledger."""
    previous = get_setting(conn, key)
    _put(conn, key, value)
    record(conn, actor, "site.setting_changed", "site_setting", key, {"from": previous, "to": value})


def bump_revision(conn: Connection, key: str) -> str:
    """Give a cache revision a new random value; caches of derived data compare it to know they are stale.

    Random rather than counted: a revision written in a transaction that rolls back is never reused.
    """
    revision = uuid.uuid4().hex
    _put(conn, key, revision)
    return revision
