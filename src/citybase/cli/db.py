"""`citybase db ...`: schema migrations."""

from __future__ import annotations

import typer

from citybase.cli.common import DatabaseUrlOption, console, open_database, reporting_errors, settings_for

app = typer.Typer(help="Database schema: apply and inspect migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(database_url: DatabaseUrlOption = None) -> None:
    """Apply every pending migration and load the national division list if it is missing."""
    from citybase.accounts.actor import Channel
    from citybase.instance import prepare_database

    settings = settings_for(database_url)
    with reporting_errors():
        database = open_database(settings)
        report = prepare_database(database, Channel.CLI)
        database.dispose()
    if report.migrated_from == report.migrated_to:
        console.print(f"Already at the newest schema revision ({report.migrated_to}).")
    else:
        console.print(f"Schema upgraded from {report.migrated_from or 'empty'} to {report.migrated_to}.")
    if report.regions_loaded:
        console.print(f"Loaded {report.regions_loaded} divisions from the bundled national list.")


@app.command("current")
def current(database_url: DatabaseUrlOption = None) -> None:
    """Show the database's schema revision and whether migrations are pending."""
    from citybase.storage.migrate import current_revision, head_revision

    settings = settings_for(database_url)
    with reporting_errors():
        database = open_database(settings)
        database.check()
        revision = current_revision(database)
        database.dispose()
    head = head_revision()
    state = "up to date" if revision == head else f"behind (newest is {head}); run `citybase db upgrade`"
    console.print(f"revision {revision or 'none (empty database)'}: {state}")
