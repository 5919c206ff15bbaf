"""Instance-wide settings kept in the database (the city this CityBase serves, data revisions)."""

from __future__ import annotations

import uuid
from typing import cast

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


_READ_KEY = "citybase.site_settings"


def _all_settings(conn: Connection) -> dict[str, str]:
    """Every instance setting, read once per transaction: a request asks for several (the cache revisions of
    the indicator catalogue and the region index, the home region), and the table holds only a few rows."""
    transaction = conn.get_transaction()
    kept = conn.info.get(_READ_KEY)
    if kept is not None and transaction is not None and kept[0] is transaction:
        return cast(dict[str, str], kept[1])
    values: dict[str, str] = dict(conn.execute(select(site_settings.c.key, site_settings.c.value)).all())
    conn.info[_READ_KEY] = (conn.get_transaction(), values)
    return values


def get_setting(conn: Connection, key: str) -> str | None:
    return _all_settings(conn).get(key)


def get_settings(conn: Connection, *keys: str) -> dict[str, str]:
    values = _all_settings(conn)
    return {key: values[key] for key in keys if key in values}


def _put(conn: Connection, key: str, value: str) -> None:
    changed = conn.execute(update(site_settings).where(site_settings.c.key == key).values(value=value))
    if changed.rowcount == 0:
        conn.execute(insert(site_settings).values(key=key, value=value))
    _all_settings(conn)[key] = value


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
