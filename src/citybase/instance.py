"""Getting a database ready to serve: migrations, then the reference data every city needs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from citybase.accounts.actor import Actor, Channel
from citybase.accounts.tables import organisations, users
from citybase.regions.loader import load_bundled
from citybase.regions.tables import regions
from citybase.storage.database import Database
from citybase.storage.migrate import current_revision, head_revision, upgrade


@dataclass(frozen=True)
class PrepareReport:
    migrated_from: str | None
    migrated_to: str
    regions_loaded: int


def prepare_database(db: Database, via: Channel = Channel.SYSTEM) -> PrepareReport:
    """Apply pending migrations and load the national division list into an empty regions table."""
    db.check()
    before = current_revision(db)
    if before != head_revision():
        upgrade(db)
    loaded = 0
    with db.write() as conn:
        if conn.execute(select(func.count()).select_from(regions)).scalar_one() == 0:
            loaded = len(load_bundled(conn, Actor.system(via)).added)
    return PrepareReport(before, head_revision(), loaded)


def is_empty(conn: Connection) -> bool:
    """True while no organisation or user has been created (a database `demo` may load into)."""
    has_orgs = conn.execute(select(organisations.c.id).limit(1)).first() is not None
    has_users = conn.execute(select(users.c.id).limit(1)).first() is not None
    return not (has_orgs or has_users)
