"""`citybase org ...`: organisations (departments and districts) and their code mappings."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from citybase.cli.common import (
    DatabaseUrlOption,
    console,
    console_transaction,
    fail,
    prepared_database,
    print_table,
    reporting_errors,
)

app = typer.Typer(
    help="Create and list organisations; list, set, remove and import their code mappings.",
    no_args_is_help=True,
)

OrgArgument = Annotated[str, typer.Argument(help="Organisation code, e.g. NANSHAN.")]
KindOption = Annotated[str, typer.Option(help="region or indicator.")]
LocalOption = Annotated[str, typer.Option(help="The organisation's own code or name, e.g. 南山片区.")]


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

    with console_transaction(database_url, write=True) as conn:
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

    with console_transaction(database_url, write=False) as conn:
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


@app.command("mappings")
def mappings(
    org: OrgArgument,
    kind: Annotated[str | None, typer.Option(help="Only region or only indicator mappings.")] = None,
    format: Annotated[Literal["table", "csv"], typer.Option(help="Output format.")] = "table",
    database_url: DatabaseUrlOption = None,
) -> None:
    """List an organisation's code mappings (代码对照): its local codes and names → standard codes."""
    from citybase.accounts.actor import Actor, Channel
    from citybase.collection.codemaps import list_code_mappings, mappings_csv

    with console_transaction(database_url, write=False) as conn:
        found = list_code_mappings(conn, Actor.system(Channel.CLI), org, kind)
    if format == "csv":
        sys.stdout.write(mappings_csv(found))
        return
    print_table(
        ("kind", "local code", "standard code", "standard name", "updated by"),
        [
            [item.kind, item.local_code, item.standard_code, item.standard_name, item.updated_by]
            for item in found
        ],
    )
    console.print(f"{len(found)} mappings")


@app.command("map")
def map_(
    org: OrgArgument,
    kind: KindOption,
    local: LocalOption,
    standard: Annotated[str, typer.Option(help="The standard code: a division code or an indicator code.")],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Map a local code or name of the organisation to a standard code (set or change it)."""
    from citybase.accounts.actor import Actor, Channel
    from citybase.collection.codemaps import set_code_mapping

    with console_transaction(database_url, write=True) as conn:
        item = set_code_mapping(conn, Actor.system(Channel.CLI), org, kind, local, standard)
    console.print(f"{org}: {item.kind} {item.local_code} → {item.standard_code} ({item.standard_name})")


@app.command("unmap")
def unmap(
    org: OrgArgument, kind: KindOption, local: LocalOption, database_url: DatabaseUrlOption = None
) -> None:
    """Remove one code mapping of the organisation."""
    from citybase.accounts.actor import Actor, Channel
    from citybase.collection.codemaps import remove_code_mapping

    with console_transaction(database_url, write=True) as conn:
        item = remove_code_mapping(conn, Actor.system(Channel.CLI), org, kind, local)
    console.print(f"{org}: removed {item.kind} {item.local_code} → {item.standard_code}")


@app.command("mappings-import")
def mappings_import(
    org: OrgArgument,
    file: Annotated[
        Path, typer.Argument(help=".csv or .xlsx with the columns kind, local_code, standard_code.")
    ],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Add or change many mappings from a file, all or nothing: any bad row is listed and nothing is kept."""
    from citybase.accounts.actor import Actor, Channel
    from citybase.collection.codemap_import import import_code_mappings
    from citybase.collection.reading import ReadLimits

    if not file.is_file():
        fail(f"no such file: {file}", 2)
    data = file.read_bytes()
    with prepared_database(database_url) as (settings, database), reporting_errors():
        limits = ReadLimits(max_bytes=settings.upload_max_mb * 1024 * 1024, max_rows=settings.upload_max_rows)
        with database.write() as conn:
            result = import_code_mappings(
                conn, Actor.system(Channel.CLI), org, data, file.name, limits=limits
            )
    console.print(
        f"{org}: {result.rows} mappings read from {file.name}: "
        f"{result.added} added, {result.changed} changed, {result.unchanged} unchanged"
    )
