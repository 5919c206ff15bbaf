"""Alembic environment: runs against the Database handed over in config.attributes."""

from alembic import context

from citybase.storage.migrate import server_defaults_differ
from citybase.storage.schema import full_metadata

config = context.config
database = config.attributes["database"]

with database.engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=full_metadata(),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=server_defaults_differ,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
