"""The Alembic migrations produce exactly the schema the SQLAlchemy models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from citybase.storage import Database
from citybase.storage.migrate import current_revision, head_revision, server_defaults_differ
from citybase.storage.schema import full_metadata


def test_migrated_database_matches_the_models(empty_db: Database) -> None:
    with empty_db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": server_defaults_differ}
        )
        differences = compare_metadata(context, full_metadata())
    assert differences == []


def test_a_prepared_database_is_at_the_newest_revision(empty_db: Database) -> None:
    assert current_revision(empty_db) == head_revision()
