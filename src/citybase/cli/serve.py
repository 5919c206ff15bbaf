"""`citybase serve`: run the web UI and API with Uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from citybase.cli.common import DatabaseUrlOption, console, open_database, reporting_errors, settings_for


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    database_url: DatabaseUrlOption = None,
    migrate: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Apply pending migrations first.")
    ] = True,
    log_level: Annotated[str | None, typer.Option(help="debug, info, warning or error.")] = None,
) -> None:
    """Serve CityBase until stopped (Ctrl+C)."""
    import logging

    import uvicorn

    from citybase.app import create_app, settle_for_serving
    from citybase.instance import prepare_database

    # Migrations run here, before the server starts, so a failure is reported plainly; the app skips them.
    settings = settings_for(database_url, log_level=log_level, auto_migrate=False)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Alembic announces its context on every revision check (/healthz asks for one); keep that quiet.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if migrate:
        with reporting_errors():
            database = open_database(settings)
            report = prepare_database(database)
            database.dispose()
        if report.migrated_from != report.migrated_to:
            console.print(f"database schema at revision {report.migrated_to}")
    app = create_app(settings)
    settle_for_serving(app)
    console.print(f"CityBase serving on http://{host}:{port}/  (database {_shown(settings.database_url)})")
    uvicorn.run(
        app, host=host, port=port, log_level=settings.log_level, access_log=settings.log_level == "debug"
    )


def _shown(url: str) -> str:
    from citybase.storage.database import safe_url

    return safe_url(url)
