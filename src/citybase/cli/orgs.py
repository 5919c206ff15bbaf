"""`citybase org ...`: organisations (departments and districts)."""

from __future__ import annotations

from typing import Annotated

import typer

from citybase.cli.common import DatabaseUrlOption, console, prepared_database, print_table, reporting_errors

app = typer.Typer(help="Create and list organisations.", no_args_is_help=True)


@app.command("create")
def create(
    code: Annotated[str, typer.Option(help="Short code, e.g. EDU (capital letters, digits, '-', '_').")],
    name: Annotated[str, typer.Option(help="Full Chinese name, e.g. 深圳市教育局.")],
    kind: Annotated[str, typer.Option(help="department or district.")],
    region: Annotated[str, typer.Option(help="Division code of the area it serves, e.g. 440300.")],
    name_en: Annotated[str, typer.Option(help="English name.")] = "",
    platform: Annotated[
        bool, typer.Option("--platform", help="This is the platform's own organisation.")
    ] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Create an organisation."""
    from citybase.accounts.actor import Actor, Channel
    from citybase.accounts.organisations import create_organisation

    with (
        prepared_database(database_url) as (_settings, database),
        reporting_errors(),
        database.write() as conn,
    ):
        org = create_organisation(
            conn,
            Actor.system(Channel.CLI),
            code=code,
            name=name,
            kind=kind,
            region_code=region,
            name_en=name_en,
            platform=platform,
        )
    console.print(f"Created organisation {org.code} ({org.name}).")


@app.command("list")
def list_(
    kind: Annotated[str | None, typer.Option(help="department or district.")] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """List organisations with their region and number of users."""
    from citybase.accounts.actor import Actor, Channel
    from citybase.accounts.organisations import list_organisations

    with (
        prepared_database(database_url) as (_settings, database),
        reporting_errors(),
        database.read() as conn,
    ):
        found = list_organisations(conn, Actor.system(Channel.CLI), kind)
    rows: list[list[str]] = []
    for org in found:
        rows.append(
            [
                org.code,
                org.name + (" (platform)" if org.platform else ""),
                org.kind,
                org.region_code,
                str(org.user_count),
                "active" if org.active else "deactivated",
            ]
        )
    print_table(("code", "name", "kind", "region", "users", "state"), rows)
    console.print(f"{len(found)} organisations")
