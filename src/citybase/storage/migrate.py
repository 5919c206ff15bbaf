"""Alembic, driven from code: upgrade to head, report the revision, and check for pending migrations."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from citybase.storage.database import Database


def alembic_config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("citybase.storage").joinpath("migrations")))
    config.attributes["database"] = db
    return config


def head_revision() -> str:
    config = Config()
    config.set_main_option("script_location", str(resources.files("citybase.storage").joinpath("migrations")))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None, "the migrations folder has no revisions"
    return head


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database, revision: str = "head") -> None:
    command.upgrade(alembic_config(db), revision)


def drop_everything(db: Database) -> None:
    """Remove every CityBase table and the migration record (used to replace a demo database)."""
    from sqlalchemy import MetaData

    reflected = MetaData()
    with db.engine.begin() as conn:
        reflected.reflect(conn)
        reflected.drop_all(conn)


def _normalise_default(text: str | None) -> str | None:
    if text is None:
        return None
    value = text.strip().lower()
    value = value.split("::")[0]  # PostgreSQL casts, e.g. ''::character varying
    while value.startswith("(") and value.endswith(")"):
        value = value[1:-1].strip()
    return value.strip("'\"")


def server_defaults_differ(
    _context: object,
    _inspected_column: object,
    _metadata_column: object,
    inspected_default: str | None,
    _metadata_default: object,
    rendered_metadata_default: str | None,
) -> bool:
    """Compare server defaults as text, ignoring the quoting and casts each backend adds when reflecting."""
    return _normalise_default(inspected_default) != _normalise_default(rendered_metadata_default)
