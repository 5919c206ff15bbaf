"""`citybase indicators ...`: the indicator system as JSON or Excel, and a listing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from citybase.accounts.actor import Actor, Channel
from citybase.cli.common import (
    DatabaseUrlOption,
    console,
    console_transaction,
    fail,
    prepared_database,
    print_table,
    reporting_errors,
)

app = typer.Typer(help="The indicator system: import, export, list.", no_args_is_help=True)


@app.command("export")
def export(
    file: Annotated[Path, typer.Argument(help="Where to write it: a .json or .xlsx file.")],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Write the whole indicator system (categories, disaggregations, indicators with versions, aliases)."""
    from citybase.indicators.exchange import export_system
    from citybase.indicators.workbook import document_bytes, write_workbook

    with console_transaction(database_url, write=False) as conn:
        document = export_system(conn, Actor.system(Channel.CLI))
    content = write_workbook(document) if file.suffix.lower() == ".xlsx" else document_bytes(document)
    file.write_bytes(content)
    console.print(f"Wrote {len(document['indicators'])} indicators to {file}.")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A .json or .xlsx file as `indicators export` writes it.")],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Create or update indicators from a file; nothing is written if any part of it is wrong."""
    from citybase.indicators.exchange import import_system
    from citybase.indicators.workbook import read_workbook

    try:
        content = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc}")
    with prepared_database(database_url) as (_settings, database), reporting_errors():
        if file.suffix.lower() == ".xlsx":
            document = read_workbook(content)
        else:
            try:
                document = json.loads(content.decode("utf-8-sig"))
            except (UnicodeDecodeError, ValueError) as exc:
                fail(f"{file} is not a JSON document: {exc}")
        with database.write() as conn:
            report = import_system(conn, Actor.system(Channel.CLI), document, source=file.name)
    console.print(
        f"Imported {file}: {len(report.created)} created, {len(report.revised)} revised, {report.unchanged} "
        f"unchanged; {report.categories} categories, {report.dimensions} disaggregations, "
        f"{report.aliases} aliases."
    )


@app.command("list")
def list_(
    q: Annotated[str | None, typer.Option(help="Text in the code, names or definition.")] = None,
    category: Annotated[str | None, typer.Option(help="A category code.")] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """List indicators with their unit, frequency and authoritative department."""
    from citybase.indicators.service import list_indicators

    with console_transaction(database_url, write=False) as conn:
        found = list_indicators(conn, Actor.system(Channel.CLI), q=q, category=category)
    print_table(
        ("code", "name", "unit", "frequency", "kind", "source", "status"),
        [
            [
                item.code,
                item.name,
                item.unit,
                item.frequency.value,
                item.value_kind.value,
                item.authoritative_org,
                item.status.value,
            ]
            for item in found
        ],
    )
